"""The task queue: mail and reminders leave the request path when REDIS_URL is set.

Without REDIS_URL tasks run eagerly in the calling process, so `make run` needs nothing
but Python.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("mediacampus")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["accounts", "booking", "events"])
