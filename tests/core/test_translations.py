"""The Dutch catalogue is complete, compiled, current, and actually used by the pages.

Four ways a page shows English to a Dutch user, each caught here without gettext on the machine
(only polib, which reads .po and .mo files):

1. an entry in locale/nl is untranslated or fuzzy (fuzzy entries are not compiled);
2. the committed .mo was not rebuilt after the .po changed (Django only reads the .mo);
3. a new string was marked for translation but `make messages` was not run, so it is not in the
   .po at all: we extract the strings as makemessages does (Django's own `templatize` for
   templates, the gettext keywords of makemessages for Python) and look each up in the .po;
4. a translated string is rendered in English anyway, e.g. a form label made with `gettext`
   instead of `gettext_lazy` at import time, or a missing {% load i18n %}: we render the main
   pages in Dutch and fail on any visible text that is exactly one of our English source
   strings, plus a few English strings of allauth and Django, whose catalogues are not ours.

Text that nobody marked for translation is not in any catalogue; check 4 does not see it
unless it equals a source string, so new templates still need a look in Dutch.
"""

import ast
import os
import re
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils import timezone
from django.utils.translation.template import templatize

from booking.services import create_booking
from events.services import register_for_event
from tests.booking.factories import RoomFactory
from tests.factories import EventFactory, SessionFactory, UserFactory

BASE_DIR = Path(settings.BASE_DIR)
PO_PATH = Path(settings.LOCALE_PATHS[0]) / "nl" / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")

# What `make messages` skips (Makefile: --ignore=.venv --ignore=node_modules --ignore=mutants,
# plus Django's default ignores of hidden directories), and the extensions makemessages reads
# by default. mutants/ is mutmut's mutated copy of the code (`make mutation`).
IGNORED_DIRS = {".venv", "node_modules", "mutants", "__pycache__", "locale", "media", "staticfiles"}
TEMPLATE_SUFFIXES = {".html", ".txt"}

# makemessages' xgettext keywords for Python: name -> (context arg, singular arg, plural arg).
PYTHON_KEYWORDS = {
    "_": (None, 0, None),
    "gettext": (None, 0, None),
    "gettext_lazy": (None, 0, None),
    "gettext_noop": (None, 0, None),
    "ngettext": (None, 0, 1),
    "ngettext_lazy": (None, 0, 1),
    "pgettext": (0, 1, None),
    "pgettext_lazy": (0, 1, None),
    "npgettext": (0, 1, 2),
    "npgettext_lazy": (0, 1, 2),
}

_LITERAL = r"""u?(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")"""
# The calls Django's templatize writes for {% translate %} and {% blocktranslate %}.
TEMPLATE_CALLS = [
    (re.compile(rf"\bgettext\(\s*({_LITERAL})\s*\)"), (None, 0, None)),
    (re.compile(rf"\bngettext\(\s*({_LITERAL})\s*,\s*({_LITERAL})\s*,"), (None, 0, 1)),
    (re.compile(rf"\bpgettext\(\s*({_LITERAL})\s*,\s*({_LITERAL})\s*\)"), (0, 1, None)),
    (
        re.compile(rf"\bnpgettext\(\s*({_LITERAL})\s*,\s*({_LITERAL})\s*,\s*({_LITERAL})\s*,"),
        (0, 1, 2),
    ),
]

PLACEHOLDER = re.compile(r"%(?:\([^)]+\))?[#0 +-]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa%]|\{\w*\}")
HTML_TAG = re.compile(r"</?([a-zA-Z][a-zA-Z0-9]*)")

# English that allauth's and Django's own catalogues would leave on a Dutch page if they
# stopped being used (their strings are not in our .po, so check 4 needs them named).
THIRD_PARTY_ENGLISH = {
    "Sign Up",
    "Sign In",
    "Password",
    "Remember Me",
    "Forgot your password?",
    "Already have an account?",
    "Password Reset",
    "Reset My Password",
    "Email",
    "Name",
    "403 Forbidden",
    "Not Found",
}


def catalogue() -> polib.POFile:
    return polib.pofile(str(PO_PATH))


def source_files(suffixes: set[str]):
    for root, dirs, files in os.walk(BASE_DIR):
        # Pruned in place, so the walk never enters .venv or node_modules.
        dirs[:] = sorted(d for d in dirs if d not in IGNORED_DIRS and not d.startswith("."))
        for name in sorted(files):
            if Path(name).suffix in suffixes:
                yield Path(root) / name


def _message(args: list[str], spec) -> tuple[str | None, str, str | None]:
    context, singular, plural = spec
    return (
        args[context] if context is not None else None,
        args[singular],
        args[plural] if plural is not None else None,
    )


def python_messages(path: Path) -> set[tuple[str | None, str, str | None]]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        spec = PYTHON_KEYWORDS.get(name)
        if spec is None:
            continue
        needed = max(index for index in spec if index is not None) + 1
        args = node.args[:needed]
        if len(args) < needed or not all(
            isinstance(arg, ast.Constant) and isinstance(arg.value, str) for arg in args
        ):
            continue  # a variable, not a literal: xgettext skips it too
        found.add(_message([arg.value for arg in args], spec))
    return found


