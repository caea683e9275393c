"""The outbox worker: retries with back-off and a cap, a fresh connection after a failure,
and a batch whose cost in queries does not grow with its size."""

import threading
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sites.models import Site
from django.core import mail
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from kombu.exceptions import OperationalError

from accounts import outbox
from accounts.mail import owe_account_mail
from accounts.models import OutboxMail
from accounts.privacy import erase_user_data
from booking import emails as booking_emails
from events import emails as event_emails
from events import services as event_services
from tests.booking.conftest import at
from tests.booking.factories import RoomFactory
from tests.factories import EventFactory, SessionFactory, UserFactory
from tests.reminders.test_reminders import make_booking

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_wake_up():
    # Rows are owed here by hand; the test decides when the sender runs.
    cache.add(outbox.SENDER_QUEUED_FLAG, True)


def owe_booking_mail(user, day, hour: int = 10):
    booking = make_booking(at(day, f"{hour:02d}:00"), user=user)
    booking_emails.owe_mail(booking, booking_emails.CREATED)
    return booking


def logged(caplog) -> list[tuple]:
    """What the outbox logged: level, message, and the ids it names (for the admins)."""
    return [
        (
            record.levelname,
            record.getMessage(),
            {
                name: getattr(record, name)
                for name in ("kind", "mail_id", "mail_ids")
                if hasattr(record, name)
            },
        )
        for record in caplog.records
        if record.name == outbox.logger.name
    ]


def make_due():
    OutboxMail.objects.exclude(send_after=None).update(send_after=timezone.now())


def test_retry_waits_1_then_10_then_60_minutes_then_gives_up_after_5_tries(flaky_backend, day):
    person = UserFactory(language="en", email="refused@example.org")
    flaky_backend.refused = {person.email}
    owe_booking_mail(person, day)
    waits = []

    for _attempt in range(5):
        make_due()
        before = timezone.now()
        assert outbox.send_pending_mail() == 0
        row = OutboxMail.objects.get()
        waits.append(None if row.send_after is None else row.send_after - before)

    # Each wait measured from just before the try: the exact step, give or take that try.
    steps = [timedelta(minutes=1), timedelta(minutes=10), timedelta(hours=1), timedelta(hours=1)]
    for wait, step in zip(waits[:4], steps, strict=True):
        assert step <= wait < step + timedelta(seconds=5)
    assert waits[4] is None
    assert (row.attempts, row.failed_at is not None) == (5, True)
    assert row.last_error.startswith("SMTPRecipientsRefused")
    # Given up: no sweep picks it up again, and the admin still sees it.
    assert outbox.send_pending_mail() == 0
    assert OutboxMail.objects.get().attempts == 5
    assert mail.outbox == []


def test_retry_delay_steps_and_cap_exactly():
    assert [outbox.retry_delay(n) for n in range(1, 7)] == [
        timedelta(minutes=1),
        timedelta(minutes=10),
        timedelta(hours=1),
        timedelta(hours=1),
        None,
        None,
    ]


def test_mail_that_fails_is_sent_on_a_later_try(flaky_backend, day):
    person = UserFactory(language="en", email="later@example.org")
    flaky_backend.refused = {person.email}
    owe_booking_mail(person, day)
    assert outbox.send_pending_mail() == 0

    flaky_backend.refused = set()
    assert outbox.send_pending_mail() == 0  # not due for another minute
    make_due()
    assert outbox.send_pending_mail() == 1

    assert [m.to for m in mail.outbox] == [[person.email]]
    assert not OutboxMail.objects.exists()


def three_mails_the_middle_one_refused(flaky_backend, day):
    """Mail owed to first@, refused@ and last@, in that order; the relay refuses refused@."""
    people = [
        UserFactory(language="en", email=f"{name}@example.org")
        for name in ("first", "refused", "last")
    ]
    flaky_backend.refused = {people[1].email}
    for hour, person in zip((9, 11, 13), people, strict=True):
        owe_booking_mail(person, day, hour)
    return people


