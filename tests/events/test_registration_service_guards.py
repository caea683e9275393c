"""The registration service's own guards, called as another caller of the service would.

The API answers these first (a stranger's registration is not in their list: 404), so the
HTTP tests never reach the service's refusal; these pin it, so a caller that forgets its own
check still cannot cancel someone else's registration.
"""

import pytest

from events import services
from events.errors import RegistrationError
from events.models import Registration
from tests.factories import UserFactory

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
