import pytest

from tests.booking.conftest import day, facility_manager, manager_api, room  # noqa: F401
from tests.events.conftest import event, organiser, organiser_api  # noqa: F401
from tests.mail.backends import FlakyBackend


@pytest.fixture
def flaky_backend(settings):
    settings.EMAIL_BACKEND = "tests.mail.backends.FlakyBackend"
    FlakyBackend.refused = set()
    FlakyBackend.log = []
    yield FlakyBackend
    FlakyBackend.refused = set()
    FlakyBackend.log = []
