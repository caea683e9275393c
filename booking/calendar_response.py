"""One way to answer with iCalendar: content type, filename, ETag, Last-Modified, 304s, and
a cache of the serialised body keyed by the feed's version.

Serialising with `icalendar` costs ~0.2 ms an event, so a feed is built only when its version
(the newest change among its items, their count and the feed's parameters) is new; an
unchanged feed costs the queries that compute its version, and a 304 costs no serialising.
"""

from collections.abc import Callable
from datetime import datetime
from hashlib import sha256

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import content_disposition_header, http_date, quote_etag

CALENDAR_CONTENT_TYPE = "text/calendar; charset=utf-8"
FEED_CACHE_SECONDS = 24 * 3600


class CalendarResponse(HttpResponse):
    def __init__(
        self,
        content: bytes,
        *,
        filename: str,
        as_attachment: bool = False,
        content_type: str = CALENDAR_CONTENT_TYPE,
        **kwargs,
    ):
        super().__init__(content, content_type=content_type, **kwargs)
        self["Content-Disposition"] = content_disposition_header(as_attachment, filename)


def feed_etag(key: str, version: object) -> str:
    return quote_etag(sha256(f"{key}|{version!r}".encode()).hexdigest()[:40])


def serve_calendar(
    request: HttpRequest,
    *,
    key: str,
    version: object,
    last_modified: datetime | None,
    filename: str,
    build: Callable[[], bytes],
    private: bool = False,
    content_type: str = CALENDAR_CONTENT_TYPE,
) -> HttpResponse:
    """Answer a feed request; `build` runs only when no body for this version is cached.

    The schedule exports (JSON, XML) are feeds too and pass their own `content_type`."""
    etag = feed_etag(key, version)
    timestamp = int(last_modified.timestamp()) if last_modified else None
    not_modified = get_conditional_response(request, etag=etag, last_modified=timestamp)
    if not_modified is not None:
        response = not_modified
    else:
        cache_key = f"feed:{etag.strip(chr(34))}"
        body = cache.get(cache_key)
        if body is None:
            body = build()
            cache.set(cache_key, body, FEED_CACHE_SECONDS)
        response = CalendarResponse(
            body,
            filename=filename,
            as_attachment=request.GET.get("download") == "1",
            content_type=content_type,
        )
    response["ETag"] = etag
    if timestamp is not None:
        response["Last-Modified"] = http_date(timestamp)
    if private:
        patch_cache_control(response, private=True, max_age=0, must_revalidate=True)
    else:
        patch_cache_control(response, public=True, max_age=300)
    return response
