from datetime import timedelta

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.models import Affiliation, Organisation, OrganisationKind, User

DEFAULT_PASSWORD = "correct-horse-battery-staple"


class OrganisationFactory(factory.django.DjangoModelFactory):
    """A partner school, as MBO College Hilversum is."""

    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"MBO College {n}")
    slug = factory.Sequence(lambda n: f"mbo-college-{n}")
    kind = OrganisationKind.EDUCATION_PARTNER
    affiliation = Affiliation.PARTNER


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    name = factory.Faker("name", locale="nl_NL")
    affiliation = Affiliation.HU
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        if create and extracted:
            # The migrations make the role groups, but a transactional test's flush empties
            # them, and a reused test database (mutmut, --reuse-db) starts without them.
            self.groups.set([Group.objects.get_or_create(name=name)[0] for name in extracted])

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        if create:
            instance.save()


# --- events -----------------------------------------------------------------------------------


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "events.Programme"
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"programme-{n}")
    name = factory.Sequence(lambda n: f"Programme {n}")

    @factory.post_generation
    def owners(self, create, extracted, **kwargs):
        if create and extracted:
            self.owners.set(extracted)


class EventFactory(factory.django.DjangoModelFactory):
    """An event open for registration by everyone, with a waitlist, and no sessions."""

    class Meta:
        model = "events.Event"
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"event-{n}")
    title = factory.Sequence(lambda n: f"Event {n}")
    programme = factory.SubFactory(ProgrammeFactory)
    kind = "campus_event"
    theme = "media_campus"
    capacity = 20
    waitlist = True
    audience = factory.LazyFunction(lambda: [a.value for a in Affiliation])

    @factory.post_generation
    def owners(self, create, extracted, **kwargs):
        if create and extracted:
            self.owners.set(extracted)


class SessionFactory(factory.django.DjangoModelFactory):
    """A session outside our rooms, a week from now."""

    class Meta:
        model = "events.Session"

    event = factory.SubFactory(EventFactory)
    start = factory.LazyFunction(
        lambda: (timezone.now() + timedelta(days=7)).replace(minute=0, second=0, microsecond=0)
    )
    end = factory.LazyAttribute(lambda session: session.start + timedelta(hours=2))
    location_text = "Hilversum Media Park, Studio 21"
