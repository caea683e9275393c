import json
import logging

import pytest
from celery.worker.request import Request

from config.celery import app as celery_app
from config.logging import RequestIdFilter
from tests.conftest import TEST_REDIS_URL

pytestmark = pytest.mark.django_db


def test_request_log_has_id_user_route_status_duration(user_client, caplog):
    caplog.set_level(logging.INFO, logger="mediacampus.request")

    response = user_client.get("/my/", HTTP_X_REQUEST_ID="lb-1234")

    record = next(r for r in caplog.records if r.name == "mediacampus.request")
    assert response["X-Request-ID"] == "lb-1234"
    assert record.request_id == "lb-1234"
    assert record.user_id == user_client.user.pk
    assert (record.route, record.status, record.method) == ("/my/", 200, "GET")
    assert record.duration_ms > 0


def test_request_log_names_route_not_secret_path(client, caplog):
    caplog.set_level(logging.INFO, logger="mediacampus.request")
    secret = "42.f00dfeedf00dfeedf00dfeedf00dfeed"

    response = client.get(f"/feeds/me/{secret}.ics")

    record = next(r for r in caplog.records if r.name == "mediacampus.request")
    assert response.status_code == 404
    assert record.route == "/feeds/me/<str:token>.ics"
    assert record.getMessage() == "GET /feeds/me/<str:token>.ics 404"
    assert not any(secret in str(vars(r)) for r in caplog.records)


def test_server_error_log_names_route_not_secret_path(client, caplog, monkeypatch):
    def broken(token):
        raise RuntimeError("feed store unavailable")

    monkeypatch.setattr("events.feeds.user_for_feed_token", broken)
    client.raise_request_exception = False
    secret = "42.f00dfeedf00dfeedf00dfeedf00dfeed"

    response = client.get(f"/feeds/me/{secret}.ics")

    error = next(r for r in caplog.records if r.name == "django.request")
    assert response.status_code == 500
    assert error.getMessage() == "Internal Server Error: /feeds/me/<str:token>.ics"
    assert not any(secret in str(vars(r)) for r in caplog.records)


def test_request_log_route_of_api_router_reads_as_path(user_api, caplog):
    caplog.set_level(logging.INFO, logger="mediacampus.request")

    user_api.get("/api/v1/bookings/123456/")

    record = next(r for r in caplog.records if r.name == "mediacampus.request")
    assert record.route == "/api/v1/bookings/(?P<pk>[0-9]+)/"


def test_request_log_route_of_unmatched_path_is_dash(client, caplog):
    caplog.set_level(logging.INFO, logger="mediacampus.request")

    client.get("/no/such/page/with-a-key-abc123")

    record = next(r for r in caplog.records if r.name == "mediacampus.request")
    assert record.route == "-"
    assert not any("abc123" in str(vars(r)) for r in caplog.records)


def test_request_id_made_when_missing_or_malformed(client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="bad id with spaces\n")

    assert response["X-Request-ID"] != "bad id with spaces\n"
    assert len(response["X-Request-ID"]) == 32


def test_json_formatter_writes_one_object_a_line():
    from pythonjsonlogger.json import JsonFormatter

    formatter = JsonFormatter(
        "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
        rename_fields={"levelname": "level"},
    )
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "GET /", None, None)
    record.status = 200
    RequestIdFilter().filter(record)

    line = formatter.format(record)

    assert "\n" not in line
    assert json.loads(line)["status"] == 200
    assert json.loads(line)["level"] == "INFO"
    assert json.loads(line)["request_id"] == "-"


@pytest.mark.redis
def test_health_reports_redis_when_configured(client, settings):
    settings.REDIS_URL = TEST_REDIS_URL

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "redis": "ok"}


def test_health_503_when_redis_unreachable(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["redis"] == "unreachable"


@celery_app.task(name="tests.fails_with_secret_arguments")
def fails_with_secret_arguments(address: str, link: str) -> None:
    raise RuntimeError("relay refused the message")


def test_failed_task_log_carries_no_arguments(settings, caplog):
    """A worker logs a failed task with its arguments; they may be addresses and links."""
    celery_app.conf.CELERY_TASK_ALWAYS_EAGER = False
    try:
        fails_with_secret_arguments.apply_async(
            ("anna.secret@example.org", "/password/reset/key/abc"),
            queue=settings.CELERY_TASK_DEFAULT_QUEUE,
        )
        with celery_app.connection_for_read() as connection:
            message = connection.SimpleQueue(settings.CELERY_TASK_DEFAULT_QUEUE).get(timeout=5)
    finally:
        celery_app.conf.CELERY_TASK_ALWAYS_EAGER = True
    caplog.set_level(logging.INFO, logger="celery")

    # What a worker does with the message it received.
    Request(message, app=celery_app, task=celery_app.tasks[message.headers["task"]]).execute()

    failure = next(r for r in caplog.records if r.levelno == logging.ERROR)
    assert "relay refused the message" in failure.getMessage()
    assert failure.data["args"] == "(redacted)"
    assert not any("anna.secret" in str(vars(r)) for r in caplog.records)
    assert not any("password/reset/key" in str(vars(r)) for r in caplog.records)
