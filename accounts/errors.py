"""The one domain error every app raises, and how the API and the pages show it.

A service refuses by raising a `DomainError` subclass (booking's `BookingError`, events'
`RegistrationError`) with a translatable message. The API answers it through
`exception_handler` (settings: REST_FRAMEWORK["EXCEPTION_HANDLER"]): `{"field": ["..."]}`
for bad input to a named field, `{"detail": "..."}` otherwise, and on a 409 the clashing
spans as `"conflicts": [{"start", "end"}]` in Europe/Amsterdam time. A page puts it on its
form with `add_form_error`. Nothing else turns one into a response, so a refusal reads the
same wherever it surfaces.
"""

from datetime import datetime

from django import forms
from django.utils import timezone
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

STATUS_BY_CODE = {
    "invalid": status.HTTP_400_BAD_REQUEST,
    "forbidden": status.HTTP_403_FORBIDDEN,
    "not_found": status.HTTP_404_NOT_FOUND,
    "conflict": status.HTTP_409_CONFLICT,
    # A fair-use limit: a 409 whose body says `"code": "quota"`, so a client can tell
    # "try another time" from "you have booked too much".
    "quota": status.HTTP_409_CONFLICT,
}


class DomainError(Exception):
    """A refused change, with a translatable message.

    `code` is "invalid" (400), "forbidden" (403), "not_found" (404), "conflict" (409) or
    "quota" (409); `field` names the input at fault where there is one; `conflicts` lists
    the (start, end) spans that stand in the way.
    """

    def __init__(
        self,
        message,
        *,
        code: str = "invalid",
        field: str | None = None,
        conflicts: list[tuple[datetime, datetime]] | tuple = (),
    ):
        if code not in STATUS_BY_CODE:
            raise ValueError(f"unknown {type(self).__name__} code {code!r}")
        super().__init__(str(message))
        self.message = message
        self.code = code
        self.field = field
        self.conflicts = list(conflicts or [])

    @property
    def status_code(self) -> int:
        return STATUS_BY_CODE[self.code]


class AccountError(DomainError):
    """A change to an account or an organisation refused."""


def error_body(error: DomainError) -> dict:
    message = str(error.message)
    if error.code == "invalid" and error.field:
        return {error.field: [message]}
    if error.code == "conflict":
        return {
            "detail": message,
            "conflicts": [
                {"start": _local_isoformat(start), "end": _local_isoformat(end)}
                for start, end in error.conflicts
            ],
        }
    if error.code == "quota":
        return {"detail": message, "code": "quota"}
    return {"detail": message}


def exception_handler(exc, context):
    """DRF's handler, plus a DomainError as its status and body."""
    if isinstance(exc, DomainError):
        # As DRF does for its own errors: under ATOMIC_REQUESTS a refusal commits nothing.
        set_rollback()
        return Response(error_body(exc), status=exc.status_code)
    return drf_exception_handler(exc, context)


def add_form_error(
    form: forms.Form,
    error: DomainError,
    *,
    conflict_field: str | None = None,
    list_conflicts: bool = False,
) -> None:
    """Show `error` on `form`: next to its field when the form has one by that name, a
    conflict next to `conflict_field`, anything else above the form. `list_conflicts` adds
    the clashing times, for messages that name only the first."""
    message = str(error.message)
    if list_conflicts and error.conflicts:
        times = ", ".join(
            f"{_local(start):%Y-%m-%d %H:%M}–{_local(end):%H:%M}" for start, end in error.conflicts
        )
        message = f"{message} ({times})"
    field = error.field if error.field in form.fields else None
    if field is None and error.code == "conflict" and conflict_field in form.fields:
        field = conflict_field
    form.add_error(field, message)


def _local(value: datetime) -> datetime:
    # The API and the pages speak Europe/Amsterdam whatever language or zone is active.
    return timezone.localtime(value, timezone.get_default_timezone())


def _local_isoformat(value: datetime) -> str:
    return _local(value).isoformat()
