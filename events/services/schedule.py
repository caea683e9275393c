"""Importing a frab schedule into a programme: each schedule event is one `dmw_session` event
with one session, found again on a re-import by its guid (`ScheduleEntry`).

Everything goes through the services every other change uses, so the rules are the same:
a session in a room books it through booking's engine; a moved talk is `move_session`
(SEQUENCE up, its registrants mailed a new invitation); a talk gone from the schedule loses
its session through `cancel_session` (its registrants mailed a CANCEL, the room freed) and
its registration closes. The whole import is one transaction in which the schedule must be
free of clashes as a whole (talks may trade rooms); a clash does not stop the import at
once, so the 409 lists every clash, and nothing is kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from booking import services as booking_services
from booking.models import Room
from events.errors import RegistrationError
from events.models import (
    Event,
    EventKind,
    Programme,
    ScheduleEntry,
    ScheduleSettings,
    Session,
    Speaker,
    Theme,
)
from events.schedule_import import SchedulePerson, ScheduleTalk
from events.services.events import update_event
from events.services.roles import require_organiser, require_programme_manager
from events.services.sessions import (
    SessionSpec,
    _add_session,
    _cancel_session,
    _check_session_times,
    _move_session,
    _room_errors,
)


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    cancelled: int = 0
    unchanged: int = 0
    conflicts: list = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {
            "created": self.created,
            "updated": self.updated,
            "cancelled": self.cancelled,
            "unchanged": self.unchanged,
        }


def rooms_for_mapping(room_map: dict[str, str]) -> dict[str, Room]:
    """Schedule room name -> our room; a slug we do not know is a 400 naming it."""
    slugs = {slug for slug in room_map.values() if slug}
    rooms = {room.slug: room for room in Room.objects.filter(slug__in=slugs)}
    unknown = sorted(slugs - set(rooms))
    if unknown:
        raise RegistrationError(
            _("Unknown room %(slug)s in the room mapping.") % {"slug": unknown[0]}, field="rooms"
        )
    return {name: rooms[slug] for name, slug in room_map.items() if slug}


def theme_for_track(track: str) -> str | None:
    """The covenant theme a schedule track names (its value or label, Dutch or English)."""
    wanted = track.casefold()
    for theme in Theme:
        names = {theme.value, theme.value.replace("_", "-")}
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                names.add(str(theme.label).casefold())
        if wanted in names:
            return theme.value
    return None


def _spec(talk: ScheduleTalk, rooms: dict[str, Room]) -> SessionSpec:
    room = rooms.get(talk.room)
    return SessionSpec(
        start=talk.start,
        end=talk.end,
        room=room,
        location_text="" if room else talk.room[:200],
    )


def _same_place_and_time(session: Session, spec: SessionSpec) -> bool:
    return (session.start, session.end, session.location_text, session.room_id) == (
        spec.start,
        spec.end,
        spec.location_text,
        spec.room.pk if spec.room else None,
    )


def _event_slug(programme: Programme, talk: ScheduleTalk, taken: set[str]) -> str:
    # slugify leaves no dash at either end and none twice: the cut may leave one at the end.
    base = slugify(f"{programme.slug}-{talk.title}")[:60].removesuffix("-")
    digits = talk.guid.hex
    for suffix in (digits[:8], digits[:16], digits):
        slug = f"{base}-{suffix}"
        if slug not in taken:
            taken.add(slug)
            return slug
    raise RegistrationError(_("No free slug for %(title)s.") % {"title": talk.title})


def _speakers(programme: Programme, talks: list[ScheduleTalk]) -> dict[str, Speaker]:
    """Every person of the schedule as a speaker of the programme, by schedule key; the
    file's name, bio and organisation win where it has them."""
    people: dict[str, SchedulePerson] = {}
    for talk in talks:
        for person in talk.persons:
            people.setdefault(person.key, person)
    existing = {
        speaker.external_id: speaker
        for speaker in Speaker.objects.filter(programme=programme, external_id__in=list(people))
    }
    created = Speaker.objects.bulk_create(
        Speaker(
            programme=programme,
            external_id=key,
            name=person.name,
            bio=person.bio,
            organisation=person.organisation,
        )
        for key, person in people.items()
        if key not in existing
    )
    fresh = {speaker.external_id for speaker in created}
    existing.update((speaker.external_id, speaker) for speaker in created)
    for key, person in people.items():
        speaker = existing[key]
        if key in fresh:
            continue
        changes = {
            name: value
            for name, value in (
                ("name", person.name),
                ("bio", person.bio),
                ("organisation", person.organisation),
            )
            if value and getattr(speaker, name) != value
        }
        if changes:
            for name, value in changes.items():
                setattr(speaker, name, value)
            speaker.save(update_fields=[*changes, "updated_at"])
    return existing


