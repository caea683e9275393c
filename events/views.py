"""Public pages: the events list (with the Dutch Media Week timetable) and an event's page."""

from datetime import datetime, time, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from booking.timezones import LOCAL_TZ
from events import schedule_grid, selectors, services
from events.errors import RegistrationError
from events.forms import EventFilterForm
from events.models import Event, Programme, Registration, RegistrationStatus
from events.schedule_embed import frameable


def _day_start(day) -> datetime:
    return datetime.combine(day, time.min, tzinfo=LOCAL_TZ)


def event_list(request):
    form = EventFilterForm(request.GET or None)
    # The public list: drafts are on the manage pages, not here.
    events = selectors.events_queryset().filter(published=True)
    programme = None
    if form.is_valid():
        data = form.cleaned_data
        programme = data["programme"]
        events = selectors.filter_events(
            events,
            programme=programme.slug if programme else None,
            kind=data["kind"] or None,
            theme=data["theme"] or None,
            start_from=_day_start(data["start_from"]) if data["start_from"] else None,
            start_to=_day_start(data["start_to"] + timedelta(days=1)) if data["start_to"] else None,
        )
    events = list(events)
    context = {"form": form, "events": events, "programme": programme}
    if programme is not None:
        context["timetable"] = _timetable(request, events)
    return render(request, "events/list.html", context)


def _timetable(request, events: list[Event]) -> list:
    """The programme's days as grids, each event told whether registration is open and
    the visitor's own registration for it (one query, however many events)."""
    now = timezone.now()
    mine = {}
    if request.user.is_authenticated and events:
        mine = dict(
            Registration.objects.filter(user=request.user, event__in=events)
            .exclude(status=RegistrationStatus.CANCELLED)
            .values_list("event_id", "status")
        )
    for event in events:
        event.registration_open = services.registration_is_open(event, now)
        event.my_status = mine.get(event.pk)
    return schedule_grid.build_grid(events)


def programme_embed(request, slug):
    """The programme's timetable alone, for the Media Park website to frame
    (settings.EMBED_FRAME_ANCESTORS); registering opens this site in a new tab."""
    programme = get_object_or_404(Programme, slug=slug)
    # Public, as the list: drafts stay on the manage pages.
    published = selectors.events_queryset().filter(published=True)
    events = list(selectors.filter_events(published, programme=slug))
    now = timezone.now()
    for event in events:
        event.registration_open = services.registration_is_open(event, now)
    response = render(
        request,
        "events/programme_embed.html",
        {"programme": programme, "timetable": schedule_grid.build_grid(events)},
    )
    return frameable(response)


def event_detail(request, slug):
    event = get_object_or_404(selectors.visible_events(request.user), slug=slug)
    registration = None
    if request.user.is_authenticated:
        registration = (
            selectors.with_waitlist_position(
                Registration.objects.filter(event=event, user=request.user).exclude(
                    status=RegistrationStatus.CANCELLED
                )
            )
            .order_by()
            .first()
        )
    return render(
        request,
        "events/detail.html",
        {
            "event": event,
            "registration": registration,
            "registration_open": services.registration_is_open(event),
            "may_cancel": _may_cancel_now(event),
        },
    )


def _may_cancel_now(event) -> bool:
    return event.first_start is None or timezone.now() < event.first_start


@login_required
@require_POST
def register(request, slug):
    try:
        registration = services.register_for_event(user=request.user, slug=slug)
    except Event.DoesNotExist:
        raise Http404 from None
    except RegistrationError as error:
        messages.error(request, error.message)
        return redirect("events:detail", slug=slug)
    if registration.status == RegistrationStatus.CONFIRMED:
        messages.success(request, _("You are registered. We sent you a confirmation by email."))
    else:
        messages.success(
            request,
            _("The event is full: you are on the waitlist, place %(position)s.")
            % {"position": registration.waitlist_position},
        )
    return redirect("events:detail", slug=slug)


@login_required
@require_POST
def cancel(request, pk):
    registration = get_object_or_404(
        Registration.objects.select_related("event"), pk=pk, user=request.user
    )
    try:
        services.cancel_registration(registration=registration, actor=request.user)
    except RegistrationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Your registration is cancelled."))
    next_url = request.POST.get("next")
    if next_url == "my":
        return redirect("my")
    return redirect("events:detail", slug=registration.event.slug)
