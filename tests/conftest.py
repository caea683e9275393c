import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from django.db import DatabaseError, connection
from django.utils import translation
from rest_framework.test import APIClient

from tests import mutation_databases, mutation_order
from tests.factories import UserFactory

# The cluster tests run gunicorn, pg_dump and psql against a server as production has one;
# the embedded server of a first run (no DATABASE_URL) listens on no TCP port for them.
EXTERNAL_DATABASE = bool(os.environ.get("DATABASE_URL"))
CONFIGURED_DATABASE_NAME = connection.settings_dict["NAME"]


def database_url(settings_dict: dict) -> str:
    """DATABASE_URL for a subprocess (a worker, gunicorn) to reach this test database.

    The embedded server listens on a Unix socket: libpq takes its directory as `host`.
    """
    user = quote(settings_dict["USER"] or "", safe="")
    password = quote(settings_dict["PASSWORD"] or "", safe="")
    credentials = f"{user}:{password}@" if password else f"{user}@" if user else ""
    host = settings_dict["HOST"] or "127.0.0.1"
    port = settings_dict["PORT"] or "5432"
    if host.startswith("/"):
        return f"postgres://{credentials}:{port}/{settings_dict['NAME']}?host={quote(host)}"
    return f"postgres://{credentials}{host}:{port}/{settings_dict['NAME']}"


def redis_available() -> bool:
    try:
        return bool(redis.Redis.from_url(TEST_REDIS_URL, socket_timeout=1).ping())
    except redis.RedisError:
        return False


TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/14")


def pytest_configure(config):
    plugin = mutation_order.plugin_for_this_session(
        mutation_databases.running_a_mutant(), config.args
    )
    if plugin is not None:
        config.pluginmanager.register(plugin, "mutation_order")


def pytest_collection_modifyitems(config, items):
    if not redis_available():
        if os.environ.get("REQUIRE_REDIS") == "1":
            raise pytest.UsageError(f"REQUIRE_REDIS=1 but no Redis answers at {TEST_REDIS_URL}")
        skip_redis = pytest.mark.skip(reason=f"needs Redis at {TEST_REDIS_URL} (TEST_REDIS_URL)")
        for item in items:
            if "redis" in item.keywords:
                item.add_marker(skip_redis)
    if EXTERNAL_DATABASE:
        return
    skip_cluster = pytest.mark.skip(
        reason="the cluster tests need a PostgreSQL server: run them with "
        "DATABASE_URL=postgres://postgres@127.0.0.1:5432/test make test PYTEST_ARGS=tests/cluster"
    )
    for item in items:
        if "cluster" in item.keywords:
            item.add_marker(skip_cluster)


@pytest.fixture(scope="session")
def django_db_setup(request, django_db_blocker):
    """pytest-django's test database; under mutmut, a fresh copy of it as migrated.

    See tests/mutation_databases.py. A mutant's child takes its slot's copy, already
    migrated, and skips Django's test database setup altogether.
    """
    # mutmut runs several sessions in its main process and forks the children from it, and
    # pytest-django leaves a kept test database's name in the settings: the next session
    # would set up "test_test_...".
    connection.settings_dict["NAME"] = CONFIGURED_DATABASE_NAME
    test_database = connection.creation._get_test_db_name()
    if not mutation_databases.running_a_mutant():
        pristine = None
        if mutation_databases.under_mutmut():
            pristine = mutation_databases.Pristine(test_database)
            with django_db_blocker.unblock():
                if pristine.restore():
                    pristine = None
        request.getfixturevalue("django_db_setup")
        if pristine is not None:
            with django_db_blocker.unblock():
                pristine.keep()
        yield
        # mutmut forks the mutants' children from this process: none may share its connection.
        with django_db_blocker.unblock():
            connection.close()
        return
    slot = mutation_databases.Slot(test_database)
    with django_db_blocker.unblock():
        try:
            slot.prepare()
        except DatabaseError as error:
            # Failing tests would count the mutant as killed; mutmut reports this code as
            # "suspicious", so a broken copy cannot pass for a strong test suite.
            pytest.exit(f"no database for this mutant: {error}", returncode=35)
    connection.close()
    connection.settings_dict["NAME"] = slot.database
    yield
    with django_db_blocker.unblock():
        connection.close()
    slot.release()


