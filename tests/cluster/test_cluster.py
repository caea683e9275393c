"""The project as a cluster: two gunicorn instances on one PostgreSQL database and one Redis.

Every request goes over HTTP to one of the two instances (see conftest.py); the rules that
hold for one process must hold across processes, because they live in the database
(bookings, seats) and in Redis (sessions, the mail queue).
"""

import email
import json
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from html.parser import HTMLParser

import pytest
import requests
from allauth.account.models import EmailAddress
from celery import Celery
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.utils import timezone
from rest_framework.authtoken.models import Token

from accounts.models import OutboxMail
from booking.models import Booking
from events.models import Event, Registration
from events.services import register_for_event
from tests.booking.conftest import next_monday
from tests.booking.factories import RoomFactory
from tests.cluster.conftest import Browser
from tests.factories import EventFactory, SessionFactory, UserFactory
from tests.reminders.test_reminders import make_booking

pytestmark = [pytest.mark.cluster, pytest.mark.redis]

RUSH = 20


def tokens_for(count: int) -> list[str]:
    return [Token.objects.create(user=UserFactory()).key for _ in range(count)]


def rush(cluster, path: str, tokens: list[str], body: dict | None = None) -> list[dict]:
    """POST `path` once per token, alternating instances, all threads released at once.

    Each request carries its own X-Request-ID, so the test can tell which instance served it.
    """
    barrier = threading.Barrier(len(tokens))
    run = uuid.uuid4().hex[:12]

    def post(index: int) -> dict:
        instance = cluster.instances[index % 2]
        request_id = f"rush-{run}-{index}"
        session = requests.Session()
        try:
            barrier.wait()
            response = session.post(
                f"{instance.url}{path}",
                json=body,
                headers={
                    "Authorization": f"Token {tokens[index]}",
                    "X-Forwarded-Proto": "https",
                    "X-Request-ID": request_id,
                },
                timeout=90,
            )
        finally:
            session.close()
        return {"instance": index % 2, "request_id": request_id, "response": response}

    with ThreadPoolExecutor(max_workers=len(tokens)) as pool:
        return list(pool.map(post, range(len(tokens))))


def logged_request_ids(instance) -> set[str]:
    """Request ids in the instance's JSON request log."""
    ids = set()
    for line in instance.log_text().splitlines():
        if line.startswith("{"):
            record = json.loads(line)
            if record.get("logger") == "mediacampus.request":
                ids.add(record["request_id"])
    return ids


def assert_served_by_both(cluster, results: list[dict]) -> None:
    for number, instance in enumerate(cluster.instances):
        expected = {r["request_id"] for r in results if r["instance"] == number}
        assert len(expected) == len(results) // 2
        assert expected <= logged_request_ids(instance)


def test_rush_for_one_slot_over_both_instances_leaves_one_booking(cluster):
    room = RoomFactory()
    day = next_monday()
    tokens = tokens_for(RUSH)

    results = rush(
        cluster,
        "/api/v1/bookings/",
        tokens,
        {"room": room.slug, "start": f"{day}T10:00", "end": f"{day}T11:00", "title": "Rush"},
    )

    codes = sorted(r["response"].status_code for r in results)
    assert codes == [201] + [409] * (RUSH - 1)
    assert Booking.objects.live().filter(room=room).count() == 1
    assert_served_by_both(cluster, results)


def test_rush_for_five_seats_over_both_instances_confirms_five_and_queues_fifteen(cluster):
    event = EventFactory(slug="cluster-workshop", capacity=5, waitlist=True)
    SessionFactory(event=event)
    tokens = tokens_for(RUSH)

    results = rush(cluster, "/api/v1/events/cluster-workshop/register/", tokens)

    assert [r["response"].status_code for r in results] == [201] * RUSH
    bodies = [r["response"].json() for r in results]
    assert sum(b["status"] == "confirmed" for b in bodies) == 5
    positions = sorted(b["waitlist_position"] for b in bodies if b["status"] == "waitlisted")
    assert positions == list(range(1, 16))
    event = Event.objects.get(pk=event.pk)
    assert (event.seats_taken, event.waitlist_length) == (5, 15)
    rows = Registration.objects.filter(event=event)
    assert rows.filter(status="confirmed").count() == 5
    queue = sorted(rows.filter(status="waitlisted").values_list("queue_number", flat=True))
    assert queue == list(range(1, 16))
    assert_served_by_both(cluster, results)


class FormReader(HTMLParser):
    """The inputs of the page's login form, as a browser would submit them."""

    def __init__(self, action: str):
        super().__init__()
        self.action = action
        self.in_form = False
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form" and attributes.get("action") == self.action:
            self.in_form = True
        elif (
            tag == "input"
            and self.in_form
            and attributes.get("name")
            and attributes.get("type") not in {"checkbox", "submit"}
        ):
            self.fields[attributes["name"]] = attributes.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_form = False


