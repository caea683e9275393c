from io import BytesIO

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from accounts.models import OutboxMail
from events import services
from events.models import Event, Programme, Registration
from tests.events.conftest import future
from tests.factories import EventFactory, ProgrammeFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    return client


def image_upload(size=(800, 600), fmt="PNG", name="poster.png"):
    output = BytesIO()
    Image.new("RGB", size, (200, 40, 40)).save(output, format=fmt)
    return SimpleUploadedFile(name, output.getvalue(), content_type=f"image/{fmt.lower()}")


@pytest.mark.parametrize(
    "url",
    [
        "/en/admin/events/programme/",
        "/en/admin/events/event/",
        "/en/admin/events/session/",
        "/en/admin/events/registration/",
        "/en/admin/events/attendance/",
        "/en/admin/accounts/outboxmail/",
    ],
)
def test_admin_lists_open(admin_client, event, url):
    services.register_for_event(user=UserFactory(), event=event)

    assert admin_client.get(url).status_code == 200


def test_admin_shows_mail_not_yet_sent_and_cannot_change_it(admin_client, event):
    # Without a commit (this test's transaction) the mail stays owed, as when no worker runs.
    registration = services.register_for_event(user=UserFactory(), event=event)
    pending = OutboxMail.objects.get(payload={"registration": registration.pk})

    listing = admin_client.get("/en/admin/accounts/outboxmail/")
    page = admin_client.get(f"/en/admin/accounts/outboxmail/{pending.pk}/change/")
    change = admin_client.post(
        f"/en/admin/accounts/outboxmail/{pending.pk}/change/", {"kind": "registration.cancelled"}
    )

    assert "registration.confirmed" in listing.content.decode()
    assert page.status_code == 200
    assert change.status_code == 403
    assert OutboxMail.objects.get().kind == "registration.confirmed"


def test_admin_cancel_action_promotes_from_waitlist(admin_client, event):
    first = services.register_for_event(user=UserFactory(), event=event)
    services.register_for_event(user=UserFactory(), event=event)
    waiting = services.register_for_event(user=UserFactory(), event=event)

    admin_client.post(
        "/en/admin/events/registration/",
        {"action": "cancel_registrations", "_selected_action": [first.pk]},
    )

    waiting.refresh_from_db()
    assert (Registration.objects.get(pk=first.pk).status, waiting.status) == (
        "cancelled",
        "confirmed",
    )


def test_admin_raising_capacity_promotes(admin_client, event):
    for _ in range(3):
        services.register_for_event(user=UserFactory(), event=event)
    change = admin_client.get(f"/en/admin/events/event/{event.pk}/change/")
    assert change.status_code == 200
    form = change.context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and name != "image" and name != "organiser"
    }
    data.update(
        {
            "audience": '["hu", "municipality", "partner", "public"]',
            "capacity": 3,
            "waitlist": "on",
            "sessions-TOTAL_FORMS": 1,
            "sessions-INITIAL_FORMS": 1,
            "sessions-MIN_NUM_FORMS": 0,
            "sessions-MAX_NUM_FORMS": 1000,
            "sessions-0-id": event.sessions.get().pk,
            "sessions-0-event": event.pk,
        }
    )

    response = admin_client.post(f"/en/admin/events/event/{event.pk}/change/", data)

    assert response.status_code == 302, response.content.decode()[:2000]
    event.refresh_from_db()
    assert (event.capacity, event.seats_taken, event.waitlist_length) == (3, 3, 0)


