"""A production-shaped cluster on this machine, sharing the test database and Redis.

Two gunicorn instances (2 workers each) run the project as production does: DEBUG=0, static
files collected into a manifest, secure cookies, TLS terminated by a "load balancer" (the
tests send `X-Forwarded-Proto: https`), cache, sessions and the mail queue in Redis. Tests
write their data with `transactional_db` (committed, so the instances see it) and talk HTTP.

Ports come from CLUSTER_PORTS (default 8600-8699); Redis is TEST_REDIS_URL (tests/conftest.py).
"""

import hashlib
import os
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import redis
import requests
from django.db import connection

from tests.conftest import TEST_REDIS_URL, database_url

ROOT = Path(__file__).resolve().parents[2]
START_SECONDS = 90


def port_range() -> range:
    first, last = os.environ.get("CLUSTER_PORTS", "8600-8699").split("-")
    return range(int(first), int(last) + 1)


def free_ports(count: int) -> list[int]:
    """The first `count` ports of the range nothing listens on."""
    found = []
    for port in port_range():
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                found.append(port)
        if len(found) == count:
            return found
    raise RuntimeError(f"no {count} free ports in {os.environ.get('CLUSTER_PORTS')}")


def production_environment(**overrides: str) -> dict:
    """The variables a production app server gets, as docs/deploy.md lists them."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "EMAIL_URL", "CELERY_QUEUE", "DEBUG"}
    }
    environment.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="0",
        SECRET_KEY="cluster-test-" + "k" * 50,
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        LOG_FORMAT="json",
        LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
    )
    environment.update(overrides)
    return environment


def collect_static(static_root: Path) -> None:
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=production_environment(STATIC_ROOT=str(static_root)),
        check=True,
        timeout=300,
    )


def static_fingerprint() -> str:
    """What collectstatic's output depends on: our static files and the pinned packages."""
    digest = hashlib.sha256()
    sources = [
        ROOT / "requirements" / "base.lock",
        *ROOT.glob("static/**/*"),
        *ROOT.glob("*/static/**/*"),
    ]
    for path in sorted(p for p in sources if p.is_file() and ".venv" not in p.parts):
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def wait_healthy(url: str, process: subprocess.Popen, log: Path, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited:\n{log.read_text()[-4000:]}")
        try:
            if requests.get(f"{url}/healthz", timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} not healthy after {seconds} s:\n{log.read_text()[-4000:]}")


def stop(process: subprocess.Popen) -> None:
    """SIGTERM is gunicorn's graceful stop; its workers close their database connections."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@dataclass
class Instance:
    url: str
    origin: str
    process: subprocess.Popen
    log: Path

    def log_text(self) -> str:
        return self.log.read_text()


@dataclass
class Cluster:
    instances: list[Instance]
    environment: dict
    outbox: Path
    queue: str
    logs: Path
    workers: list[subprocess.Popen] = field(default_factory=list)

    def start_instance(self, port: int, **overrides: str) -> Instance:
        log = self.logs / f"gunicorn-{port}-{uuid.uuid4().hex[:6]}.log"
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py", "config.wsgi"],
            cwd=ROOT,
            env={
                **self.environment,
                "BIND": f"127.0.0.1:{port}",
                "WEB_CONCURRENCY": "2",
                "GUNICORN_THREADS": "4",
                **overrides,
            },
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        return Instance(f"http://127.0.0.1:{port}", f"https://127.0.0.1:{port}", process, log)

    def start_mail_worker(self) -> subprocess.Popen:
        log = self.logs / f"worker-{len(self.workers)}.log"
        worker = subprocess.Popen(
            [
                *(sys.executable, "-m", "celery", "-A", "config", "worker"),
                *("-Q", self.queue, "--pool", "solo", "--without-gossip", "--without-mingle"),
                *("-l", "WARNING"),
            ],
            cwd=ROOT,
            env=self.environment,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        self.workers.append(worker)
        return worker

    def forget_queued_work(self, *, finally_: bool = False) -> None:
        """Drop mail queued by earlier tests, and cached pages of flushed data.

        The queue's routing entries go only at the end: running instances rely on them.
        """
        client = redis.Redis.from_url(self.environment["REDIS_URL"])
        client.delete(self.queue)
        for key in client.scan_iter("mc:*"):
            client.delete(key)
        if finally_:
            client.delete(f"_kombu.binding.{self.queue}", f"_kombu.binding_permanent.{self.queue}")


@pytest.fixture(scope="session")
def static_root(request, tmp_path_factory) -> Path:
    """Collected once per set of static inputs: compressing them takes minutes on a busy box."""
    name = f"cluster-static-{static_fingerprint()}"
    cache = getattr(request.config, "cache", None)  # None under -p no:cacheprovider
    root = cache.mkdir(name) if cache is not None else tmp_path_factory.mktemp(name)
    done = root / ".collected"
    if not done.exists():
        collect_static(root)
        done.touch()
    return root


@pytest.fixture(scope="session")
def _cluster(django_db_setup, static_root, tmp_path_factory):
    """Two app servers on the test database; stopped before pytest-django drops it."""
    base = tmp_path_factory.mktemp("cluster")
    (base / "logs").mkdir()
    queue = f"cluster-test-{uuid.uuid4().hex}"
    cluster = Cluster(
        instances=[],
        environment=production_environment(
            DATABASE_URL=database_url(connection.settings_dict),
            REDIS_URL=TEST_REDIS_URL,
            CELERY_QUEUE=queue,
            EMAIL_URL=f"filemail://{base / 'outbox'}",
            STATIC_ROOT=str(static_root),
            MEDIA_ROOT=str(base / "media"),
            SITE_URL="https://127.0.0.1",
        ),
        outbox=base / "outbox",
        queue=queue,
        logs=base / "logs",
    )
    try:
        for port in free_ports(2):
            cluster.instances.append(cluster.start_instance(port))
        for instance in cluster.instances:
            wait_healthy(instance.url, instance.process, instance.log, START_SECONDS)
        yield cluster
    finally:
        for process in [*cluster.workers, *(i.process for i in cluster.instances)]:
            stop(process)
        cluster.forget_queued_work(finally_=True)


@pytest.fixture
def cluster(_cluster, transactional_db):
    _cluster.forget_queued_work()
    for delivered in _cluster.outbox.glob("*.log"):
        delivered.unlink()
    yield _cluster
    for worker in _cluster.workers:
        stop(worker)
    _cluster.workers.clear()


@pytest.fixture
def instances_without_redis(cluster):
    """A control: two one-worker instances on the same database, each with its own cache."""
    started = [
        cluster.start_instance(port, REDIS_URL="", WEB_CONCURRENCY="1") for port in free_ports(2)
    ]
    try:
        for instance in started:
            wait_healthy(instance.url, instance.process, instance.log, START_SECONDS)
        yield started
    finally:
        for instance in started:
            stop(instance.process)


class Browser:
    """One client behind the TLS-terminating proxy: keeps its cookies itself.

    The instances set Secure cookies (DEBUG=0), which an HTTP client never sends back over
    plain http://, so the Cookie header is built here and sent to whichever instance.
    """

    def __init__(self):
        self.http = requests.Session()
        self.cookies: dict[str, str] = {}

    def request(self, method: str, url: str, **kwargs) -> requests.Response:
        headers = {"X-Forwarded-Proto": "https", **kwargs.pop("headers", {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        response = self.http.request(
            method, url, headers=headers, allow_redirects=False, timeout=60, **kwargs
        )
        for cookie in response.cookies:
            self.cookies[cookie.name] = cookie.value
        self.http.cookies.clear()
        return response

    def get(self, url: str, **kwargs) -> requests.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs) -> requests.Response:
        return self.request("POST", url, **kwargs)

    def close(self) -> None:
        self.http.close()
