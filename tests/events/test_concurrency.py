"""Rushes of real parallel HTTP requests against a live server on PostgreSQL.

Each request runs in its own server thread with its own database connection, as under
gunicorn. The control tests take the event lock away and show the race it closes.
"""

import itertools
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta

import pytest
import requests
from django.contrib.auth.models import Group
from django.core import mail
from django.db import transaction
from rest_framework.authtoken.models import Token

from accounts.models import OutboxMail
from booking import services as booking_services
from booking.services import bookings as booking_bookings
from events import services
from events.models import Event, Registration
from events.services import owners, registrations
from tests.conftest import constraint_dropped, pause_booking_statement
from tests.factories import EventFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def tokens_for(count: int) -> list[str]:
    return [Token.objects.create(user=UserFactory()).key for _ in range(count)]


def fire(url: str, tokens: list[str]) -> list[requests.Response]:
    """POST to `url` once per token, all threads released at the same moment."""
    barrier = threading.Barrier(len(tokens))

    def post(token):
        session = requests.Session()
        barrier.wait()
        return session.post(url, headers={"Authorization": f"Token {token}"}, timeout=60)

    with ThreadPoolExecutor(max_workers=len(tokens)) as pool:
        return list(pool.map(post, tokens))


def test_rush_of_60_for_20_seats_confirms_exactly_20(live_server):
    event = EventFactory(slug="opening", capacity=20)
    SessionFactory(event=event)
    tokens = tokens_for(60)

    responses = fire(f"{live_server.url}/api/v1/events/opening/register/", tokens)

    assert [r.status_code for r in responses] == [201] * 60
    bodies = [r.json() for r in responses]
    assert sum(b["status"] == "confirmed" for b in bodies) == 20
    positions = sorted(b["waitlist_position"] for b in bodies if b["status"] == "waitlisted")
    assert positions == list(range(1, 41))
    event.refresh_from_db()
    assert (event.seats_taken, event.waitlist_length, event.waitlist_next) == (20, 40, 41)
    assert Registration.objects.filter(status="confirmed").count() == 20
    queue = sorted(
        Registration.objects.filter(status="waitlisted").values_list("queue_number", flat=True)
    )
    assert queue == list(range(1, 41))
    # Everyone is told once, whichever request's sender took their mail.
    assert not OutboxMail.objects.exists()
    recipients = [message.to[0] for message in mail.outbox]
    assert len(recipients) == len(set(recipients)) == 60


def _unlocked_reads_met():
    """The race the lock closes: read the counters without FOR UPDATE, and go on only once
    both requests have read. (A sleep instead lost the race on a loaded machine, when the
    second request arrived after the first had written.)"""
    both_read = threading.Barrier(2, timeout=20)

    def unlocked_event(event_id):
        event = Event.objects.only(*registrations._COUNTER_FIELDS).get(pk=event_id)
        both_read.wait()
        return event

    return unlocked_event


def _register_without_lock(*, user, event, slug):
    """Read the counters, decide in Python, write: the race that the one-statement claim
    (its FOR UPDATE on the event row) closes."""
    event = event or Event.objects.get(slug=slug)
    with transaction.atomic():
        unlocked = Event.objects.get(pk=event.pk)
        time.sleep(0.2)
        if unlocked.seats_taken < unlocked.capacity:
            registration = Registration.objects.create(
                event=unlocked, user=user, status="confirmed"
            )
            Event.objects.filter(pk=unlocked.pk).update(seats_taken=unlocked.seats_taken + 1)
        else:
            registration = Registration.objects.create(
                event=unlocked,
                user=user,
                status="waitlisted",
                queue_number=unlocked.waitlist_next,
            )
            Event.objects.filter(pk=unlocked.pk).update(
                waitlist_length=unlocked.waitlist_length + 1,
                waitlist_next=unlocked.waitlist_next + 1,
            )
    registration.waitlist_position = None
    return registration


