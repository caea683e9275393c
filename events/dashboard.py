from datetime import datetime, time, timedelta

from django.db.models import F
from django.utils import timezone

from accounts.dashboard import Section
from accounts.roles import is_event_administrator, may_see_reports
from booking.timezones import LOCAL_TZ


def my_sections(request):
    from events.selectors import registrations_of_user

    # By date, the next first, as a diary reads; events without sessions yet come last.
    registrations = list(
        registrations_of_user(request.user)
        .exclude(status="cancelled")
        .order_by(F("first_start").asc(nulls_last=True), "-id")
    )
    return [Section("events/my_section.html", {"registrations": registrations})]


def manage_sections(request):
    """The programmes and events this person manages; administrators also see how many
    events there are in all. Four queries at most, however many they manage."""
    from events import ownership, selectors
    from events.models import Event, Programme, Session

    user = request.user
    # The covenant report, for who may see it (report viewers manage nothing else).
    sections = [Section("events/reports/manage_section.html", order=90)]
    if not may_see_reports(user):
        sections = []
    if not ownership.manages_anything(user):
        return sections
    administrator = is_event_administrator(user)
    if administrator:
        # Everything is theirs to manage; the lists name what they own themselves.
        events = Event.objects.filter(pk__in=Event.objects.filter(owners=user).values("pk"))
        programmes = Programme.objects.filter(owners=user)
    else:
        events = ownership.managed_events(user)
        programmes = ownership.managed_programmes(user)
    # Check-in is the job of the day: today's sessions come first, one tap from the door.
    # An administrator manages every event, so sees every session today.
    today = timezone.localdate()
    day_start = datetime.combine(today, time(0), LOCAL_TZ)
    todays = Session.objects.filter(
        start__lt=day_start + timedelta(days=1), end__gt=day_start
    ).select_related("event", "room")
    if not administrator:
        todays = todays.filter(event__in=events.values("pk"))
    events = selectors.events_queryset().filter(pk__in=events.values("pk"))
    context = {
        "today": list(todays.order_by("start", "id")),
        "events": list(events.order_by("first_start", "title", "id")),
        "programmes": list(programmes.order_by("name")),
        "administrator": administrator,
        "may_create": ownership.may_create_events(user),
    }
    if administrator:
        context["event_count"] = Event.objects.count()
    return [Section("events/manage_section.html", context), *sections]
