"""One JSON object a line, each carrying the id of the request it belongs to."""

import logging
import re
import time
import uuid
from contextvars import ContextVar

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
# The "^" that opens each regular-expression segment of a route, not one inside "[^/.]".
_ANCHOR = re.compile(r"(^|/)\^")
request_logger = logging.getLogger("mediacampus.request")


class RequestIdFilter(logging.Filter):
    def filter(self, record):
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        return True


def _route_of(request) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None or not match.route:
        return "-"
    # DRF's routers write regular expressions (`^bookings/$`); show them as paths.
    return "/" + _ANCHOR.sub(r"\1", match.route).removesuffix("$")


class RouteOnlyFilter(logging.Filter):
    """For django.request, which names a failed request's path twice: in the message and
    in the request object a JSON formatter writes out. Both get the route instead."""

    def filter(self, record):
        request = getattr(record, "request", None)
        if request is None or not hasattr(request, "path"):
            return True
        route = _route_of(request)
        secret = {request.path, request.path.encode("unicode_escape").decode("ascii")}
        if isinstance(record.args, tuple):
            record.args = tuple(route if arg in secret else arg for arg in record.args)
        record.request = f"{request.method} {route}"
        return True


class RequestLogMiddleware:
    """Logs every request once, with id, user, route, status and duration.

    The route is the URL pattern (`feeds/me/<str:token>.ics`), never the path: paths carry
    secrets (personal feed tokens, password-reset and email-confirmation keys) that must not
    reach the log collector. A request no pattern matched logs as "-".

        A load balancer's X-Request-ID is kept (when it looks like an id) so one request can be
        followed across processes; otherwise a new one is made. The id goes back in the response.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        duration_ms = round((time.perf_counter() - started) * 1000, 2)
        user = getattr(request, "user", None)
        route = _route_of(request)
        request_logger.info(
            "%s %s %s",
            request.method,
            route,
            response.status_code,
            extra={
                "request_id": request_id,
                "user_id": user.pk if user is not None and user.is_authenticated else None,
                "method": request.method,
                "route": route,
                "status": response.status_code,
                "duration_ms": duration_ms,
            },
        )
        response["X-Request-ID"] = request_id
        return response
