"""A test database per mutmut child, so `make mutation` can test two mutants at once.

mutmut forks one child per mutant from its main process and tells the child only the
mutant's name (`MUTANT_UNDER_TEST`), no worker number (boxed/mutmut#474). Two children on
one test database see each other's rows, and transactional tests flush the tables under the
other child: clean mutants would be reported killed. So each child takes the first free
slot (a file lock, released by the kernel however the child ends, a timeout's SIGKILL
included) and runs on that slot's copy of the test database.

The copy is made with `CREATE DATABASE ... TEMPLATE`, a file copy of the test database the
clean run in mutmut's main process has just migrated: well under a second, where migrating
takes far longer. A slot keeps its copy for the rest of the run (tests leave no rows
behind), and makes a new one when a new run starts or when the child before it did not
finish its session (a timed-out test may have left committed rows).
"""

from __future__ import annotations

import fcntl
import os
import tempfile
from pathlib import Path

from django.db import connection

# Written into the slot's lock file by a child whose session ended normally.
_CLEAN_END = "clean end of run {run}"


def running_a_mutant() -> bool:
    # mutmut also sets the variable for its own runs (the clean run, stats, the forced
    # failure); those run one at a time in the main process, on the usual test database.
    return "__mutmut_" in os.environ.get("MUTANT_UNDER_TEST", "")


class Slot:
    """The lock and the database copy one mutmut child holds for its whole life."""

    def __init__(self, template: str) -> None:
        self.template = template
        # The children of one `mutmut run` share their parent; a new run makes new copies.
        self.run = os.getppid()
        self.lock_file = self._take_free_slot()
        self.database = f"{template}_mutant{self.number}"

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

    def prepare(self) -> None:
        """Copy the test database into this slot unless the copy is fresh and clean."""
        if self._previous_end() != _CLEAN_END.format(run=self.run):
            with connection._nodb_cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{self.database}"')
                cursor.execute(f'CREATE DATABASE "{self.database}" TEMPLATE "{self.template}"')
        self._mark("in use")

    def release(self) -> None:
        self._mark(_CLEAN_END.format(run=self.run))
        self.lock_file.close()
