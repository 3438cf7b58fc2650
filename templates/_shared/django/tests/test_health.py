from typing import Any

import pytest
from django.db import OperationalError, connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db


def test_ok_when_the_database_answers(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-cache" in response.headers["Cache-Control"]


def test_the_connection_health_check_is_the_probe_query(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Django pings a kept connection before a request's first query (CONN_HEALTH_CHECKS),
    # so the probe adds no query of its own; without that setting it asks itself.
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/healthz").status_code == 200
    assert len(queries) == 0

    monkeypatch.setitem(connection.settings_dict, "CONN_HEALTH_CHECKS", False)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/healthz").status_code == 200
    assert [query["sql"] for query in queries] == ["SELECT 1"]


def test_503_when_the_database_fails(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_cursor(self: BaseDatabaseWrapper, *args: Any, **kwargs: Any) -> Any:
        raise OperationalError("connection refused")

    monkeypatch.setattr(BaseDatabaseWrapper, "cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unreachable"}


def test_liveness_does_not_touch_the_database(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_cursor(self: BaseDatabaseWrapper, *args: Any, **kwargs: Any) -> Any:
        raise OperationalError("connection refused")

    monkeypatch.setattr(BaseDatabaseWrapper, "cursor", broken_cursor)
    response = client.get("/livez")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response.headers["Cache-Control"]


@pytest.mark.parametrize("path", ["/livez", "/healthz"])
def test_only_reads_are_allowed(client: Client, path: str) -> None:
    assert client.post(path).status_code == 405


@override_settings(SECURE_SSL_REDIRECT=True)
def test_probes_are_exempt_from_the_https_redirect(client: Client) -> None:
    assert client.get("/").status_code == 301
    assert client.get("/livez").status_code == 200
    assert client.get("/healthz").status_code == 200


@override_settings(ALLOWED_HOSTS=["example.com"])
def test_probes_answer_whatever_host_an_orchestrator_sends(client: Client) -> None:
    assert client.get("/", HTTP_HOST="10.0.0.7").status_code == 400
    assert client.get("/livez", HTTP_HOST="10.0.0.7").status_code == 200
    assert client.get("/healthz", HTTP_HOST="10.0.0.7").status_code == 200


def test_probes_are_answered_before_the_other_middleware(client: Client) -> None:
    assert "X-Frame-Options" in client.get("/").headers
    assert "X-Frame-Options" not in client.get("/livez").headers


def test_other_paths_still_reach_the_routes(client: Client) -> None:
    assert client.get("/livez/").status_code == 404
    assert client.get("/healthz/extra").status_code == 404


def test_pages_send_a_content_security_policy(client: Client) -> None:
    policy = client.get("/").headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "unsafe-inline" not in policy
