"""The benchmarks' throwaway databases on the machine's PostgreSQL (127.0.0.1, user postgres)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def psql(sql: str) -> None:
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c", sql, "postgres"], check=True
    )


def drop_database(name: str) -> None:
    # FORCE: a server that an interrupted run left behind may still be connected.
    psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def fresh_database(name: str, *commands: list[str]) -> None:
    """Make `name` anew, then run each `manage.py` command in this process's environment
    (whose DATABASE_URL names it)."""
    drop_database(name)
    psql(f"CREATE DATABASE {name}")
    for command in commands:
        subprocess.run(
            [sys.executable, "manage.py", *command], cwd=ROOT, env=os.environ, check=True
        )
