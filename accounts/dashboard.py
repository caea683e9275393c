"""`/my/` and `/manage/` gather sections from the apps, so no app needs to know the others.

An app that has a `dashboard` module may define `my_sections(request)` and
`manage_sections(request)`, each returning a list of `Section`s; this one is accounts' own.
"""

from dataclasses import dataclass, field

from django.urls import reverse

from accounts.discovery import app_modules
from accounts.feed_tokens import feed_token


@dataclass
class Section:
    template: str
    context: dict = field(default_factory=dict)
    # Lower comes first; the apps' own lists (bookings, registrations) keep the default.
    order: int = 50


def collect_sections(request, hook: str) -> list[Section]:
    sections: list[Section] = []
    for _label, module in app_modules("dashboard"):
        provider = getattr(module, hook, None)
        if provider is not None:
            sections.extend(provider(request))
    return sorted(sections, key=lambda section: section.order)


def my_sections(request):
    # The API token stays on the profile page: the overview is opened on shared screens and
    # phones, and most people never use the API.
    feed_path = reverse("feed-me", kwargs={"token": feed_token(request.user)})
    return [
        Section("accounts/my_feed_section.html", {"feed_path": feed_path}, order=80),
        Section("accounts/my_profile_section.html", {}, order=90),
    ]
