"""What the events' services answer when they refuse: who may not, and the limits of a session's
and a registration window's times, each with its code, field and words. Written against
mutmut's survivors in events/services/ (roles.py, events.py, sessions.py)."""

from datetime import timedelta

import pytest

from events import services
from events.errors import RegistrationError
from events.models import Event, Session
from events.services import SessionSpec
from tests.events.conftest import future
from tests.factories import EventFactory, ProgrammeFactory, UserFactory

pytestmark = pytest.mark.django_db


def refusal(call, **kwargs) -> tuple:
    with pytest.raises(RegistrationError) as refused:
        call(**kwargs)
    return refused.value.code, refused.value.field, str(refused.value.message)


@pytest.fixture
def organiser(db):
    return UserFactory(groups=["event_organisers"])


def test_only_organisers_create_events():
    assert refusal(services.create_event, actor=UserFactory(), slug="x", title="X") == (
        "forbidden",
        None,
        "Only event organisers may do this.",
    )
    assert not Event.objects.exists()


def test_only_its_owners_change_an_event(organiser):
    event = EventFactory(owners=[UserFactory(groups=["event_organisers"])], title="Podcast")

    assert refusal(services.update_event, actor=organiser, event=event, title="Mine") == (
        "forbidden",
        None,
        "Only the owners of this event or its programme may do this.",
    )
    assert Event.objects.get(pk=event.pk).title == "Podcast"


def test_only_its_owners_change_a_programme(organiser):
    programme = ProgrammeFactory(name="DMW", owners=[UserFactory(groups=["event_organisers"])])

    assert refusal(
        services.update_programme, actor=organiser, programme=programme, name="Mine"
    ) == ("forbidden", None, "Only the owners of this programme may do this.")


def test_registration_must_open_before_it_closes_to_the_minute(organiser):
    closes = future()

    refused = refusal(
        services.create_event,
        actor=organiser,
        slug="x",
        title="X",
        registration_opens=closes,
        registration_closes=closes,
    )
    event = services.create_event(
        actor=organiser,
        slug="y",
        title="Y",
        capacity=10,
        programme=ProgrammeFactory(),
        kind="campus_event",
        theme="media_campus",
        registration_opens=closes - timedelta(minutes=1),
        registration_closes=closes,
    )

    assert refused == ("invalid", "registration_closes", "Registration must open before it closes.")
    assert list(Event.objects.values_list("slug", flat=True)) == [event.slug]


def test_a_session_must_end_after_it_starts_to_the_minute(organiser):
    event = EventFactory(owners=[organiser])
    start = future()

    refused = refusal(
        services.add_session, actor=organiser, event=event, spec=SessionSpec(start=start, end=start)
    )
    services.add_session(
        actor=organiser,
        event=event,
        spec=SessionSpec(start=start, end=start + timedelta(minutes=1)),
    )

    assert refused == ("invalid", "sessions", "A session must end after it starts.")
    assert list(Session.objects.values_list("end", flat=True)) == [start + timedelta(minutes=1)]


def test_a_window_changed_at_one_end_is_checked_against_the_other(organiser):
    opens = future()
    closes = opens + timedelta(days=1)
    event = EventFactory(owners=[organiser], registration_opens=opens, registration_closes=closes)
    expected = ("invalid", "registration_closes", "Registration must open before it closes.")

    assert (
        refusal(services.update_event, actor=organiser, event=event, registration_opens=closes)
        == expected
    )
    assert (
        refusal(services.update_event, actor=organiser, event=event, registration_closes=opens)
        == expected
    )
    stored = Event.objects.get(pk=event.pk)
    assert (stored.registration_opens, stored.registration_closes) == (opens, closes)


def test_a_taken_slug_or_an_unknown_field_is_refused(organiser):
    EventFactory(slug="podcast")

    assert refusal(services.create_event, actor=organiser, slug="podcast", title="X") == (
        "invalid",
        "slug",
        "An event with this slug exists.",
    )
    with pytest.raises(TypeError, match=r"^unknown event fields: \['colour'\]$"):
        services.create_event(actor=organiser, slug="new", title="X", colour="red")
    event = EventFactory(owners=[organiser])
    with pytest.raises(TypeError, match=r"^unknown event fields: \['colour'\]$"):
        services.update_event(actor=organiser, event=event, colour="red")


def test_a_changed_event_comes_back_with_its_counters(organiser):
    event = EventFactory(owners=[organiser], capacity=1)
    services.register_for_event(user=UserFactory(), event=event)
    services.register_for_event(user=UserFactory(), event=event)

    changed = services.update_event(actor=organiser, event=event, title="Nieuw")

    assert (changed.seats_taken, changed.waitlist_length) == (1, 1)


def test_an_owner_is_added_by_a_valid_address_only(organiser):
    event = EventFactory(owners=[organiser])

    assert refusal(
        services.add_event_owner, actor=organiser, event=event, email=" not-an-address "
    ) == ("invalid", "email", "Enter a valid email address.")
    assert list(event.owners.all()) == [organiser]
