"""Pages: find a room, a room's week and booking form, my booking, the managers' pages
(bookings, closures, and the organisations with their members and the rooms they may book).

Every write goes through booking.services; a BookingError becomes a form error.
"""

import contextlib
from datetime import date, datetime, time, timedelta

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts import selectors as account_selectors
from accounts.errors import add_form_error
from accounts.models import Organisation
from accounts.roles import is_facility_manager
from booking import check_in, daygrid, managers, rules, selectors, services, suggestions, weekview
from booking.errors import BookingError
from booking.forms import BookingForm, ClosureForm, DayGridForm, MoveForm, RoomSearchForm
from booking.models import Booking, BookingStatus, Closure, Location, OpeningHours, Room
from booking.services import facilities as facility_services
from booking.timezones import LOCAL_TZ, within_calendar
from booking.widgets import duration_presets, parse_local_date


def room_list(request):
    form = RoomSearchForm(request.GET or None)
    rooms = selectors.search_rooms(user=request.user)
    searched = False
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        searched = bool(data["free_from"] and data["free_until"])
        rooms = selectors.search_rooms(
            user=request.user,
            location=data["location"].slug if data["location"] else None,
            kind=data["kind"],
            capacity=data["capacity"],
            free_from=data["free_from"],
            free_until=data["free_until"],
        )
    elif form.is_bound:
        rooms = rooms.none()
    rooms = list(rooms)
    bookable_ids = selectors.bookable_room_ids(request.user)
    if bookable_ids is not None:
        for room in rooms:
            room.bookable = room.pk in bookable_ids
        refused = [room for room in rooms if not room.bookable]
        who = selectors.who_may_book(refused) if refused else {}
        for room in refused:
            room.who_may_book = who[room.pk]
    return render(
        request,
        "booking/room_list.html",
        {"form": form, "rooms": rooms, "searched": searched},
    )


def room_day(request):
    """Every room of a location on one day, hour by hour; a free hour links to the room's
    booking form with that hour filled in (three clicks from here to a booking)."""
    form = DayGridForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    location = data.get("location") or Location.objects.order_by("name").first()
    day = data.get("day") or parse_day(None)
    if not within_calendar(day):
        raise Http404
    rooms = (
        list(selectors.search_rooms(user=request.user, location=location.slug)) if location else []
    )
    start, end = daygrid.day_span(day)
    columns, rows = daygrid.build_grid(
        selectors.location_availability(rooms, start, end),
        day,
        timezone.now(),
        selectors.bookable_room_ids(request.user),
    )
    return render(
        request,
        "booking/room_day.html",
        {
            "form": form,
            "location": location,
            "day": day,
            "previous_day": day - timedelta(days=1),
            "next_day": day + timedelta(days=1),
            "columns": columns,
            "rows": rows,
        },
    )


def parse_week(value: str | None) -> date:
    return weekview.week_start(parse_day(value))


def room_context(request, room: Room, form) -> dict:
    monday = parse_week(request.GET.get("week"))
    start, end = weekview.week_span(monday)
    availability = selectors.room_availability(room, start, end)
    return {
        "room": room,
        "form": form,
        "week": weekview.build_week(availability, monday),
        "monday": monday,
        "previous_week": monday - timedelta(days=7),
        "next_week": monday + timedelta(days=7),
        "opening_hours": room.location.opening_hours.all(),
    }


def room_detail(request, slug):
    room = get_object_or_404(
        Room.objects.select_related("location").prefetch_related(
            Prefetch("location__opening_hours", queryset=OpeningHours.objects.order_by("weekday"))
        ),
        slug=slug,
        is_active=True,
    )
    form = BookingForm(request.POST or None, initial=initial_times(request))
    alternatives = None
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if form.is_valid():
            try:
                made = book_from_form(request, room, form)
            except BookingError as error:
                if error.code == "conflict":  # before the error takes "start" out of the data
                    alternatives = alternatives_for(request.user, room, form.cleaned_data)
                if error.field == "rrule":  # the rule the form built from "repeat"
                    error.field = "repeat"
                add_form_error(form, error, conflict_field="start")
            else:
                return redirect("booking:my_booking", pk=made.pk)
    context = {
        **room_context(request, room, form),
        "alternatives": alternatives,
        "durations": room_durations(room),
    }
    if request.user.is_authenticated and not rules.may_book(request.user, room):
        # Say so before the form, not after it is filled in and sent.
        context["who_may_book"] = selectors.who_may_book([room])[room.pk]
    return render(request, "booking/room_detail.html", context)


