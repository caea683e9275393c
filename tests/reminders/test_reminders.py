import threading
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.db import connection
from django.utils import timezone

from booking import reminders as booking_reminders
from booking.models import Booking, BookingStatus
from booking.reminders import send_booking_reminders
from events import reminders as session_reminders
from events.models import Session
from events.reminders import send_session_reminders
from tests.booking.factories import RoomFactory
from tests.factories import EventFactory, SessionFactory, UserFactory


def make_booking(start, *, status=BookingStatus.CONFIRMED, room=None, user=None):
    return Booking.objects.create(
        room=room or RoomFactory(),
        user=user or UserFactory(),
        title="Edit",
        start=start,
        end=start + timedelta(hours=1),
        blocked_from=start,
        blocked_until=start + timedelta(hours=1),
        status=status,
    )


@pytest.mark.django_db
def test_booking_reminder_sent_once_within_a_day(mailoutbox, django_capture_on_commit_callbacks):
    now = timezone.now()
    due = make_booking(now + timedelta(hours=23), user=UserFactory(language="en"))
    later = make_booking(now + timedelta(hours=25))
    make_booking(now + timedelta(hours=2), status=BookingStatus.CANCELLED)
    make_booking(now + timedelta(hours=3), status=BookingStatus.PENDING)
    make_booking(now - timedelta(hours=1))

    with django_capture_on_commit_callbacks(execute=True):
        first = send_booking_reminders(now=now)
    with django_capture_on_commit_callbacks(execute=True):
        again = send_booking_reminders(now=now + timedelta(minutes=5))
    with django_capture_on_commit_callbacks(execute=True):
        next_day = send_booking_reminders(now=now + timedelta(hours=2))

    assert (first, again, next_day) == (1, 0, 1)
    claims = dict(Booking.objects.values_list("pk", "reminder_sent_at"))
    assert (claims[due.pk], claims[later.pk]) == (now, now + timedelta(hours=2))
    assert Booking.objects.filter(reminder_sent_at__isnull=False).count() == 2
    assert [m.to[0] for m in mailoutbox] == [due.user.email, later.user.email]
    assert mailoutbox[0].subject == f"Reminder: your booking of {due.room.name}"
    assert mailoutbox[0].attachments == []


@pytest.mark.django_db
def test_reminder_does_not_change_feed_version(mailoutbox):
    booking = make_booking(timezone.now() + timedelta(hours=5))
    before = Booking.objects.get(pk=booking.pk).updated_at

    send_booking_reminders()

    assert Booking.objects.get(pk=booking.pk).updated_at == before


@pytest.mark.django_db
def test_session_reminder_to_confirmed_registrants_once(
    mailoutbox, django_capture_on_commit_callbacks
):
    from rest_framework.test import APIClient

    event = EventFactory(slug="reminded", capacity=1)
    soon = SessionFactory(event=event, start=timezone.now() + timedelta(hours=20))
    SessionFactory(event=event, start=timezone.now() + timedelta(days=3))
    confirmed, waiting = UserFactory(), UserFactory()
    for user in (confirmed, waiting):
        api = APIClient()
        api.force_authenticate(user)
        with django_capture_on_commit_callbacks(execute=True):
            api.post("/api/v1/events/reminded/register/")
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        first = send_session_reminders()
    with django_capture_on_commit_callbacks(execute=True):
        again = send_session_reminders()

    assert (first, again) == (1, 0)
    assert [m.to for m in mailoutbox] == [[confirmed.email]]
    claimed = Session.objects.filter(reminder_sent_at__isnull=False)
    assert list(claimed.values_list("start", flat=True)) == [soon.start]


def _run_in_threads(target, count):
    barrier = threading.Barrier(count)
    results = []

    def run():
        try:
            barrier.wait()
            results.append(target())
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_parallel_workers_claim_each_reminder_once():
    now = timezone.now()
    room = RoomFactory()
    for hour in range(12):
        make_booking(now + timedelta(hours=hour + 1), room=room)

    claimed = _run_in_threads(lambda: send_booking_reminders(now=now), 4)

    assert sum(claimed) == 12
    assert Booking.objects.filter(reminder_sent_at__isnull=True).count() == 0


