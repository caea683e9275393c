"""Covenant reports over a year of data: p95 of each report through HTTP against the same
query run alone, and against /healthz with the same keep-alive clients in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mc_reports .venv/bin/python bench/reports.py

Migrates the database of DATABASE_URL and seeds, with bulk SQL, 200 rooms in 4 locations
(every tenth a 24-seat shared room) open 07:00-23:00, 100,000 bookings over the past year
(a tenth released no-shows, a twentieth seat bookings), closures, 400 events with 800
sessions and 20,000 registrations with attendance (rows named bench-*, removed first and
afterwards). Then, per report (occupancy by room, location and kind; participation by each
grouping; the whole year): p50/p95 of the report's query alone, in this process, and of the
same report through gunicorn (2 workers) from keep-alive async clients, the ratio of the two,
and the queries one report costs. Exits non-zero when a report answers other than 200, its
query count grows with the data, or its p95 through HTTP is 1 s or more.
"""

import argparse
import os
import random
import statistics
import sys
import time
from datetime import time as clock
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.booking import bench_environment  # noqa: E402
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
BOOKINGS = 100_000
EVENTS = 400
REGISTRATIONS = 20_000
PEOPLE = 5_000
TARGET_P95 = 1.0


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=60, help="per report, through HTTP")
    parser.add_argument("--alone", type=int, default=20, help="per report, query alone")
    # One client per core: a report keeps a core busy for its whole answer.
    add_server_arguments(parser, clients=2, port=8350)
    return parser.parse_args()


def clean() -> None:
    from django.db import connection

    from accounts.models import Organisation, User
    from booking.models import Booking, Closure, Location, Room
    from events.models import Event, Programme

    Event.objects.filter(programme__slug__startswith="bench-").delete()
    Programme.objects.filter(slug__startswith="bench-").delete()
    with connection.cursor() as cursor:
        # Sessions are gone with their events; their bookings, and all others, go here.
        cursor.execute(
            "DELETE FROM booking_booking WHERE room_id IN "
            "(SELECT id FROM booking_room WHERE slug LIKE 'bench-%%')",
            [],
        )
    Booking.objects.filter(room__slug__startswith="bench-").delete()
    Closure.objects.filter(location__slug__startswith="bench-").delete()
    Room.objects.filter(slug__startswith="bench-").delete()
    Location.objects.filter(slug__startswith="bench-").delete()
    User.objects.filter(email__endswith="@bench.invalid").delete()
    Organisation.objects.filter(slug__startswith="bench-").delete()


