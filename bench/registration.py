"""Dutch Media Week opening rush: 2,000 registrations from 64 parallel clients for one
150-seat session, through the API, against gunicorn (2 workers) on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mc_events .venv/bin/python bench/registration.py

As in production, mail leaves through the outbox and a task queue on Redis (REDIS_URL,
default redis://127.0.0.1:6379/12, on a queue of its own), sent by a Celery worker into
Django's file mail backend (a temporary folder). With --mail-worker the worker sends the
2,000 mails on the same machine while the rush runs, at a lower CPU share than the web
workers, and the time until the last one is out is printed too; without it the worker
starts after the rush.

Prints registrations per second and p50/p95/p99 latency, then checks the invariants: exactly
150 confirmed, 1,850 waitlisted with places 1..1,850 without gaps or duplicates, and every
registrant delivered exactly one mail, the one for their status. Exits non-zero when one
fails. Creates its own users and event, and removes them (and stops gunicorn) when done.
"""

import argparse
import asyncio
import collections
import email
import email.policy
import http.client
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def add_server_arguments(parser: argparse.ArgumentParser, *, clients: int, port: int) -> None:
    """The clients, and the server that `start_server` starts."""
    parser.add_argument("--clients", type=int, default=clients)
    parser.add_argument("--port", type=int, default=port)
    parser.add_argument("--workers", type=int, default=2)
    # 4 beat 8 on this 2-core machine (653 against 564 registrations/s): fewer threads
    # fighting over each worker's GIL.
    parser.add_argument("--threads", type=int, default=4, help="gthread threads per worker")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--registrations", type=int, default=2000)
    parser.add_argument("--capacity", type=int, default=150)
    add_server_arguments(parser, clients=64, port=8250)
    parser.add_argument(
        "--mail-worker", action="store_true", help="send the mail during the rush (Celery)"
    )
    return parser.parse_args()


# Django's file backend ends every message it writes with this line.
MAIL_SEPARATOR = "\n" + "-" * 79 + "\n"


def bench_environment(mail_dir: Path) -> None:
    """Settings for this process and its children: a queue no real installation uses, and
    mail written to files, where what was delivered can be counted."""
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/12")
    os.environ.setdefault("CELERY_QUEUE", f"regbench-{os.getpid()}")
    os.environ["EMAIL_URL"] = f"filemail://{mail_dir}"


def server_env(port: int) -> dict:
    env = dict(os.environ)
    env.update(
        {
            "DEBUG": "0",
            "SECRET_KEY": "bench-only-secret-key-not-for-production-0123456789abcdef",
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "0",
            "LOG_LEVEL": "WARNING",
        }
    )
    return env


def setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database: this benchmark is about PostgreSQL.")


def create_fixture(count: int, capacity: int) -> tuple[str, list[str]]:
    from django.core.management import call_command
    from django.db import connection
    from rest_framework.authtoken.models import Token

    from accounts.models import User
    from events.models import Event, Programme

    call_command("migrate", verbosity=0, interactive=False)
    cleanup()
    programme = Programme.objects.create(slug="bench-dmw", name="Bench Dutch Media Week")
    Event.objects.create(
        slug="bench-opening",
        programme=programme,
        kind="dmw_session",
        theme="media_campus",
        title="Opening keynote",
        capacity=capacity,
        waitlist=True,
    )
    users = User.objects.bulk_create(
        User(email=f"bench-{n}@bench.invalid", name=f"Bench {n}", affiliation="public")
        for n in range(count)
    )
    tokens = Token.objects.bulk_create(Token(user=user, key=Token.generate_key()) for user in users)
    # Planner statistics for the rows just made, as autovacuum would have them in production;
    # without them the first run on a new database measured 15-20% slower.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE accounts_user, authtoken_token, events_event, events_registration")
    return "bench-opening", [token.key for token in tokens]


def cleanup():
    from accounts.models import OutboxMail, User
    from events.models import Event, Programme, Registration

    # Owed mail points at registrations by id only: it goes before they do.
    registrations = Registration.objects.filter(event__programme__slug="bench-dmw")
    OutboxMail.objects.filter(
        kind__startswith="registration.",
        payload__registration__in=list(registrations.values_list("pk", flat=True)),
    ).delete()
    Event.objects.filter(programme__slug="bench-dmw").delete()
    Programme.objects.filter(slug="bench-dmw").delete()
    User.objects.filter(email__endswith="@bench.invalid").delete()


