"""What the outbox keeps of a failure for the admin: the last error as it was, cut to the
column's length, also on the try after which it gives up."""

import pytest

from accounts import outbox
from accounts.models import OutboxMail
from tests.factories import UserFactory
from tests.mail.test_outbox import _no_wake_up, make_due, owe_booking_mail  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)


def test_failed_try_keeps_the_error_cut_to_500_characters(flaky_backend, day, monkeypatch):
    owe_booking_mail(UserFactory(language="en"), day)

    def relay_down(self):
        raise ConnectionRefusedError("x" * 600)

    monkeypatch.setattr(flaky_backend, "open", relay_down)

    assert outbox.send_pending_mail() == 0
    last_error = OutboxMail.objects.get().last_error
    assert last_error == ("ConnectionRefusedError: " + "x" * 600)[:500]


def test_last_try_keeps_its_own_error_when_the_outbox_gives_up(flaky_backend, day, monkeypatch):
    person = UserFactory(language="en", email="refused@example.org")
    flaky_backend.refused = {person.email}
    owe_booking_mail(person, day)
    for _attempt in range(outbox.MAX_ATTEMPTS - 1):
        make_due()
        outbox.send_pending_mail()

    def relay_down(self):
        raise ConnectionRefusedError("relay down")

    monkeypatch.setattr(flaky_backend, "open", relay_down)
    make_due()
    outbox.send_pending_mail()

    row = OutboxMail.objects.get()
    assert (row.attempts, row.send_after, row.failed_at is not None) == (5, None, True)
    assert row.last_error == "ConnectionRefusedError: relay down"
