"""Benchmark: free-room search, a room's week of availability, and booking throughput.

Seeds 200 rooms and 100,000 bookings into the PostgreSQL database of DATABASE_URL (rooms and
users named bench-*, removed first), then prints p50/p95 latencies and bookings per second
with 16 parallel clients against a gunicorn server. Not a test; takes a few minutes.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mc_booking \
        .venv/bin/python bench/booking.py --port 8150
"""

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from datetime import time as clock
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# Measure production settings: DEBUG off (no query log), no HTTPS redirect on localhost.
os.environ.update(
    {
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "LOG_LEVEL": "WARNING",
        # Mail goes to a queue in production; printing it to the console would dominate.
        "EMAIL_URL": "dummymail://",
    }
)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from accounts.models import User  # noqa: E402
from booking import selectors  # noqa: E402
from booking.models import Booking, Location, OpeningHours, Room, RoomKind  # noqa: E402
from booking.timezones import LOCAL_TZ  # noqa: E402

ROOMS = 200
DAYS = 250
CLIENTS = 16


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p50 = statistics.median(ordered)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    return f"p50 {p50 * 1000:7.1f} ms   p95 {p95 * 1000:7.1f} ms   (n={len(ordered)})"


def clean() -> None:
    Booking.objects.filter(room__slug__startswith="bench-").delete()
    Room.objects.filter(slug__startswith="bench-").delete()
    Location.objects.filter(slug__startswith="bench-").delete()
    User.objects.filter(email__startswith="bench-").delete()


def seed(rng: random.Random) -> tuple[list[Room], list[User], datetime]:
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
    users = [
        User.objects.create_user(f"bench-{i}@example.org", "bench-password", affiliation="hu")
        for i in range(CLIENTS)
    ]
    first_day = timezone.localdate() - timedelta(days=30)
    # One INSERT ... SELECT: two 90-minute bookings per room and day, one in the morning
    # slots (08, 10, 12) and one in the afternoon (14, 16, 18), the slot varying by room
    # and day. Much faster than building 100,000 model objects.
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO booking_booking (room_id, user_id, title, public_title, attendees,
                start, "end", blocked_from, blocked_until, status, sequence,
                created_at, updated_at)
            SELECT r.id, %(user)s, 'Bench', false, 1, slot.start,
                slot.start + interval '90 minutes',
                slot.start - make_interval(mins => r.buffer_minutes),
                slot.start + interval '90 minutes' + make_interval(mins => r.buffer_minutes),
                'confirmed', 0, now(), now()
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
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE booking_booking; ANALYZE booking_room;")
    return rooms, users, datetime.combine(first_day, clock(0), LOCAL_TZ)


def timed(call, count: int) -> list[float]:
    samples = []
    for _ in range(count):
        began = time.perf_counter()
        call()
        samples.append(time.perf_counter() - began)
    return samples


def bench_reads(rooms, user, first: datetime, rng: random.Random) -> None:
    client = APIClient(SERVER_NAME="127.0.0.1")
    client.force_authenticate(user)

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
        rooms = Room.objects.filter(pk__in=selectors.bookable_rooms(user).values("pk"))
        list(selectors.rooms_free_between(rooms, start, start + timedelta(hours=2)))

    timed(search, 10)  # warm caches and connections
    print(f"free-room search, 2-hour span, 200 rooms:   {percentiles(timed(search, 200))}")
    print(f"  the search query alone (no HTTP, no JSON): {percentiles(timed(search_query, 200))}")
    timed(week, 10)
    print(f"one room's week of availability:            {percentiles(timed(week, 200))}")


def start_server(port: int) -> subprocess.Popen:
    env = dict(os.environ)
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "4",
            "--threads",
            "4",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("gunicorn did not start")


def bench_writes(rooms, users, port: int, seconds: float, rng: random.Random) -> None:
    tokens = [Token.objects.get_or_create(user=user)[0].key for user in users]
    first_free_day = timezone.localdate() + timedelta(days=DAYS - 30 + 2)
    codes: list[int] = []
    latencies: list[float] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client(index: int) -> None:
        local_rng = random.Random(index)
        while time.monotonic() < deadline:
            room = local_rng.choice(rooms)
            day = first_free_day + timedelta(days=local_rng.randrange(100))
            start = datetime.combine(day, clock(local_rng.randrange(7, 22)), LOCAL_TZ)
            body = json.dumps(
                {
                    "room": room.slug,
                    "start": start.isoformat(),
                    "end": (start + timedelta(hours=1)).isoformat(),
                    "title": "Bench",
                }
            ).encode()
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/api/v1/bookings/",
                data=body,
                headers={
                    "Content-Type": "application/json",
                    "Authorization": f"Token {tokens[index]}",
                },
            )
            began = time.perf_counter()
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    code = response.status
            except urllib.error.HTTPError as error:
                code = error.code
            with lock:
                latencies.append(time.perf_counter() - began)
                codes.append(code)

    began = time.monotonic()
    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        list(pool.map(client, range(CLIENTS)))
    elapsed = time.monotonic() - began
    made = codes.count(201)
    print(
        f"bookings through the API, {CLIENTS} clients:      {made / elapsed:7.1f} bookings/s "
        f"({made} made, {codes.count(409)} conflicts, "
        f"{len(codes) - made - codes.count(409)} other, in {elapsed:.1f} s)"
    )
    print(f"  request latency:                          {percentiles(latencies)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8150)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--keep", action="store_true", help="leave the bench data in place")
    args = parser.parse_args()
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise SystemExit("bench/booking.py measures PostgreSQL: set DATABASE_URL.")
    rng = random.Random(2026)
    clean()
    began = time.perf_counter()
    rooms, users, first = seed(rng)
    print(
        f"seeded {len(rooms)} rooms and {Booking.objects.filter(room__in=rooms).count()} "
        f"bookings in {time.perf_counter() - began:.1f} s"
    )
    bench_reads(rooms, users[0], first, rng)
    connection.close()
    server = start_server(args.port)
    try:
        bench_writes(rooms, users, args.port, args.seconds, rng)
    finally:
        server.terminate()
        server.wait()
    if not args.keep:
        clean()


if __name__ == "__main__":
    main()