def test_control_rush_without_lock_oversells(live_server, monkeypatch):
    monkeypatch.setattr(registrations, "_register_in_one_statement", _register_without_lock)
    event = EventFactory(slug="opening", capacity=20)
    SessionFactory(event=event)
    tokens = tokens_for(60)

    fire(f"{live_server.url}/api/v1/events/opening/register/", tokens)

    assert Registration.objects.filter(event=event, status="confirmed").count() > 20


def _rush_of_two_cancellations(live_server):
    event = EventFactory(slug="course", capacity=2)
    SessionFactory(event=event)
    leavers = [UserFactory() for _ in range(2)]
    confirmed = [services.register_for_event(user=u, event=event) for u in leavers]
    waiting = [services.register_for_event(user=UserFactory(), event=event) for _ in range(3)]
    tokens = [Token.objects.create(user=u).key for u in leavers]
    urls = [f"{live_server.url}/api/v1/registrations/{r.pk}/cancel/" for r in confirmed]
    barrier = threading.Barrier(2)

    def post(pair):
        url, token = pair
        barrier.wait()
        return requests.post(url, headers={"Authorization": f"Token {token}"}, timeout=60)

    with ThreadPoolExecutor(max_workers=2) as pool:
        responses = list(pool.map(post, zip(urls, tokens, strict=True)))
    return event, waiting, responses


def test_two_cancellations_at_once_promote_two_in_order(live_server):
    event, waiting, responses = _rush_of_two_cancellations(live_server)

    assert [r.status_code for r in responses] == [200, 200]
    statuses = [Registration.objects.get(pk=r.pk).status for r in waiting]
    assert statuses == ["confirmed", "confirmed", "waitlisted"]
    event.refresh_from_db()
    assert (event.seats_taken, event.waitlist_length) == (2, 1)


def test_control_two_cancellations_without_lock_lose_a_seat(live_server, monkeypatch):
    monkeypatch.setattr(registrations, "_locked_event", _unlocked_reads_met())

    event, _waiting, _responses = _rush_of_two_cancellations(live_server)

    # Both read the same counters before either wrote: the row no longer tells the truth.
    event.refresh_from_db()
    rows = Registration.objects.filter(event=event)
    actual = (rows.filter(status="confirmed").count(), rows.filter(status="waitlisted").count())
    assert (event.seats_taken, event.waitlist_length) != actual
    assert event.waitlist_length == 2


def test_same_person_registering_twice_at_once_gets_one_seat(live_server):
    event = EventFactory(slug="opening", capacity=20)
    token = tokens_for(1)[0]

    responses = fire(f"{live_server.url}/api/v1/events/opening/register/", [token] * 8)

    assert sorted(r.status_code for r in responses) == [201] + [409] * 7
    event.refresh_from_db()
    assert event.seats_taken == 1
    assert Registration.objects.filter(event=event).count() == 1


def test_control_same_person_registering_twice_without_the_unique_constraint_gets_two(
    live_server,
):
    """The one-statement claim does not look for an earlier registration: the database's
    one-live-registration-per-person constraint is what turns the second into a 409."""
    event = EventFactory(slug="opening", capacity=20)
    token = tokens_for(1)[0]

    with constraint_dropped(
        Registration,
        "events_registration_one_live_per_person",
        cleanup=lambda: Registration.objects.all().delete(),
    ):
        responses = fire(f"{live_server.url}/api/v1/events/opening/register/", [token] * 8)
        made = Registration.objects.filter(event=event).count()

    assert [r.status_code for r in responses] == [201] * 8
    assert made == 8


