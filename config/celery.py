"""The task queue: mail and reminders leave the request path when REDIS_URL is set.

Without REDIS_URL tasks run eagerly in the calling process, so `make run` needs nothing
but Python.
"""

import os

from celery import Celery
from celery.signals import before_task_publish

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("mediacampus")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["accounts", "booking", "events"])


@before_task_publish.connect
def _redact_arguments(headers=None, **_kwargs):
    """Workers log a failed task with its arguments; ours carry whole mail messages (names,
    addresses, reset links). Celery logs `argsrepr`/`kwargsrepr` instead when they are set,
    so every task is published with those redacted; the task itself still gets its arguments.
    """
    if headers is not None and "argsrepr" in headers:
        headers["argsrepr"] = "(redacted)"
        headers["kwargsrepr"] = "{redacted}"
