"""The fastest tests first for each mutant, so `make mutation` fits its 15 minutes.

mutmut runs a mutant's tests with `-x`: the mutant is killed by the first test that fails,
and the tests after it never run. Most mutants are killed. mutmut hands pytest their tests
sorted by the time of each test's body alone, and pytest-django sorts them again: database
tests, then transactional ones, then the tests without a database (the quickest) last. So a
mutant of a widely used function, such as `_send_batch`, often waited for slow transactional
tests before reaching a quick one that fails.

mutmut's stats session (the first one, which runs every test once to learn which functions
each test reaches) records what every test took here, set-up and tear-down included (mutmut's
own figure is the test's body alone, and a test's fixtures are often most of its time). Each
mutant's child then runs its tests in that order, cheapest first. A transactional test
counts for more than it took: its flush makes the next mutant's child copy the test database
again (tests/mutation_databases.py).

mutmut tests the mutants of one function one after another (they share the estimate it sorts
by), and a test that fails on one mutant of a function often fails on the next. So each child
notes which test killed its mutant, and the next mutants of that function try the tests that
killed most of its mutants so far first, then the rest, cheapest first.

Before any test runs, pytest makes an item of every test in each module named, not only of
those asked for; a child makes items only of its mutant's tests.
"""

from __future__ import annotations

import json
import math
import os
from collections import Counter, defaultdict
from pathlib import Path

import pytest

# In mutants/, the working directory of every mutmut session; a later run that reuses
# mutmut's stats reuses these too.
DURATIONS_FILE = Path("test-durations.json")
# One line per killed mutant: its function, a tab, the test that failed first.
KILLS_FILE = Path("mutant-kills.tsv")

# What a child pays for a flushed slot: a fresh copy of the test database (CREATE DATABASE
# ... TEMPLATE, about half a second here) before its first test.
FLUSH_PENALTY_SECONDS = 0.5


def collecting_stats() -> bool:
    return os.environ.get("MUTANT_UNDER_TEST") == "stats"


def is_transactional(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("django_db")
    if marker is not None and (
        marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")
    ):
        return True
    fixtures = getattr(item, "fixturenames", ())
    return "transactional_db" in fixtures or "live_server" in fixtures


class RecordDurations:
    """In mutmut's stats session: what each test took, from set-up to tear-down."""

    def __init__(self) -> None:
        self.seconds_by_test: defaultdict[str, float] = defaultdict(float)
        self.first_set_up = False

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "setup" and not self.first_set_up:
            # The first test's set-up also sets up the session (the test database).
            self.first_set_up = True
            self.seconds_by_test[report.nodeid] += 0.0
            return
        self.seconds_by_test[report.nodeid] += report.duration

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        DURATIONS_FILE.write_text(json.dumps(self.seconds_by_test, indent=0, sort_keys=True))


def function_of(mutant: str) -> str:
    return mutant.rpartition("__mutmut_")[0]


class KillersFirst:
    """In a mutant's child: first the tests that killed other mutants of its function (the
    most kills first), then the rest, cheapest first; and which test killed this one."""

    def __init__(self, seconds_by_test: dict[str, float], mutant: str, tests: list[str]) -> None:
        self.seconds_by_test = seconds_by_test
        self.function = function_of(mutant)
        self.kills = Counter(self._killers_so_far())
        self.killed = False
        # (module, name) of each test mutmut asked for, a class's name for a test in it.
        self.wanted = {
            tuple(test.split("[", 1)[0].split("::", 2)[:2]) for test in tests if "::" in test
        }

    # First, so that pytest's own item maker never runs for what is left out.
    @pytest.hookimpl(tryfirst=True)
    def pytest_pycollect_makeitem(self, collector, name: str, obj) -> list | None:
        """Make no item of a module's other tests. Given a test's id, pytest still makes an
        item of every test in its module, each with its fixtures worked out, and only then
        keeps the one asked for: for a function that tests in thirty modules reach, most of
        a mutant's time."""
        if isinstance(collector, pytest.Module) and (collector.nodeid, name) not in self.wanted:
            return []
        return None

    def _killers_so_far(self) -> list[str]:
        try:
            lines = KILLS_FILE.read_text().splitlines()
        except FileNotFoundError:
            return []
        return [
            test
            for function, _tab, test in (line.partition("\t") for line in lines)
            if function == self.function
        ]

    def cost(self, item: pytest.Item) -> float:
        # A test the stats did not time (none should be missing) goes last.
        seconds = self.seconds_by_test.get(item.nodeid, math.inf)
        return seconds + (FLUSH_PENALTY_SECONDS if is_transactional(item) else 0.0)

    # After pytest-django's own sort, which this one replaces.
    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        items.sort(key=lambda item: (-self.kills[item.nodeid], self.cost(item)))

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.failed and not self.killed:
            self.killed = True
            # One short line appended in one write: the two children's lines do not mix.
            with KILLS_FILE.open("a") as kills:
                kills.write(f"{self.function}\t{report.nodeid}\n")


def plugin_for_this_session(running_a_mutant: bool, args: list[str]) -> object | None:
    if collecting_stats():
        return RecordDurations()
    if running_a_mutant:
        try:
            seconds_by_test = json.loads(DURATIONS_FILE.read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            seconds_by_test = {}
        return KillersFirst(seconds_by_test, os.environ["MUTANT_UNDER_TEST"], args)
    return None