@pytest.mark.django_db(transaction=True)
def test_control_without_claim_parallel_workers_remind_twice():
    """The race the conditional UPDATE closes: read due, then mark unconditionally."""
    now = timezone.now()
    room = RoomFactory()
    for hour in range(12):
        make_booking(now + timedelta(hours=hour + 1), room=room)
    barrier = threading.Barrier(4)

    def naive():
        due = list(
            Booking.objects.filter(reminder_sent_at__isnull=True).values_list("pk", flat=True)
        )
        barrier.wait()  # every worker has read the same due list
        Booking.objects.filter(pk__in=due).update(reminder_sent_at=now)
        return len(due)

    results = []

    def run():
        try:
            results.append(naive())
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(results) == 48  # each reminder "sent" by all four workers


@pytest.mark.django_db
def test_booking_moved_after_its_reminder_is_reminded_again_for_the_new_time():
    from rest_framework.test import APIClient

    from tests.booking.conftest import at, next_monday

    user = UserFactory()
    api = APIClient()
    api.force_authenticate(user)
    room = RoomFactory()
    day = next_monday()
    start, new_start = at(day, "10:00"), at(day, "14:00")
    created = api.post(
        "/api/v1/bookings/",
        {"room": room.slug, "start": start.isoformat(), "end": at(day, "11:00").isoformat()}
        | {"title": "Edit"},
        format="json",
    )
    before_move = send_booking_reminders(now=start - timedelta(hours=2))

    moved = api.patch(
        f"/api/v1/bookings/{created.json()['id']}/",
        {"start": new_start.isoformat(), "end": at(day, "15:00").isoformat()},
        format="json",
    )
    after_move = send_booking_reminders(now=new_start - timedelta(hours=2))

    assert (created.status_code, moved.status_code) == (201, 200)
    assert (before_move, after_move) == (1, 1)
    assert Booking.objects.get().reminder_sent_at == new_start - timedelta(hours=2)


@pytest.mark.django_db
def test_booking_renamed_after_its_reminder_is_not_reminded_twice():
    """Only a new time is owed a new reminder: a new title changes nothing to remember."""
    from rest_framework.test import APIClient

    from tests.booking.conftest import at, next_monday

    user = UserFactory()
    api = APIClient()
    api.force_authenticate(user)
    room = RoomFactory()
    day = next_monday()
    start = at(day, "10:00")
    created = api.post(
        "/api/v1/bookings/",
        {"room": room.slug, "start": start.isoformat(), "end": at(day, "11:00").isoformat()}
        | {"title": "Edit"},
        format="json",
    )
    first = send_booking_reminders(now=start - timedelta(hours=2))

    renamed = api.patch(
        f"/api/v1/bookings/{created.json()['id']}/", {"title": "Grading"}, format="json"
    )
    again = send_booking_reminders(now=start - timedelta(hours=1))

    assert renamed.status_code == 200
    assert (first, again) == (1, 0)


@pytest.mark.django_db
def test_session_moved_after_its_reminder_is_reminded_again_for_the_new_time():
    from rest_framework.test import APIClient

    from events.models import Session
    from tests.events.conftest import future

    organiser = UserFactory(groups=["event_organisers"])
    api = APIClient()
    api.force_authenticate(organiser)
    EventFactory(slug="moved-session", owners=[organiser])
    start, new_start = future(days=7, hour=10), future(days=8, hour=14)
    created = api.patch(
        "/api/v1/events/moved-session/",
        {
            "sessions": [
                {
                    "start": start.isoformat(),
                    "end": (start + timedelta(hours=1)).isoformat(),
                    "location_text": "Hilversum Media Park, Studio 21",
                }
            ]
        },
        format="json",
    )
    session = Session.objects.get(event__slug="moved-session")
    before_move = send_session_reminders(now=start - timedelta(hours=2))

    moved = api.patch(
        "/api/v1/events/moved-session/",
        {
            "sessions": [
                {
                    "id": session.pk,
                    "start": new_start.isoformat(),
                    "end": (new_start + timedelta(hours=1)).isoformat(),
                    "location_text": "Hilversum Media Park, Studio 21",
                }
            ]
        },
        format="json",
    )
    after_move = send_session_reminders(now=new_start - timedelta(hours=2))

    assert (created.status_code, moved.status_code) == (200, 200)
    assert (before_move, after_move) == (1, 1)
    session.refresh_from_db()
    assert session.reminder_sent_at == new_start - timedelta(hours=2)


