"""move_session and cancel_session, the services the manage pages and the admin call: who may,
and that a move inside a rearrangement passes its `moving_with` on to the room's booking.
Written against mutmut's survivors (the pages' tests are left out of `make mutation`)."""

from datetime import timedelta

import pytest

from booking import services as booking_services
from booking.models import Booking, BookingStatus
from events import services
from events.errors import RegistrationError
from events.models import Session
from events.services import SessionSpec
from tests.booking.factories import RoomFactory
from tests.events.conftest import future
from tests.factories import EventFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(organiser):
    event = EventFactory(owners=[organiser], title="Podcast workshop")
    start = future()
    services.update_event(
        actor=organiser,
        event=event,
        sessions=[SessionSpec(start=start, end=start + timedelta(hours=1), room=RoomFactory())],
    )
    return Session.objects.get(event=event)


def test_someone_who_does_not_manage_the_event_moves_and_cancels_nothing(session):
    stranger = UserFactory(groups=["event_organisers"])
    later = SessionSpec(
        start=session.start + timedelta(hours=2),
        end=session.end + timedelta(hours=2),
        room=session.room,
    )

    with pytest.raises(RegistrationError) as moving:
        services.move_session(actor=stranger, session=session, spec=later)
    with pytest.raises(RegistrationError) as cancelling:
        services.cancel_session(actor=stranger, session=session)

    assert (moving.value.code, cancelling.value.code) == ("forbidden", "forbidden")
    stored = Session.objects.get(pk=session.pk)
    assert (stored.start, stored.booking.status) == (session.start, BookingStatus.CONFIRMED)


def test_a_session_moves_into_a_slot_another_booking_leaves_in_the_same_rearrangement(
    organiser, session
):
    leaving = booking_services.create_booking(
        user=UserFactory(),
        room=session.room,
        start=session.start + timedelta(hours=2),
        end=session.end + timedelta(hours=2),
        title="Leaves",
    )
    into = SessionSpec(start=leaving.start, end=leaving.end, room=session.room)

    with booking_services.rearranging():
        moved = services.move_session(
            actor=organiser, session=session, spec=into, moving_with=(leaving.pk,)
        )
        booking_services.cancel_booking(booking=leaving, actor=organiser, on_behalf=True)

    assert (moved.start, moved.booking.start) == (leaving.start, leaving.start)
    assert Booking.objects.get(pk=session.booking_id).start == leaving.start


def test_its_manager_cancels_a_session_and_frees_its_room(organiser, session):
    services.cancel_session(actor=organiser, session=session)

    assert not Session.objects.filter(pk=session.pk).exists()
    assert Booking.objects.get(pk=session.booking_id).status == BookingStatus.CANCELLED
