"""The no-overlap rule as a PostgreSQL exclusion constraint that SQLite leaves out.

One migration history serves both databases. SQLite has no exclusion constraints, so there
the constraint produces no SQL and never validates; the services serialise writers instead
(SQLite's IMMEDIATE transactions, see config/settings.py) and check overlap themselves.
The migration state is the same on both, so `makemigrations --check` stays quiet.
"""

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.operations.base import Operation
from django.db.models import Func


class TsTzRange(Func):
    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


class PostgresOnlyExclusionConstraint(ExclusionConstraint):
    @staticmethod
    def _on_postgres(schema_editor) -> bool:
        return schema_editor.connection.vendor == "postgresql"

    def constraint_sql(self, model, schema_editor):
        if not self._on_postgres(schema_editor):
            return None
        return super().constraint_sql(model, schema_editor)

    def create_sql(self, model, schema_editor):
        if not self._on_postgres(schema_editor):
            return None
        return super().create_sql(model, schema_editor)

    def remove_sql(self, model, schema_editor):
        if not self._on_postgres(schema_editor):
            return None
        return super().remove_sql(model, schema_editor)

    def validate(self, model, instance, exclude=None, using=DEFAULT_DB_ALIAS):
        # Model validation (admin forms) would run range lookups SQLite cannot parse; the
        # booking services check overlap themselves on every database.
        if connections[using].vendor != "postgresql":
            return
        super().validate(model, instance, exclude=exclude, using=using)


class PostgresOnlySQL(Operation):
    """Raw SQL that runs on PostgreSQL only and leaves the migration state alone.

    For what the model state has no words for (a GiST index over an expression range) and
    SQLite has no use for.
    """

    reduces_to_sql = False
    reversible = True

    def __init__(self, sql: str, reverse_sql: str):
        self.sql, self.reverse_sql = sql, reverse_sql

    def deconstruct(self):
        return self.__class__.__qualname__, [], {"sql": self.sql, "reverse_sql": self.reverse_sql}

    def state_forwards(self, app_label, state):
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(self.sql)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(self.reverse_sql)

    def describe(self):
        return "PostgreSQL-only SQL"
