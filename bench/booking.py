"""Booking rush: 2,000 distinct bookings from 16 keep-alive clients through the API, against
gunicorn on PostgreSQL, measured against /healthz with the same clients in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mc_booking .venv/bin/python bench/booking.py

Migrates the database of DATABASE_URL, seeds 200 rooms with 100,000 bookings (rows named
bench-*, removed first and afterwards), and prints the p50/p95 of the free-room search and of
a room's week of availability (in process), then the rush: bookings per second, p50/p95/p99,
the ratio to /healthz and the queries one booking costs. Mail goes to a task queue on Redis
as in production (REDIS_URL, default redis://127.0.0.1:6379/12, on a queue of its own that
is emptied afterwards). Exits non-zero when an invariant fails: every response 201, 2,000
bookings made, no two live bookings of a room overlapping, buffers included.

Then the seats rush: 2,000 one-seat bookings from 64 clients into one 24-seat room across
one day (`--seats-only` runs only this), with the ratio to /healthz in the same run; most
are refused (409), as a day holds far fewer. Checked afterwards in the database: no instant
holds more than 24 seats, and every refused request's span has an instant that is full.
"""

import argparse
import collections
import json
import os
import random
import statistics
import sys
import time
from datetime import datetime, timedelta
from datetime import time as clock
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.registration import (  # noqa: E402
    add_server_arguments,
    forget_queue,
    percentile,
    send_all,
    setup_django,
    start_server,
    stop_server,
)

ROOMS = 200
DAYS = 250
RUSH_ROOMS = 50
RUSH_TITLE = "Bench rush"
SEATS = 24
SEATS_CLIENTS = 64
SEATS_TITLE = "Bench seats"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bookings", type=int, default=2000)
    add_server_arguments(parser, clients=16, port=8150)
    parser.add_argument("--skip-reads", action="store_true", help="only the booking rushes")
    parser.add_argument(
        "--seats-only", action="store_true", help="only the rush for the seats of a shared room"
    )
    return parser.parse_args()


def bench_environment() -> None:
    """Settings for this process and gunicorn: production's, on a queue nobody else uses."""
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/12")
    os.environ.setdefault("CELERY_QUEUE", f"bookbench-{os.getpid()}")
    os.environ.update(
        {
            "DEBUG": "0",
            "SECRET_KEY": "bench-only-secret-key-not-for-production-0123456789abcdef",
            "ALLOWED_HOSTS": "127.0.0.1,testserver",
            "SECURE_SSL_REDIRECT": "0",
            "EMAIL_URL": "dummymail://",
            "LOG_LEVEL": "WARNING",
        }
    )


def clean() -> None:
    from accounts.models import User
    from booking.models import Booking, Location, Room

    Booking.objects.filter(room__slug__startswith="bench-").delete()
    Room.objects.filter(slug__startswith="bench-").delete()
    Location.objects.filter(slug__startswith="bench-").delete()
    User.objects.filter(email__endswith="@bench.invalid").delete()