def local_user(email_address: str, password: str):
    # The instances know only production's hashers, not the tests' fast MD5 one.
    hasher = PBKDF2PasswordHasher()
    user = UserFactory(email=email_address)
    user.password = hasher.encode(password, hasher.salt(), iterations=1000)
    user.save(update_fields=["password"])
    EmailAddress.objects.create(user=user, email=email_address, verified=True, primary=True)
    return user


def sign_in(browser: Browser, instance, email_address: str, password: str) -> requests.Response:
    page = browser.get(f"{instance.url}/accounts/login/")
    assert page.status_code == 200
    form = FormReader("/accounts/login/")
    form.feed(page.text)
    assert {"csrfmiddlewaretoken", "login", "password"} <= set(form.fields)
    return browser.post(
        f"{instance.url}/accounts/login/",
        data={**form.fields, "login": email_address, "password": password},
        # HTTPS requests get Django's strict CSRF origin check.
        headers={"Origin": instance.origin, "Referer": f"{instance.origin}/accounts/login/"},
    )


def test_session_signed_in_on_one_instance_is_valid_on_the_other(cluster):
    first, second = cluster.instances
    local_user("anna@example.org", "a-long-cluster-password")
    browser = Browser()
    stranger = Browser()

    signed_in = sign_in(browser, first, "anna@example.org", "a-long-cluster-password")
    me = browser.get(f"{second.url}/api/v1/me/")
    my_page = browser.get(f"{second.url}/en/my/")
    anonymous = stranger.get(f"{second.url}/api/v1/me/")
    anonymous_page = stranger.get(f"{second.url}/en/my/")
    browser.close()
    stranger.close()

    assert signed_in.status_code == 302, signed_in.text[:2000]
    assert signed_in.headers["Location"] == "/"
    assert "Secure" in signed_in.headers["Set-Cookie"]
    assert me.status_code == 200
    assert me.json()["email"] == "anna@example.org"
    assert my_page.status_code == 200
    assert "<h1>My overview</h1>" in my_page.text
    assert anonymous.status_code == 401
    assert anonymous_page.status_code == 302
    assert anonymous_page.headers["Location"].startswith("/en/accounts/login/")


def test_signing_out_on_one_instance_ends_the_session_on_the_other(cluster):
    first, second = cluster.instances
    local_user("anna@example.org", "a-long-cluster-password")
    browser = Browser()
    sign_in(browser, first, "anna@example.org", "a-long-cluster-password")
    session_cookie = browser.cookies["sessionid"]

    signed_out = browser.post(
        f"{second.url}/accounts/logout/",
        data={"csrfmiddlewaretoken": browser.cookies["csrftoken"]},
        headers={"Origin": second.origin, "Referer": f"{second.origin}/accounts/logout/"},
    )
    browser.cookies["sessionid"] = session_cookie  # as if a copy of the cookie were replayed
    me = browser.get(f"{first.url}/api/v1/me/")
    browser.close()

    assert signed_out.status_code == 302
    assert me.status_code == 401


def failed_then_right_sign_ins(instances, email_address: str, password: str) -> list[int]:
    """Five wrong passwords for one account spread over the instances, then the right one."""
    codes = []
    for attempt in range(6):
        response = requests.post(
            f"{instances[attempt % 2].url}/api/v1/auth/token/",
            json={"email": email_address, "password": password if attempt == 5 else "wrong"},
            headers={"X-Forwarded-Proto": "https"},
            timeout=60,
        )
        codes.append(response.status_code)
    return codes


def test_failed_sign_ins_spread_over_both_instances_count_together(cluster):
    local_user("target@example.org", "the-right-password-1")

    codes = failed_then_right_sign_ins(
        cluster.instances, "target@example.org", "the-right-password-1"
    )

    assert codes == [400] * 5 + [429]


def test_control_without_shared_cache_each_process_counts_alone(cluster, instances_without_redis):
    # What REDIS_URL closes: per-process counters let a guesser spread attempts over servers.
    local_user("target@example.org", "the-right-password-1")

    codes = failed_then_right_sign_ins(
        instances_without_redis, "target@example.org", "the-right-password-1"
    )

    assert codes == [400] * 5 + [200]


def test_health_on_both_instances_reports_database_and_redis_ok(cluster):
    answers = [
        requests.get(f"{instance.url}/healthz", timeout=10) for instance in cluster.instances
    ]

    assert [a.status_code for a in answers] == [200, 200]
    assert [a.json() for a in answers] == [{"status": "ok", "database": "ok", "redis": "ok"}] * 2


def outbox_messages(cluster, recipient: str, seconds: float = 60) -> list[email.message.Message]:
    deadline = time.monotonic() + seconds
    while True:
        files = sorted(cluster.outbox.glob("*.log")) if cluster.outbox.exists() else []
        # Django's file backend writes each connection's messages to one file, each followed
        # by a line of 79 dashes (the registration outbox sends a batch per connection).
        messages = [
            email.message_from_bytes(raw)
            for f in files
            for raw in f.read_bytes().split(b"\n" + b"-" * 79 + b"\n")
            if raw.strip()
        ]
        mine = [m for m in messages if m["To"] == recipient]
        if mine or time.monotonic() > deadline:
            return mine
        time.sleep(0.3)


