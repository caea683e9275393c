"""Every kind of mail, driven as people cause it (HTTP; the reminders by their beat task):
owed in the transaction of the change (a rolled-back change owes none), still sent when the
task queue is down after commit (the answer stays 2xx, the sweep sends it), and sent once.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import outbox
from accounts.models import OutboxMail
from accounts.roles import ROLE_GROUPS
from accounts.tasks import send_outbox
from booking import services as booking_services
from booking.tasks import send_reminders as send_booking_reminders
from events import services as event_services
from events.tasks import send_reminders as send_session_reminders
from tests.booking.conftest import at, next_monday
from tests.booking.factories import RoomFactory
from tests.factories import EventFactory, SessionFactory, UserFactory
from tests.reminders.test_reminders import make_booking

pytestmark = pytest.mark.django_db(transaction=True)


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def booking_for(user, room, **extra):
    day = next_monday()
    return booking_services.create_booking(
        user=user, room=room, start=at(day, "10:00"), end=at(day, "11:00"), title="", **extra
    )


def event_with_registrants(*, capacity: int, people: int, session_start=None):
    event = EventFactory(capacity=capacity, title="Podcast panel")
    session = SessionFactory(event=event, **({"start": session_start} if session_start else {}))
    if session_start:
        session.end = session_start + timedelta(hours=1)
        session.save()
    users = [UserFactory(language="en") for _ in range(people)]
    registrations = [event_services.register_for_event(user=u, event=event) for u in users]
    return event, session, users, registrations


@dataclass
class Case:
    """`arrange` builds the world and returns what `act` needs; `act` makes the change and
    returns the response (None for a beat task); `expected` lists (kind, to, subject)."""

    arrange: Callable[[], dict]
    act: Callable[[dict], object]
    expected: Callable[[dict], set[tuple[str, str, str]]]


def _booking_created(requires_approval: bool) -> Case:
    def arrange():
        return {
            "user": UserFactory(language="en"),
            "room": RoomFactory(requires_approval=bool(requires_approval)),
        }

    def act(w):
        day = next_monday()
        return api_for(w["user"]).post(
            "/api/v1/bookings/",
            {"room": w["room"].slug, "start": at(day, "10:00"), "end": at(day, "11:00")},
            format="json",
        )

    subject = "Booking request received" if requires_approval else "Booking confirmed"
    return Case(
        arrange,
        act,
        lambda w: {("booking.created", w["user"].email, f"{subject}: {w['room'].name}")},
    )


def _booking_change(kind: str, subject: str, *, pending: bool, manager: bool, act) -> Case:
    def arrange():
        user = UserFactory(language="en")
        room = RoomFactory(requires_approval=pending)
        return {
            "user": user,
            "room": room,
            "booking": booking_for(user, room),
            "actor": UserFactory(groups=["facility_managers"]) if manager else user,
        }

    return Case(
        arrange,
        lambda w: act(api_for(w["actor"]), w["booking"]),
        lambda w: {(kind, w["user"].email, f"{subject}: {w['room'].name}")},
    )


def _move(api, booking):
    start = booking.start + timedelta(hours=2)
    return api.patch(
        f"/api/v1/bookings/{booking.pk}/",
        {"start": start, "end": start + timedelta(hours=1)},
        format="json",
    )


def _booking_reminder() -> Case:
    def arrange():
        user = UserFactory(language="en")
        booking = make_booking(timezone.now() + timedelta(hours=3), user=user)
        return {"user": user, "room": booking.room}

    return Case(
        arrange,
        lambda w: send_booking_reminders.apply(),
        lambda w: {
            ("booking.reminder", w["user"].email, f"Reminder: your booking of {w['room'].name}")
        },
    )


def _register(*, full: bool) -> Case:
    def arrange():
        event, _s, _u, _r = event_with_registrants(capacity=1, people=1 if full else 0)
        return {"event": event, "user": UserFactory(language="en")}

    kind, subject = (
        ("registration.waitlisted", "You are on the waitlist for Podcast panel")
        if full
        else ("registration.confirmed", "You are registered for Podcast panel")
    )
    return Case(
        arrange,
        lambda w: api_for(w["user"]).post(f"/api/v1/events/{w['event'].slug}/register/"),
        lambda w: {(kind, w["user"].email, subject)},
    )


def _cancel_registration(*, with_waitlist: bool) -> Case:
    def arrange():
        _e, _s, users, registrations = event_with_registrants(
            capacity=1, people=2 if with_waitlist else 1
        )
        return {"users": users, "registration": registrations[0]}

    def expected(w):
        users = w["users"]
        cancelled = "Your registration for Podcast panel is cancelled"
        mails = {("registration.cancelled", users[0].email, cancelled)}
        if with_waitlist:
            promoted = "A seat came free: you are registered for Podcast panel"
            mails.add(("registration.promoted", users[1].email, promoted))
        return mails

    return Case(
        arrange,
        lambda w: api_for(w["users"][0]).post(
            f"/api/v1/registrations/{w['registration'].pk}/cancel/"
        ),
        expected,
    )


def _session_change(*, removed: bool) -> Case:
    def arrange():
        event, session, users, _r = event_with_registrants(capacity=1, people=2)
        organiser = UserFactory(groups=["event_organisers"])
        event.owners.add(organiser)
        return {"event": event, "session": session, "confirmed": users[0], "organiser": organiser}

    def act(w):
        session = w["session"]
        later = session.start + timedelta(days=1)
        sessions = (
            []
            if removed
            else [
                {
                    "id": session.pk,
                    "start": later.isoformat(),
                    "end": (later + timedelta(hours=1)).isoformat(),
                    "location_text": session.location_text,
                }
            ]
        )
        return api_for(w["organiser"]).patch(
            f"/api/v1/events/{w['event'].slug}/", {"sessions": sessions}, format="json"
        )

    kind, subject = (
        ("session.removed", "Session cancelled: Podcast panel")
        if removed
        else ("session.moved", "Session changed: Podcast panel")
    )
    # Only the confirmed person hears of it, not the one on the waitlist.
    return Case(arrange, act, lambda w: {(kind, w["confirmed"].email, subject)})


def _session_reminder() -> Case:
    def arrange():
        soon = (timezone.now() + timedelta(hours=20)).replace(second=0, microsecond=0)
        _e, _s, users, _r = event_with_registrants(capacity=1, people=2, session_start=soon)
        return {"confirmed": users[0]}

    return Case(
        arrange,
        lambda w: send_session_reminders.apply(),
        lambda w: {
            (
                "session.reminder",
                w["confirmed"].email,
                "Reminder: Podcast panel starts within a day",
            )
        },
    )


GOOD_PASSWORD = "lang-genoeg-wachtwoord-42"


def _signup() -> Case:
    def act(w):
        return APIClient().post(
            "/en/accounts/signup/",
            {
                "email": "nieuw@example.org",
                "name": "Nieuwe Partner",
                "password1": GOOD_PASSWORD,
                "password2": GOOD_PASSWORD,
            },
        )

    return Case(
        dict,
        act,
        lambda w: {
            (
                "account",
                "nieuw@example.org",
                "[Media Campus] Please Confirm Your Email Address",
            )
        },
    )


def _password_reset() -> Case:
    return Case(
        lambda: {"user": UserFactory(email="partner@example.org")},
        lambda w: APIClient().post(
            "/en/accounts/password/reset/", {"email": "partner@example.org"}
        ),
        lambda w: {("account", "partner@example.org", "[Media Campus] Password Reset Email")},
    )


CASES = {
    "booking.created confirmed": _booking_created(requires_approval=False),
    "booking.created pending": _booking_created(requires_approval=True),
    "booking.moved": _booking_change(
        "booking.moved", "Booking changed", pending=False, manager=False, act=_move
    ),
    "booking.cancelled": _booking_change(
        "booking.cancelled",
        "Booking cancelled",
        pending=False,
        manager=False,
        act=lambda api, b: api.post(f"/api/v1/bookings/{b.pk}/cancel/", {}, format="json"),
    ),
    "booking.approved": _booking_change(
        "booking.approved",
        "Booking approved",
        pending=True,
        manager=True,
        act=lambda api, b: api.post(f"/api/v1/bookings/{b.pk}/approve/"),
    ),
    "booking.declined": _booking_change(
        "booking.declined",
        "Booking declined",
        pending=True,
        manager=True,
        act=lambda api, b: api.post(f"/api/v1/bookings/{b.pk}/decline/"),
    ),
    "booking.reminder": _booking_reminder(),
    "registration.confirmed": _register(full=False),
    "registration.waitlisted": _register(full=True),
    "registration.cancelled": _cancel_registration(with_waitlist=False),
    "registration.promoted": _cancel_registration(with_waitlist=True),
    "session.moved": _session_change(removed=False),
    "session.removed": _session_change(removed=True),
    "session.reminder": _session_reminder(),
    "account confirmation": _signup(),
    "account password reset": _password_reset(),
}


def arranged(case: Case) -> dict:
    """The world before the change, with nothing owed and nothing sent yet."""
    for name in ROLE_GROUPS:  # a transactional test empties the tables migrations filled
        Group.objects.get_or_create(name=name)
    cache.add(outbox.SENDER_QUEUED_FLAG, True)
    world = case.arrange()
    OutboxMail.objects.all().delete()
    cache.delete(outbox.SENDER_QUEUED_FLAG)
    mail.outbox.clear()
    return world


def succeeded(response) -> bool:
    return response is None or not hasattr(response, "status_code") or response.status_code < 400


@pytest.mark.parametrize("name", CASES)
def test_mail_is_owed_in_the_transaction_of_its_change(name):
    case = CASES[name]
    world = arranged(case)
    cache.add(outbox.SENDER_QUEUED_FLAG, True)  # a sender is on its way: nothing sends yet

    response = case.act(world)

    expected = case.expected(world)
    assert succeeded(response), getattr(response, "content", response)
    assert sorted(OutboxMail.objects.values_list("kind", flat=True)) == sorted(
        kind for kind, _to, _subject in expected
    )
    assert mail.outbox == []


@pytest.mark.parametrize("name", CASES)
def test_mail_of_a_rolled_back_change_is_not_owed(name):
    case = CASES[name]
    world = arranged(case)

    def change_then_fail():
        with transaction.atomic():
            response = case.act(world)
            assert succeeded(response), getattr(response, "content", response)
            assert OutboxMail.objects.exists()  # owed inside the transaction ...
            raise RuntimeError("the change's transaction fails after the mail was owed")

    with pytest.raises(RuntimeError):
        change_then_fail()

    assert not OutboxMail.objects.exists()  # ... and gone with it
    send_outbox.apply()
    assert mail.outbox == []


@pytest.mark.parametrize("name", CASES)
def test_mail_survives_a_queue_outage_and_is_sent_once(name, monkeypatch):
    case = CASES[name]
    world = arranged(case)

    def redis_down():
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(send_outbox, "delay", redis_down)

    response = case.act(world)

    assert succeeded(response), getattr(response, "content", response)
    assert mail.outbox == []
    monkeypatch.undo()

    send_outbox.apply()  # the beat sweep
    send_outbox.apply()  # and the next one finds nothing left

    expected = case.expected(world)
    assert sorted((m.to[0], m.subject) for m in mail.outbox) == sorted(
        (to, subject) for _kind, to, subject in expected
    )
    assert not OutboxMail.objects.exists()