def template_messages(path: Path) -> set[tuple[str | None, str, str | None]]:
    code = templatize(path.read_text(encoding="utf-8"), origin=str(path))
    found = set()
    for pattern, spec in TEMPLATE_CALLS:
        for match in pattern.finditer(code):
            found.add(_message([ast.literal_eval(group) for group in match.groups()], spec))
    return found


def marked_messages() -> set[tuple[str | None, str, str | None]]:
    found = set()
    for path in source_files({".py"}):
        found |= python_messages(path)
    for path in source_files(TEMPLATE_SUFFIXES):
        found |= template_messages(path)
    return found


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def html_tags(text: str) -> list[str]:
    return sorted(HTML_TAG.findall(text))


def test_dutch_catalogue_has_no_untranslated_or_fuzzy_entry():
    po = catalogue()

    untranslated = [entry.msgid for entry in po.untranslated_entries()]
    fuzzy = [entry.msgid for entry in po.fuzzy_entries()]

    assert untranslated == []
    assert fuzzy == []
    assert po.metadata["Language"] == "nl"


def test_dutch_translations_keep_placeholders_and_tags():
    wrong = []
    for entry in catalogue().translated_entries():
        if entry.msgid_plural:
            # Dutch has the same two forms as English: one, and everything else.
            pairs = [
                (entry.msgid, entry.msgstr_plural[0]),
                (entry.msgid_plural, entry.msgstr_plural[1]),
            ]
        else:
            pairs = [(entry.msgid, entry.msgstr)]
        wrong += [
            (source, translation)
            for source, translation in pairs
            if placeholders(source) != placeholders(translation)
            or html_tags(source) != html_tags(translation)
        ]

    assert wrong == []


def test_dutch_plurals_have_both_forms():
    po = catalogue()
    plural_entries = [entry for entry in po if entry.msgid_plural]

    incomplete = [
        entry.msgid
        for entry in plural_entries
        if sorted(entry.msgstr_plural) != [0, 1] or not all(entry.msgstr_plural.values())
    ]

    assert po.metadata["Plural-Forms"] == "nplurals=2; plural=(n != 1);"
    assert plural_entries
    assert incomplete == []


def _translations(entries) -> dict:
    return {
        (entry.msgctxt, entry.msgid): (
            tuple(sorted(entry.msgstr_plural.items())) if entry.msgid_plural else entry.msgstr
        )
        for entry in entries
        if entry.msgid
    }


def test_compiled_dutch_catalogue_matches_po():
    """Django reads only the .mo: a .po edit without `make messages` changes nothing."""
    compiled = _translations(polib.mofile(str(MO_PATH)))
    source = _translations(catalogue().translated_entries())

    missing_or_stale = {key for key in source if compiled.get(key) != source[key]}
    extra = set(compiled) - set(source)

    assert missing_or_stale == set(), "run `make messages` and commit django.mo"
    assert extra == set(), "run `make messages` and commit django.mo"


def test_extraction_finds_the_strings_of_python_and_templates():
    """A control for the next test: the extractor sees all kinds of marked strings."""
    found = marked_messages()

    assert (None, "Sign in", None) in found  # {% translate %}
    assert (None, "Hello %(name)s,", None) in found  # {% blocktranslate with %}
    assert (None, "%(counter)s person", "%(counter)s people") in found  # count/plural
    assert (None, "Only the managers of a room or location may close it.", None) in found  # gettext
    assert (None, "bookings", None) in found  # gettext_lazy in Meta


def test_dutch_catalogue_has_every_marked_string():
    po = catalogue()
    known = {(entry.msgctxt, entry.msgid, entry.msgid_plural or None) for entry in po}

    not_in_catalogue = sorted(marked_messages() - known, key=str)

    assert not_in_catalogue == [], "run `make messages` and translate the new entries"


class VisibleText(HTMLParser):
    """Text nodes and the attributes people read or hear (labels, alternatives, buttons)."""

    READ_ATTRIBUTES = ("aria-label", "title", "alt", "placeholder")

    def __init__(self):
        super().__init__()
        self.texts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._hidden += 1
        values = dict(attrs)
        self.texts += [values[name] for name in self.READ_ATTRIBUTES if values.get(name)]
        if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
            self.texts.append(values["value"])

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._hidden -= 1

    def handle_data(self, data):
        text = " ".join(data.split())
        if text and not self._hidden:
            self.texts.append(text)


def english_on_page(html: str, english: set[str]) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    return [text for text in parser.texts if text.rstrip(":") in english]


@pytest.fixture
def english_sources():
    """Our English source strings whose Dutch differs, and allauth's and Django's English.

    Not a source string that is also Dutch for something else ("Start" is Dutch for "Home"),
    nor "English": the language switch names each language in itself, on purpose.
    """
    po = catalogue()
    translated = po.translated_entries()
    dutch = {entry.msgstr for entry in translated} | {
        form for entry in translated for form in entry.msgstr_plural.values()
    }
    english = {entry.msgid for entry in po if not entry.msgid_plural} | THIRD_PARTY_ENGLISH
    return english - dutch - {"English"}


