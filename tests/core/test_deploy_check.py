import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args, **env):
    environment = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY"}}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_clean_with_production_settings():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY="a-long-random-production-secret-" + "x7Qp2vL9sR4tW8yZ" * 3,
        ALLOWED_HOSTS="booking.mediacampus.nl",
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_secret():
    result = run_manage("check", DEBUG="0")

    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr


def test_seed_demo_refused_in_production():
    result = run_manage(
        "seed_demo",
        DEBUG="0",
        SECRET_KEY="a-long-random-production-secret-" + "x7Qp2vL9sR4tW8yZ" * 3,
    )

    assert result.returncode != 0
    assert "refused when DEBUG=0" in result.stderr