@pytest.fixture(scope="session", autouse=True)
def _flush_by_delete():
    """Transactional tests end with a flush of every table; delete the rows instead of
    Django's TRUNCATE.

    TRUNCATE gives each of the ~45 tables and their indexes new files: ~0.15 s on a quiet
    machine and over a second while other databases write, where deleting the few rows a
    test leaves takes a few milliseconds. Every foreign key here is DEFERRABLE INITIALLY
    DEFERRED (Django's own), so the order of the deletes does not matter within the flush's
    transaction. A flush that resets sequences still truncates.

    Content types and permissions stay: they describe the models, not a test's data, and
    the flush's post_migrate would only create every one of them again (most of its cost).
    """
    from django.db.backends.postgresql.operations import DatabaseOperations

    truncate = DatabaseOperations.sql_flush
    MODEL_DESCRIPTIONS = {"django_content_type", "auth_permission"}

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if reset_sequences or not tables:
            return truncate(
                self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        return [
            " ".join(
                f"DELETE FROM {self.quote_name(table)};"
                for table in tables
                if table not in MODEL_DESCRIPTIONS
            )
        ]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DatabaseOperations, "sql_flush", sql_flush)
        yield


@pytest.fixture(autouse=True)
def _joins_allowed():
    """Start each test outside any eager task, as far as Celery knows.

    Running a task eagerly sets a process-wide "inside a task" flag and puts back the value
    it found. Two threads of a concurrency test doing so at once can leave it set for good,
    after which every `.delay().get()` raises "Never call result.get() within a task!" (seen
    in mutmut's clean run, which follows the stats run in the same process).
    """
    from celery._state import _set_task_join_will_block

    _set_task_join_will_block(False)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2 costs ~0.3 s per hash by design; tests make hundreds of users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def _media_base() -> Iterator[Path]:
    base = Path(tempfile.mkdtemp(prefix="mc-test-media-"))
    yield base
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(autouse=True)
def _media_root(_media_base, settings):
    # Uploaded photos of one test must not land in the checkout or leak into another test.
    # The folder is made only when a test saves a file (Django's storage makes it): most
    # tests save none, and pytest's tmp_path costs each a folder and, at the start of each
    # session, the removal of an old session's folders (under `make mutation`, per mutant).
    settings.MEDIA_ROOT = _media_base / uuid.uuid4().hex


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _tests_read_english(monkeypatch):
    """Assertions are written against the English source strings, as the code is.

    Dutch is the default for people, so without this every message a test checks would be
    Dutch: code outside a request runs in English here, and API clients ask for English
    (the API follows Accept-Language, config/locale.py). Pages keep the language of their
    URL (`/en/...`); tests/core/test_translations.py checks the Dutch, pages and API.
    """
    init = APIClient.__init__

    def english_api_client(self, *args, **defaults):
        defaults.setdefault("HTTP_ACCEPT_LANGUAGE", "en")
        init(self, *args, **defaults)

    monkeypatch.setattr(APIClient, "__init__", english_api_client)
    with translation.override("en"):
        yield


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def user_api(user):
    client = APIClient()
    client.force_authenticate(user)
    client.user = user
    return client


@pytest.fixture
def user_client(client, user):
    client.force_login(user)
    client.user = user
    return client


def pause_booking_statement(monkeypatch, *, lock: bool) -> None:
    """Make the booking's statement (booking.services.bookings) wait 0.3 s once it has
    taken its snapshot, a wide window between looking for what is in the way and
    inserting; `lock=False` leaves out the room lock taken before it, for controls."""
    from accounts.prepared import PreparedStatement
    from booking.services import bookings

    sql = bookings._INSERT_UNDER_ROOM_LOCK_TEXT
    condition = "NOT EXISTS (SELECT FROM in_the_way)"
    assert sql.count(condition) == 1
    assert "FOR UPDATE" in bookings._LOCK_ROOM
    paused = PreparedStatement(
        "mc_test_paused_booking",
        sql.replace(condition, f"{condition} AND (SELECT true FROM pg_sleep(0.3))"),
    )
    monkeypatch.setattr(bookings, "_INSERT_UNDER_ROOM_LOCK", paused)
    if not lock:
        monkeypatch.setattr(bookings, "_LOCK_ROOM", "")


@contextmanager
def constraint_dropped(model, name: str, *, cleanup) -> Iterator[None]:
    """Run a control without one of the database's guards (a transactional test only: the
    drop commits). `cleanup` removes what the control let in, so the guard can come back."""
    constraint = next(c for c in model._meta.constraints if c.name == name)
    with connection.schema_editor() as editor:
        editor.remove_constraint(model, constraint)
    try:
        yield
    finally:
        try:
            cleanup()
        finally:
            with connection.schema_editor() as editor:
                editor.add_constraint(model, constraint)
