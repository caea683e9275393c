"""Event sessions as calendar entries: the public events feed (filterable by programme and
theme), a programme's feed, an event's feed, the personal feed, and registration mail.

Rules (tested in tests/feeds/):
- every session is one VEVENT with UID `session-<id>@<host>` and SEQUENCE from the session,
  which grows when its time, place, or the event's title or description changes;
- a session that is removed from an event disappears from the feeds (the registrants get a
  METHOD:CANCEL mail);
- the personal feed has my bookings (see booking/feeds.py) and the sessions of events I am
  registered for: CONFIRMED, or TENTATIVE while I am on the waitlist (SEQUENCE one higher
  once confirmed, so the change reaches calendars); cancelled registrations drop out.
"""

from datetime import date
from functools import lru_cache, wraps

from django.conf import settings
from django.core.validators import slug_re
from django.db.models import Count, Max, QuerySet
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accounts.feed_tokens import user_for_feed_token
from booking.calendar_response import serve_calendar
from booking.feeds import feed_version, in_feed_window, personal_booking_item, room_place
from booking.ical import CalendarItem, build_calendar, uid_host
from booking.models import Booking
from events.content import speaker_line
from events.models import Event, Programme, Registration, RegistrationStatus, Session, Theme


def session_uid(session_id: int) -> str:
    return f"session-{session_id}@{uid_host()}"


def event_url(event: Event) -> str:
    # URL resolving costs more than the rest of an entry; feeds repeat few events.
    return settings.SITE_URL + _event_path(event.slug, get_language())


@lru_cache(maxsize=4096)
def _event_path(slug: str, language: str) -> str:
    with translation.override(language):
        return reverse("events:detail", kwargs={"slug": slug})


def session_item(
    session: Session, *, status: str = "CONFIRMED", sequence_offset: int = 0
) -> CalendarItem:
    event = session.event
    return CalendarItem(
        uid=session_uid(session.pk),
        start=session.start,
        end=session.end,
        summary=event.display_title,
        sequence=session.sequence + sequence_offset,
        last_modified=max(session.updated_at, event.updated_at),
        status=status,
        description=session_description(event),
        location=room_place(session.room) if session.room_id else session.location_text,
        url=event_url(event),
    )


def session_description(event: Event) -> str:
    """The event's description in the active language, then who speaks."""
    speakers = [speaker_line(s) for s in event.speakers.all()]
    if not speakers:
        return event.display_description
    line = _("Speakers: %(names)s") % {"names": ", ".join(speakers)}
    return "\n\n".join(filter(None, (event.display_description, line)))


def _sessions() -> QuerySet[Session]:
    """Sessions of published events: a draft stays out of every public calendar."""
    return (
        Session.objects.filter(event__published=True)
        .select_related("event", "room__location")
        .prefetch_related("event__speakers")
        .order_by("start", "id")
    )


def _sessions_version(sessions: QuerySet[Session]) -> tuple:
    stats = sessions.aggregate(
        count=Count("id"), latest=Max("updated_at"), event_latest=Max("event__updated_at")
    )
    latest = max(filter(None, (stats["latest"], stats["event_latest"])), default=None)
    return stats["count"], latest


