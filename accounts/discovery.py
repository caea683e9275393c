"""Apps take part in shared features by having a module of an agreed name, so that no app
needs to know the others: `dashboard` (sections of /my/ and /manage/), `privacy` (export
and erase a person's data) and `demo` (the data of `seed_demo`). Django's
`autodiscover_modules` imports them, as the admin finds the `admin` modules."""

import sys
from types import ModuleType

from django.apps import apps
from django.utils.module_loading import autodiscover_modules


def app_modules(name: str) -> list[tuple[str, ModuleType]]:
    """(app label, module) for each installed app that has a module `name`, in
    INSTALLED_APPS order (accounts, booking, events): later apps build on earlier ones."""
    autodiscover_modules(name)
    return [
        (app_config.label, sys.modules[f"{app_config.name}.{name}"])
        for app_config in apps.get_app_configs()
        if f"{app_config.name}.{name}" in sys.modules
    ]
