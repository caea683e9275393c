"""Mail in one language (issue 18, item 5): every kind of mail to someone who reads Dutch is
Dutch throughout, subject, text and HTML; none of our English (or allauth's) slips in."""

import re

import pytest
from django.core import mail
from django.core.cache import cache

from accounts import outbox
from accounts.models import OutboxMail, User
from accounts.tasks import send_outbox
from tests.core.test_translations import VisibleText, catalogue, english_on_page
from tests.core.test_translations import english_sources as _english_sources_fixture
from tests.mail.test_every_kind import CASES, arranged

pytestmark = pytest.mark.django_db(transaction=True)

english_sources = _english_sources_fixture


def english_phrases(english: set[str]) -> set[str]:
    """Our English sentences and phrases (two words or more), to find inside plain text."""
    return {text for text in english if " " in text.strip() and len(text) > 8 and "%" not in text}


def english_in_text(text: str, phrases: set[str]) -> list[str]:
    flat = " ".join(text.split())
    return sorted(phrase for phrase in phrases if phrase in flat)


def sent_in_dutch(case) -> list:
    """The mail `case` causes, to people who all read Dutch. (The cases make English readers;
    the mail is held back, then each row and person is switched to Dutch before it is built.)"""
    world = arranged(case)
    cache.add(outbox.SENDER_QUEUED_FLAG, True)
    case.act(world)
    User.objects.update(language="nl")
    OutboxMail.objects.update(language="nl")
    cache.delete(outbox.SENDER_QUEUED_FLAG)
    send_outbox.apply()
    return list(mail.outbox)


@pytest.mark.parametrize("name", CASES)
def test_dutch_mail_has_no_english(name, english_sources):
    phrases = english_phrases(english_sources)
    found = {}
    for message in sent_in_dutch(CASES[name]):
        parts = {"subject": message.subject, "text": message.body}
        for body, mimetype in getattr(message, "alternatives", []):
            if mimetype == "text/html":
                parser = VisibleText()
                parser.feed(body)
                parts["html"] = " ".join(parser.texts)
                found |= {f"html {t}": 1 for t in english_on_page(body, english_sources)}
        for part, text in parts.items():
            found |= {f"{part}: {t}": 1 for t in english_in_text(text, phrases)}
        if re.search(r"\bEmail\b|Booking ", message.subject):
            found[f"subject: {message.subject}"] = 1

    assert sorted(found) == []


def test_the_check_finds_english_in_english_mail_control(english_sources):
    """The same check on the same mail to someone who reads English does find English."""
    world = arranged(CASES["booking.created confirmed"])
    CASES["booking.created confirmed"].act(world)
    send_outbox.apply()

    [message] = mail.outbox
    assert english_in_text(message.body, english_phrases(english_sources))
    assert catalogue()  # the catalogue the check reads is there
