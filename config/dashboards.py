"""`/my/` and `/manage/` gather sections from the apps, so no app needs to know the others.

An app that has a `dashboard` module may define `my_sections(request)` and
`manage_sections(request)`, each returning a list of `Section`s. Apps are asked in
INSTALLED_APPS order (accounts, booking, events).
"""

from dataclasses import dataclass, field
from importlib import import_module
from importlib.util import find_spec

from django.apps import apps


@dataclass
class Section:
    template: str
    context: dict = field(default_factory=dict)
    # Lower comes first; the apps' own lists (bookings, registrations) keep the default.
    order: int = 50


def collect_sections(request, hook: str) -> list[Section]:
    sections: list[Section] = []
    for app_config in apps.get_app_configs():
        module_name = f"{app_config.name}.dashboard"
        if find_spec(module_name) is None:
            continue
        provider = getattr(import_module(module_name), hook, None)
        if provider is not None:
            sections.extend(provider(request))
    return sorted(sections, key=lambda section: section.order)