def _session_and_lab_booking_at_once(live_server):
    from datetime import timedelta

    from tests.booking.factories import RoomFactory
    from tests.events.conftest import future
    from tests.factories import ProgrammeFactory

    ProgrammeFactory(slug="dmw")
    RoomFactory(slug="xr-lab")
    start = future()
    # transactional_db flushes the groups the migrations made; bring the role back.
    Group.objects.get_or_create(name="event_organisers")
    organiser = Token.objects.create(user=UserFactory(groups=["event_organisers"])).key
    student = Token.objects.create(user=UserFactory(affiliation="hu")).key
    span = {"start": start.isoformat(), "end": (start + timedelta(hours=2)).isoformat()}
    requests_to_send = [
        (
            f"{live_server.url}/api/v1/events/",
            organiser,
            {
                "slug": "xr",
                "title": "XR",
                "kind": "dmw_session",
                "theme": "media_ict",
                "programme": "dmw",
                "capacity": 10,
                "sessions": [{**span, "room": "xr-lab"}],
            },
        ),
        (
            f"{live_server.url}/api/v1/bookings/",
            student,
            {**span, "room": "xr-lab", "title": "Shoot", "attendees": 1},
        ),
    ]
    barrier = threading.Barrier(2)

    def post(item):
        url, token, body = item
        barrier.wait()
        return requests.post(url, json=body, headers={"Authorization": f"Token {token}"})

    with ThreadPoolExecutor(max_workers=2) as pool:
        return sorted(r.status_code for r in pool.map(post, requests_to_send))


def test_session_and_lab_booking_at_once_never_overlap(live_server):
    from booking.models import Booking
    from events.models import Session

    codes = _session_and_lab_booking_at_once(live_server)

    assert codes == [201, 409]
    assert Booking.objects.live().count() == 1
    assert Session.objects.count() == Booking.objects.filter(event_session__isnull=False).count()


def test_control_session_and_lab_booking_without_lock_or_constraint_overlap(
    live_server, monkeypatch
):
    from booking.models import Booking
    from events.models import Session

    pause_booking_statement(monkeypatch, lock=False)

    with constraint_dropped(
        Booking,
        booking_services.OVERLAP_CONSTRAINT,
        cleanup=lambda: (Session.objects.all().delete(), Booking.objects.all().delete()),
    ):
        codes = _session_and_lab_booking_at_once(live_server)
        overlapping = Booking.objects.live().count()

    assert codes == [201, 201]
    assert overlapping == 2


def test_registrations_and_cancellations_at_once_keep_counters_true(live_server):
    event = EventFactory(slug="mixed", capacity=10)
    SessionFactory(event=event)
    leavers = [UserFactory() for _ in range(15)]
    registrations = [services.register_for_event(user=u, event=event) for u in leavers]
    jobs = [
        (f"{live_server.url}/api/v1/registrations/{r.pk}/cancel/", Token.objects.create(user=u).key)
        for r, u in zip(registrations, leavers, strict=True)
    ]
    jobs += [(f"{live_server.url}/api/v1/events/mixed/register/", t) for t in tokens_for(30)]
    barrier = threading.Barrier(len(jobs))

    def post(job):
        url, token = job
        barrier.wait()
        return requests.post(url, headers={"Authorization": f"Token {token}"}, timeout=60)

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        codes = [r.status_code for r in pool.map(post, jobs)]

    assert codes == [200] * 15 + [201] * 30
    event.refresh_from_db()
    rows = Registration.objects.filter(event=event)
    confirmed = rows.filter(status="confirmed").count()
    waiting = sorted(rows.filter(status="waitlisted").values_list("queue_number", flat=True))
    assert (confirmed, len(waiting)) == (10, 20)
    assert (event.seats_taken, event.waitlist_length) == (10, 20)
    assert len(set(waiting)) == 20
    # Everyone who waits came after everyone confirmed by promotion: the line kept its order.
    # (How many were promoted depends on the interleaving; the order holds for any number.)
    promoted = rows.filter(status="confirmed", queue_number__isnull=False)
    assert max(promoted.values_list("queue_number", flat=True), default=0) < waiting[0]