def room_durations(room: Room) -> list[tuple[int, str]]:
    return duration_presets(room.min_duration_minutes, room.max_duration_minutes)


def alternatives_for(user, room: Room, data: dict) -> dict:
    """A refused booking's way out: free times in this room, and free rooms at that time."""
    start, end = data["start"], data["end"]
    return {
        "times": suggestions.nearest_free_times(room, start, end, timezone.now()),
        "rooms": suggestions.other_free_rooms(user, room, start, end, data["attendees"]),
        "attendees": data["attendees"],
    }


def initial_times(request) -> dict:
    """Prefill the form from a free slot chosen in the week view or the day grid
    (?start=&end=), or from a search (and ?attendees=)."""
    initial = {}
    for key in ("start", "end"):
        value = request.GET.get(key)
        if value:
            with contextlib.suppress(ValueError):
                initial[key] = datetime.fromisoformat(value).astimezone(LOCAL_TZ)
    attendees = request.GET.get("attendees", "")
    if attendees.isascii() and attendees.isdigit() and 0 < int(attendees) < 10_000:
        initial["attendees"] = int(attendees)
    return initial


def book_from_form(request, room: Room, form: BookingForm) -> Booking:
    """Book as the form says; a refusal raises BookingError."""
    data = dict(form.cleaned_data)
    rrule = data.pop("rrule")
    if rrule:
        made = services.create_series(user=request.user, room=room, rrule=rrule, **data)[0]
    else:
        made = services.create_booking(user=request.user, room=room, **data)
    if made.status == BookingStatus.PENDING:
        messages.success(request, _("Your request is in; a facility manager will decide on it."))
    else:
        messages.success(request, _("Your booking is confirmed."))
    return made


@login_required
def my_booking(request, pk):
    booking = get_object_or_404(selectors.visible_bookings(request.user), pk=pk)
    local = {k: timezone.localtime(getattr(booking, k), LOCAL_TZ) for k in ("start", "end")}
    form = MoveForm(request.POST or None, initial={**local, "title": booking.title})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        move = services.move_following if data["scope"] == "following" else services.move_booking
        try:
            move(
                booking=booking,
                actor=request.user,
                start=data["start"],
                end=data["end"],
                title=data["title"],
            )
        except BookingError as error:
            add_form_error(form, error, conflict_field="start")
        else:
            messages.success(request, _("Your booking has been changed."))
            return redirect("booking:my_booking", pk=booking.pk)
    context = {
        "booking": booking,
        "form": form,
        "durations": room_durations(booking.room),
        "can_check_in": check_in.can_check_in(booking) and booking.user_id == request.user.pk,
        "check_in_window": check_in.window(booking) if booking.room.check_in_required else None,
        "asks_to_keep_series": bool(
            booking.series_id and booking.series.confirm_by and booking.user_id == request.user.pk
        ),
    }
    return render(request, "booking/my_booking.html", context)


@login_required
@require_POST
def check_in_view(request, pk):
    booking = get_object_or_404(selectors.visible_bookings(request.user), pk=pk)
    try:
        check_in.check_in(booking=booking, actor=request.user)
    except BookingError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(
            request,
            _("You are checked in. Enjoy your time in %(room)s.") % {"room": booking.room.name},
        )
    return redirect(_safe_next(request) or reverse("booking:my_booking", args=[booking.pk]))


@login_required
@require_POST
def keep_series(request, pk):
    booking = get_object_or_404(
        selectors.visible_bookings(request.user).filter(series__isnull=False), pk=pk
    )
    try:
        check_in.confirm_series(series=booking.series, actor=request.user)
    except BookingError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Thank you: the rest of your series stays booked."))
    return redirect("booking:my_booking", pk=booking.pk)


DOOR_LOOKAHEAD = timedelta(hours=12)