def test_connection_is_reopened_after_a_failure_and_the_rest_of_the_batch_goes(
    flaky_backend, day, caplog
):
    three_mails_the_middle_one_refused(flaky_backend, day)

    assert outbox.send_pending_mail() == 2

    assert flaky_backend.log == [
        "open",
        "sent first@example.org",
        "close",  # after the refusal: a fresh session for the rest
        "open",
        "sent last@example.org",
        "close",
    ]
    refused_row = OutboxMail.objects.get()
    assert refused_row.attempts == 1
    assert logged(caplog) == [
        ("ERROR", "mail failed", {"kind": refused_row.kind, "mail_id": refused_row.pk})
    ]


def test_sweep_with_nothing_due_opens_no_connection(flaky_backend):
    assert outbox.send_pending_mail() == 0

    assert flaky_backend.log == ["close"]


def test_relay_down_postpones_the_batch_instead_of_holding_its_lease(
    flaky_backend, day, monkeypatch, caplog
):
    owe_booking_mail(UserFactory(language="en"), day)

    def relay_down(self):
        raise ConnectionRefusedError("relay down")

    monkeypatch.setattr(flaky_backend, "open", relay_down)

    assert outbox.send_pending_mail() == 0
    row = OutboxMail.objects.get()
    assert row.attempts == 1
    assert timedelta(seconds=55) < row.send_after - timezone.now() <= timedelta(minutes=1)
    assert logged(caplog) == [("ERROR", "mail connection failed", {"mail_ids": [row.pk]})]


def test_mail_kind_without_builder_is_dropped_not_retried_forever(caplog):
    row = OutboxMail.objects.create(kind="gone.kind", payload={})

    assert outbox.send_pending_mail() == 0

    assert not OutboxMail.objects.exists()
    assert logged(caplog) == [
        ("ERROR", "no builder for mail kind", {"kind": "gone.kind", "mail_id": row.pk})
    ]


def mixed_batch(size: int, day):
    """`size` mails of each kind a batch can hold: booking, registration, session, account."""
    room = RoomFactory()
    event = EventFactory(capacity=size, title="Podcast panel")
    session = SessionFactory(event=event)
    for n in range(size):
        person = UserFactory(language="en")
        booking = make_booking(at(day, "08:00") + timedelta(hours=n), user=person, room=room)
        booking_emails.owe_mail(booking, booking_emails.CREATED)
        event_services.register_for_event(user=person, event=event)
    event_emails.owe_session_mail(session, "moved")
    person = UserFactory(language="en")
    for _ in range(size):
        owe_account_mail(
            template_prefix="account/email/password_reset_key",
            email=person.email,
            context={"user": person, "password_reset_url": "https://example.org/reset/x/"},
        )
    return 4 * size