def _first_to_lock_the_room(monkeypatch, *, rearrangement_first: bool) -> None:
    """Decide who takes the room lock first: the organiser's rearrangement, or a student.

    The other side waits (in the server's request thread) until the first holds the lock,
    then queues behind it in PostgreSQL, so each order runs every time rather than when
    the scheduler happens to pick it. The rearrangement locks the room with `lock_room` and
    holds it until it commits; a student's booking holds it for one round trip, made to
    last 0.3 s here, and the rearrangement is let go 0.1 s into it."""
    inside = threading.local()
    first_holds_lock = threading.Event()
    rearranging, lock_room = booking_services.rearranging, booking_services.lock_room
    insert_under_room_lock = booking_bookings._insert_under_room_lock

    @contextmanager
    def marked_rearranging():
        inside.rearranging = True
        try:
            with rearranging() as touched:
                yield touched
        finally:
            inside.rearranging = False

    def ordered_lock_room(room):
        if not rearrangement_first:
            assert first_holds_lock.wait(timeout=30)
        locked = lock_room(room)
        first_holds_lock.set()
        return locked

    def ordered_insert_under_room_lock(*args, **kwargs):
        if getattr(inside, "rearranging", False):
            return insert_under_room_lock(*args, **kwargs)
        if rearrangement_first:
            assert first_holds_lock.wait(timeout=30)
        else:
            threading.Timer(0.1, first_holds_lock.set).start()
        return insert_under_room_lock(*args, **kwargs)

    monkeypatch.setattr(booking_services, "rearranging", marked_rearranging)
    monkeypatch.setattr(booking_bookings, "lock_room", ordered_lock_room)
    monkeypatch.setattr(booking_bookings, "_insert_under_room_lock", ordered_insert_under_room_lock)
    if not rearrangement_first:
        pause_booking_statement(monkeypatch, lock=True)


def _swap_two_sessions_while_ten_students_book(live_server, monkeypatch, *, rearrangement_first):
    """The organiser swaps two sessions and moves a third into a slot that ten students try
    to book at the same moment; the overlap check is deferred inside the swap."""
    from events.models import Session
    from tests.booking.factories import RoomFactory
    from tests.events.conftest import future
    from tests.factories import ProgrammeFactory

    ProgrammeFactory(slug="dmw")
    RoomFactory(slug="xr-lab")
    Group.objects.get_or_create(name="event_organisers")
    organiser = Token.objects.create(user=UserFactory(groups=["event_organisers"])).key
    start = future()
    hour = timedelta(hours=1)
    created = requests.post(
        f"{live_server.url}/api/v1/events/",
        json={
            "slug": "xr",
            "title": "XR",
            "kind": "dmw_session",
            "theme": "media_ict",
            "programme": "dmw",
            "capacity": 10,
            "sessions": [
                {
                    "start": (start + n * hour).isoformat(),
                    "end": (start + (n + 1) * hour).isoformat(),
                    "room": "xr-lab",
                }
                for n in range(3)
            ],
        },
        headers={"Authorization": f"Token {organiser}"},
        timeout=60,
    )
    assert created.status_code == 201
    first, second, third = Session.objects.order_by("start")
    contested = (start + 5 * hour, start + 6 * hour)
    rearrangement = [
        {
            "id": first.pk,
            "start": second.start.isoformat(),
            "end": second.end.isoformat(),
            "room": "xr-lab",
        },
        {
            "id": second.pk,
            "start": first.start.isoformat(),
            "end": first.end.isoformat(),
            "room": "xr-lab",
        },
        {
            "id": third.pk,
            "start": contested[0].isoformat(),
            "end": contested[1].isoformat(),
            "room": "xr-lab",
        },
    ]
    jobs = [(f"{live_server.url}/api/v1/events/xr/", organiser, {"sessions": rearrangement})]
    jobs += [
        (
            f"{live_server.url}/api/v1/bookings/",
            Token.objects.create(user=UserFactory(affiliation="hu")).key,
            {
                "room": "xr-lab",
                "start": contested[0].isoformat(),
                "end": contested[1].isoformat(),
                "title": "Shoot",
                "attendees": 1,
            },
        )
        for _ in range(10)
    ]
    _first_to_lock_the_room(monkeypatch, rearrangement_first=rearrangement_first)
    barrier = threading.Barrier(len(jobs))

    def send(job):
        url, token, body = job
        barrier.wait()
        method = requests.patch if body.get("sessions") else requests.post
        return method(url, json=body, headers={"Authorization": f"Token {token}"}, timeout=60)

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        responses = list(pool.map(send, jobs))
    return [r.status_code for r in responses], (first, second, third), contested