def start_server(args) -> subprocess.Popen:
    command = [
        str(ROOT / ".venv/bin/gunicorn"),
        "config.wsgi:application",
        f"--bind=127.0.0.1:{args.port}",
        f"--workers={args.workers}",
        # As config/gunicorn.conf.py: one thread means synchronous workers.
        f"--worker-class={'gthread' if args.threads > 1 else 'sync'}",
        f"--threads={args.threads}",
        "--keep-alive=30",
        "--log-level=warning",
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=server_env(args.port), start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", args.port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    stop_server(server)
    sys.exit("gunicorn did not come up")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


def warm_up(port: int, slug: str) -> None:
    # Each worker imports lazily on its first requests; do not bill that to the rush.
    for _ in range(20):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", f"/api/v1/events/{slug}/")
        connection.getresponse().read()


def baseline(port: int, count: int, clients: int) -> None:
    """The same clients against /healthz (one query): what this machine gives right now."""
    elapsed, results = rush(port, None, [""] * count, clients)
    latencies = sorted(latency for latency, _status, _body in results)
    print(
        f"baseline /healthz:  {len(results) / elapsed:.0f} requests/s, "
        f"p99 {percentile(latencies, 0.99) * 1000:.1f} ms (same clients, one-query view)"
    )


def rush(port: int, slug: str | None, tokens: list[str], clients: int):
    """Register with each token (or, without a slug, GET /healthz), JSON bodies decoded."""
    path = "/healthz" if slug is None else f"/api/v1/events/{slug}/register/"
    method = "GET" if slug is None else "POST"
    elapsed, results = send_all(port, [(method, path, token, b"") for token in tokens], clients)
    return elapsed, [(took, status, json.loads(body or b"{}")) for took, status, body in results]


def send_all(port: int, requests: list[tuple[str, str, str, bytes]], clients: int):
    """Send (method, path, token, JSON body) requests: each client keeps one connection open
    and sends its next request when the last is answered, taking work from one shared line;
    all start at the same moment. Returns the seconds taken and (latency, status, body).

    The clients are asyncio tasks in one process: 64 Python threads with http.client cost
    the machine more CPU than the server's own work (they reached 550 requests/s on /healthz
    where wrk reached 1,000+), and would be measured instead of it.
    """
    return asyncio.run(_send_all(port, requests, clients))


async def _send_all(port: int, requests, clients: int):
    work = collections.deque(requests)
    results: list[tuple[float, int, bytes]] = []
    start = asyncio.Event()

    async def client():
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        await start.wait()
        while work:
            method, path, token, body = work.popleft()
            head = (
                f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"Authorization: Token {token}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n"
            )
            began = time.perf_counter()
            if writer is None:  # the server closed the last one (sync workers do)
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(head.encode() + body)
            status, response, keep_alive = await _read_response(reader)
            results.append((time.perf_counter() - began, status, response))
            if not keep_alive:
                writer.close()
                writer = None
        if writer is not None:
            writer.close()
            await writer.wait_closed()

    tasks = [asyncio.create_task(client()) for _ in range(clients)]
    await asyncio.sleep(0.5)  # every connection open before the clock starts
    began = time.perf_counter()
    start.set()
    await asyncio.gather(*tasks)
    return time.perf_counter() - began, results


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    status_line = await reader.readline()
    status = int(status_line.split()[1])
    length = None
    keep_alive = True
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "connection" and value.strip().lower() == "close":
            keep_alive = False
    if length is None:
        raise RuntimeError("response without Content-Length")
    return status, await reader.readexactly(length), keep_alive


def percentile(sorted_values: list[float], fraction: float) -> float:
    index = min(len(sorted_values) - 1, round(fraction * (len(sorted_values) - 1)))
    return sorted_values[index]


def report(elapsed: float, results, capacity: int, count: int) -> bool:
    from events.models import Event, Registration

    latencies = sorted(latency for latency, _status, _body in results)
    statuses = [status for _latency, status, _body in results]
    print(f"registrations:      {len(results)} in {elapsed:.2f} s")
    print(f"throughput:         {len(results) / elapsed:.0f} registrations/s")
    print(
        "latency p50/p95/p99: "
        f"{percentile(latencies, 0.50) * 1000:.1f} / {percentile(latencies, 0.95) * 1000:.1f} / "
        f"{percentile(latencies, 0.99) * 1000:.1f} ms (max {latencies[-1] * 1000:.1f} ms, "
        f"mean {statistics.mean(latencies) * 1000:.1f} ms)"
    )
    bodies = [body for _latency, status, body in results if status == 201]
    confirmed = sum(body["status"] == "confirmed" for body in bodies)
    positions = sorted(
        body["waitlist_position"] for body in bodies if body["status"] == "waitlisted"
    )
    event = Event.objects.get(slug="bench-opening")
    rows = Registration.objects.filter(event=event)
    queue_numbers = sorted(rows.filter(status="waitlisted").values_list("queue_number", flat=True))
    waitlisted = count - capacity
    checks = {
        f"all {count} answered 201": statuses.count(201) == count,
        f"{capacity} confirmed (responses)": confirmed == capacity,
        f"{capacity} confirmed (database)": rows.filter(status="confirmed").count() == capacity,
        f"waitlist places 1..{waitlisted} (responses)": positions == list(range(1, waitlisted + 1)),
        f"queue numbers 1..{waitlisted} (database)": queue_numbers
        == list(range(1, waitlisted + 1)),
        "counters match rows": (event.seats_taken, event.waitlist_length) == (capacity, waitlisted),
    }
    for name, ok in checks.items():
        print(f"  [{'ok' if ok else 'FAIL'}] {name}")
    return all(checks.values())


def delivered_mail(mail_dir: Path) -> collections.Counter:
    """(recipient, subject) of every message the mail backend delivered, with its count."""
    delivered = collections.Counter()
    for path in mail_dir.iterdir():
        for text in path.read_text().split(MAIL_SEPARATOR):
            if text.strip():
                message = email.message_from_string(text, policy=email.policy.default)
                delivered[(str(message["To"]), str(message["Subject"]))] += 1
    return delivered


def mail_checks(mail_dir: Path, count: int) -> dict[str, bool]:
    from django.conf import settings
    from django.utils import translation

    from accounts.models import OutboxMail
    from events.emails import SUBJECTS, mail_kind_for
    from events.models import Registration

    expected = collections.Counter()
    registrations = Registration.objects.filter(event__slug="bench-opening").select_related(
        "event", "user"
    )
    for registration in registrations:
        user = registration.user
        with translation.override(user.language or settings.LANGUAGE_CODE):
            subject = SUBJECTS[mail_kind_for(registration)](registration.event)
        expected[(user.email, subject)] += 1
    delivered = delivered_mail(mail_dir)
    return {
        f"{count} mails delivered (mail backend)": delivered.total() == count,
        "each registrant got one mail, for their status": delivered == expected,
        "no mail owed or failed (outbox)": not OutboxMail.objects.exists(),
    }


def start_mail_worker(port: int) -> subprocess.Popen:
    command = [
        str(ROOT / ".venv/bin/celery"),
        *("-A", "config", "worker", "-Q", os.environ["CELERY_QUEUE"]),
        *("--pool", "solo", "--without-gossip", "--without-mingle", "-l", "WARNING"),
    ]
    worker = subprocess.Popen(command, cwd=ROOT, env=server_env(port), start_new_session=True)
    # Below the web processes in CPU share, as docs/deploy.md has it for a shared machine
    # (CPUWeight under systemd). Outside systemd a new session is its own scheduling group,
    # where plain `nice` changes nothing; the group's own nice value is what counts.
    try:
        Path(f"/proc/{worker.pid}/autogroup").write_text("19")
    except OSError as error:
        print(f"mail worker runs at normal priority ({error})")
    return worker


def wait_for_mail(began: float, timeout: float = 600) -> float | None:
    """Seconds from the rush's start until the outbox and the queue are both empty."""
    import redis
    from django.db import connection

    from accounts.models import OutboxMail

    queue = redis.Redis.from_url(os.environ["REDIS_URL"])
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if not OutboxMail.objects.exists() and not queue.llen(os.environ["CELERY_QUEUE"]):
            return time.perf_counter() - began
        connection.close()
        time.sleep(0.1)
    return None


def forget_queue() -> None:
    import redis

    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    name = os.environ["CELERY_QUEUE"]
    client.delete(name, f"_kombu.binding.{name}", f"_kombu.binding_permanent.{name}")
    for key in client.scan_iter("*mail:outbox:*"):
        client.delete(key)


def main():
    args = parse_args()
    mail_dir = Path(tempfile.mkdtemp(prefix="regbench-mail-"))
    bench_environment(mail_dir)
    setup_django()
    from django.db import connection

    slug, tokens = create_fixture(args.registrations, args.capacity)
    connection.close()
    server = start_server(args)
    worker = start_mail_worker(args.port) if args.mail_worker else None
    try:
        warm_up(args.port, slug)
        baseline(args.port, args.registrations, args.clients)
        began = time.perf_counter()
        elapsed, results = rush(args.port, slug, tokens, args.clients)
        if worker is None:
            worker = start_mail_worker(args.port)
        mail_seconds = wait_for_mail(began)
    finally:
        stop_server(server)
        if worker is not None:
            stop_server(worker)
    try:
        ok = report(elapsed, results, args.capacity, args.registrations)
        if args.mail_worker:
            sent = (
                "not all sent within 10 minutes"
                if mail_seconds is None
                else (f"all {args.registrations} sent {mail_seconds:.1f} s after the rush began")
            )
            print(f"mail:               {sent}")
        for name, passed in mail_checks(mail_dir, args.registrations).items():
            print(f"  [{'ok' if passed else 'FAIL'}] {name}")
            ok = ok and passed
    finally:
        cleanup()
        forget_queue()
        shutil.rmtree(mail_dir)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
