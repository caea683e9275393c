import json
import logging

import pytest

from config.logging import RequestIdFilter
from tests.conftest import TEST_REDIS_URL

pytestmark = pytest.mark.django_db


def test_request_log_has_id_user_path_status_duration(user_client, caplog):
    caplog.set_level(logging.INFO, logger="mediacampus.request")

    response = user_client.get("/my/", HTTP_X_REQUEST_ID="lb-1234")

    record = next(r for r in caplog.records if r.name == "mediacampus.request")
    assert response["X-Request-ID"] == "lb-1234"
    assert record.request_id == "lb-1234"
    assert record.user_id == user_client.user.pk
    assert (record.path, record.status, record.method) == ("/my/", 200, "GET")
    assert record.duration_ms > 0


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
