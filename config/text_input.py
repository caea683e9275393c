"""Text PostgreSQL cannot store is refused at the door, as a 400 that names the field.

PostgreSQL's text and jsonb hold neither a NUL character nor a lone UTF-16 surrogate (one
half of a pair, which JSON can spell as "\\ud800"): psycopg refuses to send them, and a
lookup, a filter or a save that meets one was a 500. DRF's CharField refuses both, but not
inside JSON fields (amenities, opening hours, audience), slug lookups, query parameters or
the pages' forms. So the check sits where input is parsed, once for every view: the
middleware covers the path, the query string and form posts (pages, admin, allauth), the
DRF parsers every request body of the API.
"""

import contextlib
import re
from collections.abc import Iterable, Mapping

from django.http import HttpResponseBadRequest, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ValidationError

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


# One scan in C for both, instead of a Python loop over every character of every input.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def refusal(text: str) -> str | None:
    """Why PostgreSQL cannot store `text`, or None when it can."""
    found = _UNSTORABLE.search(text)
    if found is None:
        return None
    if "\x00" in text:
        return _("Null characters are not allowed.")
    return _("Lone surrogate characters are not allowed.")


def text_errors(data) -> dict | list | None:
    """Errors shaped like DRF's for every string in parsed input (keys included), or None."""
    if isinstance(data, str):
        problem = refusal(data)
        return [problem] if problem else None
    if hasattr(data, "lists"):  # a QueryDict: each field may repeat
        found = first_problem(data.lists())
        return {found[0]: [found[1]]} if found else None
    if isinstance(data, Mapping):
        items: Iterable = data.items()
    elif isinstance(data, list | tuple):
        items = ((str(index), value) for index, value in enumerate(data))
    else:
        return None
    errors = {}
    for key, value in items:
        problem = refusal(key) if isinstance(key, str) else None
        nested = [problem] if problem else text_errors(value)
        if nested:
            errors[key if problem is None else _clean(key)] = nested
    return errors or None


def _clean(name: str) -> str:
    # A field name that itself cannot be stored is reported in a printable spelling.
    return name.encode("unicode_escape").decode("ascii")


def first_problem(fields: Iterable[tuple[str, list[str]]]) -> tuple[str, str] | None:
    for name, values in fields:
        for text in (name, *values):
            problem = refusal(text)
            if problem:
                return _clean(name), problem
    return None


class TextInputMiddleware:
    """Refuses a path, query parameter or form field PostgreSQL cannot store."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        found = first_problem([("path", [request.path])]) or first_problem(request.GET.lists())
        if found is None and request.method == "POST" and request.content_type in FORM_TYPES:
            # A broken upload is left to the view, which answers it as it always did (400).
            with contextlib.suppress(MultiPartParserError):
                found = first_problem(request.POST.lists())
        if found is None:
            return self.get_response(request)
        field, problem = found
        if request.path.startswith("/api/"):
            return JsonResponse({field: [problem]}, status=400)
        return HttpResponseBadRequest(f"{field}: {problem}", content_type="text/plain")


class _CheckedParser:
    def parse(self, stream, media_type=None, parser_context=None):
        parsed = super().parse(stream, media_type, parser_context)
        errors = text_errors(getattr(parsed, "data", parsed))
        if errors:
            raise ValidationError(errors)
        return parsed


class JSONParser(_CheckedParser, parsers.JSONParser):
    pass


class FormParser(_CheckedParser, parsers.FormParser):
    pass


class MultiPartParser(_CheckedParser, parsers.MultiPartParser):
    pass