def seed(clients: int, rng: random.Random):
    """200 rooms open 07-23 every day, two 90-minute bookings per room and day for 250 days
    from a month ago, and one user with an API token per client."""
    from django.db import connection
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from accounts.models import User
    from booking.models import Location, OpeningHours, Room, RoomKind

    locations = [
        Location.objects.create(slug=f"bench-{i}", name=f"Bench location {i}") for i in range(4)
    ]
    OpeningHours.objects.bulk_create(
        OpeningHours(location=loc, weekday=d, opens=clock(7), closes=clock(23))
        for loc in locations
        for d in range(7)
    )
    kinds = list(RoomKind.values)
    rooms = Room.objects.bulk_create(
        Room(
            slug=f"bench-{i}",
            name=f"Bench room {i}",
            location=locations[i % 4],
            kind=kinds[i % len(kinds)],
            capacity=rng.choice([2, 4, 8, 12, 30, 100]),
            bookable_by=["hu", "municipality", "partner"],
            max_days_ahead=400,
            buffer_minutes=rng.choice([0, 0, 15]),
        )
        for i in range(ROOMS)
    )
    users = User.objects.bulk_create(
        User(email=f"bench-{i}@bench.invalid", name=f"Bench {i}", affiliation="hu")
        for i in range(clients)
    )
    tokens = [
        token.key
        for token in Token.objects.bulk_create(
            Token(user=user, key=Token.generate_key()) for user in users
        )
    ]
    first_day = timezone.localdate() - timedelta(days=30)
    # One INSERT ... SELECT: one 90-minute booking per room and day in the morning slots
    # (08, 10, 12) and one in the afternoon (14, 16, 18), the slot varying by room and day.
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO booking_booking (room_id, user_id, title, public_title, attendees,
                start, "end", blocked_from, blocked_until, status, sequence,
                created_at, updated_at, affiliation)
            SELECT r.id, %(user)s, 'Bench', false, 1, slot.start,
                slot.start + interval '90 minutes',
                slot.start - make_interval(mins => r.buffer_minutes),
                slot.start + interval '90 minutes' + make_interval(mins => r.buffer_minutes),
                'confirmed', 0, now(), now(), 'hu'
            FROM booking_room r
            CROSS JOIN generate_series(0, %(days)s - 1) AS d
            CROSS JOIN (VALUES (0), (1)) AS k(k)
            CROSS JOIN LATERAL (
                SELECT ((%(first)s::date + d)
                        + make_time((8 + 2 * (3 * k + (r.id * (1 + 6 * k) + d) %% 3))::int, 0, 0))
                       AT TIME ZONE 'Europe/Amsterdam' AS start
            ) AS slot
            WHERE r.slug LIKE 'bench-%%'
            """,
            {"user": users[0].pk, "days": DAYS, "first": first_day},
        )
        # Planner statistics and a vacuumed table, as autovacuum would leave them in
        # production; and the 100,000 rows just written flushed to disk now, so that neither
        # autovacuum nor a checkpoint runs into the rush (both made the ratio swing 2x).
        cursor.execute(
            "VACUUM ANALYZE booking_booking, booking_room, booking_closure, "
            "booking_openinghours, accounts_user, authtoken_token"
        )
        cursor.execute("CHECKPOINT")
    return rooms, users, tokens, first_day


def rush_work(rooms, first_free_day, count: int, rng: random.Random) -> list[dict]:
    """`count` bookings that cannot clash: hour-long slots two hours apart (room buffers are
    at most 15 minutes) in rooms and days the seed left empty, in random order."""
    slots = [
        (room, first_free_day + timedelta(days=day), hour)
        for day in range(60)
        for room in rooms[:RUSH_ROOMS]
        for hour in range(8, 22, 2)
    ]
    if count > len(slots):
        sys.exit(f"at most {len(slots)} bookings fit the rush rooms")
    from booking.timezones import LOCAL_TZ

    bodies = []
    for room, day, hour in rng.sample(slots, count):
        start = datetime.combine(day, clock(hour), LOCAL_TZ)
        bodies.append(
            {
                "room": room.slug,
                "start": start.isoformat(),
                "end": (start + timedelta(hours=1)).isoformat(),
                "title": RUSH_TITLE,
            }
        )
    return bodies


def timed(call, count: int) -> list[float]:
    samples = []
    for _ in range(count):
        began = time.perf_counter()
        call()
        samples.append(time.perf_counter() - began)
    return samples


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    return (
        f"p50 {statistics.median(ordered) * 1000:7.1f} ms   "
        f"p95 {percentile(ordered, 0.95) * 1000:7.1f} ms   (n={len(ordered)})"
    )


def bench_reads(rooms, user, first_day, rng: random.Random) -> None:
    from rest_framework.test import APIClient

    from booking import selectors
    from booking.models import Room
    from booking.timezones import LOCAL_TZ

    client = APIClient(SERVER_NAME="127.0.0.1")
    client.force_authenticate(user)
    first = datetime.combine(first_day, clock(0), LOCAL_TZ)

    def search():
        start = first + timedelta(days=rng.randrange(DAYS), hours=rng.randrange(8, 20))
        response = client.get(
            "/api/v1/rooms/",
            {
                "free_from": start.isoformat(),
                "free_until": (start + timedelta(hours=2)).isoformat(),
            },
        )
        assert response.status_code == 200, response.status_code

    def week():
        room = rng.choice(rooms)
        start = first + timedelta(days=rng.randrange(DAYS - 7))
        response = client.get(
            f"/api/v1/rooms/{room.slug}/availability/",
            {"start": start.isoformat(), "end": (start + timedelta(days=7)).isoformat()},
        )
        assert response.status_code == 200, response.status_code

    def search_query():
        start = first + timedelta(days=rng.randrange(DAYS), hours=rng.randrange(8, 20))
        bookable = Room.objects.filter(pk__in=selectors.bookable_rooms(user).values("pk"))
        list(selectors.rooms_free_between(bookable, start, start + timedelta(hours=2)))

    timed(search, 10)  # warm caches and the connection
    print(f"free-room search, 2-hour span, 200 rooms:   {percentiles(timed(search, 200))}")
    print(f"  the search query alone (no HTTP, no JSON): {percentiles(timed(search_query, 200))}")
    timed(week, 10)
    print(f"one room's week of availability:            {percentiles(timed(week, 200))}")


def queries_per_booking(room, token: str, day) -> int:
    """One booking through the API in this process, its queries counted; then removed.

    The room is outside the rush's, so the count is that of a booking like the rush's."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    from booking.models import Booking
    from booking.timezones import LOCAL_TZ

    client = APIClient(SERVER_NAME="127.0.0.1", HTTP_AUTHORIZATION=f"Token {token}")
    counts = []
    for hour in (8, 10):  # the first warms up what a worker loads once
        start = datetime.combine(day, clock(hour), LOCAL_TZ)
        body = {
            "room": room.slug,
            "start": start.isoformat(),
            "end": (start + timedelta(hours=1)).isoformat(),
        }
        with CaptureQueriesContext(connection) as captured:
            response = client.post("/api/v1/bookings/", body, format="json")
        if response.status_code != 201:
            sys.exit(f"probe booking refused: {response.status_code} {response.content!r}")
        counts.append(len(captured))
    Booking.objects.filter(room=room, start__date__gte=day).delete()
    return counts[-1]