def seed(rng: random.Random):
    """Rooms, a year of bookings, events and registrations; returns the period and a
    report viewer's API token."""
    from django.contrib.auth.models import Group
    from django.db import connection
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from accounts.models import Organisation, User
    from booking.models import BookingMode, Location, OpeningHours, Room, RoomKind
    from booking.report_periods import Period

    locations = [
        Location.objects.create(slug=f"bench-{i}", name=f"Bench location {i}") for i in range(4)
    ]
    OpeningHours.objects.bulk_create(
        OpeningHours(location=loc, weekday=d, opens=clock(7), closes=clock(23))
        for loc in locations
        for d in range(7)
    )
    kinds = list(RoomKind.values)
    Room.objects.bulk_create(
        Room(
            slug=f"bench-{i}",
            name=f"Bench room {i}",
            location=locations[i % 4],
            kind=kinds[i % len(kinds)],
            capacity=24 if i % 10 == 0 else rng.choice([2, 4, 8, 12, 30]),
            booking_mode=BookingMode.SEATS if i % 10 == 0 else BookingMode.ROOM,
            bookable_by=["hu", "municipality", "partner"],
            check_in_required=i % 3 == 0,
        )
        for i in range(ROOMS)
    )
    organisations = Organisation.objects.bulk_create(
        Organisation(
            slug=f"bench-{i}",
            name=f"Bench organisation {i}",
            kind="company",
            affiliation=["hu", "municipality", "partner", "public"][i % 4],
        )
        for i in range(40)
    )
    people = User.objects.bulk_create(
        User(
            email=f"bench-{i}@bench.invalid",
            name=f"Bench {i}",
            affiliation=organisations[i % 40].affiliation,
            organisation=organisations[i % 40],
        )
        for i in range(PEOPLE)
    )
    viewer = people[0]
    viewer.groups.add(Group.objects.get_or_create(name="report_viewers")[0])
    token = Token.objects.create(user=viewer, key=Token.generate_key()).key
    last_day = timezone.localdate() - timedelta(days=1)
    first_day = last_day - timedelta(days=364)
    days = (last_day - first_day).days + 1
    per_room_day = BOOKINGS / (ROOMS * days)
    with connection.cursor() as cursor:
        # 100,000 bookings: room r on day d gets slot k (of 8, 90 minutes every 2 hours
        # from 08:00; the last runs past closing) when a hash of the row says so; every
        # tenth released, seats rooms booked by the seat.
        cursor.execute(
            """
            INSERT INTO booking_booking (room_id, user_id, title, public_title, attendees,
                start, "end", blocked_from, blocked_until, status, sequence,
                created_at, updated_at, affiliation, organisation_id, takes_whole_room)
            SELECT r.id, u.id, 'Bench', false,
                   CASE WHEN r.booking_mode = 'seats' THEN 1 + (n %% 6) ELSE 1 END,
                   slot.start, slot.start + interval '90 minutes',
                   slot.start, slot.start + interval '90 minutes',
                   CASE WHEN n %% 10 = 0 THEN 'released' ELSE 'confirmed' END, 0, now(), now(),
                   u.affiliation, u.organisation_id, r.booking_mode <> 'seats'
            FROM (
                SELECT r.id AS room_id, d, k, row_number() OVER () AS n
                FROM booking_room r
                CROSS JOIN generate_series(0, %(days)s - 1) AS d
                CROSS JOIN generate_series(0, 7) AS k
                WHERE r.slug LIKE 'bench-%%'
                ORDER BY r.id, d, k
            ) AS pick
            JOIN booking_room r ON r.id = pick.room_id
            JOIN accounts_user u ON u.email = 'bench-' || ((pick.n * 7919) %% %(people)s)
                                               || '@bench.invalid'
            CROSS JOIN LATERAL (
                SELECT ((%(first)s::date + pick.d) + make_time(8 + pick.k * 2, 0, 0))
                       AT TIME ZONE 'Europe/Amsterdam' AS start
            ) AS slot
            WHERE abs(hashint8(pick.n)) %% 100000 < %(share)s
            LIMIT %(bookings)s
            """,
            {
                "days": days,
                "first": first_day,
                "people": PEOPLE,
                # A little over the share of the 8 slots a room-day that makes BOOKINGS.
                "share": int(per_room_day / 8 * 100000 * 1.02),
                "bookings": BOOKINGS,
            },
        )
        cursor.execute(
            """
            INSERT INTO booking_closure (location_id, room_id, start, "end", reason)
            SELECT l.id, NULL, (%(first)s::date + 40 * g) AT TIME ZONE 'Europe/Amsterdam',
                   (%(first)s::date + 40 * g + 1) AT TIME ZONE 'Europe/Amsterdam', 'Bench'
            FROM booking_location l, generate_series(0, 8) AS g WHERE l.slug LIKE 'bench-%%'
            """,
            {"first": first_day},
        )
    seed_events(first_day, days)
    with connection.cursor() as cursor:
        cursor.execute(
            "VACUUM ANALYZE booking_booking, booking_room, booking_closure, booking_location, "
            "booking_openinghours, events_event, events_session, events_registration, "
            "events_attendance, accounts_user, accounts_organisation"
        )
        cursor.execute("CHECKPOINT")
    return Period(first_day, last_day), token


