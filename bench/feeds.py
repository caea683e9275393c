"""Benchmark: the programme feed through HTTP against icalendar alone (the floor).

Seeds a PostgreSQL database with a programme of 1,000 and one of 10,000 sessions, serves
the project with gunicorn (1 worker, Redis as the shared cache), and prints for each size:
the median time of a rebuild (cache flushed), of a cached answer, of a 304, and of
`icalendar` alone serialising the same events from memory; and the rebuild/floor ratio.
Checks what it serves (parses with icalendar; exactly the programme's sessions, each once
under its UID and at its start; the cached answer equal to the rebuilt one; 304 for the
ETag, 200 for another) and exits 1 when any check fails.

    .venv/bin/python bench/feeds.py            # needs PostgreSQL and Redis on 127.0.0.1
    .venv/bin/python bench/feeds.py --sizes 50 200 --runs 2
    BENCH_DATABASE=mc_x BENCH_REDIS_URL=redis://127.0.0.1:6379/7 .venv/bin/python bench/feeds.py
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.request import Request, urlopen

ROOT = Path(__file__).resolve().parents[1]
DB = os.environ.get("BENCH_DATABASE", "mc_bench_feeds")
PORT = 8765
REDIS_DB = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")

os.environ.update(
    DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{DB}",
    REDIS_URL=REDIS_DB,
    DJANGO_SETTINGS_MODULE="config.settings",
    LOG_LEVEL="WARNING",
)
sys.path.insert(0, str(ROOT))

from bench.database import fresh_database  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000])
    parser.add_argument("--runs", type=int, default=5, help="rebuilds and cached answers")
    return parser.parse_args()


def seed(sizes: list[int]) -> None:
    from events.models import Event, Programme, Session

    start = datetime(2027, 1, 4, 9, tzinfo=UTC)
    for size in sizes:
        programme = Programme.objects.create(slug=f"p{size}", name=f"Programme {size}")
        events = Event.objects.bulk_create(
            Event(
                slug=f"p{size}-e{n}",
                programme=programme,
                kind="dmw_session",
                theme="media_ict",
                title=f"Session {n}: immersive storytelling",
                description="Hands-on with volumetric video and spatial audio. " * 3,
                capacity=40,
            )
            for n in range(size // 10)
        )
        Session.objects.bulk_create(
            Session(
                event=events[n % len(events)],
                start=start + timedelta(hours=3 * n),
                end=start + timedelta(hours=3 * n + 2),
                location_text="Studio 21, Media Park, Hilversum",
            )
            for n in range(size)
        )


def get(path: str, **headers) -> tuple[float, int, dict, bytes]:
    request = Request(f"http://127.0.0.1:{PORT}{path}", headers=headers)
    began = time.perf_counter()
    try:
        with urlopen(request, timeout=120) as response:
            body = response.read()
            status, answer_headers = response.status, dict(response.headers)
    except Exception as error:  # urllib raises on 304
        status, answer_headers = getattr(error, "code", 0), dict(getattr(error, "headers", {}))
        body = b""
    return time.perf_counter() - began, status, answer_headers, body


def expected_sessions(size: int) -> dict[str, datetime]:
    """UID -> start of every session the programme feed of `size` must hold."""
    from events.feeds import session_uid
    from events.models import Session

    sessions = Session.objects.filter(event__programme__slug=f"p{size}")
    return {session_uid(pk): start for pk, start in sessions.values_list("pk", "start")}


def feed_problems(
    size: int, status: int, headers: dict, body: bytes, expected: dict[str, datetime]
) -> list[str]:
    """What is wrong with a served programme feed of `size` sessions: a fast wrong answer
    must not pass as a fast answer."""
    from icalendar import Calendar

    if status != 200:
        return [f"{size}: status {status}"]
    problems = []
    if not headers.get("Content-Type", "").startswith("text/calendar"):
        problems.append(f"{size}: Content-Type {headers.get('Content-Type')!r}")
    try:
        events = Calendar.from_ical(body).walk("VEVENT")
    except ValueError as error:
        return [*problems, f"{size}: the body does not parse as iCalendar: {error}"]
    if len(events) != size:
        problems.append(f"{size}: {len(events)} VEVENTs, expected {size}")
    served = {str(event["UID"]): event["DTSTART"].dt for event in events}
    if len(served) != len(events):
        problems.append(f"{size}: {len(events) - len(served)} repeated UIDs")
    if set(served) != set(expected):
        problems.append(
            f"{size}: {len(set(expected) - set(served))} sessions missing, "
            f"{len(set(served) - set(expected))} UIDs that are no session of the programme"
        )
    moved = [uid for uid in set(served) & set(expected) if served[uid] != expected[uid]]
    if moved:
        problems.append(f"{size}: {len(moved)} sessions at another start than in the database")
    return problems


def flush_cache() -> None:
    import redis

    redis.Redis.from_url(REDIS_DB).flushdb()


def floor_seconds(size: int, runs: int) -> float:
    """icalendar alone: the same events, from memory, same properties, serialised."""
    from icalendar import Calendar, Event, Timezone

    from booking.ical import AMSTERDAM_VTIMEZONE
    from booking.timezones import LOCAL_TZ
    from events.models import Session

    rows = list(
        Session.objects.filter(event__programme__slug=f"p{size}")
        .select_related("event")
        .order_by("start")
    )
    timings = []
    for _ in range(runs):
        began = time.perf_counter()
        calendar = Calendar()
        calendar.add("prodid", "-//bench//EN")
        calendar.add("version", "2.0")
        calendar.add_component(Timezone.from_ical(AMSTERDAM_VTIMEZONE))
        for s in rows:
            event = Event()
            event.add("uid", f"session-{s.pk}@bench")
            event.add("dtstamp", s.updated_at)
            event.add("last-modified", s.updated_at)
            event.add("dtstart", s.start.astimezone(LOCAL_TZ))
            event.add("dtend", s.end.astimezone(LOCAL_TZ))
            event.add("summary", s.event.title)
            event.add("sequence", s.sequence)
            event.add("status", "CONFIRMED")
            event.add("description", s.event.description)
            event.add("location", s.location_text)
            event.add("url", f"https://example.org/events/{s.event.slug}/")
            calendar.add_component(event)
        calendar.to_ical()
        timings.append(time.perf_counter() - began)
    return statistics.median(timings)


def main() -> None:
    args = parse_args()
    fresh_database(DB, ["migrate", "-v0"])
    import django

    django.setup()
    seed(args.sizes)
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "gunicorn", "config.wsgi", "-b", f"127.0.0.1:{PORT}"),
            *("-w", "1", "--timeout", "300"),
        ],
        cwd=ROOT,
        env=os.environ,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    problems: list[str] = []
    try:
        for _ in range(100):
            try:
                if get("/healthz")[1] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        print(f"{'sessions':>9} {'rebuild':>9} {'floor':>9} {'ratio':>6} {'cached':>9} {'304':>9}")
        for size in args.sizes:
            path = f"/feeds/programmes/p{size}.ics"
            expected = expected_sessions(size)
            rebuilds = []
            for _ in range(args.runs):
                flush_cache()
                seconds, status, headers, body = get(path)
                problems += feed_problems(size, status, headers, body, expected)
                rebuilds.append(seconds)
            cached = []
            for _ in range(args.runs):
                seconds, status, _headers, cached_body = get(path)
                if (status, cached_body) != (200, body):
                    problems.append(f"{size}: the cached answer differs from the rebuilt one")
                cached.append(seconds)
            etag = headers.get("ETag", "")
            if not etag:
                problems.append(f"{size}: no ETag")
            not_modified = []
            for _ in range(args.runs * 4):
                seconds, status, _headers, _body = get(path, **{"If-None-Match": etag})
                if status != 304:
                    problems.append(f"{size}: If-None-Match with the ETag answered {status}")
                not_modified.append(seconds)
            if get(path, **{"If-None-Match": '"another"'})[1] != 200:
                problems.append(f"{size}: If-None-Match with another ETag did not answer 200")
            floor = floor_seconds(size, args.runs)
            rebuild = statistics.median(rebuilds)
            print(
                f"{size:>9,} {rebuild * 1000:>7.0f}ms {floor * 1000:>7.0f}ms "
                f"{rebuild / floor:>6.2f} {statistics.median(cached) * 1000:>7.1f}ms "
                f"{statistics.median(not_modified) * 1000:>7.1f}ms"
            )
    finally:
        server.terminate()
        server.wait(timeout=30)
        flush_cache()
    for size in args.sizes:
        failed = [problem for problem in problems if problem.startswith(f"{size}:")]
        print(f"  [{'FAIL' if failed else 'ok'}] programme of {size}: every check")
    for problem in dict.fromkeys(problems):
        print(f"FAILED: {problem}", file=sys.stderr)
    if problems:
        sys.exit(1)


if __name__ == "__main__":
    main()
