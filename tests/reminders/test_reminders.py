import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from booking.models import Booking, BookingStatus
from booking.reminders import send_booking_reminders
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
    SessionFactory(event=event, start=timezone.now() + timedelta(hours=20))
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
