"""The registration service's own guards, called as another caller of the service would.

The API answers these first (a stranger's registration is not in their list: 404), so the
HTTP tests never reach the service's refusal; these pin it, so a caller that forgets its own
check still cannot cancel someone else's registration.
"""

import pytest
from django.db import IntegrityError

from events import services
from events.errors import RegistrationError
from events.models import Registration
from tests.factories import EventFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


def refusal(**kwargs) -> RegistrationError:
    with pytest.raises(RegistrationError) as caught:
        services.cancel_registration(**kwargs)
    return caught.value


def test_a_stranger_cannot_cancel_someone_elses_registration(event):
    registration = services.register_for_event(user=UserFactory(), event=event)

    error = refusal(registration=registration, actor=UserFactory())

    assert (str(error), error.code, error.field) == ("Registration not found.", "not_found", None)
    assert Registration.objects.get().status == "confirmed"


def test_cancelling_twice_says_it_is_cancelled_already(event):
    person = UserFactory()
    registration = services.register_for_event(user=person, event=event)
    services.cancel_registration(registration=registration, actor=person)

    error = refusal(registration=registration, actor=person)

    assert (str(error), error.code) == ("This registration is already cancelled.", "conflict")


def test_the_events_manager_cancels_anyones_registration(event, organiser):
    registration = services.register_for_event(user=UserFactory(), event=event)

    services.cancel_registration(registration=registration, actor=organiser)

    assert Registration.objects.get().status == "cancelled"


def test_a_registration_by_slug_comes_back_as_it_was_stored():
    organisation = OrganisationFactory()
    event = EventFactory(slug="podcast", capacity=1, theme="sustainability")
    services.register_for_event(user=UserFactory(), event=event)
    person = UserFactory(affiliation="partner", organisation=organisation)

    registration = services.register_for_event(user=person, slug="podcast")

    stored = Registration.objects.get(pk=registration.pk)
    fields = ("event_id", "status", "queue_number", "created_at", "updated_at", "affiliation",
              "organisation_id", "theme")  # fmt: skip
    assert [getattr(registration, name) for name in fields] == [
        getattr(stored, name) for name in fields
    ]
    assert (stored.event_id, stored.status, stored.theme) == (
        event.pk,
        "waitlisted",
        "sustainability",
    )
    assert registration.waitlist_position == 1


def test_registering_twice_for_the_event_object_says_so():
    event = EventFactory(capacity=5)
    person = UserFactory()
    services.register_for_event(user=person, event=event)

    with pytest.raises(RegistrationError) as again:
        services.register_for_event(user=person, event=event)

    assert (again.value.code, str(again.value.message)) == (
        "conflict",
        "You are already registered for this event.",
    )


def test_a_cancelled_seat_goes_to_the_first_on_the_waitlist_only():
    event = EventFactory(capacity=1)
    seated, first, second = (
        services.register_for_event(user=UserFactory(), event=event) for _ in range(3)
    )

    services.cancel_registration(registration=seated, actor=seated.user)

    statuses = dict(Registration.objects.values_list("pk", "status"))
    assert (statuses[first.pk], statuses[second.pk]) == ("confirmed", "waitlisted")


def test_a_unique_violation_other_than_a_second_registration_is_not_called_one():
    # Counters out of step with the rows (here written by hand) make the claim take a queue
    # number someone holds; the person's cancelled registration is not a live one.
    event = EventFactory(capacity=0)
    person = UserFactory()
    Registration.objects.create(event=event, user=person, status="cancelled")
    Registration.objects.create(event=event, user=UserFactory(), status="waitlisted",
                                queue_number=event.waitlist_next)  # fmt: skip

    with pytest.raises(IntegrityError):
        services.register_for_event(user=person, event=event)

    assert Registration.objects.filter(user=person).count() == 1


def test_registering_for_an_event_object_is_one_statement(django_assert_num_queries):
    event = EventFactory(capacity=5)
    person = UserFactory()

    # The claim, in a savepoint as inside any transaction (here the test's): three.
    with django_assert_num_queries(3):
        registration = services.register_for_event(user=person, event=event)

    assert Registration.objects.get().pk == registration.pk


def test_a_promoted_registration_is_marked_as_changed():
    event = EventFactory(capacity=1)
    seated, waiting = (
        services.register_for_event(user=UserFactory(), event=event) for _ in range(2)
    )

    services.cancel_registration(registration=seated, actor=seated.user)

    promoted = Registration.objects.get(pk=waiting.pk)
    assert promoted.status == "confirmed"
    assert promoted.updated_at > waiting.updated_at
