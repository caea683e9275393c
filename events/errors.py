"""The one domain error of events, and how the API answers it (API.md's error shapes)."""

from rest_framework import status
from rest_framework.response import Response

STATUS_BY_CODE = {
    "invalid": status.HTTP_400_BAD_REQUEST,
    "forbidden": status.HTTP_403_FORBIDDEN,
    "not_found": status.HTTP_404_NOT_FOUND,
    "conflict": status.HTTP_409_CONFLICT,
}


class RegistrationError(Exception):
    """A refused change to events, sessions or registrations.

    `code` is "invalid" (400), "forbidden" (403), "not_found" (404) or "conflict" (409);
    `field` names the input at fault, if any; `conflicts` lists clashing (start, end) pairs.
    """

    def __init__(self, message, *, code="invalid", field=None, conflicts=None):
        super().__init__(str(message))
        self.message = message
        self.code = code
        self.field = field
        self.conflicts = list(conflicts or [])


def registration_error_response(error: RegistrationError) -> Response:
    http_status = STATUS_BY_CODE[error.code]
    if error.code == "invalid" and error.field:
        return Response({error.field: [str(error.message)]}, status=http_status)
    body: dict = {"detail": str(error.message)}
    if error.code == "conflict":
        body["conflicts"] = [
            {"start": _iso(start), "end": _iso(end)} for start, end in error.conflicts
        ]
    return Response(body, status=http_status)


def _iso(value) -> str:
    from django.utils import timezone

    return timezone.localtime(value).isoformat()
