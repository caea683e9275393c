"""Account mail from allauth (address confirmation, password reset, notices) as outbox rows.

allauth renders and sends inside the request; `AccountAdapter.send_mail` instead owes the
mail with a JSON form of allauth's context (model instances as references, everything else
as text), and the worker renders it with allauth's own `render_mail`, in the language the
request had.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from django.apps import apps
from django.contrib.sites.shortcuts import get_current_site
from django.db import models
from django.http import HttpRequest
from django.utils import translation
from django.utils.dateparse import parse_datetime

from accounts import outbox
from accounts.models import OutboxMail

ACCOUNT = "account"


def owe_account_mail(*, template_prefix: str, email: str, context: dict) -> None:
    payload = {
        "template_prefix": template_prefix,
        "email": email,
        "context": {
            name: _to_json(value)
            for name, value in context.items()
            if not isinstance(value, HttpRequest)  # rebuilt from SITE_ID in the worker
        },
    }
    outbox.owe(ACCOUNT, [(payload, translation.get_language() or "")])


def _to_json(value):
    if isinstance(value, models.Model):
        return {"model": value._meta.label_lower, "pk": value.pk}
    if isinstance(value, datetime):
        return {"datetime": value.isoformat()}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)  # URLs, keys, lazy strings


def build_account_mail(rows: list[OutboxMail]) -> dict[int, object]:
    """allauth's message for each row; one query per model the batch refers to."""
    from allauth.account.adapter import get_adapter

    wanted: dict[str, set] = defaultdict(set)
    for row in rows:
        for value in row.payload["context"].values():
            if isinstance(value, dict) and "model" in value:
                wanted[value["model"]].add(value["pk"])
    loaded = {
        (label, obj.pk): obj
        for label, pks in wanted.items()
        for obj in apps.get_model(label).objects.filter(pk__in=pks)
    }
    site = get_current_site(None)
    adapter = get_adapter()
    messages = {}
    for row in rows:
        context = {"email": row.payload["email"], "current_site": site, "request": None}
        missing = False
        for name, value in row.payload["context"].items():
            if isinstance(value, dict) and "model" in value:
                value = loaded.get((value["model"], value["pk"]))
                missing = missing or value is None
            elif isinstance(value, dict) and "datetime" in value:
                value = parse_datetime(value["datetime"])
            context[name] = value
        if missing:  # the account was erased before its mail went out
            messages[row.pk] = None
            continue
        with outbox.in_language(row.language):
            messages[row.pk] = adapter.render_mail(
                row.payload["template_prefix"], row.payload["email"], context
            )
    return messages
