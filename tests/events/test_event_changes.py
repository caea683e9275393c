"""What an organiser's change to an event owes others, over HTTP: the waitlisted people a
raised capacity lets in get the "promoted" mail, and calendars see every session change
only when what they show of it changed (SEQUENCE, RFC 5545)."""

import pytest

from accounts.models import OutboxMail
from events import services
from events.models import Event, Registration, Session
from tests.factories import SessionFactory, UserFactory

pytestmark = pytest.mark.django_db


def owed_kinds() -> list[str]:
    return sorted(OutboxMail.objects.values_list("kind", flat=True))


def test_raised_capacity_promotes_the_first_waiting_and_owes_them_the_promoted_mail(
    event, organiser_api
):
    first, second, waiting, later = (UserFactory() for _ in range(4))
    for person in (first, second, waiting, later):
        services.register_for_event(user=person, event=event)
    OutboxMail.objects.all().delete()

    response = organiser_api.patch("/api/v1/events/podcast-workshop/", {"capacity": 3})

    assert response.status_code == 200
    assert dict(Registration.objects.values_list("user", "status")) == {
        first.pk: "confirmed",
        second.pk: "confirmed",
        waiting.pk: "confirmed",
        later.pk: "waitlisted",
    }
    assert owed_kinds() == ["registration.promoted"]
    assert OutboxMail.objects.get().payload["registration"] == (
        Registration.objects.get(user=waiting).pk
    )


def test_lowered_capacity_keeps_everyone_and_owes_no_mail(event, organiser_api):
    for _ in range(2):
        services.register_for_event(user=UserFactory(), event=event)
    OutboxMail.objects.all().delete()

    response = organiser_api.patch("/api/v1/events/podcast-workshop/", {"capacity": 1})

    assert response.status_code == 200
    assert set(Registration.objects.values_list("status", flat=True)) == {"confirmed"}
    assert owed_kinds() == []


def sessions() -> list[tuple]:
    return list(Session.objects.order_by("pk").values_list("pk", "sequence", "updated_at"))


def test_new_title_raises_every_session_sequence_by_one(event, organiser_api):
    SessionFactory(event=event)
    before = sessions()

    response = organiser_api.patch("/api/v1/events/podcast-workshop/", {"title": "Podcasting"})

    assert response.status_code == 200
    after = sessions()
    assert [(pk, sequence) for pk, sequence, _ in after] == [
        (pk, sequence + 1) for pk, sequence, _ in before
    ]
    assert all(now > then for (_, _, now), (_, _, then) in zip(after, before, strict=True))


def test_new_capacity_leaves_the_sessions_as_calendars_have_them(event, organiser_api):
    before = sessions()

    response = organiser_api.patch("/api/v1/events/podcast-workshop/", {"capacity": 5})

    assert response.status_code == 200
    assert sessions() == before


def test_an_update_writes_only_the_fields_it_changes(event, organiser):
    # Two organisers with the event open: the second saves a title on what they read before
    # the first changed the description.
    seen_before = Event.objects.get(pk=event.pk)
    services.update_event(actor=organiser, event=event, description="Nieuw programma.")

    services.update_event(actor=organiser, event=seen_before, title="Podcast maken")

    stored = Event.objects.get(pk=event.pk)
    assert (stored.title, stored.description) == ("Podcast maken", "Nieuw programma.")