def room_door(request, slug):
    """The page on a tablet by the room's door: now and next, and the QR code to check in.
    Public, so it shows what the room's public calendar shows, never who booked."""
    room = get_object_or_404(Room.objects.select_related("location"), slug=slug, is_active=True)
    now = timezone.now()
    upcoming = list(
        Booking.objects.of_room(room)
        .live()
        .filter(end__gt=now, start__lt=now + DOOR_LOOKAHEAD)
        .order_by("start")[:6]
    )
    current = [b for b in upcoming if b.start <= now]
    later = [b for b in upcoming if b.start > now]
    check_in_url = request.build_absolute_uri(reverse("booking:room_check_in", args=[room.slug]))
    context = {
        "room": room,
        "now": now,
        "current": current,
        "next": later[0] if later else None,
        "check_in_url": check_in_url,
        "qr_svg": door_qr_svg(check_in_url) if room.check_in_required else "",
    }
    response = render(request, "booking/room_door.html", context)
    response["Refresh"] = "60"  # the tablet by the door keeps itself current
    return response


def door_qr_svg(url: str) -> str:
    # Inline SVG: crisp at any size, no image request, nothing to store.
    return segno.make(url, error="m").svg_inline(scale=6, dark="#1d1d1f", light="#ffffff")


def room_check_in(request, slug):
    """Where the door's QR code leads: the signed-in person's booking of this room that can
    be checked in now, with one button (a GET never changes anything)."""
    room = get_object_or_404(Room.objects.select_related("location"), slug=slug)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    now = timezone.now()
    candidates = list(
        Booking.objects.of_room(room)
        .filter(
            user=request.user,
            start__lte=now + check_in.CHECK_IN_OPENS,
            end__gt=now,
        )
        .select_related("room")
        .order_by("start")
    )
    booking = next((b for b in candidates if check_in.can_check_in(b, now)), None)
    checked_in = next((b for b in candidates if b.checked_in_at), None)
    if request.method == "POST" and booking is not None:
        try:
            check_in.check_in(booking=booking, actor=request.user)
        except BookingError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(
                request, _("You are checked in. Enjoy your time in %(room)s.") % {"room": room.name}
            )
        return redirect("booking:room_check_in", slug=room.slug)
    context = {"room": room, "booking": booking, "checked_in": checked_in}
    return render(request, "booking/room_check_in.html", context)


@login_required
@require_POST
def cancel(request, pk):
    booking = get_object_or_404(selectors.visible_bookings(request.user), pk=pk)
    try:
        if request.POST.get("scope") == "following":
            services.cancel_following(booking=booking, actor=request.user)
        else:
            services.cancel_booking(booking=booking, actor=request.user)
    except BookingError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The booking is cancelled."))
    return redirect(_safe_next(request) or "my")