def in_requested_language(view):
    """Feed URLs carry no language prefix: `?lang=en` asks for the English texts."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.GET.get("lang") == "en":
            with translation.override("en"):
                return view(request, *args, **kwargs)
        return view(request, *args, **kwargs)

    return wrapper


def _serve_sessions(request, *, key: str, sessions, name: str, uid: str, filename: str):
    count, latest = _sessions_version(sessions)
    version = (count, latest, get_language())

    def build() -> bytes:
        return build_calendar([session_item(s) for s in sessions], name=name, uid=uid)

    return serve_calendar(
        request, key=key, version=version, last_modified=latest, filename=filename, build=build
    )


@in_requested_language
def events_feed(request):
    sessions = _sessions()
    programme_slug = request.GET.get("programme", "")
    theme = request.GET.get("theme", "")
    name = _("Media Campus events")
    # Every body is cached for a day under a key built from the filter: only real programmes
    # and themes may make one, or anonymous visitors could fill the shared cache.
    programme_id = None
    if programme_slug:
        if not slug_re.fullmatch(programme_slug):
            raise Http404
        programme = get_object_or_404(Programme, slug=programme_slug)
        programme_id = programme.pk
        sessions = sessions.filter(event__programme=programme)
    if theme:
        if theme not in Theme.values:
            return HttpResponseBadRequest(
                _("Unknown theme: choose one of %(themes)s.") % {"themes": ", ".join(Theme.values)},
                content_type="text/plain; charset=utf-8",
            )
        sessions = sessions.filter(event__theme=theme)
        name = f"{name}: {Theme(theme).label}"
    return _serve_sessions(
        request,
        key=f"events:{programme_id or ''}:{theme}",
        sessions=sessions,
        name=name,
        uid=f"events-{programme_slug or 'all'}-{theme or 'all'}@{uid_host()}",
        filename="media-campus-events.ics",
    )


@in_requested_language
def programme_feed(request, slug: str):
    programme = get_object_or_404(Programme, slug=slug)
    sessions = _sessions().filter(event__programme=programme)
    return _serve_one(
        request, "programme", programme, name=programme.display_name, sessions=sessions
    )


@in_requested_language
def event_feed(request, slug: str):
    event = get_object_or_404(Event, slug=slug, published=True)
    sessions = _sessions().filter(event=event)
    return _serve_one(request, "event", event, name=event.display_title, sessions=sessions)


def _serve_one(request, kind: str, instance: Programme | Event, *, name: str, sessions):
    """The feed of one programme or event, named and filed by its slug.

    The name is in the key: a programme has no change time of its own, so renaming it must
    make a new ETag (an event's rename also moves its `updated_at`: still one new ETag)."""
    return _serve_sessions(
        request,
        key=f"{kind}:{instance.pk}:{name}",
        sessions=sessions,
        name=name,
        uid=f"{kind}-{instance.slug}@{uid_host()}",
        filename=f"{instance.slug}.ics",
    )


def _registered_sessions(user) -> QuerySet[Session]:
    return _sessions().filter(
        event__registrations__user=user,
        event__registrations__status__in=[
            RegistrationStatus.CONFIRMED,
            RegistrationStatus.WAITLISTED,
        ],
    )


def personal_feed(request, token: str):
    user = user_for_feed_token(token)
    if user is None:
        raise Http404
    bookings = in_feed_window(Booking.objects.filter(user=user), timezone.now())
    registrations = Registration.objects.filter(user=user)
    sessions = _registered_sessions(user)
    registration_stats = registrations.aggregate(count=Count("id"), latest=Max("updated_at"))
    version = (
        feed_version(bookings),
        _sessions_version(sessions),
        tuple(registration_stats.values()),
        user.language,
        date.today().isoformat(),
    )

    def build() -> bytes:
        items = [
            personal_booking_item(b, settings.SITE_URL)
            for b in bookings.select_related("room__location").order_by("start", "id")
        ]
        confirmed = set(
            registrations.filter(status=RegistrationStatus.CONFIRMED).values_list(
                "event_id", flat=True
            )
        )
        for session in sessions.distinct():
            is_confirmed = session.event_id in confirmed
            items.append(
                session_item(
                    session,
                    status="CONFIRMED" if is_confirmed else "TENTATIVE",
                    sequence_offset=1 if is_confirmed else 0,
                )
            )
        items.sort(key=lambda item: (item.start, item.uid))
        return build_calendar(
            items,
            name=_("My Media Campus"),
            uid=f"me-{user.pk}@{uid_host()}",
            description=_("My bookings and registrations"),
        )

    # The feed speaks the owner's language: calendar apps send no useful Accept-Language.
    with translation.override(user.language):
        return serve_calendar(
            request,
            key=f"me:{user.pk}",
            version=version,
            last_modified=max(
                filter(None, (version[0][1], version[1][1], registration_stats["latest"])),
                default=None,
            ),
            filename="media-campus.ics",
            build=build,
            private=True,
        )