def latency_line(results) -> str:
    latencies = sorted(latency for latency, _status, _body in results)
    return (
        f"p50/p95/p99 {percentile(latencies, 0.50) * 1000:.1f} / "
        f"{percentile(latencies, 0.95) * 1000:.1f} / {percentile(latencies, 0.99) * 1000:.1f} ms"
    )


def overlapping_pairs() -> int:
    """Live bookings of bench rooms whose slot a neighbour's buffered span touches.

    Sorted by start within a room, any two that overlap imply two neighbours that do."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*) FROM (
                SELECT b.start, b.blocked_from,
                       lag(b."end") OVER w AS previous_end,
                       lag(b.blocked_until) OVER w AS previous_blocked_until
                FROM booking_booking b JOIN booking_room r ON r.id = b.room_id
                WHERE r.slug LIKE 'bench-%%' AND b.status IN ('pending', 'confirmed')
                WINDOW w AS (PARTITION BY b.room_id ORDER BY b.start, b.id)
            ) AS ordered
            WHERE blocked_from < previous_end OR start < previous_blocked_until
            """
        )
        return cursor.fetchone()[0]


def check_invariants(results, count: int) -> bool:
    from booking.models import Booking

    statuses = collections.Counter(status for _latency, status, _body in results)
    made = Booking.objects.filter(room__slug__startswith="bench-", title=RUSH_TITLE)
    bodies = [json.loads(body) for _latency, status, body in results if status == 201]
    checks = {
        f"every response 201 ({dict(statuses)})": statuses == {201: count},
        f"{count} bookings in the database": made.live().count() == count,
        f"{count} distinct ids answered": len({body["id"] for body in bodies}) == count,
        "no two live bookings of a room overlap, buffers included": overlapping_pairs() == 0,
    }
    for name, ok in checks.items():
        print(f"  [{'ok' if ok else 'FAIL'}] {name}")
    return all(checks.values())