def _room_timetable_is_consistent():
    from booking.models import Booking
    from events.models import Session

    live = Booking.objects.live().filter(room__slug="xr-lab")
    spans = sorted((b.start, b.blocked_until) for b in live)
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans))
    assert all(s.booking.start == s.start for s in Session.objects.select_related("booking"))
    return live


def test_timetable_rearrangement_first_swaps_and_every_student_is_refused(live_server, monkeypatch):
    from events.models import Session

    codes, (first, second, third), contested = _swap_two_sessions_while_ten_students_book(
        live_server, monkeypatch, rearrangement_first=True
    )

    assert codes == [200] + [409] * 10
    live = _room_timetable_is_consistent()
    assert live.count() == 3
    starts = dict(Session.objects.values_list("pk", "start"))
    assert (starts[first.pk], starts[second.pk], starts[third.pk]) == (
        second.start,
        first.start,
        contested[0],
    )


def test_timetable_rearrangement_after_a_student_is_refused_whole(live_server, monkeypatch):
    from events.models import Session

    codes, (first, second, third), contested = _swap_two_sessions_while_ten_students_book(
        live_server, monkeypatch, rearrangement_first=False
    )

    assert codes[0] == 409
    assert sorted(codes[1:]) == [201] + [409] * 9
    live = _room_timetable_is_consistent()
    assert live.count() == 4
    assert live.filter(start=contested[0], event_session__isnull=True).count() == 1
    starts = dict(Session.objects.values_list("pk", "start"))
    # All or nothing: the swap that would have worked is undone with the move that could not.
    assert (starts[first.pk], starts[second.pk], starts[third.pk]) == (
        first.start,
        second.start,
        third.start,
    )


def _two_owners_remove_each_other(live_server, slug="shared"):
    """Two owners, each removing the other at the same moment, through the API."""
    alice, bob = UserFactory(), UserFactory()
    EventFactory(slug=slug, owners=[alice, bob])
    jobs = [
        (f"{live_server.url}/api/v1/events/{slug}/owners/{bob.pk}/", alice),
        (f"{live_server.url}/api/v1/events/{slug}/owners/{alice.pk}/", bob),
    ]
    barrier = threading.Barrier(2)

    def delete(job):
        url, actor = job
        token = Token.objects.get_or_create(user=actor)[0].key
        barrier.wait()
        return requests.delete(url, headers={"Authorization": f"Token {token}"}, timeout=60)

    with ThreadPoolExecutor(max_workers=2) as pool:
        return sorted(r.status_code for r in pool.map(delete, jobs))


def test_two_owners_removing_each_other_at_once_leave_one_owner(live_server, monkeypatch):
    locked = owners._locked

    def locked_then_dawdle(target):
        # Hold the lock a while: the other request is then surely waiting for it.
        row = locked(target)
        time.sleep(0.2)
        return row

    monkeypatch.setattr(owners, "_locked", locked_then_dawdle)

    codes = _two_owners_remove_each_other(live_server)

    # The second finds itself removed already: it no longer manages the event.
    assert codes == [204, 403]
    assert Event.objects.get(slug="shared").owners.count() == 1


def test_control_two_owners_removing_each_other_without_the_lock_leave_none(
    live_server, monkeypatch
):
    """Without the lock both may check and remove before either commits. The barrier lines
    up their reads of the event; the owner checks after it can still fall on either side of
    the other's commit on a busy machine, so the rush is tried up to five times: the race the
    lock closes must show at least once."""

    def unlocked_then_dawdle(target):
        row = type(target).objects.get(pk=target.pk)
        both_read.wait()
        return row

    monkeypatch.setattr(owners, "_locked", unlocked_then_dawdle)

    outcomes = []
    for attempt in range(5):
        both_read = threading.Barrier(2, timeout=30)
        codes = _two_owners_remove_each_other(live_server, slug=f"shared-{attempt}")
        left = Event.objects.get(slug=f"shared-{attempt}").owners.count()
        outcomes.append((codes, left))
        if left == 0:
            break

    assert ([204, 204], 0) in outcomes, outcomes