class _Import:
    """One import run; `run` is the whole of it, inside the caller's transaction. Who runs it
    manages the programme (import_schedule checks), so every event in it: the sessions'
    services are called without asking again for each talk."""

    def __init__(self, *, actor, programme: Programme, talks, rooms, speakers):
        self.actor = actor
        self.programme = programme
        self.talks = talks
        self.rooms = rooms
        self.speakers = speakers
        self.result = ImportResult()
        self.entries = {
            entry.guid: entry
            for entry in ScheduleEntry.objects.filter(programme=programme)
            .select_related("event", "session__booking")
            # Whole rows: a moved talk's mail lists its speakers' names and organisations.
            .prefetch_related("event__speakers")
            .select_for_update(of=("self",))
        }

    def _attempt(self, talk: ScheduleTalk, change) -> None:
        """Run one talk's change; a clash is noted (the import goes on to find them all),
        any other refusal names the talk and ends the import: a fault of the file (400)."""
        try:
            change()
        except RegistrationError as error:
            if error.code != "conflict":
                raise RegistrationError(f"{talk.title}: {error.message}", field="file") from error
            self.result.conflicts.extend(error.conflicts)

    def run(self) -> ImportResult:
        wanted = {talk.guid for talk in self.talks}
        for guid, entry in self.entries.items():
            if guid not in wanted and entry.cancelled_at is None:
                self._cancel(entry)
        moving = tuple(
            entry.session.booking_id
            for talk in self.talks
            if (entry := self.entries.get(talk.guid))
            and entry.session is not None
            and entry.session.booking_id
            and not _same_place_and_time(entry.session, _spec(talk, self.rooms))
        )
        # Every slug _event_slug may make starts so (its cut's last dash is its separator).
        taken = set(
            Event.objects.filter(slug__startswith=slugify(self.programme.slug)[:60]).values_list(
                "slug", flat=True
            )
        )
        with _room_errors(), booking_services.rearranging() as rebooked:
            new = []
            for talk in self.talks:
                entry = self.entries.get(talk.guid)
                if entry is None:
                    new.append(talk)
                else:
                    self._attempt(
                        talk, lambda t=talk, e=entry: self._update(t, e, rebooked, moving)
                    )
            self._create_all(new, taken)
            if self.result.conflicts:
                raise RegistrationError(
                    _(
                        "The schedule clashes with bookings of the mapped rooms "
                        "(%(count)s clashes); nothing was imported."
                    )
                    % {"count": len(self.result.conflicts)},
                    code="conflict",
                    conflicts=self.result.conflicts,
                )
        return self.result

    def _speakers_of(self, talk: ScheduleTalk) -> list[Speaker]:
        return [self.speakers[person.key] for person in talk.persons]

    def _create_all(self, talks: list[ScheduleTalk], taken: set[str]) -> None:
        """Every new talk as an event with its session, a handful of statements for them all:
        the rooms held in one go (booking.services.hold_rooms: each room locked once, every
        clash found), then events, owners, sessions, speakers and entries inserted in bulk.
        The known talks have moved by then, so the new bookings are checked against every
        booking where it will be, and a clash with a moved talk is listed with the others;
        they need no check at the end of the rearrangement."""
        # The zips below are not mutated: their lists are built one from another, so they
        # are always of a length; strict=True only guards against a future slip.
        specs = [_spec(talk, self.rooms) for talk in talks]
        for talk, spec in zip(talks, specs, strict=True):  # pragma: no mutate
            self._attempt(talk, lambda spec=spec: _check_session_times(spec))
        in_rooms = [i for i, spec in enumerate(specs) if spec.room]
        holds = [
            booking_services.Hold(
                room=specs[i].room,
                start=specs[i].start,
                end=specs[i].end,
                title=talks[i].title,
                attendees=max(specs[i].room.capacity, 1),
            )
            for i in in_rooms
        ]
        try:
            held = booking_services.hold_rooms(actor=self.actor, holds=holds)
        except booking_services.HoldsRefused as refused:
            for index, error in refused.refusals:
                self._attempt(talks[in_rooms[index]], lambda error=error: _raise_as_ours(error))
            return
        if self.result.conflicts:
            return  # The import fails: writing the rest would only be undone.
        booking_of = dict(zip(in_rooms, held, strict=True))  # pragma: no mutate
        events = Event.objects.bulk_create(
            Event(
                slug=_event_slug(self.programme, talk, taken),
                programme=self.programme,
                kind=EventKind.DMW_SESSION,
                theme=theme_for_track(talk.track) or Theme.MEDIA_CAMPUS,
                title=talk.title,
                description=talk.description,
                capacity=spec.room.capacity if spec.room else 0,
            )
            for talk, spec in zip(talks, specs, strict=True)  # pragma: no mutate
        )
        # Its creator is an event's first owner (create_event).
        Event.owners.through.objects.bulk_create(
            Event.owners.through(event_id=event.pk, user_id=self.actor.pk) for event in events
        )
        sessions = Session.objects.bulk_create(
            Session(
                event=event,
                start=spec.start,
                end=spec.end,
                room=spec.room,
                booking=booking_of.get(i),
                location_text=spec.location_text,
            )
            for i, (event, spec) in enumerate(zip(events, specs, strict=True))  # pragma: no mutate
        )
        Speaker.events.through.objects.bulk_create(
            Speaker.events.through(speaker_id=speaker.pk, event_id=event.pk)
            for talk, event in zip(talks, events, strict=True)  # pragma: no mutate
            for speaker in {s.pk: s for s in self._speakers_of(talk)}.values()
        )
        made = zip(talks, events, sessions, strict=True)  # pragma: no mutate
        ScheduleEntry.objects.bulk_create(
            ScheduleEntry(programme=self.programme, guid=talk.guid, event=event, session=session)
            for talk, event, session in made
        )
        self.result.created = len(talks)

    def _update(self, talk, entry: ScheduleEntry, rebooked, moving) -> None:
        event = entry.event
        changes = {
            name: value
            for name, value in (
                ("title", talk.title),
                ("description", talk.description),
                ("theme", theme_for_track(talk.track) or event.theme),
            )
            if getattr(event, name) != value
        }
        if entry.cancelled_at is not None:
            # Back in the schedule: registration opens again.
            changes["registration_closes"] = None
        speakers = self._speakers_of(talk)
        speakers_changed = {s.pk for s in speakers} != {s.pk for s in event.speakers.all()}
        spec = _spec(talk, self.rooms)
        moves = entry.session is None or not _same_place_and_time(entry.session, spec)
        if not (changes or speakers_changed or moves):
            self.result.unchanged += 1
            return
        with transaction.atomic():
            if changes:
                update_event(actor=self.actor, event=event, **changes)
            if speakers_changed:
                event.speakers.set(speakers)
                Event.objects.filter(pk=event.pk).update(updated_at=timezone.now())
            if entry.session is None:
                session = _add_session(actor=self.actor, event=event, spec=spec, moving_with=moving)
            elif moves:
                session = _move_session(
                    actor=self.actor, session=entry.session, spec=spec, moving_with=moving
                )
            else:
                session = entry.session
            if session.booking_id and moves:
                rebooked.append(session.booking)
            entry.session, entry.cancelled_at = session, None
            entry.save(update_fields=["session", "cancelled_at"])
        self.result.updated += 1

    def _cancel(self, entry: ScheduleEntry) -> None:
        # The sessions know their event already: they are read through it.
        for session in entry.event.sessions.select_related("booking", "room__location"):
            _cancel_session(actor=self.actor, session=session)
        update_event(
            actor=self.actor,
            event=entry.event,
            registration_opens=None,
            registration_closes=timezone.now(),
        )
        entry.session, entry.cancelled_at = None, timezone.now()
        entry.save(update_fields=["session", "cancelled_at"])
        self.result.cancelled += 1