def against_health(args, requests, clients: int):
    """`requests` from `clients` keep-alive clients against a fresh gunicorn, between two
    halves of as many /healthz requests with the same clients (the machine's speed drifts).
    Returns (requests/s, /healthz requests/s, results)."""
    from django.db import connection

    health = [("GET", "/healthz", requests[0][2], b"")] * len(requests)
    connection.close()
    server = start_server(args)
    try:
        send_all(args.port, health[:200], clients)  # warm up every worker and thread
        half = len(health) // 2
        before_elapsed, before = send_all(args.port, health[:half], clients)
        elapsed, results = send_all(args.port, requests, clients)
        after_elapsed, after = send_all(args.port, health[half:], clients)
    finally:
        stop_server(server)
    health_results = before + after
    health_rate = len(health_results) / (before_elapsed + after_elapsed)
    print(
        f"baseline /healthz:  {health_rate:.0f} requests/s "
        f"({len(before) / before_elapsed:.0f} before, "
        f"{len(after) / after_elapsed:.0f} after), {latency_line(health_results)}"
    )
    print(f"requests:           {len(results)} in {elapsed:.2f} s, {clients} clients")
    return len(results) / elapsed, health_rate, results


def room_rush(args, rooms, tokens, rng) -> bool:
    from django.utils import timezone

    tokens = tokens[: args.clients]
    first_free_day = timezone.localdate() + timedelta(days=DAYS - 30 + 2)
    queries = queries_per_booking(rooms[-1], tokens[0], first_free_day)
    bodies = rush_work(rooms, first_free_day, args.bookings, rng)
    bookings = [
        ("POST", "/api/v1/bookings/", tokens[n % len(tokens)], json.dumps(body).encode())
        for n, body in enumerate(bodies)
    ]
    print(f"booking rush: {args.bookings} bookings of whole rooms")
    rate, health_rate, results = against_health(args, bookings, args.clients)
    print(f"throughput:         {rate:.0f} bookings/s, {latency_line(results)}")
    print(f"ratio:              {rate / health_rate:.2f} of /healthz")
    print(f"queries per booking: {queries}")
    return check_invariants(results, args.bookings)


