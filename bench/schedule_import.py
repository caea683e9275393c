"""Schedule import: a frab schedule of 1,000 talks into a programme, against 1,000 plain
session inserts (one statement each, the floor of writing a talk a round trip at a time)
measured in the same run on the same database.

    .venv/bin/python bench/schedule_import.py             # needs PostgreSQL on 127.0.0.1
    .venv/bin/python bench/schedule_import.py --talks 200 --runs 1
    BENCH_DATABASE=mc_x .venv/bin/python bench/schedule_import.py

Makes the database BENCH_DATABASE anew (migrated), 20 rooms of ours in 4 locations, and a
schedule whose talks are spread over 24 schedule rooms (20 mapped to ours, 4 outside) on
five days. For each run, into a fresh programme: the first import (parse included, as the
API does it), the same file again (all unchanged) and a re-import in which a tenth of the
talks moved and a twentieth are gone; each with the queries it sent. Then the baseline.
The budget (issue 17): the first import of 1,000 talks in under 10 s. Exits 1 when a count
is not what the file says, when a room is booked twice, or over budget.
"""

import argparse
import json
import os
import statistics
import sys
import time
import uuid
from datetime import datetime, timedelta
from datetime import time as clock
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DB = os.environ.get("BENCH_DATABASE", "mc_bench_schedule")
os.environ.update(
    DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{DB}",
    DJANGO_SETTINGS_MODULE="config.settings",
    LOG_LEVEL="WARNING",
)
sys.path.insert(0, str(ROOT))

from bench.database import drop_database, fresh_database  # noqa: E402

OUR_ROOMS = 20
OUTSIDE_ROOMS = 4
DAYS = 5
BUDGET_SECONDS = 10.0


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--talks", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3, help="median of this many")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    return parser.parse_args()


def seed():
    from accounts.models import User
    from booking.models import Location, OpeningHours, Room

    locations = [Location.objects.create(slug=f"bench-{i}", name=f"Location {i}") for i in range(4)]
    OpeningHours.objects.bulk_create(
        OpeningHours(location=loc, weekday=day, opens=clock(7), closes=clock(23))
        for loc in locations
        for day in range(7)
    )
    Room.objects.bulk_create(
        Room(
            slug=f"bench-room-{i}",
            name=f"Room {i}",
            location=locations[i % 4],
            capacity=40,
            bookable_by=["hu"],
            max_days_ahead=400,
        )
        for i in range(OUR_ROOMS)
    )
    organiser = User.objects.create_user(
        "bench-organiser@bench.invalid", "x", name="Bench", affiliation="hu"
    )
    from django.contrib.auth.models import Group

    organiser.groups.add(Group.objects.get(name="event_organisers"))
    return organiser