def test_booking_through_cluster_mails_confirmation_with_invitation_via_worker(cluster):
    room = RoomFactory(name="Podcaststudio")
    user = UserFactory(email="booker@example.org", language="en")
    token = Token.objects.create(user=user).key
    day = next_monday()
    cluster.start_mail_worker()

    response = requests.post(
        f"{cluster.instances[1].url}/api/v1/bookings/",
        json={"room": room.slug, "start": f"{day}T14:00", "end": f"{day}T15:00"},
        headers={"Authorization": f"Token {token}", "X-Forwarded-Proto": "https"},
        timeout=60,
    )
    messages = outbox_messages(cluster, "booker@example.org")
    time.sleep(1)  # a second delivery of the same message would show up in this time
    messages = outbox_messages(cluster, "booker@example.org", seconds=0)

    assert response.status_code == 201
    assert len(messages) == 1, (cluster.logs / "worker-0.log").read_text()
    parts = {part.get_content_type(): part for part in messages[0].walk()}
    assert messages[0]["Subject"] == "Booking confirmed: Podcaststudio"
    assert "text/html" in parts
    invitation = parts["text/calendar"].get_payload(decode=True).decode()
    assert "METHOD:REQUEST" in invitation
    assert f"UID:booking-{response.json()['id']}@" in invitation


def test_rush_over_both_instances_mails_everyone_once_through_the_outbox(cluster):
    # Two workers drain the outbox while the rush goes on; each registrant gets one mail.
    event = EventFactory(slug="cluster-masterclass", title="Masterclass", capacity=5)
    SessionFactory(event=event)
    people = [UserFactory(email=f"rush-{n}@example.org", language="en") for n in range(RUSH)]
    tokens = [Token.objects.create(user=person).key for person in people]
    cluster.start_mail_worker()
    cluster.start_mail_worker()

    results = rush(cluster, "/api/v1/events/cluster-masterclass/register/", tokens)
    outbox_messages(cluster, people[-1].email)
    deadline = time.monotonic() + 60
    while OutboxMail.objects.exists() and time.monotonic() < deadline:
        time.sleep(0.3)
    time.sleep(1)  # room for a second copy from the other worker
    mails = {person.email: outbox_messages(cluster, person.email, seconds=0) for person in people}

    assert [r["response"].status_code for r in results] == [201] * RUSH
    assert not OutboxMail.objects.exists()
    subjects = sorted(m["Subject"] for messages in mails.values() for m in messages)
    assert all(len(messages) == 1 for messages in mails.values()), {
        address: len(messages) for address, messages in mails.items()
    }
    assert subjects == sorted(
        ["You are registered for Masterclass"] * 5
        + ["You are on the waitlist for Masterclass"] * (RUSH - 5)
    )


# --- Reminders ---------------------------------------------------------------------------------
# Reminders are sent by whichever worker takes the beat's task; with two workers and repeated
# beat ticks (a restarted scheduler, two schedulers by mistake) each goes out once.


def beat_ticks(cluster, task_names: list[str], ticks: int) -> None:
    """What `celery beat` does on schedule: put the named tasks on the installation's queue."""
    # Not the current app: shared tasks of this test process must stay eager.
    beat = Celery(broker=cluster.environment["REDIS_URL"], set_as_current=False)
    try:
        for _tick in range(ticks):
            for name in task_names:
                beat.send_task(name, queue=cluster.queue)
    finally:
        beat.close()


def test_reminders_from_repeated_ticks_with_two_workers_go_out_once(cluster):
    soon = timezone.now() + timedelta(hours=3)
    booking = make_booking(soon, user=UserFactory(email="booker@example.org", language="en"))
    event = EventFactory(title="Podcast workshop", capacity=1)
    SessionFactory(event=event, start=soon, end=soon + timedelta(hours=2))
    for address in ("seated@example.org", "waiting@example.org"):
        register_for_event(user=UserFactory(email=address, language="en"), event=event)
    cluster.start_mail_worker()
    cluster.start_mail_worker()

    beat_ticks(cluster, ["booking.send_reminders", "events.send_reminders"], ticks=4)
    booked = outbox_messages(cluster, "booker@example.org")
    seated = outbox_messages(cluster, "seated@example.org")
    time.sleep(3)  # room for a duplicate from the other worker or a later tick

    booked = outbox_messages(cluster, "booker@example.org", seconds=0)
    seated = outbox_messages(cluster, "seated@example.org", seconds=0)
    waiting = outbox_messages(cluster, "waiting@example.org", seconds=0)
    assert [m["Subject"] for m in booked] == [f"Reminder: your booking of {booking.room.name}"]
    assert [m["Subject"] for m in seated] == ["Reminder: Podcast workshop starts within a day"]
    assert waiting == []
    assert Booking.objects.get(pk=booking.pk).reminder_sent_at is not None