def seats_work(room, day, count: int, rng: random.Random) -> list[dict]:
    """`count` one-seat bookings of 30 to 120 minutes, starting on a quarter hour, within
    the room's 07:00-23:00 of `day`: far more than its seats hold, so most are refused."""
    from booking.timezones import LOCAL_TZ

    bodies = []
    opens = datetime.combine(day, clock(7), LOCAL_TZ)
    for _ in range(count):
        minutes = rng.choice([30, 60, 90, 120])
        start = opens + timedelta(minutes=15 * rng.randrange((16 * 60 - minutes) // 15 + 1))
        end = start + timedelta(minutes=minutes)
        bodies.append(
            {
                "room": room.slug,
                "start": start.isoformat(),
                "end": end.isoformat(),
                "attendees": 1,
                "title": SEATS_TITLE,
            }
        )
    return bodies


def seats_room(location):
    from booking.models import BookingMode, Room, RoomKind

    return Room.objects.create(
        slug="bench-seats",
        name="Bench shared room",
        location=location,
        kind=RoomKind.WORKSPACE,
        capacity=SEATS,
        booking_mode=BookingMode.SEATS,
        bookable_by=["hu", "municipality", "partner"],
        max_days_ahead=400,
    )


def seats_rush(args, location, tokens, rng) -> bool:
    """2,000 one-seat bookings from 64 clients into one 24-seat room across a day."""
    from django.utils import timezone

    room = seats_room(location)
    day = timezone.localdate() + timedelta(days=DAYS + 10)
    bodies = seats_work(room, day, args.bookings, rng)
    requests = [
        ("POST", "/api/v1/bookings/", tokens[n % len(tokens)], json.dumps(body).encode())
        for n, body in enumerate(bodies)
    ]
    print(f"seats rush: {args.bookings} one-seat bookings into one {SEATS}-seat room, one day")
    rate, health_rate, results = against_health(args, requests, SEATS_CLIENTS)
    statuses = collections.Counter(status for _latency, status, _body in results)
    print(
        f"throughput:         {rate:.0f} requests/s ({statuses[201]} booked, "
        f"{statuses[409]} refused: no seat left), {latency_line(results)}"
    )
    print(f"ratio:              {rate / health_rate:.2f} of /healthz")
    return check_seats(room, results)


def most_seats_held(room) -> int:
    """The most seats live bookings of `room` hold at any instant, asked of the database:
    the load only grows where a booking starts, so those are the instants to look at."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT coalesce(max(held), 0) FROM (
                SELECT (SELECT sum(other.attendees) FROM booking_booking other
                        WHERE other.room_id = b.room_id
                          AND other.status IN ('pending', 'confirmed')
                          AND other.start <= b.start AND other.blocked_until > b.start) AS held
                FROM booking_booking b
                WHERE b.room_id = %s AND b.status IN ('pending', 'confirmed')
            ) AS instants
            """,
            [room.pk],
        )
        return cursor.fetchone()[0]


def check_seats(room, results) -> bool:
    from django.utils.dateparse import parse_datetime

    from booking import seats
    from booking.models import Booking

    statuses = collections.Counter(status for _latency, status, _body in results)
    live = Booking.objects.filter(room=room).live()
    holds = [(b.start, b.blocked_until, b.attendees) for b in live]
    made = {json.loads(body)["id"] for _latency, status, body in results if status == 201}
    # Bookings are only ever added here, so a refusal must still be true at the end: some
    # instant of the refused span has every seat taken.
    refused_spans = [
        (parse_datetime(span["start"]), parse_datetime(span["end"]))
        for _latency, status, body in results
        if status == 409
        for span in [json.loads(body)["conflicts"][0]]
    ]
    full_where_refused = all(seats.short_spans(holds, span, SEATS, 1) for span in refused_spans)
    held = most_seats_held(room)
    checks = {
        f"only 201 and 409 ({dict(statuses)})": set(statuses) <= {201, 409},
        f"{statuses[201]} bookings in the database": live.count() == statuses[201] == len(made),
        f"no instant holds more than {SEATS} seats (most held: {held})": held <= SEATS,
        "every refusal names a span that is full": full_where_refused,
    }
    for name, ok in checks.items():
        print(f"  [{'ok' if ok else 'FAIL'}] {name}")
    return all(checks.values())


def main():
    args = parse_args()
    bench_environment()
    setup_django()
    from django.core.management import call_command

    rng = random.Random(2026)
    call_command("migrate", verbosity=0, interactive=False)
    clean()
    began = time.perf_counter()
    rooms, users, tokens, first_day = seed(max(args.clients, SEATS_CLIENTS), rng)
    print(f"seeded {len(rooms)} rooms and {len(rooms) * DAYS * 2} bookings")
    print(f"  in {time.perf_counter() - began:.1f} s")
    ok = True
    try:
        if not args.skip_reads and not args.seats_only:
            bench_reads(rooms, users[0], first_day, rng)
        if not args.seats_only:
            ok = room_rush(args, rooms, tokens, rng) and ok
        ok = seats_rush(args, rooms[0].location, tokens, rng) and ok
    finally:
        clean()
        forget_queue()
    return ok


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
