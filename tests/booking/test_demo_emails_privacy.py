import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction

from accounts.models import User
from booking.models import Booking, BookingStatus, FairUseLimit, Location, Room, RoomKind
from booking.privacy import erase_user_data, export_user_data
from booking.services import approve_booking, cancel_booking, create_booking, decline_booking
from tests.booking.conftest import at
from tests.booking.factories import RoomFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_seed_demo_makes_locations_rooms_photos_and_a_week(settings):
    settings.DEBUG = True

    call_command("seed_demo", quiet_logins=True)
    call_command("seed_demo", quiet_logins=True)  # idempotent

    rooms = Room.objects.all()
    assert set(Location.objects.values_list("name", flat=True)) == {
        "Lab in het Centrum",
        "Media Park, Kennis- en innovatiecentrum",
    }
    assert rooms.count() >= 10
    assert set(rooms.values_list("kind", flat=True)) == set(RoomKind.values)
    assert all(room.photo and room.thumbnail for room in rooms)
    # The events demo (seeded after booking) books rooms for its sessions: the events hold them.
    week = Booking.objects.filter(event_session__isnull=True)
    assert week.filter(status=BookingStatus.CONFIRMED).count() == 15
    assert week.filter(status=BookingStatus.PENDING).count() == 2
    # The shared rooms count seats, and their bookings take only the seats they need.
    lab = Room.objects.get(slug="redactielab")
    assert (lab.booking_mode, len(lab.desks), lab.capacity) == ("seats", 24, 24)
    assert Room.objects.get(slug="flexplekken").booking_mode == "seats"
    assert not week.filter(room=lab, takes_whole_room=True).exists()
    assert set(FairUseLimit.objects.values_list("room_kind", "affiliation")) == {
        ("lab", ""),
        ("workspace", ""),
        ("workspace", "public"),
    }


def test_booking_mail_in_bookers_language_text_and_html(
    room, day, django_capture_on_commit_callbacks
):
    user = UserFactory(language="en")

    with django_capture_on_commit_callbacks(execute=True):
        booking = create_booking(
            user=user, room=room, start=at(day, "10:00"), end=at(day, "11:00"), title="Shoot"
        )
    with django_capture_on_commit_callbacks(execute=True):
        cancel_booking(booking=booking, actor=user)

    confirmed, cancelled = mail.outbox
    assert confirmed.subject == f"Booking confirmed: {room.name}"
    assert "10:00" in confirmed.body
    assert confirmed.alternatives[0].mimetype == "text/html"
    assert cancelled.subject == f"Booking cancelled: {room.name}"


def test_booking_mail_pending_and_declined(
    day, facility_manager, django_capture_on_commit_callbacks
):
    user = UserFactory(language="en")
    facility_manager.language = "en"
    facility_manager.save(update_fields=["language"])
    room = RoomFactory(requires_approval=True)

    with django_capture_on_commit_callbacks(execute=True):
        booking = create_booking(
            user=user, room=room, start=at(day, "10:00"), end=at(day, "11:00"), title=""
        )
        decline_booking(booking=booking, actor=facility_manager)

    assert sorted((m.subject, tuple(m.to)) for m in mail.outbox) == [
        # A room that names no managers asks the facility managers.
        (f"Approval needed: {room.name}", (facility_manager.email,)),
        (f"Booking declined: {room.name}", (user.email,)),
        (f"Booking request received: {room.name}", (user.email,)),
    ]


def test_booking_mail_on_approval(day, facility_manager, django_capture_on_commit_callbacks):
    user = UserFactory(language="en")
    facility_manager.language = "en"
    facility_manager.save(update_fields=["language"])
    room = RoomFactory(requires_approval=True)
    booking = create_booking(
        user=user, room=room, start=at(day, "10:00"), end=at(day, "11:00"), title=""
    )

    with django_capture_on_commit_callbacks(execute=True):
        approve_booking(booking=booking, actor=facility_manager)

    # The request's mail was owed (its commit never came in this test's transaction) and
    # goes out with the approval's, each telling what happened then.
    to_booker = [m for m in mail.outbox if m.to == [user.email]]
    assert [m.subject for m in to_booker] == [
        f"Booking request received: {room.name}",
        f"Booking approved: {room.name}",
    ]
    assert "has been approved" in to_booker[1].body
    [to_manager] = [m for m in mail.outbox if m.to == [facility_manager.email]]
    assert to_manager.subject == f"Approval needed: {room.name}"


def test_booking_mail_not_sent_when_rolled_back(
    user, room, day, django_capture_on_commit_callbacks
):
    def book_then_fail():
        with transaction.atomic():
            create_booking(
                user=user, room=room, start=at(day, "10:00"), end=at(day, "11:00"), title=""
            )
            raise RuntimeError

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        book_then_fail()

    assert mail.outbox == []


def test_export_user_data_lists_bookings(user, room, day):
    create_booking(user=user, room=room, start=at(day, "10:00"), end=at(day, "11:00"), title="X")

    exported = export_user_data(user)

    assert [(b["room"], b["title"], b["start"]) for b in exported["bookings"]] == [
        (room.slug, "X", at(day, "10:00").isoformat())
    ]


def test_erase_user_data_cancels_future_and_anonymises(user, room, day):
    future = create_booking(
        user=user, room=room, start=at(day, "10:00"), end=at(day, "11:00"), title="Private"
    )
    past = Booking.objects.create(
        room=room, user=user, title="Old", start=at(day, "08:00").replace(year=2020),
        end=at(day, "09:00").replace(year=2020), blocked_from=at(day, "08:00").replace(year=2020),
        blocked_until=at(day, "09:00").replace(year=2020),
    )  # fmt: skip

    erase_user_data(user)

    future.refresh_from_db()
    past.refresh_from_db()
    assert (future.status, future.title) == (BookingStatus.CANCELLED, "")
    assert (past.status, past.title) == (BookingStatus.CONFIRMED, "")
    assert past.sequence == 1


def test_seed_demo_puts_people_in_organisations_and_lets_the_mbo_edit_at_hu(settings, client):
    settings.DEBUG = True
    call_command("seed_demo", quiet_logins=True)
    client.force_login(UserFactory(groups=["facility_managers"]))

    listing = client.get("/en/manage/organisations/").content.decode()
    mbo = client.get("/en/manage/organisations/mbo-college-hilversum/").content.decode()

    by_email = dict(User.objects.values_list("email", "organisation__slug"))
    assert {
        email: by_email[email]
        for email in (
            "student@hu.nl",
            "student@mbocollegehilversum.example",
            "medewerker@hilversum.nl",
            "partner@mediapark.example",
            "publiek@example.org",
        )
    } == {
        "student@hu.nl": "hu",
        "student@mbocollegehilversum.example": "mbo-college-hilversum",
        "medewerker@hilversum.nl": "gemeente-hilversum",
        "partner@mediapark.example": "studio-mediapark",
        "publiek@example.org": None,
    }
    for name in ("Hogeschool Utrecht", "Gemeente Hilversum", "MBO College Hilversum"):
        assert name in listing
    assert "Studio Mediapark B.V." in listing
    assert "Montageplek 1</a>, Lab in het Centrum · the room allows this organisation" in mbo
    assert "Yara Hoekstra" in mbo
