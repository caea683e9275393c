"""A test database per mutmut child, so `make mutation` can test two mutants at once.

mutmut forks one child per mutant from its main process and tells the child only the
mutant's name (`MUTANT_UNDER_TEST`), no worker number (boxed/mutmut#474). Two children on
one test database see each other's rows, and transactional tests flush the tables under the
other child: clean mutants would be reported killed. So each child takes the first free
slot (a file lock, released by the kernel however the child ends, a timeout's SIGKILL
included) and runs on that slot's copy of the test database.

Every copy is made from a pristine database: the test database exactly as `migrate` left it,
taken once per `mutmut run` before any test ran. A flush (the end of every transactional
test) empties the tables of what data migrations put there (the role groups, the site), and
only `post_migrate` receivers put their rows back; tests that read a migration's rows would
fail on a flushed database, and kill clean mutants. mutmut's own sessions in the main process
(stats, the clean run, the forced failure) each start from the pristine database too, as
`--reuse-db` would otherwise hand each the previous session's flushed tables.

`CREATE DATABASE ... TEMPLATE` copies a database in a fraction of a second, where migrating
takes far longer. A slot keeps its copy for the next child as long as no test flushed it,
and makes a new one when a new run starts, after a flush, or when the child before it did
not finish its session (a timed-out test may have left committed rows).
"""

from __future__ import annotations

import fcntl
import os
import tempfile
from pathlib import Path

from django.db import connection
from django.db.models.signals import post_migrate

# A commit of a throwaway copy need not wait for its WAL to reach the disk: a crash may lose
# the last commits of a database that is remade anyway. Applies to connections opened after.
_NO_COMMIT_WAIT = 'ALTER DATABASE "{database}" SET synchronous_commit TO off'

# Written into the slot's lock file by a child whose session ended normally and unflushed.
_CLEAN_END = "clean end of run {run}"


def under_mutmut() -> bool:
    """In one of mutmut's sessions: its main process's or a mutant's child's."""
    return "MUTANT_UNDER_TEST" in os.environ


def running_a_mutant() -> bool:
    # mutmut also sets the variable for its own runs (the clean run, stats, the forced
    # failure); those run one at a time in the main process.
    return "__mutmut_" in os.environ.get("MUTANT_UNDER_TEST", "")


def pristine_name(test_database: str) -> str:
    return f"{test_database}_pristine"


class Pristine:
    """The test database as migrated, kept aside for the run of mutmut's main process."""

    def __init__(self, test_database: str) -> None:
        self.test_database = test_database
        self.name = pristine_name(test_database)
        self.mark = f"mutmut run {os.getpid()}"

    def _is_of_this_run(self, cursor) -> bool:
        cursor.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            [self.name],
        )
        row = cursor.fetchone()
        return row is not None and row[0] == self.mark

    def restore(self) -> bool:
        """Make the test database a fresh copy of this run's pristine one, if there is one;
        else drop it, so that the session's set-up migrates it from scratch."""
        with connection._nodb_cursor() as cursor:
            kept = self._is_of_this_run(cursor)
            cursor.execute(f'DROP DATABASE IF EXISTS "{self.test_database}"')
            if kept:
                cursor.execute(f'CREATE DATABASE "{self.test_database}" TEMPLATE "{self.name}"')
                cursor.execute(_NO_COMMIT_WAIT.format(database=self.test_database))
        return kept

    def keep(self) -> None:
        """Copy the freshly migrated test database aside, before any test ran on it."""
        connection.close()
        with connection._nodb_cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{self.name}"')
            cursor.execute(f'CREATE DATABASE "{self.name}" TEMPLATE "{self.test_database}"')
            cursor.execute(f"COMMENT ON DATABASE \"{self.name}\" IS '{self.mark}'")
            cursor.execute(_NO_COMMIT_WAIT.format(database=self.test_database))


class Slot:
    """The lock and the database copy one mutmut child holds for its whole life."""

    def __init__(self, test_database: str) -> None:
        self.template = pristine_name(test_database)
        # The children of one `mutmut run` share their parent; a new run makes new copies.
        self.run = os.getppid()
        self.lock_file = self._take_free_slot()
        self.database = f"{test_database}_mutant{self.number}"
        self.flushed = False

    def _take_free_slot(self):
        directory = Path(tempfile.gettempdir())
        number = 0
        while True:
            lock_file = (directory / f"mutmut-{self.template}-slot-{number}.lock").open("a+")
            try:
                fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                lock_file.close()
                number += 1
                continue
            self.number = number
            return lock_file

    def _previous_end(self) -> str:
        self.lock_file.seek(0)
        return self.lock_file.read()

    def _mark(self, text: str) -> None:
        self.lock_file.seek(0)
        self.lock_file.truncate()
        self.lock_file.write(text)
        self.lock_file.flush()

    def _note_flush(self, **kwargs) -> None:
        # A flush ends with post_migrate (Django's flush command), after emptying every table.
        self.flushed = True

    def prepare(self) -> None:
        """Copy the pristine database into this slot unless the copy is fresh and clean."""
        if self._previous_end() != _CLEAN_END.format(run=self.run):
            with connection._nodb_cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{self.database}"')
                cursor.execute(f'CREATE DATABASE "{self.database}" TEMPLATE "{self.template}"')
                cursor.execute(_NO_COMMIT_WAIT.format(database=self.database))
        self._mark("in use")
        post_migrate.connect(self._note_flush, dispatch_uid="mutation_databases.flush")

    def release(self) -> None:
        post_migrate.disconnect(dispatch_uid="mutation_databases.flush")
        self._mark("flushed" if self.flushed else _CLEAN_END.format(run=self.run))
        self.lock_file.close()
