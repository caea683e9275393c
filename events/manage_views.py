"""Pages for event organisers under /manage/events/: events, sessions, registrations,
check-in per session (made for a phone) and the attendance CSV."""

import csv
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.errors import add_form_error
from accounts.roles import is_event_organiser
from events import rooms, selectors, services
from events.errors import RegistrationError
from events.forms import EventForm, SessionForm
from events.models import Event, Registration, RegistrationStatus, Session


def organiser_required(view):
    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not is_event_organiser(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


@organiser_required
def event_list(request):
    events = selectors.events_queryset().order_by("programme__name", "first_start", "title")
    return render(request, "events/manage/list.html", {"events": events})


def _event_initial(event: Event) -> dict:
    return {
        "slug": event.slug,
        "title": event.title,
        "programme": event.programme_id,
        "kind": event.kind,
        "theme": event.theme,
        "description": event.description,
        "audience": event.audience,
        "capacity": event.capacity,
        "registration_opens": event.registration_opens,
        "registration_closes": event.registration_closes,
        "waitlist": event.waitlist,
    }


def _event_fields(form: EventForm) -> dict:
    data = dict(form.cleaned_data)
    data.pop("slug", None)
    if not data.get("image"):
        data.pop("image", None)
    return data


@organiser_required
def event_create(request):
    form = EventForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            event = services.create_event(
                actor=request.user, slug=form.cleaned_data["slug"], **_event_fields(form)
            )
        except RegistrationError as error:
            add_form_error(form, error)
        else:
            messages.success(request, _("The event is saved. Add its sessions below."))
            return redirect("events:manage-event", slug=event.slug)
    return render(request, "events/manage/event_form.html", {"form": form})


@organiser_required
def event_edit(request, slug):
    event = get_object_or_404(selectors.events_queryset(), slug=slug)
    form = EventForm(
        request.POST or None, request.FILES or None, initial=_event_initial(event), editing=True
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_event(actor=request.user, event=event, **_event_fields(form))
        except RegistrationError as error:
            add_form_error(form, error)
        else:
            messages.success(request, _("The event is saved."))
            return redirect("events:manage-event", slug=slug)
    session_form = SessionForm(room_choices=rooms.room_choices())
    return render(
        request,
        "events/manage/event_form.html",
        {"form": form, "event": event, "session_form": session_form},
    )


def _session_spec(form: SessionForm, session_id=None) -> services.SessionSpec:
    data = form.cleaned_data
    return services.SessionSpec(
        id=session_id,
        start=data["start"],
        end=data["end"],
        room=rooms.room_by_slug(data["room"]) if data["room"] else None,
        location_text=data["location_text"],
    )


def _session_form_page(request, event, form, session=None):
    """The session form with, for the chosen time, every room and what occupies it."""
    context = {"event": event, "form": form, "session": session}
    start = end = None
    if form.is_bound and not form.errors.keys() & {"start", "end"}:
        start, end = form.cleaned_data.get("start"), form.cleaned_data.get("end")
    elif session is not None:
        start, end = session.start, session.end
    if start and end and start < end:
        context["room_busy"] = rooms.room_clashes(start, end, exclude_session=session)
    return render(request, "events/manage/session_form.html", context)


def _only_checking_rooms(request, form) -> bool:
    # "Show free rooms" submits the form to see the rooms at that time, without saving.
    return "check_rooms" in request.POST or not form.is_valid()


@organiser_required
def session_add(request, slug):
    event = get_object_or_404(Event, slug=slug)
    form = SessionForm(request.POST or None, room_choices=rooms.room_choices())
    if request.method == "POST" and not _only_checking_rooms(request, form):
        try:
            services.add_session(actor=request.user, event=event, spec=_session_spec(form))
        except RegistrationError as error:
            add_form_error(form, error, conflict_field="room", list_conflicts=True)
        else:
            messages.success(request, _("The session is added."))
            return redirect("events:manage-event", slug=slug)
    return _session_form_page(request, event, form)


@organiser_required
def session_edit(request, slug, pk):
    event = get_object_or_404(Event, slug=slug)
    session = get_object_or_404(Session, pk=pk, event=event)
    initial = {
        "start": timezone.localtime(session.start),
        "end": timezone.localtime(session.end),
        "room": rooms.session_room_slug(session),
        "location_text": session.location_text,
    }
    form = SessionForm(request.POST or None, initial=initial, room_choices=rooms.room_choices())
    if request.method == "POST" and not _only_checking_rooms(request, form):
        try:
            services.move_session(
                actor=request.user, session=session, spec=_session_spec(form, session.pk)
            )
        except RegistrationError as error:
            add_form_error(form, error, conflict_field="room", list_conflicts=True)
        else:
            messages.success(request, _("The session is moved."))
            return redirect("events:manage-event", slug=slug)
    return _session_form_page(request, event, form, session)


@organiser_required
@require_POST
def session_cancel(request, slug, pk):
    session = get_object_or_404(Session, pk=pk, event__slug=slug)
    services.cancel_session(actor=request.user, session=session)
    messages.success(request, _("The session is cancelled and its room is free again."))
    return redirect("events:manage-event", slug=slug)


@organiser_required
def registrations(request, slug):
    event = get_object_or_404(selectors.events_queryset(), slug=slug)
    rows = selectors.registrations_of_event(event)
    return render(
        request,
        "events/manage/registrations.html",
        {"event": event, "registrations": rows, "sessions": list(event.sessions.all())},
    )


@organiser_required
@require_POST
def registration_cancel(request, slug, pk):
    registration = get_object_or_404(
        Registration.objects.select_related("event"), pk=pk, event__slug=slug
    )
    try:
        services.cancel_registration(registration=registration, actor=request.user)
    except RegistrationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The registration is cancelled."))
    return redirect("events:manage-registrations", slug=slug)


@organiser_required
def check_in(request, slug, pk):
    session = get_object_or_404(Session.objects.select_related("event"), pk=pk, event__slug=slug)
    if request.method == "POST":
        registration = get_object_or_404(
            Registration, pk=request.POST.get("registration"), event=session.event
        )
        try:
            services.set_attendance(
                actor=request.user,
                registration=registration,
                session=session,
                present=request.POST.get("present") == "1",
            )
        except RegistrationError as error:
            messages.error(request, error.message)
        return redirect(f"{request.path}#registration-{registration.pk}")
    confirmed = (
        selectors.registrations_of_event(session.event)
        .filter(status=RegistrationStatus.CONFIRMED)
        .order_by("user__name", "id")
    )
    rows = [
        (registration, any(a.session_id == session.pk for a in registration.attendances.all()))
        for registration in confirmed
    ]
    return render(
        request,
        "events/manage/check_in.html",
        {"session": session, "event": session.event, "rows": rows},
    )


@organiser_required
def attendance_csv(request, slug):
    """One row per confirmed person, one column per session (1 = present), for certificates."""
    event = get_object_or_404(selectors.events_queryset(), slug=slug)
    sessions = list(event.sessions.all())
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{event.slug}-attendance.csv"'
    writer = csv.writer(response)
    writer.writerow(
        [
            _("name"),
            _("email"),
            _("affiliation"),
            *(f"{timezone.localtime(s.start):%Y-%m-%d %H:%M}" for s in sessions),
            _("sessions attended"),
        ]
    )
    confirmed = selectors.registrations_of_event(event).filter(status=RegistrationStatus.CONFIRMED)
    for registration in confirmed:
        attended = {attendance.session_id for attendance in registration.attendances.all()}
        user = registration.user
        writer.writerow(
            [
                _csv_safe(user.name if user else ""),
                _csv_safe(user.email if user else ""),
                user.affiliation if user else "",
                *("1" if s.pk in attended else "0" for s in sessions),
                len(attended),
            ]
        )
    return response


def _csv_safe(value: str) -> str:
    # A name starting with = + - @ would run as a formula in a spreadsheet (CSV injection).
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
