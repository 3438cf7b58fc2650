"""The PostgreSQL backend's health check (postgresql/base.py beside the settings) on a real
server: no round trip for a connection in steady use, and a connection the server dropped
is replaced before it can fail a request."""

import time
from typing import Any

import pytest
from django.db import connection, connections

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL (set DATABASE_URL)"
    ),
]


@pytest.fixture
def pings(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Each `SELECT 1` the health check sends, as the backend's pid it went to."""
    sent: list[int] = []
    is_usable = type(connections["default"]).is_usable

    def counted(self: Any) -> bool:
        sent.append(self.connection.info.backend_pid)
        return bool(is_usable(self))

    monkeypatch.setattr(type(connections["default"]), "is_usable", counted)
    return sent


def request_cycle() -> int:
    """What a request does: Django's checks at its start, one query, the checks at its end.
    Returns the pid of the server process that answered."""
    connection.close_if_unusable_or_obsolete()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    connection.close_if_unusable_or_obsolete()
    return int(pid)


def test_a_connection_in_steady_use_is_not_pinged(pings: list[int]) -> None:
    request_cycle()
    pings.clear()
    for _ in range(5):
        request_cycle()
    assert pings == []


def test_an_idle_connection_is_pinged(pings: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    request_cycle()
    pings.clear()
    monkeypatch.setattr(connections["default"], "last_used", time.monotonic() - 60)
    request_cycle()
    assert len(pings) == 1


def test_a_connection_the_server_dropped_is_replaced(pings: list[int]) -> None:
    before = request_cycle()
    pings.clear()
    # Another connection ends this one's server process, as a restart or an idle timeout
    # would, while the connection sits between requests.
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [before])
    finally:
        other.close()
    deadline = time.monotonic() + 5
    while not connection.server_has_spoken() and time.monotonic() < deadline:  # type: ignore[attr-defined]
        time.sleep(0.01)

    after = request_cycle()  # would raise, had the dead connection been used

    assert after != before
    assert pings == [before]
