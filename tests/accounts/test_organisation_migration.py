"""The upgrade turns the free-text organisation of accounts into organisations, and gives
bookings and registrations made before it the snapshot of their person as they are now."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Organisation, User
from booking.models import Booking
from events.models import Registration
from tests.mail.test_migration import migrate

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [
    ("accounts", "0007_user_sso_signed_in_at"),
    ("booking", "0005_gist_index_declared"),
    ("events", "0007_delete_pendingregistrationmail"),
]


def test_upgrade_makes_organisations_and_snapshots_of_earlier_bookings_and_registrations():
    old = migrate(BEFORE)
    old_users = old.get_model("accounts", "User").objects
    for email, affiliation, organisation in [
        ("a@studio.example", "partner", "Studio BV"),
        ("b@studio.example", "partner", " studio  bv"),
        ("c@nos.example", "partner", "NOS"),
        ("d@hu.nl", "hu", "Instituut voor Media"),
        ("e@hilversum.nl", "municipality", ""),
        ("f@example.org", "public", ""),
    ]:
        old_users.create(email=email, affiliation=affiliation, organisation=organisation)
    booker = old_users.get(email="a@studio.example")
    location = old.get_model("booking", "Location").objects.create(slug="lab", name="Lab")
    room = old.get_model("booking", "Room").objects.create(
        slug="studio", name="Studio", location=location, kind="studio", capacity=4
    )
    end = timezone.now() - timedelta(days=2)
    start = end - timedelta(hours=1)
    old.get_model("booking", "Booking").objects.create(
        room=room, user=booker, start=start, end=end, blocked_from=start, blocked_until=end
    )
    programme = old.get_model("events", "Programme").objects.create(slug="p", name="P")
    event = old.get_model("events", "Event").objects.create(
        slug="xr", title="XR", programme=programme, capacity=5, theme="media_ict"
    )
    old.get_model("events", "Registration").objects.create(
        event=event, user=booker, status="confirmed"
    )

    migrate()

    by_email = {u.email: u.organisation for u in User.objects.select_related("organisation")}
    studio = Organisation.objects.get(slug="studio-bv")
    assert (studio.name, studio.kind, studio.affiliation) == ("Studio BV", "other", "partner")
    assert by_email == {
        "a@studio.example": studio,
        "b@studio.example": studio,
        "c@nos.example": Organisation.objects.get(slug="nos"),
        "d@hu.nl": Organisation.objects.get(slug="hu"),
        "e@hilversum.nl": Organisation.objects.get(slug="gemeente-hilversum"),
        "f@example.org": None,
    }
    booking = Booking.objects.get()
    assert (booking.affiliation, booking.organisation) == ("partner", studio)
    registration = Registration.objects.get()
    assert (registration.affiliation, registration.organisation, registration.theme) == (
        "partner",
        studio,
        "media_ict",
    )
