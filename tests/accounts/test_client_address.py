"""Rate limits key on the client's address as the trusted load balancer saw it.

Every request here arrives from the load balancer (REMOTE_ADDR 10.0.0.1), which appends the
address it received from to X-Forwarded-For, as a real one does.
"""

import pytest
from allauth.account.models import EmailAddress

from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

BALANCER = "10.0.0.1"


@pytest.fixture(autouse=True)
def _one_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1


def via_balancer(client_address: str, spoofed: str = "") -> dict:
    forwarded = f"{spoofed}, {client_address}" if spoofed else client_address
    return {"REMOTE_ADDR": BALANCER, "HTTP_X_FORWARDED_FOR": forwarded}


def fail_sign_in_ten_times(client, client_address, *, spoof=False):
    for n in range(10):
        client.post(
            "/en/accounts/login/",
            {"login": f"guess{n}@example.org", "password": "x"},
            **via_balancer(client_address, f"198.51.100.{n}" if spoof else ""),
        )


def test_failed_sign_ins_of_one_client_do_not_block_another_behind_the_balancer(client):
    user = UserFactory(email="colleague@example.org")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    fail_sign_in_ten_times(client, "203.0.113.1")

    blocked = client.post(
        "/en/accounts/login/",
        {"login": "colleague@example.org", "password": DEFAULT_PASSWORD},
        **via_balancer("203.0.113.1"),
    )
    other = client.post(
        "/en/accounts/login/",
        {"login": "colleague@example.org", "password": DEFAULT_PASSWORD},
        **via_balancer("203.0.113.2"),
    )

    assert "Too many failed login attempts" in blocked.content.decode()
    assert other.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_spoofed_forwarded_for_does_not_escape_sign_in_limit(client):
    fail_sign_in_ten_times(client, "203.0.113.1", spoof=True)

    response = client.post(
        "/en/accounts/login/",
        {"login": "fresh@example.org", "password": "x"},
        **via_balancer("203.0.113.1", "198.51.100.99"),
    )

    assert response.status_code == 200
    assert "Too many failed login attempts" in response.content.decode()


def test_spoofed_forwarded_for_does_not_escape_token_throttle(api_client):
    # 60 a minute per address (settings); the body is invalid so only the throttle counts.
    for n in range(60):
        api_client.post(
            "/api/v1/auth/token/", {}, format="json", **via_balancer("203.0.113.1", f"1.2.3.{n}")
        )

    spoofed = api_client.post(
        "/api/v1/auth/token/", {}, format="json", **via_balancer("203.0.113.1", "1.2.3.200")
    )
    other = api_client.post("/api/v1/auth/token/", {}, format="json", **via_balancer("203.0.113.2"))

    assert spoofed.status_code == 429
    assert other.status_code == 400


def test_without_trusted_proxy_forwarded_for_is_ignored(client, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    for n in range(10):
        client.post(
            "/en/accounts/login/",
            {"login": f"guess{n}@example.org", "password": "x"},
            REMOTE_ADDR="203.0.113.1",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
        )

    response = client.post(
        "/en/accounts/login/",
        {"login": "fresh@example.org", "password": "x"},
        REMOTE_ADDR="203.0.113.1",
        HTTP_X_FORWARDED_FOR="198.51.100.77",
    )

    assert "Too many failed login attempts" in response.content.decode()
