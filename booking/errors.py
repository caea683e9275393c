"""The one domain error of booking, and how the API answers it (see API.md, "Errors")."""

from datetime import datetime

from django.utils import timezone
from rest_framework import status
from rest_framework.response import Response

from booking.timezones import LOCAL_TZ

STATUS_BY_CODE = {
    "invalid": status.HTTP_400_BAD_REQUEST,
    "forbidden": status.HTTP_403_FORBIDDEN,
    "not_found": status.HTTP_404_NOT_FOUND,
    "conflict": status.HTTP_409_CONFLICT,
}


class BookingError(Exception):
    """A booking refused, with a translatable message.

    `code` is "invalid" (400), "forbidden" (403), "not_found" (404) or "conflict" (409);
    `field` names the input at fault where there is one; `conflicts` lists the (start, end)
    spans that stand in the way.
    """

    def __init__(
        self,
        message,
        *,
        code: str = "invalid",
        field: str | None = None,
        conflicts: list[tuple[datetime, datetime]] | None = None,
    ):
        if code not in STATUS_BY_CODE:
            raise ValueError(f"unknown BookingError code {code!r}")
        super().__init__(str(message))
        self.message = message
        self.code = code
        self.field = field
        self.conflicts = list(conflicts or [])

    @property
    def status_code(self) -> int:
        return STATUS_BY_CODE[self.code]


def local_isoformat(value: datetime) -> str:
    return timezone.localtime(value, LOCAL_TZ).isoformat()


def booking_error_response(error: BookingError) -> Response:
    message = str(error.message)
    if error.code == "conflict":
        data = {
            "detail": message,
            "conflicts": [
                {"start": local_isoformat(start), "end": local_isoformat(end)}
                for start, end in error.conflicts
            ],
        }
    elif error.code == "invalid" and error.field:
        data = {error.field: [message]}
    else:
        data = {"detail": message}
    return Response(data, status=error.status_code)