@pytest.mark.parametrize("size", [1, 8])
def test_batch_costs_the_same_queries_whatever_its_size(size, day):
    total = mixed_batch(size, day)
    Site.objects.clear_cache()  # each batch reads the site once, whatever ran before

    with CaptureQueriesContext(connection) as queries:
        assert outbox.send_pending_mail() == total

    # BEGIN and COMMIT wrap each delete and each lease; inside the test's transaction they
    # are a savepoint and its release.
    statements = [
        word
        for word in (q["sql"].split()[0] for q in queries.captured_queries)
        if word not in ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE")
    ]
    # Lease (select, update); bookings; registrations, their events' speakers, their
    # sessions (no one waits in line here); session mail's people and events; account
    # mail's users; the site; and two empty looks. Sent rows go ten at a time.
    assert len([s for s in statements if s != "DELETE"]) == 12
    assert statements.count("DELETE") == -(-total // outbox.FORGET_EVERY)
    assert len(mail.outbox) == total


def test_mail_owed_to_someone_erased_since_is_dropped_unsent(day):
    person = UserFactory(language="en")
    owe_booking_mail(person, day)
    owe_account_mail(
        template_prefix="account/email/password_reset_key",
        email=person.email,
        context={"user": person, "password_reset_url": "https://example.org/reset/x/"},
    )

    erase_user_data(person)

    assert list(OutboxMail.objects.values_list("kind", flat=True)) == ["booking.created"]
    assert outbox.send_pending_mail() == 0
    assert mail.outbox == []
    assert not OutboxMail.objects.exists()


def test_builder_that_fails_postpones_its_own_rows_and_the_rest_goes(day, monkeypatch, caplog):
    person = UserFactory(language="en", email="account@example.org")
    owe_booking_mail(UserFactory(language="en"), day)
    owe_account_mail(
        template_prefix="account/email/password_reset_key",
        email=person.email,
        context={"user": person, "password_reset_url": "https://example.org/reset/x/"},
    )

    def broken_builder(rows):
        raise KeyError("room")

    monkeypatch.setitem(outbox._builders, "booking.created", broken_builder)

    assert outbox.send_pending_mail() == 1

    assert [m.to for m in mail.outbox] == [[person.email]]
    waiting = OutboxMail.objects.get()
    assert (waiting.kind, waiting.attempts, waiting.last_error) == (
        "booking.created",
        1,
        "KeyError: 'room'",
    )
    assert logged(caplog) == [("ERROR", "building mail failed", {"mail_ids": [waiting.pk]})]


def test_a_claimed_batch_is_leased_and_not_due_again_until_the_lease_ends(day):
    owe_booking_mail(UserFactory(language="en"), day)
    before = timezone.now()

    (row,) = outbox._claim_batch()

    stored = OutboxMail.objects.get(pk=row.pk)
    assert before + outbox.LEASE <= stored.send_after <= timezone.now() + outbox.LEASE
    assert (row.attempts, stored.attempts) == (1, 1)
    assert outbox._claim_batch() == []


def test_a_sweep_counts_the_mail_of_every_batch(day, monkeypatch):
    monkeypatch.setattr(outbox, "BATCH_SIZE", 1)
    for hour in (9, 11, 13):
        owe_booking_mail(UserFactory(language="en"), day, hour)

    assert outbox.send_pending_mail() == 3
    assert len(mail.outbox) == 3


def test_a_mail_kind_takes_one_builder(monkeypatch):
    monkeypatch.setattr(outbox, "_builders", {})

    def builder(rows):
        return {}

    def another(rows):
        return {}

    outbox.register(["test.kind"], builder)
    outbox.register(["test.kind"], builder)
    with pytest.raises(ValueError, match=r"^mail kind 'test.kind' already has a builder$"):
        outbox.register(["test.kind"], another)

    assert outbox._builders == {"test.kind": builder}


@pytest.fixture
def queued_tasks(monkeypatch, settings):
    """As with Redis: the sender is a task on a queue, and each wake-up that queues it is
    recorded instead; this process has not seen the flag yet."""
    from accounts.tasks import send_outbox

    settings.CELERY_TASK_ALWAYS_EAGER = False
    monkeypatch.setattr(outbox, "_flag_seen_up_at", float("-inf"))
    queued = []
    monkeypatch.setattr(send_outbox, "delay", lambda: queued.append("send_outbox"))
    cache.delete(outbox.SENDER_QUEUED_FLAG)
    return queued


def test_a_process_that_saw_the_flag_up_a_moment_ago_does_not_ask_again(queued_tasks, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(outbox.time, "monotonic", lambda: clock[0])
    asked = []
    add = cache.add
    monkeypatch.setattr(
        outbox.cache, "add", lambda *args, **kwargs: asked.append(1) or add(*args, **kwargs)
    )

    outbox.wake_sender()  # raises the flag and queues the sender
    clock[0] += outbox.WAKE_MEMORY_SECONDS - 0.01
    outbox.wake_sender()  # within the memory: no question to the cache
    assert (len(asked), queued_tasks) == (1, ["send_outbox"])

    cache.delete(outbox.SENDER_QUEUED_FLAG)  # the sender lowered it, and looks again later
    clock[0] += 0.02  # the memory has lapsed: ask, and queue a new sender
    outbox.wake_sender()
    assert (len(asked), queued_tasks) == (2, ["send_outbox", "send_outbox"])


def test_without_a_queue_every_wake_up_sends_at_once(
    settings, monkeypatch, day, django_capture_on_commit_callbacks
):
    """Run eagerly (no REDIS_URL) the sender is the wake-up itself: nothing is remembered,
    and it does not wait before its last look."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    cache.delete(outbox.SENDER_QUEUED_FLAG)
    monkeypatch.setattr(outbox.time, "sleep", lambda seconds: pytest.fail("waited"))
    person = UserFactory(language="en")

    with django_capture_on_commit_callbacks(execute=True):  # owed, committed, then woken
        owe_booking_mail(person, day, hour=9)
    assert len(mail.outbox) == 1
    with django_capture_on_commit_callbacks(execute=True):
        owe_booking_mail(person, day, hour=11)
    assert len(mail.outbox) == 2


def test_a_mail_owed_while_the_sender_waits_after_lowering_the_flag_is_sent(
    queued_tasks, monkeypatch, day
):
    """The other half of the memory: a process that skipped the cache a moment ago left its
    mail to a sender that had lowered the flag already; the sender's last look, after the
    memory has lapsed, still finds it."""
    person = UserFactory(language="en")
    owe_booking_mail(person, day, hour=9)
    waits = []

    def another_process_owes_mail(seconds):
        assert cache.get(outbox.SENDER_QUEUED_FLAG) is None  # lowered before the wait
        waits.append(seconds)
        owe_booking_mail(person, day, hour=11)

    monkeypatch.setattr(outbox.time, "sleep", another_process_owes_mail)

    assert outbox.send_pending_mail() == 2

    assert waits == [outbox.WAKE_MEMORY_SECONDS]
    assert OutboxMail.objects.count() == 0
    assert len(mail.outbox) == 2


def test_a_batch_whose_every_builder_fails_counts_nothing_and_connects_to_nothing(
    flaky_backend, day, monkeypatch
):
    owe_booking_mail(UserFactory(language="en"), day)

    def broken_builder(rows):
        raise KeyError("room")

    monkeypatch.setitem(outbox._builders, "booking.created", broken_builder)

    assert outbox.send_pending_mail() == 0

    assert flaky_backend.log == ["close"]
    assert OutboxMail.objects.get().attempts == 1


def test_a_batch_goes_through_one_connection(flaky_backend, day, monkeypatch):
    opened = []
    monkeypatch.setattr(
        flaky_backend, "__init__", lambda self, **kwargs: opened.append(self) or None
    )
    for hour in (9, 11, 13):
        owe_booking_mail(UserFactory(language="en"), day, hour)

    assert outbox.send_pending_mail() == 3

    assert len(opened) == 1  # one SMTP session for the batch, not one per mail
    assert flaky_backend.log == ["open", *(f"sent {m.to[0]}" for m in mail.outbox), "close"]


def test_a_connection_that_cannot_be_reopened_is_logged_and_each_mail_opens_its_own(
    flaky_backend, day, monkeypatch, caplog
):
    first, _refused, last = three_mails_the_middle_one_refused(flaky_backend, day)
    opens = []

    def open_once(self):
        opens.append(self)
        if len(opens) > 1:
            raise ConnectionRefusedError("relay gone")
        flaky_backend.log.append("open")

    monkeypatch.setattr(flaky_backend, "open", open_once)

    assert outbox.send_pending_mail() == 2

    assert [m.to for m in mail.outbox] == [[first.email], [last.email]]
    refused_row = OutboxMail.objects.get()
    assert logged(caplog) == [
        ("ERROR", "mail failed", {"kind": refused_row.kind, "mail_id": refused_row.pk}),
        ("WARNING", "mail connection could not be reopened; each mail opens its own", {}),
    ]


def test_account_mail_owed_with_no_language_active_is_in_the_site_language(flaky_backend):
    person = UserFactory(language="en")
    with translation.override(None):  # as in a management command
        owe_account_mail(
            template_prefix="account/email/password_reset_key",
            email=person.email,
            context={"user": person, "password_reset_url": "https://example.org/reset/x/"},
        )

    assert OutboxMail.objects.get().language == ""
    assert outbox.send_pending_mail() == 1

    [message] = mail.outbox
    english = "Password Reset Email"  # allauth's subject, translated in allauth's catalogue
    with translation.override(settings.LANGUAGE_CODE):
        subject = translation.gettext(english)
    assert subject != english
    assert message.subject.endswith(subject)


def test_the_memory_lapses_at_exactly_its_length(queued_tasks, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(outbox.time, "monotonic", lambda: clock[0])

    outbox.wake_sender()
    cache.delete(outbox.SENDER_QUEUED_FLAG)  # the sender lowered it
    clock[0] += outbox.WAKE_MEMORY_SECONDS
    outbox.wake_sender()

    assert queued_tasks == ["send_outbox", "send_outbox"]


def test_a_sender_that_died_holding_the_flag_holds_wake_ups_back_only_a_minute(
    queued_tasks, monkeypatch
):
    """The flag lapses by itself after SENDER_QUEUED_SECONDS: a worker killed before it
    lowered the flag delays mail, it does not stop it."""
    from django.core.cache.backends import locmem

    clock = [1000.0]
    monkeypatch.setattr(outbox.time, "monotonic", lambda: clock[0])
    now = [time.time()]
    monkeypatch.setattr(locmem.time, "time", lambda: now[0])

    outbox.wake_sender()  # queued; that sender dies without lowering the flag
    clock[0] += 10
    now[0] += outbox.SENDER_QUEUED_SECONDS - 1
    outbox.wake_sender()
    assert queued_tasks == ["send_outbox"]

    clock[0] += 10
    now[0] += 1
    outbox.wake_sender()
    assert queued_tasks == ["send_outbox", "send_outbox"]


def test_a_wake_up_the_queue_refused_leaves_the_flag_down_for_the_next(queued_tasks, monkeypatch):
    from accounts.tasks import send_outbox

    def queue_down():
        raise OperationalError("queue down")

    monkeypatch.setattr(send_outbox, "delay", queue_down)
    with pytest.raises(OperationalError):
        outbox.wake_sender()

    monkeypatch.setattr(send_outbox, "delay", lambda: queued_tasks.append("send_outbox"))
    outbox.wake_sender()  # the next change queues the sender, it does not wait a minute
    assert queued_tasks == ["send_outbox"]


@pytest.mark.django_db(transaction=True)
def test_a_sweep_skips_the_mail_another_sender_holds_instead_of_waiting_for_it(day):
    """Two workers sweep at once (the cluster test's rush); each claims only rows no one
    holds, so neither waits for the other's batch to be sent."""
    held = owe_booking_mail(UserFactory(language="en"), day, hour=9)
    free = owe_booking_mail(UserFactory(language="en"), day, hour=11)
    held_row = OutboxMail.objects.get(payload__booking=held.pk)
    locked, release = threading.Event(), threading.Event()

    def other_sender():
        try:
            with transaction.atomic():
                OutboxMail.objects.select_for_update().get(pk=held_row.pk)
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    other = threading.Thread(target=other_sender)
    other.start()
    assert locked.wait(10)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '1s'")  # waiting would fail, not hang
        claimed = outbox._claim_batch()
    finally:
        release.set()
        other.join()
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")

    assert [row.payload["booking"] for row in claimed] == [free.pk]
