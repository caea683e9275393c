"""Pages for who manages events, under /manage/events/ and /manage/programmes/: events,
sessions, registrations, check-in per session (made for a phone), the attendance CSV and
owners. Each page of one event answers 403 to anyone who does not manage it
(events.ownership)."""

import csv
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.errors import add_form_error
from events import ownership, rooms, selectors, services
from events.errors import RegistrationError
from events.forms import EventForm, OwnerForm, SessionForm
from events.models import (
    Event,
    OwnerInvitation,
    Programme,
    Registration,
    RegistrationStatus,
    Session,
)


def organiser_required(view):
    """Creating events: event organisers and administrators."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not ownership.may_create_events(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def event_manager_required(view):
    """Pages of one event (`slug`): who manages it; 404 for no such event, else 403."""

    @wraps(view)
    @login_required
    def wrapper(request, slug, *args, **kwargs):
        event = get_object_or_404(Event.objects.only("pk"), slug=slug)
        if not ownership.may_manage_event(request.user, event):
            raise PermissionDenied
        return view(request, slug, *args, **kwargs)

    return wrapper


def programme_manager_required(view):
    @wraps(view)
    @login_required
    def wrapper(request, slug, *args, **kwargs):
        programme = get_object_or_404(Programme, slug=slug)
        if not ownership.may_manage_programme(request.user, programme):
            raise PermissionDenied
        return view(request, programme, *args, **kwargs)

    return wrapper


@login_required
def event_list(request):
    """The events this person manages (every event for an administrator)."""
    if not ownership.manages_anything(request.user):
        raise PermissionDenied
    events = (
        selectors.events_queryset()
        .filter(pk__in=ownership.managed_events(request.user).values("pk"))
        .order_by("programme__name", "first_start", "title")
    )
    return render(
        request,
        "events/manage/list.html",
        {
            "events": events,
            "programmes": ownership.managed_programmes(request.user).order_by("name"),
            "may_create": ownership.may_create_events(request.user),
        },
    )


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
            # A draft until its sessions are in and someone publishes it.
            event = services.create_event(
                actor=request.user,
                slug=form.cleaned_data["slug"],
                published=False,
                **_event_fields(form),
            )
        except RegistrationError as error:
            add_form_error(form, error)
        else:
            messages.success(
                request,
                _(
                    "The event is saved as a draft: only its managers see it. "
                    "Add its sessions, then publish it."
                ),
            )
            return redirect("events:manage-event", slug=event.slug)
    return render(request, "events/manage/event_form.html", {"form": form})


@event_manager_required
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
    return _event_page(request, event, form=form)


@event_manager_required
@require_POST
def event_publish(request, slug):
    event = get_object_or_404(Event, slug=slug)
    if not event.published:
        services.update_event(actor=request.user, event=event, published=True)
        messages.success(
            request, _("The event is published: it is in the lists and feeds, open to register.")
        )
    return redirect("events:manage-event", slug=slug)


def _event_page(request, event, *, form=None, owner_form=None, owner_error=None):
    """The event's page: its sessions, owners and details."""
    if form is None:
        form = EventForm(initial=_event_initial(event), editing=True)
    session_form = SessionForm(room_choices=rooms.room_choices())
    return render(
        request,
        "events/manage/event_form.html",
        {
            "form": form,
            "event": event,
            "session_form": session_form,
            "owners": selectors.owners_of(event),
            "owner_form": owner_form or OwnerForm(),
            "owner_error": owner_error,
        },
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


@event_manager_required
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


@event_manager_required
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


@event_manager_required
@require_POST
def session_cancel(request, slug, pk):
    session = get_object_or_404(Session, pk=pk, event__slug=slug)
    services.cancel_session(actor=request.user, session=session)
    messages.success(request, _("The session is cancelled and its room is free again."))
    return redirect("events:manage-event", slug=slug)


@event_manager_required
def registrations(request, slug):
    event = get_object_or_404(selectors.events_queryset(), slug=slug)
    rows = selectors.registrations_of_event(event)
    return render(
        request,
        "events/manage/registrations.html",
        {"event": event, "registrations": rows, "sessions": list(event.sessions.all())},
    )


@event_manager_required
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


@event_manager_required
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


@event_manager_required
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


def _owner_added_message(request, added: services.OwnerAdded) -> None:
    if added.user is not None:
        messages.success(
            request, _("%(name)s is an owner now.") % {"name": added.user.name or added.user.email}
        )
    else:
        messages.success(
            request,
            _("%(email)s has no account yet: we sent an invitation by email.")
            % {"email": added.invitation.email},
        )


@event_manager_required
@require_POST
def owner_add(request, slug):
    """Add a co-organiser by email; the page again with the error next to the address."""
    event = get_object_or_404(selectors.events_queryset(), slug=slug)
    form = OwnerForm(request.POST)
    if form.is_valid():
        try:
            added = services.add_event_owner(
                actor=request.user, event=event, email=form.cleaned_data["email"]
            )
        except RegistrationError as error:
            add_form_error(form, error)
        else:
            _owner_added_message(request, added)
            return redirect(f"{reverse('events:manage-event', args=[slug])}#owners")
    return _event_page(request, event, owner_form=form)


@event_manager_required
@require_POST
def owner_remove(request, slug, pk):
    event = get_object_or_404(selectors.events_queryset(), slug=slug)
    owner = get_object_or_404(event.owners, pk=pk)
    try:
        services.remove_event_owner(actor=request.user, event=event, user=owner)
    except RegistrationError as error:
        return _event_page(request, event, owner_error=error.message)
    back = f"{reverse('events:manage-event', args=[slug])}#owners"
    return _owner_removed(request, owner, ownership.may_manage_event(request.user, event), back)


def _owner_removed(request, owner, still_manages: bool, back: str):
    """After removing an owner: back to the owners, or, for someone who removed themselves
    and manages it no more, to what they still manage."""
    messages.success(
        request, _("%(name)s is no longer an owner.") % {"name": owner.name or owner.email}
    )
    if not still_manages:
        return redirect("events:manage-list" if ownership.manages_anything(request.user) else "my")
    return redirect(back)


@event_manager_required
@require_POST
def invitation_withdraw(request, slug, pk):
    invitation = get_object_or_404(OwnerInvitation, pk=pk, event__slug=slug)
    services.withdraw_owner_invitation(actor=request.user, invitation=invitation)
    messages.success(
        request, _("The invitation to %(email)s is withdrawn.") % {"email": invitation.email}
    )
    return redirect(f"{reverse('events:manage-event', args=[slug])}#owners")


def _programme_page(request, programme, *, owner_form=None, owner_error=None):
    events = selectors.events_queryset().filter(programme=programme)
    return render(
        request,
        "events/manage/programme.html",
        {
            "programme": programme,
            "events": events,
            "owners": selectors.owners_of(programme),
            "owner_form": owner_form or OwnerForm(),
            "owner_error": owner_error,
        },
    )


@programme_manager_required
def programme_detail(request, programme):
    return _programme_page(request, programme)


@programme_manager_required
@require_POST
def programme_owner_add(request, programme):
    form = OwnerForm(request.POST)
    if form.is_valid():
        try:
            added = services.add_programme_owner(
                actor=request.user, programme=programme, email=form.cleaned_data["email"]
            )
        except RegistrationError as error:
            add_form_error(form, error)
        else:
            _owner_added_message(request, added)
            return redirect(f"{reverse('events:manage-programme', args=[programme.slug])}#owners")
    return _programme_page(request, programme, owner_form=form)


@programme_manager_required
@require_POST
def programme_owner_remove(request, programme, pk):
    owner = get_object_or_404(programme.owners, pk=pk)
    try:
        services.remove_programme_owner(actor=request.user, programme=programme, user=owner)
    except RegistrationError as error:
        return _programme_page(request, programme, owner_error=error.message)
    back = f"{reverse('events:manage-programme', args=[programme.slug])}#owners"
    still_manages = ownership.may_manage_programme(request.user, programme)
    return _owner_removed(request, owner, still_manages, back)


@programme_manager_required
@require_POST
def programme_invitation_withdraw(request, programme, pk):
    invitation = get_object_or_404(OwnerInvitation, pk=pk, programme=programme)
    services.withdraw_owner_invitation(actor=request.user, invitation=invitation)
    messages.success(
        request, _("The invitation to %(email)s is withdrawn.") % {"email": invitation.email}
    )
    return redirect(f"{reverse('events:manage-programme', args=[programme.slug])}#owners")