def _raise_as_ours(error) -> None:
    """Booking's refusal as this app's error, turned as every session's is."""
    with _room_errors():
        raise error


def _lock_programme(programme_id: int) -> Programme:
    """One import of a programme at a time: two at once would each find a guid new and
    make it twice (the unique guid per programme would turn the second into an error)."""
    return Programme.objects.select_for_update().get(pk=programme_id)


def import_schedule(
    *,
    actor,
    programme: Programme,
    talks: list[ScheduleTalk],
    room_map: dict[str, str],
) -> dict[str, int]:
    """Make the programme's imported events match the schedule, all or nothing.

    Returns how many schedule events were created, updated, cancelled and unchanged; a clash
    with any booking is a 409 listing every clash, a room slug we do not know a 400. The room
    mapping is remembered for the programme's next import. Only who manages the programme
    may: an import changes and cancels events that others' imports made in it."""
    require_organiser(actor)
    require_programme_manager(actor, programme)
    rooms = rooms_for_mapping(room_map)
    with transaction.atomic():
        programme = _lock_programme(programme.pk)
        speakers = _speakers(programme, talks)
        result = _Import(
            actor=actor, programme=programme, talks=talks, rooms=rooms, speakers=speakers
        ).run()
        ScheduleSettings.objects.update_or_create(
            programme=programme, defaults={"room_map": room_map}
        )
    return result.counts()


def remembered_room_map(programme: Programme) -> dict[str, str]:
    settings = ScheduleSettings.objects.filter(programme=programme).first()
    return dict(settings.room_map) if settings else {}
