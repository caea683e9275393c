"""Journey 2: a member of the public signs up with a local account, confirms the address from
the mail, registers for a Dutch Media Week session, lands on the waitlist of a full one and is
promoted when someone cancels."""

import re
from datetime import datetime, time, timedelta
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from accounts.models import User
from booking.timezones import LOCAL_TZ
from events import services
from events.models import Registration, RegistrationStatus
from tests.e2e.conftest import verified
from tests.factories import EventFactory, ProgrammeFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.e2e

EMAIL = "fatima.yilmaz@example.org"
PASSWORD = "Mediapark-Hilversum-2026"


def dmw_day(offset: int, hhmm: str) -> datetime:
    day = timezone.localdate() + timedelta(days=14 + offset)
    return datetime.combine(day, time.fromisoformat(hhmm), LOCAL_TZ)


@pytest.fixture
def media_week():
    """A Dutch Media Week with a session that has seats and one that is full (waitlist on)."""
    week = ProgrammeFactory(slug="dutch-media-week-2026", name="Dutch Media Week 2026")
    open_session = EventFactory(
        programme=week,
        slug="ai-in-de-nieuwsredactie",
        title="AI in de nieuwsredactie",
        kind="dmw_session",
        theme="media_ict",
        capacity=30,
    )
    full = EventFactory(
        programme=week,
        slug="immersive-storytelling",
        title="Immersive storytelling",
        kind="dmw_session",
        theme="media_campus",
        capacity=1,
    )
    SessionFactory(event=open_session, start=dmw_day(0, "10:00"), end=dmw_day(0, "11:30"))
    SessionFactory(event=full, start=dmw_day(1, "14:00"), end=dmw_day(1, "16:00"))
    daan = verified(UserFactory(name="Daan Bakker", affiliation="hu"))
    services.register_for_event(user=daan, event=full)
    return {"open": open_session, "full": full, "daan": daan}


def sign_up(tab, mailoutbox) -> None:
    mailoutbox.clear()
    page = tab.goto("/accounts/signup/")
    page.locator("#id_email").fill(EMAIL)
    page.locator("#id_name").fill("Fatima Yilmaz")
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    tab.press(page.locator("#id_password2"))
    page.wait_for_url(re.compile(r"/accounts/confirm-email/$"))

    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [EMAIL]
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+", mailoutbox[0].body).group(0)
    # The mail links to the public host name (https); the same path on the test server.
    page.goto(tab.site + urlsplit(link).path)
    tab.audit()
    tab.click(page.locator("main form button[type=submit]"))
    user = User.objects.get(email=EMAIL)
    assert (user.name, user.affiliation) == ("Fatima Yilmaz", "public")
    assert user.emailaddress_set.get().verified


def open_from_timetable(tab, title: str):
    page = tab.goto("/events/?programme=dutch-media-week-2026")
    return tab.click(page.get_by_role("link", name=title))


def test_public_member_signs_up_registers_and_is_promoted_from_waitlist(
    open_tab, media_week, mailoutbox
):
    tab = open_tab()
    page = tab.page
    sign_up(tab, mailoutbox)

    tab.goto("/events/?programme=dutch-media-week-2026")
    assert page.locator(".tt-session h4 a").all_inner_texts() == [
        "AI in de nieuwsredactie",
        "Immersive storytelling",
    ]
    tab.screenshot("dmw-timetable", scroll_to="main h2 >> nth=0" if tab.variant.is_phone else None)
    open_from_timetable(tab, "AI in de nieuwsredactie")
    tab.screenshot("event")
    tab.click(page.locator("form[action$='/register/'] button"))
    assert page.locator("p.status-confirmed").count() == 1
    assert page.locator(".messages .message-success").count() == 1

    open_from_timetable(tab, "Immersive storytelling")
    tab.click(page.locator("form[action$='/register/'] button"))
    assert page.locator("p.status-waitlisted").count() == 1
    fatima = User.objects.get(email=EMAIL)
    waiting = Registration.objects.get(user=fatima, event=media_week["full"])
    assert waiting.status == RegistrationStatus.WAITLISTED

    someone_cancels(open_tab, media_week)

    tab.goto("/events/immersive-storytelling/")
    assert page.locator("p.status-confirmed").count() == 1
    waiting.refresh_from_db()
    assert waiting.status == RegistrationStatus.CONFIRMED
    # The verification mail, the first confirmation, the waitlist notice and the promotion.
    assert [m.to for m in mailoutbox].count([EMAIL]) == 4
    tab.goto("/my/")
    section = page.locator("#registrations-heading + ul")
    assert sorted(section.get_by_role("link").all_inner_texts()) == [
        "AI in de nieuwsredactie",
        "Immersive storytelling",
    ]


def someone_cancels(open_tab, media_week) -> None:
    tab = open_tab(media_week["daan"])
    page = tab.goto("/events/immersive-storytelling/")
    assert page.locator("p.status-confirmed").count() == 1
    tab.reveal(page.locator("details.confirm summary"))
    tab.click(page.locator("form[action*='/events/registrations/'] button"))
    assert page.locator("p.status-confirmed, p.status-waitlisted").count() == 0
