"""Events' domain error; accounts.errors says how the API and the pages show it."""

from accounts.errors import DomainError


class RegistrationError(DomainError):
    """A refused change to programmes, events, sessions or registrations."""