def seed_events(first_day, days: int) -> None:
    """400 events (a quarter LLO courses), two evening sessions each across the year, outside
    our rooms (sessions in rooms are bookings, counted above); 50 registrations an event:
    40 confirmed (28 attended), 5 waitlisted, 5 cancelled."""
    from django.db import connection

    from events.models import Programme

    programmes = [
        Programme.objects.create(slug=f"bench-{i}", name=f"Bench programme {i}") for i in range(8)
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO events_event (slug, programme_id, kind, theme, title, description,
                title_en, description_en, audience, capacity, waitlist, image, seats_taken,
                waitlist_length, waitlist_next, created_at, updated_at)
            SELECT 'bench-' || g, (%(programmes)s::bigint[])[1 + g %% 8],
                   (ARRAY['llo_course', 'dmw_session', 'campus_event', 'campus_event'])[1 + g %% 4],
                   (ARRAY['media_campus', 'media_ict', 'sustainability', 'care_education'])
                       [1 + (g / 4) %% 4],
                   'Bench event ' || g, '', '', '', '["hu", "partner"]', 40, true, '', 40, 5, 6,
                   now(), now()
            FROM generate_series(0, %(events)s - 1) AS g
            """,
            {"programmes": [p.pk for p in programmes], "events": EVENTS},
        )
        cursor.execute(
            """
            INSERT INTO events_session (event_id, start, "end", location_text, sequence,
                updated_at)
            SELECT e.id, s.start, s.start + interval '2 hours', 'Elsewhere', 0, now()
            FROM events_event e CROSS JOIN generate_series(0, 1) AS k
            CROSS JOIN LATERAL (
                SELECT ((%(first)s::date + ((e.id * 37 + k * 11) %% %(days)s)::int) + time '19:00')
                       AT TIME ZONE 'Europe/Amsterdam' AS start
            ) AS s
            WHERE e.slug LIKE 'bench-%%'
            """,
            {"first": first_day, "days": days},
        )
        cursor.execute(
            """
            INSERT INTO events_registration (event_id, user_id, status, queue_number,
                created_at, updated_at, affiliation, organisation_id, theme)
            SELECT e.id, u.id,
                   CASE WHEN i < 40 THEN 'confirmed' WHEN i < 45 THEN 'waitlisted'
                        ELSE 'cancelled' END,
                   CASE WHEN i >= 40 AND i < 45 THEN i - 39 END, now(), now(),
                   u.affiliation, u.organisation_id, e.theme
            FROM events_event e CROSS JOIN generate_series(0, 49) AS i
            JOIN accounts_user u
              ON u.email = 'bench-' || ((e.id * 50 + i) %% %(people)s) || '@bench.invalid'
            WHERE e.slug LIKE 'bench-%%'
            """,
            {"people": PEOPLE},
        )
        cursor.execute(
            """
            INSERT INTO events_attendance (registration_id, session_id, checked_in_at)
            SELECT r.id, s.id, s.start
            FROM events_registration r
            JOIN events_event e ON e.id = r.event_id
            JOIN LATERAL (SELECT id, start FROM events_session WHERE event_id = e.id
                          ORDER BY start LIMIT 1) AS s ON true
            WHERE e.slug LIKE 'bench-%%' AND r.status = 'confirmed' AND r.id %% 10 < 7
            """,
            [],
        )


def reports_to_run(period):
    """(name, path, the same report's query alone)."""
    from booking import reports as occupancy
    from events import reports as participation

    query = f"from={period.first}&until={period.last}"
    found = []
    for group_by in occupancy.GROUPS:
        found.append(
            (
                f"occupancy by {group_by}",
                f"/api/v1/reports/occupancy/?{query}&group_by={group_by}",
                lambda g=group_by: occupancy.occupancy_rows(period, g),
            )
        )
    for group_by in participation.GROUPS:
        found.append(
            (
                f"participation by {group_by}",
                f"/api/v1/reports/participation/?{query}&group_by={group_by}",
                lambda g=group_by: participation.participation_rows(period, g),
            )
        )
    return found


def queries_of(path: str, token: str) -> tuple[int, int]:
    """The report through the API in this process: (status, queries)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    client = APIClient(SERVER_NAME="127.0.0.1", HTTP_AUTHORIZATION=f"Token {token}")
    client.get(path)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    return response.status_code, len(captured)


def timed(call, count: int) -> list[float]:
    call()
    samples = []
    for _ in range(count):
        began = time.perf_counter()
        call()
        samples.append(time.perf_counter() - began)
    return sorted(samples)


def main() -> bool:
    args = parse_args()
    bench_environment()
    setup_django()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0, interactive=False)
    clean()
    rng = random.Random(2026)
    began = time.perf_counter()
    period, token = seed(rng)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM booking_booking b JOIN booking_room r "
            "ON r.id = b.room_id WHERE r.slug LIKE 'bench-%%'), "
            "(SELECT count(*) FROM events_registration r JOIN events_event e "
            "ON e.id = r.event_id WHERE e.slug LIKE 'bench-%%')",
            [],
        )
        bookings, registrations = cursor.fetchone()
    print(
        f"seeded {ROOMS} rooms, {bookings} bookings, {registrations} registrations "
        f"({period.first} to {period.last}) in {time.perf_counter() - began:.1f} s"
    )
    ok = True
    try:
        runs = reports_to_run(period)
        alone = {}
        counts = {}
        for name, path, query in runs:
            alone[name] = timed(query, args.alone)
            status, queries = queries_of(path, token)
            counts[name] = queries
            ok = ok and status == 200
        connection.close()
        server = start_server(args)
        try:
            health = [("GET", "/healthz", token, b"")] * args.requests
            send_all(args.port, health, args.clients)  # warm every worker
            _elapsed, health_results = send_all(args.port, health, args.clients)
            health_p95 = percentile(sorted(r[0] for r in health_results), 0.95)
            print(
                f"baseline /healthz: p95 {health_p95 * 1000:.1f} ms "
                f"({args.clients} keep-alive clients, {args.requests} requests)"
            )
            print(
                f"{'report':<30} {'alone p50/p95 ms':>18} {'HTTP p50/p95 ms':>18} "
                f"{'HTTP/alone':>10} {'/healthz':>9} {'queries':>7}"
            )
            for name, path, _query in runs:
                requests = [("GET", path, token, b"")] * args.requests
                send_all(args.port, requests[: args.clients], args.clients)
                _elapsed, results = send_all(args.port, requests, args.clients)
                statuses = {status for _latency, status, _body in results}
                latencies = sorted(latency for latency, _status, _body in results)
                p95 = percentile(latencies, 0.95)
                alone_p95 = percentile(alone[name], 0.95)
                print(
                    f"{name:<30} {statistics.median(alone[name]) * 1000:8.1f}/"
                    f"{alone_p95 * 1000:8.1f} {statistics.median(latencies) * 1000:8.1f}/"
                    f"{p95 * 1000:8.1f} {p95 / alone_p95:10.2f} {p95 / health_p95:9.0f} "
                    f"{counts[name]:7d}"
                )
                if statuses != {200} or p95 >= TARGET_P95:
                    print(f"  [FAIL] {name}: statuses {statuses}, p95 {p95:.3f} s")
                    ok = False
        finally:
            stop_server(server)
        ok = check_query_counts(runs, token, counts) and ok
    finally:
        clean()
        forget_queue()
    return ok


def check_query_counts(runs, token: str, counts: dict) -> bool:
    """The same reports over a period with no data cost as many queries."""
    ok = True
    for name, path, _query in runs:
        empty = (
            path.split("?")[0]
            + "?from=2001-01-01&until=2001-01-31&group_by="
            + (path.rsplit("group_by=", 1)[1])
        )
        _status, queries = queries_of(empty, token)
        same = queries == counts[name]
        ok = ok and same
        print(
            f"  [{'ok' if same else 'FAIL'}] {name}: {counts[name]} queries over a year "
            f"of data, {queries} over an empty month"
        )
    return ok


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.exit(0 if main() else 1)
