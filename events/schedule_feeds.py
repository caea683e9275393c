"""`/feeds/programmes/{slug}/schedule.json` and `.xml`: a programme in the frab format.

Like the calendar feeds they answer conditional requests and are cached under their
version (sessions, their events and the programme's speakers: count and latest change), so
a feed costs the same few queries however long the programme is. `?lang=en` gives the
English titles and descriptions where the programme has them.
"""

from django.conf import settings
from django.db.models import Count, Max, Prefetch
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import translation

from booking.calendar_response import serve_calendar
from booking.timezones import local_isoformat
from events import schedule_export
from events.feeds import _sessions_version, event_url
from events.models import Programme, Session, Speaker


def feed_language(request) -> str:
    return "en" if request.GET.get("lang") == "en" else translation.get_language()


def _schedule_sessions(programme):
    return (
        Session.objects.filter(event__programme=programme, event__published=True)
        .select_related("event__schedule_entry", "room__location")
        .prefetch_related(
            Prefetch("event__speakers", queryset=Speaker.objects.order_by("name", "id"))
        )
        .order_by("start", "id")
    )


def _serve_schedule(request, slug: str, *, extension: str, content_type: str, write):
    programme = get_object_or_404(Programme, slug=slug)
    sessions = _schedule_sessions(programme)
    count, latest = _sessions_version(sessions)
    speakers = Speaker.objects.filter(programme=programme).aggregate(
        count=Count("id"), latest=Max("updated_at")
    )
    language = feed_language(request)
    version = (count, latest, tuple(speakers.values()), language)
    path = reverse(f"feed-programme-schedule-{extension}", kwargs={"slug": slug})

    def build() -> bytes:
        with translation.override(language):
            context = schedule_export.ExportContext(
                language=language,
                feed_url=settings.SITE_URL + path,
                programme_url=settings.SITE_URL + reverse("events:list") + f"?programme={slug}",
                event_url=event_url,
            )
            data = schedule_export.schedule_data(
                programme,
                list(sessions),
                version=local_isoformat(latest) if latest else "0",
                context=context,
            )
            return write(data)

    return serve_calendar(
        request,
        key=f"schedule-{extension}:{programme.pk}:{programme.name}:{programme.title_en}",
        version=version,
        last_modified=latest,
        filename=f"{slug}-schedule.{extension}",
        build=build,
        content_type=content_type,
    )


def programme_schedule_json(request, slug: str):
    return _serve_schedule(
        request,
        slug,
        extension="json",
        content_type="application/json; charset=utf-8",
        write=schedule_export.schedule_json,
    )


def programme_schedule_xml(request, slug: str):
    return _serve_schedule(
        request,
        slug,
        extension="xml",
        content_type="application/xml; charset=utf-8",
        write=schedule_export.schedule_xml,
    )