@pytest.fixture
def campus(db):
    """One room with a pending booking, one event with a session and a registration."""
    staff = UserFactory(groups=["facility_managers", "event_organisers"])
    member = UserFactory()
    room = RoomFactory(requires_approval=True)
    start = (timezone.localtime() + timedelta(days=3)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    booking = create_booking(
        user=member, room=room, start=start, end=start + timedelta(hours=1), title="Montage"
    )
    event = EventFactory(owners=[staff])
    SessionFactory(event=event)
    register_for_event(user=member, event=event)
    return {"staff": staff, "member": member, "room": room, "booking": booking, "event": event}


def _pages(campus) -> list[tuple[str | None, str]]:
    room, event = campus["room"].slug, campus["event"].slug
    return [
        (None, "/"),
        (None, "/rooms/"),
        (None, f"/rooms/{room}/"),
        (None, "/events/"),
        (None, f"/events/{event}/"),
        (None, "/accounts/login/"),
        (None, "/accounts/signup/"),
        (None, "/accounts/password/reset/"),
        (None, "/no-such-page/"),
        ("member", "/my/"),
        ("member", "/my/profile/"),
        ("member", "/my/erase/"),
        ("member", f"/my/bookings/{campus['booking'].pk}/"),
        ("member", f"/rooms/{room}/"),
        ("member", f"/events/{event}/"),
        ("member", "/manage/"),
        ("staff", "/manage/"),
        ("staff", "/manage/bookings/"),
        ("staff", "/manage/bookings/closures/"),
        ("staff", "/manage/events/"),
        ("staff", "/manage/events/new/"),
        ("staff", f"/manage/events/{event}/"),
        ("staff", f"/manage/events/{event}/registrations/"),
    ]


def test_main_pages_show_no_english_in_dutch(client, campus, english_sources):
    english_found = {}
    for who, url in _pages(campus):
        client.logout()
        if who:
            client.force_login(campus[who])
        response = client.get(url)
        assert response.status_code in (200, 403, 404), url
        found = english_on_page(response.content.decode(), english_sources)
        if found:
            english_found[f"{who or 'anonymous'} {url}"] = found

    assert english_found == {}


def test_english_check_sees_english_on_the_english_page(client, campus, english_sources):
    """A control: the same check does fail on an English page."""
    html = client.get(f"/en/events/{campus['event'].slug}/").content.decode()

    assert {"Sessions", "Sign in to register"} <= set(english_on_page(html, english_sources))


@pytest.mark.parametrize(
    ("prefix", "language", "expected"),
    [
        ("", "nl", ["Naar de inhoud", "Ruimtes", "Evenementen", "Inloggen"]),
        ("/en", "en", ["Skip to content", "Rooms", "Events", "Sign in"]),
    ],
)
def test_home_page_language_follows_prefix(client, db, prefix, language, expected):
    html = client.get(f"{prefix}/", HTTP_ACCEPT_LANGUAGE="en" if language == "nl" else "nl")

    content = html.content.decode()
    parser = VisibleText()
    parser.feed(content)
    assert f'<html lang="{language}">' in content
    assert [text for text in expected if text in parser.texts] == expected


def test_not_found_page_is_dutch(client, db):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert "<h1>Pagina niet gevonden</h1>" in response.content.decode()


@pytest.mark.parametrize(
    ("accept_language", "message"),
    [("", "Het einde moet na het begin liggen."), ("en", "The end must be after the start.")],
)
def test_api_error_in_dutch_unless_english_asked(user_api, campus, accept_language, message):
    start = timezone.localtime(campus["booking"].start) + timedelta(days=1)
    # The suite's API clients ask for English (tests/conftest.py); here the client says nothing
    # (Dutch, the default) or asks for English itself.
    user_api.defaults.pop("HTTP_ACCEPT_LANGUAGE")
    headers = {"HTTP_ACCEPT_LANGUAGE": accept_language} if accept_language else {}

    response = user_api.post(
        "/api/v1/bookings/",
        {
            "room": campus["room"].slug,
            "start": start.isoformat(),
            "end": (start - timedelta(hours=1)).isoformat(),
            "title": "Montage",
            "attendees": 1,
        },
        format="json",
        **headers,
    )

    assert response.status_code == 400
    assert response.json() == {"end": [message]}


def test_signup_password_error_is_dutch(client, db):
    """Django 5.2's Dutch lacks this message; our catalogue supplies it (third_party_messages)."""
    response = client.post(
        "/accounts/signup/",
        {"email": "nieuw@example.org", "name": "Nieuw", "password1": "kort", "password2": "kort"},
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "Dit wachtwoord is te kort. Het moet minstens 10 tekens bevatten." in html
    assert "Account aanmaken" in html
