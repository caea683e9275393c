"""Registration mail through the outbox: owed in the same transaction as the change, sent by
whichever sender takes it, retried later when sending fails."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import outbox
from accounts.models import OutboxMail
from accounts.tasks import send_outbox
from events import selectors, services
from events.models import Registration
from tests.events.conftest import api_for
from tests.factories import SessionFactory, UserFactory
from tests.mail.backends import FlakyBackend

pytestmark = pytest.mark.django_db(transaction=True)


def subjects() -> list[str]:
    return sorted(message.subject for message in mail.outbox)


def test_registration_rolled_back_with_its_transaction_owes_no_mail(event):
    def register_then_fail():
        with transaction.atomic():
            services.register_for_event(user=UserFactory(), event=event)
            raise RuntimeError("the caller's transaction fails after registering")

    with pytest.raises(RuntimeError):
        register_then_fail()

    assert not Registration.objects.exists()
    assert not OutboxMail.objects.exists()
    assert mail.outbox == []


def test_queue_down_after_commit_still_answers_201_and_the_sweep_sends_later(event, monkeypatch):
    def queue_down():
        raise ConnectionError("Redis is restarting")

    monkeypatch.setattr(send_outbox, "delay", queue_down)

    response = api_for(UserFactory(language="en")).post("/api/v1/events/podcast-workshop/register/")

    assert response.status_code == 201
    assert mail.outbox == []
    assert OutboxMail.objects.get().kind == "registration.confirmed"
    monkeypatch.undo()
    cache.clear()  # the flag raised before the queue failed lapses with time

    send_outbox.apply()

    assert subjects() == ["You are registered for Podcast workshop"]
    assert not OutboxMail.objects.exists()


def test_while_a_sender_is_queued_requests_only_leave_rows_and_it_sends_them_all(event):
    cache.add(outbox.SENDER_QUEUED_FLAG, True)
    people = [UserFactory(language="en") for _ in range(3)]
    for person in people:
        services.register_for_event(user=person, event=event)

    assert mail.outbox == []
    assert OutboxMail.objects.count() == 3

    assert outbox.send_pending_mail() == 3

    assert subjects() == [
        "You are on the waitlist for Podcast workshop",
        "You are registered for Podcast workshop",
        "You are registered for Podcast workshop",
    ]
    assert not OutboxMail.objects.exists()
    # The flag is down again: the next change queues a sender of its own.
    services.register_for_event(user=UserFactory(language="en"), event=event)
    assert len(mail.outbox) == 4


def test_failed_mail_waits_and_does_not_hold_up_the_others(event, settings):
    settings.EMAIL_BACKEND = "tests.mail.backends.FlakyBackend"
    cache.add(outbox.SENDER_QUEUED_FLAG, True)
    unlucky, lucky = UserFactory(language="en"), UserFactory(language="en")
    first = services.register_for_event(user=unlucky, event=event)
    services.register_for_event(user=lucky, event=event)
    FlakyBackend.refused = {unlucky.email}

    try:
        assert outbox.send_pending_mail() == 1

        assert [m.to for m in mail.outbox] == [[lucky.email]]
        waiting = OutboxMail.objects.get()
        assert (waiting.payload, waiting.attempts) == ({"registration": first.pk}, 1)
        assert waiting.send_after > timezone.now() + timedelta(seconds=50)
        assert outbox.send_pending_mail() == 0  # not due yet
    finally:
        FlakyBackend.refused = set()

    OutboxMail.objects.update(send_after=timezone.now())
    assert outbox.send_pending_mail() == 1
    assert sorted(m.to[0] for m in mail.outbox) == sorted([unlucky.email, lucky.email])


def test_cancellation_owes_the_canceller_and_the_promoted_one_mail_each(event):
    cache.add(outbox.SENDER_QUEUED_FLAG, True)
    leaver, stayer, waiting = (UserFactory(language="en") for _ in range(3))
    registration = services.register_for_event(user=leaver, event=event)
    services.register_for_event(user=stayer, event=event)
    services.register_for_event(user=waiting, event=event)
    outbox.send_pending_mail()
    mail.outbox.clear()
    cache.add(outbox.SENDER_QUEUED_FLAG, True)

    services.cancel_registration(registration=registration, actor=leaver)

    assert sorted(OutboxMail.objects.values_list("kind", flat=True)) == [
        "registration.cancelled",
        "registration.promoted",
    ]
    outbox.send_pending_mail()
    assert {m.to[0]: m.subject for m in mail.outbox} == {
        leaver.email: "Your registration for Podcast workshop is cancelled",
        waiting.email: "A seat came free: you are registered for Podcast workshop",
    }


def test_batch_tells_each_waitlisted_person_their_own_place(event):
    cache.add(outbox.SENDER_QUEUED_FLAG, True)
    people = [UserFactory(language="en") for _ in range(6)]
    for person in people:
        services.register_for_event(user=person, event=event)
    SessionFactory(event=event)  # two sessions: one invitation each

    with CaptureQueriesContext(connection) as queries:
        assert outbox.send_pending_mail() == 6

    # Whatever the batch's size: lease (select, update), read the registrations, their
    # events' speakers, sessions and the waitlist, and two empty looks (before and after the
    # flag goes down); besides that, sent mails' rows go ten at a time.
    statements = [q["sql"].split()[0] for q in queries.captured_queries]
    assert statements.count("DELETE") == 1
    assert len([s for s in statements if s not in {"DELETE", "BEGIN", "COMMIT"}]) == 8

    bodies = {m.to[0]: m.body for m in mail.outbox}
    for place, person in enumerate(people[2:], start=1):
        assert f"You are on the waitlist, place {place}." in bodies[person.email]
    confirmed = [m for m in mail.outbox if m.to[0] in {p.email for p in people[:2]}]
    assert all(len(m.attachments) == 2 for m in confirmed)


def test_mail_leased_by_a_sender_that_died_goes_out_once_the_lease_ends(event):
    cache.add(outbox.SENDER_QUEUED_FLAG, True)
    services.register_for_event(user=UserFactory(language="en"), event=event)
    leased = outbox._claim_batch()  # ... and the sender is killed before sending

    assert len(leased) == 1
    assert outbox.send_pending_mail() == 0
    assert mail.outbox == []

    OutboxMail.objects.update(send_after=timezone.now())
    assert outbox.send_pending_mail() == 1
    assert len(mail.outbox) == 1


def test_batch_places_in_line_agree_with_the_pages_after_people_leave_the_line(event):
    # Two seats, six waiting; the first seat frees (one promoted) and two waiting leave.
    cache.add(outbox.SENDER_QUEUED_FLAG, True)
    people = [UserFactory(language="en") for _ in range(8)]
    registrations = [services.register_for_event(user=p, event=event) for p in people]
    for leaver, person in [(registrations[0], people[0]), (registrations[3], people[3])]:
        services.cancel_registration(registration=leaver, actor=person)
    services.cancel_registration(registration=registrations[5], actor=people[5])

    rows = list(Registration.objects.filter(event=event).order_by("pk"))
    selectors.set_waitlist_positions(rows)
    annotated = dict(
        selectors.with_waitlist_position(Registration.objects.filter(event=event)).values_list(
            "pk", "waitlist_position"
        )
    )

    assert {r.pk: r.waitlist_position for r in rows} == annotated
    assert sorted(p for p in annotated.values() if p) == [1, 2, 3]
