"""Booking's domain error; accounts.errors says how the API and the pages show it."""

from accounts.errors import DomainError


class BookingError(DomainError):
    """A booking, room, location or closure change refused."""