def _safe_next(request) -> str | None:
    """The form's `next`, if it stays on this site: never an open redirect elsewhere."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


def require_facility_manager(request) -> None:
    if not request.user.is_authenticated:
        raise Http404
    if not is_facility_manager(request.user):
        raise PermissionDenied


def require_room_manager(request) -> None:
    """Facility managers and the managers of some room (booking.managers)."""
    if not request.user.is_authenticated:
        raise Http404
    if not managers.manages_any_room(request.user):
        raise PermissionDenied


def parse_day(value: str | None) -> date:
    """A `?week=`/`?day=` date, ISO or day-month-year.

    Unreadable means today; a year no calendar shows is 404.
    """
    day = parse_local_date(value) if value else None
    if day is None:
        return timezone.localdate()
    if not within_calendar(day):
        raise Http404
    return day


@login_required
def manage_bookings(request):
    require_room_manager(request)
    day = parse_day(request.GET.get("day"))
    start = datetime.combine(day, time(0), LOCAL_TZ)
    end = datetime.combine(day + timedelta(days=1), time(0), LOCAL_TZ)
    bookings = Booking.objects.select_related("room", "room__location", "user")
    if not is_facility_manager(request.user):
        bookings = bookings.filter(room__in=managers.managed_rooms(request.user))
    context = {
        "day": day,
        "previous_day": day - timedelta(days=1),
        "next_day": day + timedelta(days=1),
        "pending": bookings.filter(status=BookingStatus.PENDING, end__gt=timezone.now()),
        "day_bookings": bookings.filter(start__lt=end, end__gt=start).order_by(
            "room__name", "start"
        ),
        "is_facility_manager": is_facility_manager(request.user),
    }
    return render(request, "booking/manage_bookings.html", context)


@login_required
@require_POST
def decide(request, pk, decision):
    require_room_manager(request)
    booking = get_object_or_404(Booking.objects.select_related("room"), pk=pk)
    try:
        if decision == "approve":
            services.approve_booking(booking=booking, actor=request.user)
            messages.success(request, _("The booking is approved."))
        else:
            reason = request.POST.get("reason", "")[:500]
            services.decline_booking(booking=booking, actor=request.user, reason=reason)
            messages.success(request, _("The booking is declined; the booker gets a mail."))
    except BookingError as error:
        if error.code == "forbidden":
            raise PermissionDenied(str(error.message)) from error
        messages.error(request, str(error.message))
    return redirect("booking:manage_bookings")


@login_required
def manage_closures(request):
    """Close a room or location. When live bookings are in the way the manager decides, in a
    second step, whether to cancel them (each booker is told why) or keep them."""
    require_room_manager(request)
    form = ClosureForm(request.POST or None, manager=request.user)
    in_the_way = []
    if request.method == "POST" and form.is_valid():
        decision = request.POST.get("bookings")
        in_the_way = list(facility_services.bookings_in_the_way(Closure(**form.cleaned_data)))
        if not in_the_way or decision in ("cancel", "keep"):
            try:
                _closure, cancelled = facility_services.save_closure(
                    **form.cleaned_data, cancel_bookings=decision == "cancel"
                )
            except BookingError as error:
                add_form_error(form, error, conflict_field="start")
            else:
                messages.success(request, closure_saved_message(in_the_way, cancelled))
                return redirect("booking:manage_closures")
    closures = managers.closures_in_reach(request.user).filter(end__gt=timezone.now())
    context = {"form": form, "closures": closures, "in_the_way": in_the_way}
    return render(request, "booking/manage_closures.html", context)


def closure_saved_message(in_the_way: list, cancelled: list) -> str:
    kept = len(in_the_way) - len(cancelled)
    parts = [_("The closure is saved.")]
    if cancelled:
        parts.append(
            ngettext(
                "%(count)s booking is cancelled and its booker gets a mail.",
                "%(count)s bookings are cancelled and their bookers get a mail.",
                len(cancelled),
            )
            % {"count": len(cancelled)}
        )
        if kept:  # cancelling leaves only sessions of events
            parts.append(
                ngettext(
                    "%(count)s session of an event stays: ask its organisers to move it.",
                    "%(count)s sessions of events stay: ask their organisers to move them.",
                    kept,
                )
                % {"count": kept}
            )
    elif kept:
        parts.append(
            ngettext(
                "%(count)s booking stays during it: settle it with its booker.",
                "%(count)s bookings stay during it: settle them with their bookers.",
                kept,
            )
            % {"count": kept}
        )
    return " ".join(parts)


@login_required
@require_POST
def delete_closure(request, pk):
    require_room_manager(request)
    closure = get_object_or_404(managers.closures_in_reach(request.user), pk=pk)
    facility_services.delete_closure(closure=closure)
    messages.success(request, _("The closure is removed."))
    return redirect("booking:manage_closures")


MEMBERS_PER_PAGE = 50


@login_required
def manage_organisations(request):
    require_facility_manager(request)
    organisations = account_selectors.organisations_with_member_counts()
    return render(request, "booking/manage_organisations.html", {"organisations": organisations})


@login_required
def manage_organisation(request, slug):
    require_facility_manager(request)
    organisation = get_object_or_404(Organisation, slug=slug)
    members = Paginator(account_selectors.members_of(organisation), MEMBERS_PER_PAGE)
    rooms = selectors.organisation_rooms(organisation).select_related("location")
    refusing = Room.objects.filter(organisations_refused__contains=[organisation.pk])
    context = {
        "organisation": organisation,
        "members": members.get_page(request.GET.get("page")),
        "rooms": [
            # By name when the room names the organisation, else by the affiliation it grants.
            (room, organisation.pk in room.organisations_allowed)
            for room in rooms.order_by("location__name", "name")
        ],
        "refusing": refusing.select_related("location").order_by("location__name", "name"),
    }
    return render(request, "booking/manage_organisation.html", context)
