"""Benchmark: one app instance against two, on this machine, with production settings.

Seeds a fresh PostgreSQL database (migrate, seed_demo, bench rooms, an event and client users
with API tokens), then for one and for two gunicorn instances (2 workers x 4 threads each,
DEBUG=0, Redis for cache, sessions and the mail queue) sends a fixed number of requests per
case from CLIENTS threads, round-robin over the instances (the load balancer's part):

- GET  /api/v1/rooms/            (token)
- GET  /events/<slug>/           (anonymous HTML)
- POST /api/v1/bookings/         (token; every request a distinct free slot, so all are 201)

and prints requests per second and p50/p95 per case, and the two-instance/one-instance ratio.
Exits 1 if any request (warm-up included) was not answered 200/201.
Loopback only; stops by itself; a few minutes. Drops its database afterwards.

    .venv/bin/python bench/cluster.py                  # PostgreSQL and Redis on 127.0.0.1
    .venv/bin/python bench/cluster.py --requests 200 --clients 8
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from datetime import time as clock
from pathlib import Path

import redis
import requests

ROOT = Path(__file__).resolve().parents[1]
DB = "mc_prod_bench"
SERVER = "postgres://postgres@127.0.0.1:5432"
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11")
ROOMS = 20
EVENT = "bench-cluster-event"
WORK = Path(tempfile.mkdtemp(prefix="bench-cluster-"))
# This process seeds the database with the development settings (seed_demo needs DEBUG=1);
# the app instances get production's (tests/cluster/conftest.py: production_environment).
SETUP_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "DATABASE_URL": f"{SERVER}/{DB}",
    "DEBUG": "1",
    "MEDIA_ROOT": str(WORK / "media"),
    "EMAIL_URL": "dummymail://",
    "LOG_LEVEL": "WARNING",
}
os.environ.update(SETUP_ENV)
sys.path.insert(0, str(ROOT))

import django  # noqa: E402

django.setup()

from bench.database import drop_database, fresh_database  # noqa: E402
from tests.cluster.conftest import (  # noqa: E402
    collect_static,
    free_ports,
    production_environment,
    static_fingerprint,
    stop,
    wait_healthy,
)


def seed_bench(clients: int) -> list[str]:
    """Bench rooms open 06:00-23:00 every day, an event, and a token per client thread."""
    from rest_framework.authtoken.models import Token

    from accounts.models import User
    from booking.models import Location, OpeningHours, Room
    from booking.timezones import LOCAL_TZ
    from events.models import Event, Programme, Session

    location = Location.objects.create(slug="bench-cluster", name="Bench location")
    OpeningHours.objects.bulk_create(
        OpeningHours(location=location, weekday=day, opens=clock(6), closes=clock(23))
        for day in range(7)
    )
    Room.objects.bulk_create(
        Room(
            slug=f"bench-cluster-{n}",
            name=f"Bench room {n}",
            location=location,
            kind="lab",
            capacity=10,
            bookable_by=["hu"],
            max_days_ahead=365,
        )
        for n in range(ROOMS)
    )
    programme = Programme.objects.create(slug="bench-cluster", name="Bench programme")
    event = Event.objects.create(
        slug=EVENT,
        programme=programme,
        kind="campus_event",
        theme="media_ict",
        title="Immersive storytelling with volumetric video",
        description="Hands-on with volumetric capture and spatial audio. " * 5,
        capacity=40,
    )
    start = datetime.combine(date.today() + timedelta(days=21), clock(14), LOCAL_TZ)
    Session.objects.create(
        event=event, start=start, end=start + timedelta(hours=2), location_text="Studio 21"
    )
    users = [
        User.objects.create_user(f"bench-cluster-{n}@example.org", None, affiliation="hu")
        for n in range(clients)
    ]
    tokens = [Token.objects.create(user=user).key for user in users]
    from django.db import connection

    connection.close()
    return tokens


def booking_slots(count: int, first_day: date) -> list[dict]:
    """`count` distinct one-hour slots over the bench rooms, 07:00-22:00, day after day."""
    slots = []
    day = first_day
    while len(slots) < count:
        for hour in range(7, 22):
            for room in range(ROOMS):
                start = f"{day}T{hour:02d}:00"
                end = f"{day}T{hour + 1:02d}:00"
                slots.append({"room": f"bench-cluster-{room}", "start": start, "end": end})
        day += timedelta(days=1)
    return slots[:count]


def start_instances(count: int, static_root: Path, queue: str) -> list[tuple]:
    environment = production_environment(
        DATABASE_URL=f"{SERVER}/{DB}",
        REDIS_URL=REDIS_URL,
        CELERY_QUEUE=queue,
        EMAIL_URL="dummymail://",
        STATIC_ROOT=str(static_root),
        MEDIA_ROOT=str(WORK / "media"),
    )
    instances = []
    for port in free_ports(count):
        log = WORK / f"gunicorn-{port}-{count}.log"
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py", "config.wsgi"],
            cwd=ROOT,
            env={
                **environment,
                "BIND": f"127.0.0.1:{port}",
                "WEB_CONCURRENCY": "2",
                "GUNICORN_THREADS": "4",
            },
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        instances.append((f"http://127.0.0.1:{port}", process, log))
    for url, process, log in instances:
        wait_healthy(url, process, log, 120)
    return instances


def run_case(urls: list[str], requests_total: int, clients: int, make_request) -> dict:
    """`requests_total` requests from `clients` threads; request i goes to urls[i % n]."""
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    counter = iter(range(requests_total))
    barrier = threading.Barrier(clients)

    def client(number: int) -> None:
        sessions = {url: requests.Session() for url in urls}
        barrier.wait()
        while True:
            with lock:
                index = next(counter, None)
            if index is None:
                break
            url = urls[index % len(urls)]
            began = time.perf_counter()
            response = make_request(sessions[url], url, index, number)
            elapsed = time.perf_counter() - began
            with lock:
                latencies.append(elapsed)
                if response.status_code not in (200, 201):
                    failures.append(f"{response.status_code} {response.text[:200]}")
        for session in sessions.values():
            session.close()

    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(client, range(clients)))
    wall = time.perf_counter() - began
    ordered = sorted(latencies)
    return {
        "rps": len(ordered) / wall,
        "p50": statistics.median(ordered) * 1000,
        "p95": ordered[max(0, int(len(ordered) * 0.95) - 1)] * 1000,
        "failures": failures,
    }


def cases(tokens: list[str], slots) -> dict:
    """`slots` is an iterator shared by every run, so no two booking requests ask the same."""
    proxy = {"X-Forwarded-Proto": "https"}
    slot_lock = threading.Lock()

    def rooms(session, url, index, number):
        headers = {**proxy, "Authorization": f"Token {tokens[number]}"}
        return session.get(f"{url}/api/v1/rooms/", headers=headers, timeout=120)

    def event_page(session, url, index, number):
        return session.get(f"{url}/events/{EVENT}/", headers=proxy, timeout=120)

    def book(session, url, index, number):
        headers = {**proxy, "Authorization": f"Token {tokens[number]}"}
        with slot_lock:
            slot = next(slots)
        return session.post(f"{url}/api/v1/bookings/", json=slot, headers=headers, timeout=120)

    return {"GET /api/v1/rooms/": rooms, f"GET /events/{EVENT}/": event_page, "POST booking": book}


def measure(count, static_root, tokens, slots, arguments, queue) -> dict:
    instances = start_instances(count, static_root, queue)
    urls = [url for url, _process, _log in instances]
    results = {}
    try:
        for name, make_request in cases(tokens, slots).items():
            # Warm-up: every worker imports, connects and fills its template cache once.
            warm_up = run_case(urls, 8 * count, min(arguments.clients, 8), make_request)
            results[name] = run_case(urls, arguments.requests, arguments.clients, make_request)
            # A request that failed while warming up failed all the same.
            results[name]["failures"][:0] = warm_up["failures"]
    finally:
        for _url, process, _log in instances:
            stop(process)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400, help="per case and configuration")
    parser.add_argument("--clients", type=int, default=16, help="client threads")
    parser.add_argument(
        "--keep", action="store_true", help="keep the database and the gunicorn logs afterwards"
    )
    arguments = parser.parse_args()

    static_root = ROOT / ".pytest_cache" / "d" / f"cluster-static-{static_fingerprint()}"
    if not (static_root / ".collected").exists():
        print("collecting static files (once per set of static inputs) ...", flush=True)
        static_root.mkdir(parents=True, exist_ok=True)
        collect_static(static_root)
        (static_root / ".collected").touch()
    print(f"seeding {DB} ...", flush=True)
    fresh_database(DB, ["migrate", "--noinput", "-v0"], ["seed_demo", "--quiet-logins"])
    tokens = seed_bench(arguments.clients)
    per_run = (arguments.requests + 16) * 2  # two booking cases' requests incl. warm-up
    slots = iter(booking_slots(per_run * 2, date.today() + timedelta(days=7)))
    queue = f"bench-cluster-{uuid.uuid4().hex}"
    try:
        results = {}
        for count in (1, 2):
            print(f"measuring {count} instance(s) ...", flush=True)
            results[count] = measure(count, static_root, tokens, slots, arguments, queue)
    finally:
        client = redis.Redis.from_url(REDIS_URL)
        client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
        for key in client.scan_iter("mc:*"):
            client.delete(key)
        if not arguments.keep:
            drop_database(DB)
            shutil.rmtree(WORK, ignore_errors=True)

    print(
        f"\n{arguments.requests} requests per case, {arguments.clients} client threads, "
        f"each instance 2 workers x 4 threads, {os.cpu_count()} cores shared with the clients\n"
    )
    print(f"{'case':32} {'instances':>9} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'failed':>6}")
    for name in results[1]:
        for count in (1, 2):
            r = results[count][name]
            print(
                f"{name:32} {count:>9} {r['rps']:8.1f} {r['p50']:8.1f} {r['p95']:8.1f} "
                f"{len(r['failures']):>6}"
            )
        ratio = results[2][name]["rps"] / results[1][name]["rps"]
        print(f"{'':32} {'2 / 1':>9} {ratio:8.2f}")
    for count in (1, 2):
        for name, r in results[count].items():
            for failure in r["failures"][:3]:
                print(f"failure ({count} instance(s), {name}): {failure}")
    failed = sum(len(r["failures"]) for by_case in results.values() for r in by_case.values())
    if failed:
        # Numbers measured over failing requests mean nothing: say so to whoever runs this.
        print(f"\nFAILED: {failed} request(s) were not answered 200/201", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
