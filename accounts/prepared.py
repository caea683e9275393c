"""Statements PostgreSQL parses and plans once per connection instead of once per request.

The statements every booking pays for (the API token with its user, the room as a booking
reads it, the insert under the room lock) cost PostgreSQL more to plan than to run. Django's
cursors bind parameters on the client, which psycopg does not prepare, so these are prepared
in SQL: `PREPARE` once on each connection, sent on the raw connection (plumbing, like the
connection's time zone, so not counted as one of the request's queries), then
`EXECUTE name(...)` through Django's cursor, counted and logged like any query, with its
parameters bound as before. A prepared statement outlives a rolled-back transaction, so a
connection's set is remembered with the connection. This needs each client to have its own
server connection: behind a pooler in transaction mode, `PREPARED_STATEMENTS=0` sends the
statement's own SQL each time instead (docs/deploy.md).
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Iterable

from django.conf import settings
from django.db import connection

_PLACEHOLDER = re.compile(r"%\((\w+)\)s|%%|%s")

# The names prepared on each psycopg connection; a new connection starts with none.
_prepared_on: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


class PreparedStatement:
    """`sql` with named placeholders (`%(start)s`), run as a statement prepared per connection.

    Each parameter takes its type from where it first appears, so one that first appears in
    a select list needs a cast (`%(now)s::timestamptz`); an untyped one fails at `PREPARE`.
    """

    def __init__(self, name: str, sql: str):
        self.name = name
        self.sql = sql
        self.parameters: list[str] = []
        body = _PLACEHOLDER.sub(self._number, sql)
        self.prepare_sql = f"PREPARE {name} AS {body}"
        arguments = ", ".join(f"%({parameter})s" for parameter in self.parameters)
        self.execute_sql = f"EXECUTE {name}({arguments})" if arguments else f"EXECUTE {name}"

    def _number(self, match: re.Match) -> str:
        text = match.group(0)
        if text == "%%":
            return "%"
        if text == "%s":
            raise ValueError(f"{self.name}: name every parameter, %(name)s")
        parameter = match.group(1)
        if parameter not in self.parameters:
            self.parameters.append(parameter)
        return f"${self.parameters.index(parameter) + 1}"

    def execute(self, cursor, params: dict, *, first: str = "") -> None:
        """Run on `cursor` (Django's). `first`: SQL sent ahead of it in the same round trip,
        so one implicit transaction holds both (a lock to take before it)."""
        if not settings.PREPARED_STATEMENTS:
            cursor.execute(f"{first}{self.sql}", params)
            return
        db = cursor.db
        prepared = _prepared_on.setdefault(db.connection, set())
        if self.name not in prepared:
            with db.wrap_database_errors:
                db.connection.execute(self.prepare_sql)
            prepared.add(self.name)
        cursor.execute(f"{first}{self.execute_sql}", params)


def column_names(*fields_of: tuple[type, Iterable[str]]) -> dict[str, str]:
    """`{model}_{field}`: the field's column, quoted, for SQL written with the names taken
    from the models (`column_names((Room, ["capacity"]))` gives `room_capacity`)."""
    return {
        f"{model._meta.model_name}_{name}": connection.ops.quote_name(
            model._meta.get_field(name).column
        )
        for model, names in fields_of
        for name in names
    }
