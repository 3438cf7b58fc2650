"""A PostgreSQL server for the smoke checks: is it there, and a fresh database on it."""

from __future__ import annotations

import os
import secrets
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from scaffold.smoke.tools import ToolMissing, find_tool

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


@dataclass(frozen=True)
class Server:
    """Where the PostgreSQL checks run; `url` is None when they cannot, with the reason."""

    url: str | None
    reason: str = ""
    explicit: bool = False  # the user asked for this server with --postgres


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def redact(url: str) -> str:
    """The URL without its password, for reports."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def _psql(url: str, sql: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PGCONNECT_TIMEOUT="3")
    # libpq does not know SQLAlchemy-style schemes such as postgresql+psycopg://.
    scheme, rest = url.split("://", 1)
    libpq_url = "postgresql://" + rest if scheme.startswith("postgres") else url
    return subprocess.run(
        [str(find_tool("psql")), libpq_url, "-X", "-qAt", "-v", "ON_ERROR_STOP=1", "-c", sql],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        check=False,
    )


def probe(url: str | None) -> Server:
    """The server to use: `url` if given, else the default one; unreachable gives a reason."""
    explicit = url is not None
    target = url or DEFAULT_URL
    try:
        done = _psql(target, "SELECT 1", timeout=15)
    except ToolMissing as exc:
        return Server(None, f"no PostgreSQL client: {exc}", explicit)
    except (OSError, subprocess.SubprocessError) as exc:
        return Server(None, f"PostgreSQL at {redact(target)} is not reachable: {exc}", explicit)
    if done.returncode != 0:
        message = (done.stderr or done.stdout).strip().splitlines()
        detail = message[-1] if message else f"psql exited {done.returncode}"
        return Server(None, f"PostgreSQL at {redact(target)} is not reachable: {detail}", explicit)
    return Server(target, f"PostgreSQL at {redact(target)}", explicit)


@contextmanager
def fresh_database(server_url: str, label: str) -> Iterator[str]:
    """Create an empty database for one check, yield its URL, drop it afterwards."""
    safe = "".join(ch if ch.isalnum() else "_" for ch in label.lower())[:30]
    name = f"smoke_{safe}_{secrets.token_hex(4)}"
    done = _psql(server_url, f'CREATE DATABASE "{name}"')
    if done.returncode != 0:
        raise RuntimeError(f"cannot create database {name}: {(done.stderr or done.stdout).strip()}")
    try:
        yield with_database(server_url, name)
    finally:
        # WITH (FORCE) ends sessions a stopped server process may have left (PostgreSQL 13+).
        dropped = _psql(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if dropped.returncode != 0:
            _psql(server_url, f'DROP DATABASE IF EXISTS "{name}"')
