"""The booking's statement (`bookings._insert_under_room_lock`): the mail it owes, the
booking it hands back, and the database's exclusion constraint refusing what the statement's
own look let through.

Under the room lock the statement's look and the constraint agree, so the constraint refuses
nothing a race could send it (tests/booking/test_concurrency.py). It still can refuse a caller
that names a booking as moving away (`moving_with`) outside a `rearranging` block, where
nothing defers the constraint: the statement looks past that booking, the constraint does not.
"""

import pytest
from django.db import transaction

from accounts.models import OutboxMail
from booking import emails
from booking.errors import BookingError
from booking.models import Booking
from booking.services import create_booking
from tests.booking.conftest import at, next_monday
from tests.booking.factories import RoomFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_booking_owes_its_mail_in_the_language_its_booker_reads(api_client):
    """The mail is built later, by the sender; it speaks the language the booker had when
    booking, even if they switch before it goes."""
    day = next_monday()
    room = RoomFactory()
    booker = UserFactory(language="nl")
    api_client.force_authenticate(booker)

    response = api_client.post(
        "/api/v1/bookings/",
        {"room": room.slug, "start": f"{day}T10:00", "end": f"{day}T11:00"},
        format="json",
    )

    assert response.status_code == 201, response.json()
    booking = Booking.objects.get()
    row = OutboxMail.objects.get()
    assert (row.kind, row.language, row.payload) == (
        f"{emails.KIND_PREFIX}{emails.CREATED}",
        "nl",
        {"booking": booking.pk, "status": "confirmed"},
    )


def test_the_booking_handed_back_is_as_stored():
    """What create_booking returns checks against the database's constraints as a booking
    read back from it would: it is not taken for a new row that overlaps itself."""
    day = next_monday()
    booking = create_booking(
        user=UserFactory(),
        room=RoomFactory(),
        start=at(day, "10:00"),
        end=at(day, "11:00"),
        title="x",
    )

    booking.validate_constraints()

    assert booking.pk == Booking.objects.get().pk


def test_a_booking_named_as_moving_away_that_stays_is_refused_by_the_constraint():
    day = next_monday()
    room = RoomFactory(name="Studio")
    start, end = at(day, "10:00"), at(day, "11:00")
    staying = create_booking(user=UserFactory(), room=room, start=start, end=end, title="x")

    with transaction.atomic():  # a caller's transaction, as `rearranging` has one
        with pytest.raises(BookingError) as refused:
            create_booking(
                user=UserFactory(),
                room=room,
                start=start,
                end=end,
                title="y",
                moving_with=(staying.pk,),
            )
        # The refused statement was rolled back to its savepoint: the transaction goes on.
        assert list(Booking.objects.values_list("pk", flat=True)) == [staying.pk]

    # What is in the way, leaving out the booking said to move: nothing, so it was taken a
    # moment ago.
    assert (refused.value.code, refused.value.conflicts) == ("conflict", [(start, end)])
    assert str(refused.value.message) == "Studio was booked for this time a moment ago."


def test_a_request_owes_each_approver_a_first_request_mail(api_client):
    day = next_monday()
    room = RoomFactory(requires_approval=True)
    approver = UserFactory(language="en")
    room.managers.set([approver])
    api_client.force_authenticate(UserFactory(language="nl"))

    response = api_client.post(
        "/api/v1/bookings/",
        {"room": room.slug, "start": f"{day}T10:00", "end": f"{day}T11:00"},
        format="json",
    )

    assert (response.status_code, response.json()["status"]) == (201, "pending")
    booking = Booking.objects.get()
    owed = OutboxMail.objects.order_by("kind").values_list("kind", "language", "payload")
    assert list(owed) == [
        (
            f"{emails.KIND_PREFIX}{emails.CREATED}",
            "nl",
            {"booking": booking.pk, "status": "pending"},
        ),
        (
            emails.NEEDS_APPROVAL_KIND,
            "en",
            {"booking": booking.pk, "again": False, "occurrences": 1, "manager": approver.pk},
        ),
    ]


def test_a_request_whose_approvers_mail_fails_is_not_saved_either(monkeypatch):
    """The booking and its approvers' mail are one transaction: a request no approver hears
    of would wait for ever. The mail's failure is put in by hand: nothing on this machine
    makes a plain insert into the outbox fail between the two statements."""
    day = next_monday()
    room = RoomFactory(requires_approval=True)
    room.managers.set([UserFactory()])

    def mail_fails(booking, *, again, occurrences=1):
        raise RuntimeError("mail table gone")

    monkeypatch.setattr(emails, "owe_managers_mail", mail_fails)

    with pytest.raises(RuntimeError):
        create_booking(
            user=UserFactory(), room=room, start=at(day, "10:00"), end=at(day, "11:00"), title="x"
        )

    assert not Booking.objects.exists()
    assert not OutboxMail.objects.exists()