def test_event_image_is_stored_as_clean_jpeg(organiser_client, event):
    response = organiser_client.post(
        "/en/manage/events/podcast-workshop/",
        {
            "title": "Podcast workshop",
            "programme": event.programme.pk,
            "kind": event.kind,
            "theme": event.theme,
            "audience": event.audience,
            "capacity": 2,
            "image": image_upload(),
        },
    )

    assert response.status_code == 302
    event.refresh_from_db()
    with Image.open(event.image.path) as stored:
        assert (stored.format, stored.size) == ("JPEG", (800, 600))
        assert "exif" not in stored.info


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        # Made per run: an upload is read once, and mutmut runs a test many times per process.
        (lambda: SimpleUploadedFile("a.png", b"not an image", content_type="image/png"), "image"),
        (lambda: image_upload(size=(6000, 5000)), "25 megapixels"),
    ],
    ids=["not-an-image", "too-many-pixels"],
)
def test_event_image_refused_next_to_the_field(organiser_client, event, upload, message):
    response = organiser_client.post(
        "/en/manage/events/podcast-workshop/",
        {
            "title": "Podcast workshop",
            "programme": event.programme.pk,
            "kind": event.kind,
            "theme": event.theme,
            "audience": event.audience,
            "capacity": 2,
            "image": upload(),
        },
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_image_error"' in html
    assert message in html
    event.refresh_from_db()
    assert not event.image


def test_manage_list_query_count_is_constant(organiser_client, db):
    programme = ProgrammeFactory()

    def add(count):
        for n in range(count):
            event = EventFactory(programme=programme, owners=[organiser_client.user])
            SessionFactory(event=event, start=future(days=2 + n))

    add(2)
    organiser_client.get("/en/manage/events/")
    with CaptureQueriesContext(connection) as few:
        organiser_client.get("/en/manage/events/")
    add(48)

    with CaptureQueriesContext(connection) as many:
        response = organiser_client.get("/en/manage/events/")

    assert response.content.decode().count("/registrations/") == 50
    assert len(many) == len(few)


def test_check_in_page_query_count_is_constant(organiser_client, db):
    event = EventFactory(slug="big", capacity=60, owners=[organiser_client.user])
    session = SessionFactory(event=event)
    url = f"/en/manage/events/big/sessions/{session.pk}/check-in/"
    for _ in range(2):
        services.register_for_event(user=UserFactory(), event=event)
    organiser_client.get(url)
    with CaptureQueriesContext(connection) as few:
        organiser_client.get(url)
    for _ in range(48):
        services.register_for_event(user=UserFactory(), event=event)

    with CaptureQueriesContext(connection) as many:
        response = organiser_client.get(url)

    assert response.content.decode().count("check-in-toggle") == 50
    assert len(many) == len(few)


def test_my_page_query_count_is_constant(client, db):
    person = UserFactory()
    client.force_login(person)

    def add(count):
        for _ in range(count):
            event = EventFactory()
            SessionFactory(event=event)
            services.register_for_event(user=person, event=event)

    add(2)
    client.get("/en/my/")
    with CaptureQueriesContext(connection) as few:
        client.get("/en/my/")
    add(48)

    with CaptureQueriesContext(connection) as many:
        client.get("/en/my/")

    assert Event.objects.count() == 50
    assert len(many) == len(few)


def test_admin_deleting_an_event_frees_its_rooms(admin_client, db):
    from booking.models import Booking
    from tests.booking.factories import RoomFactory

    event = EventFactory()
    start = future(days=4)
    services.add_session(
        actor=UserFactory(is_superuser=True),
        event=event,
        spec=services.SessionSpec(start=start, end=start.replace(hour=12), room=RoomFactory()),
    )

    admin_client.post(f"/en/admin/events/event/{event.pk}/delete/", {"post": "yes"})

    assert Event.objects.count() == 0
    assert Booking.objects.get().status == "cancelled"


def test_admin_deleting_a_registration_keeps_counters_true(admin_client, event):
    first = services.register_for_event(user=UserFactory(), event=event)
    services.register_for_event(user=UserFactory(), event=event)
    waiting = services.register_for_event(user=UserFactory(), event=event)

    admin_client.post(f"/en/admin/events/registration/{first.pk}/delete/", {"post": "yes"})

    event.refresh_from_db()
    waiting.refresh_from_db()
    assert Registration.objects.count() == 2
    assert (event.seats_taken, event.waitlist_length, waiting.status) == (2, 0, "confirmed")


def test_event_image_upload_through_the_api(organiser_api, event):
    response = organiser_api.post(
        "/api/v1/events/podcast-workshop/image/", {"image": image_upload()}, format="multipart"
    )

    assert response.status_code == 200
    assert response.json()["image"].endswith(".jpg")
    event.refresh_from_db()
    with Image.open(event.image.path) as stored:
        assert stored.format == "JPEG"


def test_event_image_upload_of_a_non_image_is_bad_request(organiser_api, event):
    upload = SimpleUploadedFile("x.png", b"<svg/>", content_type="image/png")

    response = organiser_api.post(
        "/api/v1/events/podcast-workshop/image/", {"image": upload}, format="multipart"
    )

    assert response.status_code == 400
    assert list(response.json()) == ["image"]
    event.refresh_from_db()
    assert not event.image


def test_event_image_upload_by_plain_user_is_forbidden(user_api, event):
    response = user_api.post(
        "/api/v1/events/podcast-workshop/image/", {"image": image_upload()}, format="multipart"
    )

    assert response.status_code == 403


def test_admin_added_event_is_created_by_the_service_with_its_creator_as_owner(db, client):
    creator = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(creator)
    programme = ProgrammeFactory()

    response = client.post(
        "/en/admin/events/event/add/",
        {
            "slug": "podcast-workshop",
            "programme": programme.pk,
            "kind": "campus_event",
            "theme": "media_campus",
            "title": "Podcastworkshop",
            "audience": '["hu"]',
            "capacity": 12,
            "waitlist": "on",
            "sessions-TOTAL_FORMS": 0,
            "sessions-INITIAL_FORMS": 0,
            "sessions-MIN_NUM_FORMS": 0,
            "sessions-MAX_NUM_FORMS": 1000,
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    event = Event.objects.get(slug="podcast-workshop")
    assert response["Location"].endswith(f"/admin/events/event/{event.pk}/change/") or response[
        "Location"
    ].endswith("/admin/events/event/")
    assert (event.title, event.capacity) == ("Podcastworkshop", 12)
    assert list(event.owners.all()) == [creator]


def test_admin_programme_is_created_and_changed_through_the_services(admin_client):
    add = admin_client.post(
        "/en/admin/events/programme/add/",
        {"slug": "dmw-2027", "name": "Dutch Media Week 2027", "description": ""},
    )
    programme = Programme.objects.get(slug="dmw-2027")
    change = admin_client.post(
        f"/en/admin/events/programme/{programme.pk}/change/",
        {"name": "Dutch Media Week 2027 (najaar)", "description": "Tweede editie"},
    )

    assert (add.status_code, change.status_code) == (302, 302)
    programme.refresh_from_db()
    assert (programme.slug, programme.name, programme.description) == (
        "dmw-2027",
        "Dutch Media Week 2027 (najaar)",
        "Tweede editie",
    )


def test_admin_staff_without_organiser_role_cannot_add_or_change_events(client, event):
    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(
        *Permission.objects.filter(codename__in=["add_event", "change_event", "view_event"])
    )
    client.force_login(staff)

    add = client.get("/en/admin/events/event/add/")
    change = client.post(f"/en/admin/events/event/{event.pk}/change/", {"title": "Gekaapt"})

    assert add.status_code == 403
    assert change.status_code == 403
    event.refresh_from_db()
    assert event.title != "Gekaapt"