def schedule(talks: int, *, seed_day, moved=0, dropped=0) -> bytes:
    """A frab JSON schedule of `talks` talks, 45 minutes each on the quarter hour from
    08:00, round-robin over the rooms; `moved` talks an hour later, `dropped` left out."""
    rooms = [f"Room {i}" for i in range(OUR_ROOMS)] + [f"Outside {i}" for i in range(OUTSIDE_ROOMS)]
    per_room_day = -(-talks // (len(rooms) * DAYS))
    by_day: dict[str, dict[str, list]] = {}
    for n in range(talks):
        if n < dropped:
            continue
        room = rooms[n % len(rooms)]
        day = seed_day + timedelta(days=n // len(rooms) % DAYS)
        slot = n // (len(rooms) * DAYS)
        assert slot < per_room_day
        start = datetime.combine(day, clock(8)) + timedelta(minutes=60 * slot)
        if n >= dropped and n < dropped + moved:
            # Later into a slot no other talk of the room takes: past the day's last one.
            start += timedelta(minutes=60 * per_room_day)
        by_day.setdefault(day.isoformat(), {}).setdefault(room, []).append(
            {
                "guid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"bench-talk-{n}")),
                "id": n,
                "date": start.isoformat() + "+01:00",
                "start": start.strftime("%H:%M"),
                "duration": "00:45",
                "room": room,
                "slug": f"talk-{n}",
                "url": f"https://pretalx.example.org/bench/talk/{n}/",
                "title": f"Talk {n}",
                "subtitle": "",
                "track": "Media & ICT",
                "type": "Talk",
                "language": "en",
                "abstract": f"About talk {n}.",
                "description": "",
                "persons": [{"code": f"P{n % 300}", "name": f"Speaker {n % 300}"}],
                "links": [],
                "attachments": [],
            }
        )
    days = sorted(by_day)
    return json.dumps(
        {
            "$schema": "https://c3voc.de/schedule/schema.json",
            "schedule": {
                "version": "1",
                "conference": {
                    "acronym": "bench",
                    "title": "Bench",
                    "start": days[0],
                    "end": days[-1],
                    "daysCount": len(days),
                    "timeslot_duration": "00:05",
                    "time_zone_name": "Europe/Amsterdam",
                    "days": [
                        {
                            "index": i + 1,
                            "date": day,
                            "day_start": f"{day}T06:00:00+01:00",
                            "day_end": f"{day}T23:00:00+01:00",
                            "rooms": by_day[day],
                        }
                        for i, day in enumerate(days)
                    ],
                },
            },
        }
    ).encode()


def timed_import(organiser, programme, content: bytes, room_map) -> tuple[float, int, dict]:
    from django.db import connection

    from events.schedule_import import parse_schedule
    from events.services.schedule import import_schedule

    sent = 0

    def count(execute, sql, params, many, context):
        nonlocal sent
        sent += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        began = time.perf_counter()
        counts = import_schedule(
            actor=organiser, programme=programme, talks=parse_schedule(content), room_map=room_map
        )
        took = time.perf_counter() - began
    return took, sent, counts


def baseline(talks: int) -> float:
    """`talks` single-row session inserts, one statement each, in one transaction undone."""
    from django.db import transaction

    from events.models import Event, Programme, Session

    class Undo(Exception):
        pass

    start = datetime.fromisoformat("2027-01-04T10:00:00+01:00")
    try:
        with transaction.atomic():
            programme = Programme.objects.create(slug="bench-baseline", name="Baseline")
            event = Event.objects.create(
                slug="bench-baseline", programme=programme, kind="dmw_session",
                theme="media_campus", title="Baseline", capacity=1,
            )  # fmt: skip
            began = time.perf_counter()
            for n in range(talks):
                Session.objects.create(
                    event=event,
                    start=start + timedelta(hours=n),
                    end=start + timedelta(hours=n, minutes=45),
                    location_text=f"Outside {n % OUTSIDE_ROOMS}",
                )
            took = time.perf_counter() - began
            raise Undo
    except Undo:
        pass
    return took


def double_booked() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT count(*) FROM booking_booking a JOIN booking_booking b
               ON a.room_id = b.room_id AND a.id < b.id
              AND a.status IN ('confirmed', 'pending') AND b.status IN ('confirmed', 'pending')
              AND tstzrange(a.blocked_from, a.blocked_until)
                  && tstzrange(b.blocked_from, b.blocked_until)"""
        )
        return cursor.fetchone()[0]


def main() -> int:
    args = parse_args()
    fresh_database(DB, ["migrate", "--verbosity", "0"])
    import django

    django.setup()
    from django.conf import settings
    from django.utils import timezone

    from events.models import Programme

    settings.DEBUG = False
    organiser = seed()
    room_map = {f"Room {i}": f"bench-room-{i}" for i in range(OUR_ROOMS)}
    moved, dropped = args.talks // 10, args.talks // 20
    timings: dict[str, list[float]] = {"first": [], "again": [], "changed": []}
    queries: dict[str, int] = {}
    ok = True
    for run in range(args.runs):
        # Each run its own weeks ahead: the rooms are free for it whatever the runs before.
        first_day = timezone.localdate() + timedelta(days=30 + run * 14)
        while first_day.weekday():
            first_day += timedelta(days=1)
        programme = Programme.objects.create(slug=f"bench-{run}", name=f"Bench {run}")
        programme.owners.add(organiser)
        full = schedule(args.talks, seed_day=first_day)
        changed = schedule(args.talks, seed_day=first_day, moved=moved, dropped=dropped)
        for name, content, expected in [
            ("first", full, {"created": args.talks, "updated": 0, "cancelled": 0}),
            ("again", full, {"created": 0, "updated": 0, "cancelled": 0}),
            ("changed", changed, {"created": 0, "updated": moved, "cancelled": dropped}),
        ]:
            took, sent, counts = timed_import(organiser, programme, content, room_map)
            timings[name].append(took)
            queries[name] = sent
            got = {key: counts[key] for key in expected}
            if got != expected:
                print(f"FAIL {name}: {counts}, expected {expected}")
                ok = False
    floor = statistics.median(baseline(args.talks) for _ in range(args.runs))
    if double_booked():
        print("FAIL: a room is booked twice")
        ok = False
    print(f"schedule import, {args.talks} talks, median of {args.runs} runs")
    print(f"  baseline: {args.talks} plain session inserts   {floor:7.2f} s")
    for name, label in [
        ("first", "first import"),
        ("again", "same file again"),
        ("changed", f"{moved} moved, {dropped} gone"),
    ]:
        median = statistics.median(timings[name])
        print(
            f"  {label:<34} {median:7.2f} s   {median / floor:5.1f}x baseline"
            f"   {queries[name]:6d} queries"
        )
    first = statistics.median(timings["first"])
    if os.environ.get("BENCH_PROFILE"):
        return 0 if ok else 1
    if args.talks >= 1000 and first > BUDGET_SECONDS * args.talks / 1000:
        print(f"FAIL: over the budget of {BUDGET_SECONDS:.0f} s per 1,000 talks")
        ok = False
    if not args.keep:
        from django.db import connections

        connections.close_all()
        drop_database(DB)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