def _every_worker_reads_before_any_claims(monkeypatch, module, workers: int) -> None:
    """Hold each worker at its first claim until all have read the due list: the worst
    interleaving, every time, rather than whichever one the scheduler happens to pick."""
    barrier = threading.Barrier(workers)
    waited = threading.local()
    atomic = module.transaction.atomic

    def atomic_after_everyone_has_read(*args, **kwargs):
        if not getattr(waited, "done", False):
            waited.done = True
            barrier.wait(timeout=30)
        return atomic(*args, **kwargs)

    monkeypatch.setattr(
        module, "transaction", SimpleNamespace(atomic=atomic_after_everyone_has_read)
    )


def _without_claim_condition(model):
    """`model` as the worker sees it, but its claim UPDATE no longer asks for
    `reminder_sent_at IS NULL`: the break the conditional UPDATE exists to prevent."""

    class Manager:
        @staticmethod
        def filter(**lookups):
            if "pk" in lookups:
                lookups.pop("reminder_sent_at__isnull")
            return model.objects.filter(**lookups)

    return SimpleNamespace(objects=Manager())


def _twelve_due_sessions(now):
    event = EventFactory()
    for hour in range(12):
        SessionFactory(event=event, start=now + timedelta(hours=hour + 1))


@pytest.mark.django_db(transaction=True)
def test_parallel_workers_claim_each_session_reminder_once(monkeypatch):
    now = timezone.now()
    _twelve_due_sessions(now)
    _every_worker_reads_before_any_claims(monkeypatch, session_reminders, 4)

    claimed = _run_in_threads(lambda: send_session_reminders(now=now), 4)

    assert sum(claimed) == 12
    assert Session.objects.filter(reminder_sent_at=now).count() == 12


@pytest.mark.django_db(transaction=True)
def test_control_without_claim_condition_parallel_workers_remind_each_session_four_times(
    monkeypatch,
):
    now = timezone.now()
    _twelve_due_sessions(now)
    _every_worker_reads_before_any_claims(monkeypatch, session_reminders, 4)
    monkeypatch.setattr(session_reminders, "Session", _without_claim_condition(Session))

    claimed = _run_in_threads(lambda: send_session_reminders(now=now), 4)

    assert sum(claimed) == 48


@pytest.mark.django_db(transaction=True)
def test_parallel_workers_claim_each_booking_reminder_once_in_the_worst_interleaving(
    monkeypatch,
):
    now = timezone.now()
    room = RoomFactory()
    for hour in range(12):
        make_booking(now + timedelta(hours=hour + 1), room=room)
    _every_worker_reads_before_any_claims(monkeypatch, booking_reminders, 4)

    claimed = _run_in_threads(lambda: send_booking_reminders(now=now), 4)

    assert sum(claimed) == 12
    assert Booking.objects.filter(reminder_sent_at=now).count() == 12


@pytest.mark.django_db(transaction=True)
def test_control_without_claim_condition_parallel_workers_remind_each_booking_four_times(
    monkeypatch,
):
    now = timezone.now()
    room = RoomFactory()
    for hour in range(12):
        make_booking(now + timedelta(hours=hour + 1), room=room)
    _every_worker_reads_before_any_claims(monkeypatch, booking_reminders, 4)
    monkeypatch.setattr(booking_reminders, "Booking", _without_claim_condition(Booking))

    claimed = _run_in_threads(lambda: send_booking_reminders(now=now), 4)

    assert sum(claimed) == 48
