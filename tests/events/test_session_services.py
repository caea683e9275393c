"""move_session and cancel_session, the services the manage pages and the admin call: who may,
and that a move inside a rearrangement passes its `moving_with` on to the room's booking.
Written against mutmut's survivors (the pages' tests are left out of `make mutation`)."""

from datetime import timedelta

import pytest

from booking import services as booking_services
from booking.models import Booking, BookingStatus
from events import services
from events.errors import RegistrationError
from events.models import Event, Session
from events.services import SessionSpec
from tests.booking.factories import RoomFactory
from tests.events.conftest import future
from tests.factories import EventFactory, SessionFactory, UserFactory

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


@pytest.mark.parametrize(("capacity", "attendees"), [(0, 1), (1, 1), (25, 25)])
def test_a_session_books_its_room_for_the_events_capacity_and_at_least_one(
    organiser, capacity, attendees
):
    event = EventFactory(owners=[organiser], capacity=capacity)
    start = future()

    session = services.add_session(
        actor=organiser,
        event=event,
        spec=SessionSpec(start=start, end=start + timedelta(hours=1), room=RoomFactory()),
    )

    assert Booking.objects.get(pk=session.booking_id).attendees == attendees


def test_a_new_session_takes_a_slot_another_booking_leaves_in_the_same_rearrangement(organiser):
    event = EventFactory(owners=[organiser])
    room = RoomFactory()
    start = future()
    leaving = booking_services.create_booking(
        user=UserFactory(), room=room, start=start, end=start + timedelta(hours=1), title="Leaves"
    )
    into = SessionSpec(start=leaving.start, end=leaving.end, room=room)

    with booking_services.rearranging():
        added = services.add_session(
            actor=organiser, event=event, spec=into, moving_with=(leaving.pk,)
        )
        booking_services.cancel_booking(booking=leaving, actor=organiser, on_behalf=True)

    assert Booking.objects.get(pk=added.booking_id).start == leaving.start


def test_a_session_moved_to_another_room_holds_it_as_the_events_booking(organiser, session):
    # The new booking is nobody's, but keeps the organiser's affiliation for reports.
    other = RoomFactory()
    into = SessionSpec(start=session.start, end=session.end, room=other)
    held = session.booking_id

    moved = services.move_session(actor=organiser, session=session, spec=into)

    booking = Booking.objects.get(pk=moved.booking_id)
    assert (booking.room, booking.user, booking.affiliation) == (other, None, "hu")
    assert Booking.objects.get(pk=held).status == BookingStatus.CANCELLED


def test_an_unchanged_session_outside_our_rooms_stays_as_it_is_on_a_resave(organiser):
    event = EventFactory(owners=[organiser])
    outside = SessionFactory(event=event)
    spec = SessionSpec(
        id=outside.pk, start=outside.start, end=outside.end, location_text=outside.location_text
    )

    services.update_event(actor=organiser, event=event, sessions=[spec])

    stored = Session.objects.get()
    assert (stored.pk, stored.sequence, stored.updated_at) == (
        outside.pk,
        0,
        outside.updated_at,
    )


def test_moving_a_session_in_its_room_takes_a_fixed_number_of_queries(
    organiser, session, django_assert_num_queries
):
    session = Session.objects.get(pk=session.pk)
    later = SessionSpec(
        start=session.start + timedelta(hours=2),
        end=session.end + timedelta(hours=2),
        room=session.room,
    )

    with django_assert_num_queries(20):
        services.move_session(actor=organiser, session=session, spec=later)

    assert Session.objects.get().start == later.start


def test_renaming_an_event_renames_its_room_bookings_in_a_fixed_number_of_queries(
    organiser, django_assert_num_queries
):
    event = EventFactory(owners=[organiser], title="Podcast workshop")
    start = future()
    specs = [
        SessionSpec(start=start + timedelta(days=day), end=start + timedelta(days=day, hours=1),
                    room=RoomFactory())
        for day in range(2)
    ]  # fmt: skip
    services.update_event(actor=organiser, event=event, sessions=specs)
    event = Event.objects.get(pk=event.pk)

    with django_assert_num_queries(28):
        services.update_event(actor=organiser, event=event, title="Podcast maken")

    assert list(Booking.objects.values_list("title", flat=True)) == ["Podcast maken"] * 2


def test_dropping_a_session_from_the_list_takes_a_fixed_number_of_queries(
    organiser, session, django_assert_num_queries
):
    event = Event.objects.get(pk=session.event_id)

    with django_assert_num_queries(26):
        services.update_event(actor=organiser, event=event, sessions=[])

    assert not Session.objects.exists()
    assert Booking.objects.get().status == BookingStatus.CANCELLED
