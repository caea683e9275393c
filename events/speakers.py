"""Speakers: who speaks at an event, with a photo checked like room photos (booking.photos:
JPEG, PNG or WebP that decodes, no decompression bombs, stored as a small fresh JPEG).

A speaker belongs to a programme; who manages the programme (events.ownership) adds,
changes and removes its speakers and says at which of its events they speak. Pages, feeds
and the export show speakers with their events, so each change touches those events'
`updated_at` (what feeds' ETags follow)."""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from booking.errors import BookingError
from booking.photos import THUMBNAIL_EDGE, clean_copy, open_checked
from events.errors import RegistrationError
from events.models import Event, Programme, Speaker
from events.services.roles import require_organiser, require_programme_manager

# A face beside a bio: the thumbnail size is plenty, and keeps pages light.
SPEAKER_EDGE = THUMBNAIL_EDGE
SPEAKER_FIELDS = ("name", "organisation", "bio")


def _require_manager(actor, programme: Programme) -> None:
    require_organiser(actor)
    require_programme_manager(actor, programme)


def _events_of(programme: Programme, slugs: list[str]) -> list[Event]:
    events = list(Event.objects.filter(programme=programme, slug__in=set(slugs)))
    unknown = sorted(set(slugs) - {event.slug for event in events})
    if unknown:
        raise RegistrationError(
            _("%(slug)s is not an event of this programme.") % {"slug": unknown[0]},
            field="events",
        )
    return events


def _check_name(name: str) -> None:
    if not name.strip():
        raise RegistrationError(_("A speaker needs a name."), field="name")


def _touch(event_ids) -> None:
    Event.objects.filter(pk__in=list(event_ids)).update(updated_at=timezone.now())


def create_speaker(
    *,
    actor,
    programme: Programme,
    name: str,
    organisation: str = "",
    bio: str = "",
    events: list[str] | None = None,
) -> Speaker:
    """Add a speaker to the programme, speaking at `events` (slugs of its events)."""
    _require_manager(actor, programme)
    _check_name(name)
    with transaction.atomic():
        speaker = Speaker.objects.create(
            programme=programme, name=name, organisation=organisation, bio=bio
        )
        if events:
            chosen = _events_of(programme, events)
            speaker.events.set(chosen)
            _touch(event.pk for event in chosen)
    return speaker


def update_speaker(
    *, actor, speaker: Speaker, events: list[str] | None = None, **changes
) -> Speaker:
    """Change the speaker's `SPEAKER_FIELDS`; `events`, when given, is the full new list of
    the events they speak at."""
    _require_manager(actor, speaker.programme)
    unknown = set(changes) - set(SPEAKER_FIELDS)
    if unknown:
        raise TypeError(f"unknown speaker fields: {sorted(unknown)}")
    if "name" in changes:
        _check_name(changes["name"])
    with transaction.atomic():
        before = set(speaker.events.values_list("pk", flat=True))
        changed = {
            name: value for name, value in changes.items() if getattr(speaker, name) != value
        }
        for name, value in changed.items():
            setattr(speaker, name, value)
        if changed:
            speaker.save(update_fields=[*changed, "updated_at"])
        after = before
        if events is not None:
            chosen = _events_of(speaker.programme, events)
            speaker.events.set(chosen)
            after = {event.pk for event in chosen}
        _touch((before | after) if changed else (before ^ after))
    return speaker


def delete_speaker(*, actor, speaker: Speaker) -> None:
    """Remove the speaker from the programme and its events; the photo file goes after the
    commit."""
    _require_manager(actor, speaker.programme)
    with transaction.atomic():
        _touch(list(speaker.events.values_list("pk", flat=True)))
        photo = speaker.photo.name if speaker.photo else None
        storage = speaker.photo.storage
        speaker.delete()
        if photo:
            transaction.on_commit(lambda: storage.delete(photo))


def set_speaker_photo(*, actor, speaker: Speaker, upload) -> Speaker:
    """Replace the speaker's photo; a refused image is a 400 on `photo`, nothing changed.
    A speaker belongs to a programme: its managers (events.ownership) change the photo."""
    require_organiser(actor)
    require_programme_manager(actor, speaker.programme)
    upload.seek(0)
    try:
        image = open_checked(upload)
    except BookingError as error:
        raise RegistrationError(error.message, field="photo") from error
    photo = ContentFile(clean_copy(image, SPEAKER_EDGE), name=f"speaker-{speaker.pk}.jpg")
    with transaction.atomic():
        old = speaker.photo.name if speaker.photo else None
        speaker.photo.save(photo.name, photo, save=False)
        speaker.save(update_fields=["photo", "updated_at"])
        # Feeds and pages of the speaker's events show the photo: they changed too.
        Event.objects.filter(speakers=speaker).update(updated_at=timezone.now())
        if old and old != speaker.photo.name:
            storage = speaker.photo.storage
            transaction.on_commit(lambda: storage.delete(old))
    return speaker
