"""Generated services under load, each figure beside the conventional way of the same work.

    uv run python benchmarks/bench_services.py [-a django|fastapi|hybrid]...
        [--seconds 3] [--rounds 7] [--connections 32] [--contention-seconds 10]
        [--json PATH] [--markdown PATH]

For each architecture: render the working-tree template, install it (uv, warm cache),
start the Dockerfile's own command with one worker and production settings on
127.0.0.1 (PostgreSQL when the local server answers, else SQLite), and load it with
wrk (Debian package `wrk`) from a second process. The hybrid is measured on its API
service; its Django side is the Django template's code.

- light: the liveness probe (no database work);
- health: the readiness probe (one database round trip);
- read: the example resource's list for a signed-in user (20 rows);
- me: the signed-in user's own record (`/users/me`, FastAPI);
- login: the sign-in endpoint (Argon2 verification: slow by design; 4 connections,
  rounds of at least 5 s).

The baseline of each pair is the *conventional* app: the same work written the way a team
would write it with the framework's usual template, in this file, run by the same server
with the same flags (see CONVENTIONAL). Both servers run at once and are loaded in turns
(which goes first alternates), so machine noise hits both alike; each side's figure is
the median of its rounds, and the ratio the median of the rounds' ratios. With two or
more CPUs the servers share CPU 0 and wrk runs on CPU 1. The load average is read before
each batch and each pair. Sign-in rate limits are lifted for the run.

With PostgreSQL, two more passes:

- statements per request: each server is started again behind a counting proxy
  (StatementCounter: it reads the wire protocol, so it counts what the server is sent,
  health checks and transaction control included) and sent requests one at a time;
- contention (FastAPI signed-in reads): a CPU burner runs on the servers' CPU while wrk
  loads one side at a time with a 2 s timeout; reported: timeouts, the most database
  connections seen at once (pg_stat_activity, sampled every 0.1 s) and the connections
  opened (pg_stat_database.sessions) per 1,000 requests.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import os
import platform
import re
import secrets
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from scaffold.smoke import dockerfile  # noqa: E402
from scaffold.smoke.postgres import _psql, fresh_database, probe, with_database  # noqa: E402
from scaffold.smoke.serve import free_port, get, rebind  # noqa: E402
from scaffold.smoke.tools import clean_env, find_python, find_tool, stop_group  # noqa: E402

EMAIL, PASSWORD = "bench@example.com", "correct horse battery staple"
ROWS = 20
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
# Ratio goals (generated / conventional): each signed-in read at least 1.5x the
# conventional way of the same work, light endpoints as before; login has none: its cost
# is the password hash, which stays strong on purpose.
GOALS = {
    "django": {"light": 0.8, "health": 0.8, "read": 1.5},
    "fastapi": {"light": 0.8, "read": 1.5, "me": 1.5},
    "hybrid": {"light": 0.8, "read": 1.5, "me": 1.5},
}
# What each architecture's baseline is, as the reports say it.
CONVENTIONAL = {
    "django": "the conventional Django page written in the benchmark: `startproject`'s "
    "settings and middleware, a function view with `login_required`, the ORM and template "
    "files with the generated page's markup, signed in by the same session cookie; the "
    "same tables, run by the same server with the same flags",
    "fastapi": "the conventional FastAPI app written in the benchmark in the style of the "
    "official full-stack template: plain `def` endpoints and dependencies in the "
    "threadpool, a sync SQLModel session per request (psycopg, the default pool), the "
    "token decoded and its user read on every request; the same models, schemas and token "
    "checks, run by the same server with the same flags",
}
CONVENTIONAL["hybrid"] = CONVENTIONAL["fastapi"]
ENDPOINT_LABELS = {
    "light": "liveness",
    "health": "readiness (database ping)",
    "read": "signed-in list of 20 rows",
    "me": "signed-in user's own record",
    "login": "sign-in",
}
# The request wrk gives up on in the contention run, as the issue measured it.
CONTENTION_TIMEOUT = "2s"


@dataclass
class Load:
    name: str
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""

    @property
    def slow(self) -> bool:
        """Sign-in hashes a password per request: a few connections keep its latency
        meaningful, and longer rounds give it enough requests to count."""
        return self.name == "login"


@dataclass
class Figure:
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    errors: int  # non-2xx/3xx answers and socket errors, timeouts included
    timeouts: int = 0
    requests: int = 0


@dataclass
class Server:
    argv: list[str]
    cwd: Path
    env: dict[str, str]
    ready_path: str
    port: int = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass
class Service:
    """One architecture, installed and ready to serve: its server, the conventional one,
    the loads."""

    generated: Server
    conventional: Server
    loads: Callable[[str], list[Load]]  # base URL of the running generated server -> loads
    # The conventional side's loads, pair by pair; None: the same requests as `loads`.
    conventional_loads: list[Load] | None
    hash_cost_ms: float
    # Loads run again beside a CPU burner (PostgreSQL only).
    contention: tuple[str, ...] = ()


def sh(argv: list[str | Path], cwd: Path, env: dict[str, str], stdin: str = "") -> str:
    done = subprocess.run(
        [str(a) for a in argv], cwd=cwd, env=env, input=stdin, capture_output=True, text=True,
        check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"{argv[0]} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return done.stdout


def pinned(argv: list[str], cpu: int) -> list[str]:
    """Run `argv` on one CPU when the machine has two: the load and the server then do not
    trade places on the same core between rounds."""
    if (os.cpu_count() or 1) < 2 or shutil.which("taskset") is None:
        return argv
    return ["taskset", "-c", str(cpu), *argv]


def load_average() -> list[float]:
    return [round(value, 2) for value in os.getloadavg()]


def machine_description() -> dict[str, Any]:
    """What the figures were measured on."""
    cpu_model = platform.processor()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    memory_gib = 0.0
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_gib = round(int(line.split()[1]) / 1024**2, 1)
    return {
        "cpus": os.cpu_count(),
        "machine": platform.machine(),
        "cpu_model": cpu_model,
        "memory_gib": memory_gib,
        "python": platform.python_version(),
        "kernel": platform.release(),
    }


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def answer_status(url: str, load: Load) -> int:
    """One request as wrk will send it: a load that only gets errors or redirects is no load."""
    request = urllib.request.Request(
        url + load.path, data=load.body.encode() or None, method=load.method, headers=load.headers
    )
    try:
        with urllib.request.build_opener(_NoRedirect).open(request, timeout=30) as response:
            response.read()
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def wrk(
    url: str,
    load: Load,
    seconds: int,
    connections: int,
    scratch: Path,
    *,
    timeout: str = "30s",
    cpu: int = 1,
) -> Figure:
    if load.slow:
        seconds, connections = max(seconds, 5), min(connections, 4)
    script = scratch / f"{load.name}.lua"
    headers = "".join(f'wrk.headers["{k}"] = {json.dumps(v)}\n' for k, v in load.headers.items())
    body = json.dumps(load.body)
    script.write_text(f'wrk.method = "{load.method}"\nwrk.body = {body}\n{headers}')
    command = ["wrk", "--latency", "--timeout", timeout, "-t", "1", "-c", str(connections),
               "-d", f"{seconds}s", "-s", str(script), url + load.path]  # fmt: skip
    done = subprocess.run(pinned(command, cpu), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed on {load.path}: {done.stdout}{done.stderr}")
    return parse_wrk(done.stdout)


def parse_wrk(out: str) -> Figure:
    def latency(label: str) -> float:
        found = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.MULTILINE)
        if not found:
            return float("nan")
        value, unit = float(found.group(1)), found.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    total = re.search(r"(\d+) requests in", out)
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    socket_errors = re.search(r"Socket errors:.*", out)
    timeouts = re.search(r"timeout (\d+)", socket_errors.group(0)) if socket_errors else None
    errors = int(non_2xx.group(1)) if non_2xx else 0
    if socket_errors:
        errors += sum(int(n) for n in re.findall(r"\d+", socket_errors.group(0)))
    return Figure(
        float(rate.group(1)) if rate else 0.0,
        latency("50"),
        latency("99"),
        errors,
        timeouts=int(timeouts.group(1)) if timeouts else 0,
        requests=int(total.group(1)) if total else 0,
    )


def compare(
    generated: tuple[str, Load],
    conventional: tuple[str, Load],
    args: argparse.Namespace,
    scratch: Path,
) -> dict[str, object]:
    """Load both servers in turns; report each side's median round, and the median of
    the rounds' ratios (the two sides of a round run back to back, so a change in the
    machine's speed between rounds cancels out)."""
    for url, load in (generated, conventional):
        expected = (200, 302, 303) if load.method == "POST" else (200,)
        status = answer_status(url, load)
        if status not in expected:
            raise RuntimeError(f"{load.method} {url}{load.path} answered {status}, not {expected}")
        wrk(url, load, 1, args.connections, scratch)  # warm-up: caches, pools, first imports
    load_before = load_average()
    rounds: dict[str, list[Figure]] = {"generated": [], "conventional": []}
    sides = [("generated", generated), ("conventional", conventional)]
    for number in range(args.rounds):
        # Alternate which side goes first, so neither always follows the other.
        for side, (url, load) in sides if number % 2 == 0 else sides[::-1]:
            rounds[side].append(wrk(url, load, args.seconds, args.connections, scratch))
    medians = {}
    for side, figures in rounds.items():
        ordered = sorted(figures, key=lambda figure: figure.requests_per_s)
        medians[side] = ordered[len(ordered) // 2]
    ratio = statistics.median(
        mine.requests_per_s / (theirs.requests_per_s or float("nan"))
        for mine, theirs in zip(rounds["generated"], rounds["conventional"], strict=True)
    )
    return {
        "path": generated[1].path,
        "method": generated[1].method,
        "conventional_path": conventional[1].path,
        "load_before": load_before,
        "generated": asdict(medians["generated"]),
        "conventional": asdict(medians["conventional"]),
        "ratio": round(ratio, 3),
        "rounds_req_s": {side: [f.requests_per_s for f in figs] for side, figs in rounds.items()},
    }


@contextlib.contextmanager
def serving(server: Server) -> Iterator[None]:
    process = subprocess.Popen(
        pinned(server.argv, 0), cwd=server.cwd, env=server.env, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while get(server.base + server.ready_path, timeout=2).status != 200:
            if process.poll() is not None or time.monotonic() > deadline:
                stop_group(process, grace=5)
                errors = process.stderr.read() if process.stderr else ""
                raise RuntimeError(f"{server.argv[0]} did not become healthy:\n{errors[-3000:]}")
            time.sleep(0.3)
        yield
    finally:
        stop_group(process, grace=10)


# --- statements per request ------------------------------------------------------------------

SSL_REQUEST, GSSENC_REQUEST = 80877103, 80877104


class StatementCounter:
    """A PostgreSQL proxy on loopback that counts the statements its clients run.

    It reads the frontend side of the wire protocol: each simple Query ('Q') and each
    Execute ('E', traced back through its portal and prepared statement to the SQL) counts
    once, under the SQL's first word (SELECT, BEGIN, ROLLBACK, ...). Whatever the driver or
    framework, it sees what the database is sent, health checks and transaction control
    included. It refuses TLS (the client falls back to plain text), so use it on loopback
    only.

        with StatementCounter.for_url(database_url) as counter:
            proxied_url = counter.url(database_url)
            ... run requests through a server using proxied_url ...
            counts = counter.take()  # and start counting afresh
    """

    def __init__(self, host: str, port: int) -> None:
        self.upstream = (host, port)
        self.port = 0
        self._counts: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._thread: threading.Thread | None = None

    @classmethod
    def for_url(cls, database_url: str) -> StatementCounter:
        parts = urlsplit(database_url)
        return cls(parts.hostname or "127.0.0.1", parts.port or 5432)

    def __enter__(self) -> StatementCounter:
        ready = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(self._loop)
            server = self._loop.run_until_complete(
                asyncio.start_server(self._client, "127.0.0.1", 0)
            )
            self.port = server.sockets[0].getsockname()[1]
            ready.set()
            self._loop.run_forever()
            server.close()

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        ready.wait(10)
        return self

    def __exit__(self, *_exc: object) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(5)

    def url(self, database_url: str) -> str:
        """`database_url` through this proxy."""
        parts = urlsplit(database_url)
        user = parts.netloc.rpartition("@")[0]
        netloc = f"{user + '@' if user else ''}127.0.0.1:{self.port}"
        return urlunsplit(parts._replace(netloc=netloc))

    def take(self) -> Counter[str]:
        """The statements counted since the last call, by first word."""
        with self._lock:
            counts, self._counts = self._counts, Counter()
        return counts

    def _count(self, sql: bytes) -> None:
        words = sql.decode(errors="replace").split(None, 1)
        with self._lock:
            self._counts[words[0].upper().rstrip(";") if words else "?"] += 1

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        pump: asyncio.Task[None] | None = None
        try:
            upstream_reader, upstream = await asyncio.open_connection(*self.upstream)
        except OSError:
            writer.close()
            return
        try:
            while True:  # the start-up message has no type byte
                head = await reader.readexactly(8)
                length, code = struct.unpack("!ii", head)
                if code in (SSL_REQUEST, GSSENC_REQUEST):
                    writer.write(b"N")  # no encryption: the client goes on in plain text
                    await writer.drain()
                    continue
                upstream.write(head + await reader.readexactly(length - 8))
                break
            pump = asyncio.ensure_future(self._pipe(upstream_reader, writer))
            await self._frontend(reader, upstream)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            if pump is not None:
                pump.cancel()
            for stream in (upstream, writer):
                with contextlib.suppress(Exception):
                    stream.close()

    async def _frontend(self, reader: asyncio.StreamReader, upstream: asyncio.StreamWriter) -> None:
        statements: dict[bytes, bytes] = {}  # prepared statement name -> SQL
        portals: dict[bytes, bytes] = {}  # portal name -> prepared statement name
        while True:
            head = await reader.readexactly(5)
            kind, (length,) = head[:1], struct.unpack("!i", head[1:])
            body = await reader.readexactly(length - 4)
            if kind == b"Q":
                self._count(body.split(b"\0", 1)[0])
            elif kind == b"P":
                name, sql, _ = body.split(b"\0", 2)
                statements[name] = sql
            elif kind == b"B":
                portal, statement, _ = body.split(b"\0", 2)
                portals[portal] = statement
            elif kind == b"E":
                portal = body.split(b"\0", 1)[0]
                self._count(statements.get(portals.get(portal, b""), b"?"))
            upstream.write(head + body)
            await upstream.drain()

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, asyncio.CancelledError):
            while chunk := await reader.read(65536):
                writer.write(chunk)
                await writer.drain()
        with contextlib.suppress(Exception):
            writer.close()


def send(base: str, load: Load) -> int:
    return answer_status(base, load)


def statements_per_request(
    server: Server, loads: list[Load], counter: StatementCounter, requests: int = 20
) -> dict[str, dict[str, Any]]:
    """Start `server` again with its database behind `counter`, send each load's request
    `requests` times one after another (after two to warm up: connections opened,
    statements prepared), and return the statements per request, by first word."""
    url = server.env["DATABASE_URL"]
    port = free_port()
    proxied = dataclasses.replace(
        server,
        argv=rebind(server.argv, [server.port], port)[0],
        env=server.env | {"DATABASE_URL": counter.url(url)},
        port=port,
    )
    result: dict[str, dict[str, Any]] = {}
    with serving(proxied):
        for load in loads:
            count = 3 if load.slow else requests
            for _ in range(2):
                send(proxied.base, load)
            # What a request sends after its answer (a pool's reset on return) comes in
            # just after: wait for it at each end.
            time.sleep(0.3)
            counter.take()
            statuses = {send(proxied.base, load) for _ in range(count)}
            time.sleep(0.3)
            counts = counter.take()
            result[load.name] = {
                "total": round(sum(counts.values()) / count, 2),
                "by_kind": {kind: round(n / count, 2) for kind, n in counts.most_common()},
                "statuses": sorted(statuses),
            }
    return result


def format_statements(counted: dict[str, Any] | None) -> str:
    """`4 (SELECT 2, BEGIN 1, ROLLBACK 1)`; `—` when not counted."""
    if not counted:
        return "—"
    kinds = counted["by_kind"]
    detail = ", ".join(f"{kind} {n:g}" for kind, n in kinds.items())
    return f"{counted['total']:g}" + (f" ({detail})" if len(kinds) > 1 else "")


# --- contention ------------------------------------------------------------------------------


def database_sessions(admin_url: str, database: str) -> int:
    """Connections ever opened to `database` (PostgreSQL 14+)."""
    sql = f"SELECT sessions FROM pg_stat_database WHERE datname = '{database}'"
    done = _psql(admin_url, sql)
    return int(done.stdout.strip() or 0) if done.returncode == 0 else -1


@contextlib.contextmanager
def connection_sampler(admin_url: str, database: str) -> Iterator[list[int]]:
    """Sample how many client connections `database` has, every 0.1 s, on the load's CPU;
    the list fills in when the block ends."""
    samples: list[int] = []
    sql = (
        "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' "
        f"AND datname = '{database}' \\watch 0.1\n"
    )
    libpq = "postgresql://" + admin_url.split("://", 1)[1]
    process = subprocess.Popen(
        pinned([str(find_tool("psql")), libpq, "-X", "-qAt"], 1), stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    assert process.stdin is not None
    process.stdin.write(sql)
    process.stdin.flush()
    try:
        yield samples
    finally:
        process.send_signal(signal.SIGINT)  # ends \watch; psql exits at the end of its input
        try:
            out, _ = process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            out, _ = process.communicate()
        samples += [int(line) for line in out.split() if line.isdigit()]


@contextlib.contextmanager
def cpu_burner(cpu: int) -> Iterator[None]:
    """A process spinning on `cpu`: the contention of a busy host."""
    process = subprocess.Popen(
        pinned([sys.executable, "-c", "while True: pass"], cpu), start_new_session=True, text=True
    )
    try:
        yield
    finally:
        stop_group(process, grace=2)


def contention(
    url: str, load: Load, database_url: str, args: argparse.Namespace, scratch: Path
) -> dict[str, Any]:
    """`load` on one server beside a CPU burner on its CPU, with wrk's 2 s timeout: the
    requests that time out, and the database connections the server keeps and opens."""
    database = urlsplit(database_url).path.lstrip("/")
    admin = with_database(database_url, "postgres")
    time.sleep(1)  # let the last run's statistics reach pg_stat_database
    before = database_sessions(admin, database)
    load_before = load_average()
    with connection_sampler(admin, database) as samples, cpu_burner(0):
        figure = wrk(
            url, load, args.contention_seconds, args.connections, scratch,
            timeout=CONTENTION_TIMEOUT,
        )  # fmt: skip
    time.sleep(2)  # backends report their statistics when idle, within a second or so
    opened = database_sessions(admin, database) - before
    return {
        "load_before": load_before,
        "figure": asdict(figure),
        "max_connections": max(samples, default=0),
        "connections_opened": opened,
        "opened_per_1000_requests": round(opened * 1000 / figure.requests, 1)
        if figure.requests
        else None,
    }


# --- the servers -----------------------------------------------------------------------------


def image_command(project: Path, port: int) -> list[str]:
    """The Dockerfile's CMD on 127.0.0.1:`port`, from the project's virtual environment."""
    image = dockerfile.read_image_file(project / "Dockerfile")
    argv, _ = rebind(image.argv, sorted({*image.expose, 8000}), port)
    argv = [part.replace("0.0.0.0", "127.0.0.1") for part in argv]
    return [str(project / ".venv" / "bin" / argv[0]), *argv[1:]]


def conventional_command(argv: list[str], target: str) -> list[str]:
    """The same server and flags, serving the conventional app instead of the project's."""
    app = next(part for part in argv[1:] if not part.startswith("-") and "." in part)
    return [target if part == app else part for part in argv]


def install(architecture: str, root: Path, env: dict[str, str]) -> Path:
    from copier import run_copy

    project = root / architecture
    run_copy(
        str(REPO / "templates"), project, defaults=True, quiet=True,
        data={"architecture": architecture, "project_name": "Bench Shop"},
    )  # fmt: skip
    for directory in (project, project / "api"):
        if (directory / "pyproject.toml").exists():
            sh([find_tool("uv"), "sync", "--locked", "--quiet"], directory, env)
    return project


def hash_cost(python: Path, cwd: Path, env: dict[str, str], code: str) -> float:
    """Milliseconds for one verification with the project's own password hasher."""
    timing = f"import time\n{code}\nverify()\nt = time.perf_counter()\n"
    timing += "for _ in range(5): verify()\nprint((time.perf_counter() - t) / 5 * 1000)\n"
    return round(float(sh([python, "-c", timing], cwd, env).strip()), 1)


# --- FastAPI (and the hybrid's API) ----------------------------------------------------------

# The conventional FastAPI service, in the style of the official full-stack template (its
# deps.py, items and users routes, login): plain `def` endpoints and dependencies, which
# FastAPI runs in its threadpool, a sync SQLModel session per request on an engine with the
# default pool, the token decoded and its user read on every request. It uses the
# project's own models and response schemas, and checks the same token claims (type, the
# security stamp), so both sides do the same work and answer the same JSON.
FASTAPI_CONVENTIONAL = """
import hmac
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import jwt
from fastapi import Depends, FastAPI, HTTPException, status
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm
from redis import Redis
from sqlmodel import Session, create_engine, func, select

from {package}.models import User, {row}
from {package}.schemas.{page_module} import {page}
from {package}.schemas.{user_module} import UserPublic
from {package}.security import stamp_digest
from {package}.settings import Settings

settings = Settings()
SECRET = settings.secret_key.get_secret_value()
# The sync drivers: psycopg for PostgreSQL, sqlite3 for SQLite.
engine = create_engine(
    settings.database_url.replace("+asyncpg", "+psycopg").replace("+aiosqlite", "")
)
app = FastAPI()
reusable_oauth2 = OAuth2PasswordBearer(tokenUrl="{token_path}")
{verify_setup}

def get_db() -> Iterator[Session]:
    with Session(engine) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_db)]
TokenDep = Annotated[str, Depends(reusable_oauth2)]


def get_current_user(session: SessionDep, token: TokenDep) -> User:
    credentials = HTTPException(status.HTTP_403_FORBIDDEN, "Could not validate credentials")
    try:
        payload = jwt.decode(token, SECRET, algorithms=["HS256"])
    except jwt.InvalidTokenError:
        raise credentials from None
    if payload.get("type") != "access":
        raise credentials
    user = session.get(User, int(payload["sub"]))
    if not user:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "User not found")
    stamp = stamp_digest(user.security_stamp, secret=SECRET)
    if not hmac.compare_digest(str(payload.get("stamp")), stamp):
        raise credentials
    if not user.is_active:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "Inactive user")
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


@app.get("/api/v1/health/live")
async def live() -> dict[str, str]:
    return {{"status": "ok"}}


# With the worker, the readiness probe asks its queue too, as the generated one does.
queue = Redis.from_url(settings.redis_url) if getattr(settings, "redis_url", None) else None


@app.get("/api/v1/health")
def health(session: SessionDep) -> dict[str, str]:
    session.exec(select(1))
    if queue is not None:
        queue.ping()
    return {{"status": "ok", "database": "ok"}}


@app.get("/api/v1/{resource}", response_model={page})
def read_rows(
    session: SessionDep, current_user: CurrentUser, offset: int = 0, limit: int = 100
) -> Any:
    count_statement = (
        select(func.count()).select_from({row}).where({row}.owner_id == current_user.id)
    )
    count = session.exec(count_statement).one()
    statement = (
        select({row}).where({row}.owner_id == current_user.id)
        .order_by({order_by}).offset(offset).limit(limit)
    )
    rows = session.exec(statement).all()
    return {page}({field}=rows, total=count, limit=limit, offset=offset)


@app.get("/api/v1/users/me", response_model=UserPublic)
def read_user_me(current_user: CurrentUser) -> Any:
    return current_user


@app.post("{token_path}")
def login(
    session: SessionDep, form_data: Annotated[OAuth2PasswordRequestForm, Depends()]
) -> dict[str, str]:
    user = session.exec(select(User).where(User.email == form_data.username)).first()
    if not user or not verify(form_data.password, user.hashed_password):
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "Incorrect email or password")
    now = datetime.now(UTC)
    claims = {{
        "sub": str(user.id), "type": "access", "iat": now, "exp": now + timedelta(minutes=15),
        "stamp": stamp_digest(user.security_stamp, secret=SECRET),
    }}
    return {{"access_token": jwt.encode(claims, SECRET, algorithm="HS256"), "token_type": "bearer"}}
"""

PWDLIB_VERIFY = """
from pwdlib import PasswordHash

password_hash = PasswordHash.recommended()


def verify(password: str, stored: str) -> bool:
    return password_hash.verify(password, stored)
"""

DJANGO_ARGON2_VERIFY = """
from argon2 import PasswordHasher
from argon2.exceptions import VerificationError

hasher = PasswordHasher()


def verify(password: str, stored: str) -> bool:
    try:
        return hasher.verify(stored.removeprefix("argon2"), password)
    except VerificationError:
        return False
"""


def request_json(base: str, path: str, data: dict[str, str], headers: dict[str, str]) -> object:
    form = headers.get("Content-Type") == FORM["Content-Type"]
    body = urllib.parse.urlencode(data) if form else json.dumps(data)
    request = urllib.request.Request(
        base + path,
        data=body.encode(),
        method="POST",
        headers={"Content-Type": "application/json", **headers},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def api_loads(base: str, *, token_path: str, resource: str, make_rows: bool) -> list[Load]:
    """Sign in, create the rows if the API owns them, and describe the loads. The
    conventional app serves the same paths and takes the same token."""
    login = {"username": EMAIL, "password": PASSWORD}
    token = request_json(base, token_path, login, FORM)
    assert isinstance(token, dict)
    bearer = {"Authorization": f"Bearer {token['access_token']}"}
    if make_rows:  # the FastAPI template: the rows are made through the API
        for number in range(ROWS):
            item = {"title": f"Item {number}", "description": "x" * 80}
            request_json(base, f"/api/v1/{resource}", item, bearer)
    return [
        Load("light", "GET", "/api/v1/health/live"),
        Load("health", "GET", "/api/v1/health"),
        Load("read", "GET", f"/api/v1/{resource}?limit={ROWS}", bearer),
        Load("me", "GET", "/api/v1/users/me", bearer),
        Load("login", "POST", token_path, FORM, urllib.parse.urlencode(login)),
    ]


# Sign-in limits lifted for the run: the load signs in far more often than any person.
# Access tokens live their longest, so that the one signed in at the start lasts the run.
NO_SIGN_IN_LIMITS = {
    "SIGN_IN_ACCOUNT_FAILURES": "100000000",
    "SIGN_IN_CLIENT_FAILURES": "100000000",
    "ACCESS_TOKEN_MINUTES": "30",
    "API_ACCESS_TOKEN_MINUTES": "30",
}


def add_sync_driver(project: Path, env: dict[str, str]) -> None:
    """psycopg, the conventional app's PostgreSQL driver, into the project's environment."""
    python = project / ".venv/bin/python"
    sh([find_tool("uv"), "pip", "install", "--quiet", "--python", python, "psycopg[binary]"],
       project, env)  # fmt: skip


def prepare_fastapi(project: Path, env: dict[str, str], ports: tuple[int, int]) -> Service:
    env |= {"ENVIRONMENT": "production", **NO_SIGN_IN_LIMITS}
    sh([project / ".venv/bin/alembic", "upgrade", "heads"], project, env)
    # A confirmed account, as the project's own command makes one.
    cli = [project / ".venv/bin/python", "-m", "bench_shop.cli", "create-superuser", EMAIL]
    sh([*cli, "--password-stdin"], project, env, PASSWORD + "\n")
    add_sync_driver(project, env)
    (project / "bench_conventional.py").write_text(
        FASTAPI_CONVENTIONAL.format(
            package="bench_shop", row="Item", page_module="items", page="ItemsPage",
            field="items", user_module="users", order_by="Item.id", resource="items",
            token_path="/api/v1/auth/login", verify_setup=PWDLIB_VERIFY,
        )
    )  # fmt: skip
    argv, conventional_argv = (image_command(project, port) for port in ports)
    cost = hash_cost(
        project / ".venv/bin/python", project, env,
        "from bench_shop.passwords import password_hash\n"
        "stored = password_hash.hash('x' * 20)\n"
        "def verify(): password_hash.verify('x' * 20, stored)",
    )  # fmt: skip
    return Service(
        generated=Server(argv, project, env, "/api/v1/health", ports[0]),
        conventional=Server(
            conventional_command(conventional_argv, "bench_conventional:app"),
            project,
            env,
            "/api/v1/health",
            ports[1],
        ),
        loads=lambda base: api_loads(
            base, token_path="/api/v1/auth/login", resource="items", make_rows=True
        ),
        conventional_loads=None,
        hash_cost_ms=cost,
        contention=("read", "me"),
    )


def prepare_hybrid(project: Path, env: dict[str, str], ports: tuple[int, int]) -> Service:
    django_env = prepare_django_database(project, env)
    sh([project / ".venv/bin/python", "manage.py", "shell"], project, django_env, DJANGO_SEED)
    api = project / "api"
    env |= {"ENVIRONMENT": "production", "API_SECRET_KEY": secrets.token_urlsafe(50),
            **NO_SIGN_IN_LIMITS}  # fmt: skip
    add_sync_driver(api, env)
    (api / "bench_conventional.py").write_text(
        FASTAPI_CONVENTIONAL.format(
            package="api", row="Note", page_module="notes", page="NotesPage", field="notes",
            user_module="auth", order_by="Note.updated_at.desc(), Note.id.desc()",
            resource="notes", token_path="/api/v1/auth/token", verify_setup=DJANGO_ARGON2_VERIFY,
        )
    )  # fmt: skip
    argv, conventional_argv = (image_command(api, port) for port in ports)
    cost = hash_cost(
        api / ".venv/bin/python", api, env,
        "from api.passwords import verify_django_password\n"
        f"stored = {stored_django_hash(project, django_env)!r}\n"
        "def verify(): assert verify_django_password('x' * 20, stored)",
    )  # fmt: skip
    return Service(
        generated=Server(argv, api, env, "/api/v1/health", ports[0]),
        conventional=Server(
            conventional_command(conventional_argv, "bench_conventional:app"),
            api,
            env,
            "/api/v1/health",
            ports[1],
        ),
        loads=lambda base: api_loads(
            base, token_path="/api/v1/auth/token", resource="notes", make_rows=False
        ),
        conventional_loads=None,
        hash_cost_ms=cost,
        contention=("read", "me"),
    )


# --- Django ----------------------------------------------------------------------------------

# The conventional Django page: `startproject`'s settings (its middleware and context
# processors, translation on), a function view with `login_required`, the ORM, and template
# files with the generated page's markup. It uses the generated project's models (the same
# tables), its secret key (its session cookies open here) and Argon2 first, as Django's
# documentation recommends (else a sign-in would re-hash the password with PBKDF2).
DJANGO_CONVENTIONAL_SETTINGS = """
from pathlib import Path

import environ

env = environ.Env()
SECRET_KEY = env.str("SECRET_KEY")
DEBUG = False
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "accounts",
    "notes",
]
AUTH_USER_MODEL = "accounts.User"
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "bench_conventional_views"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [Path(__file__).parent / "bench_conventional_templates"],
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]
# Connections kept, as the generated project keeps them (Django's default closes each).
DATABASES = {"default": {**env.db("DATABASE_URL"), "CONN_MAX_AGE": 60}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
LOGIN_REDIRECT_URL = "notes:list"
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
"""

DJANGO_CONVENTIONAL_VIEWS = """
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import include, path

from notes.models import Note


def livez(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@login_required
def note_list(request: HttpRequest) -> HttpResponse:
    notes = Note.objects.filter(owner=request.user).order_by("-updated_at", "-id")[:20]
    return render(request, "notes/note_list.html", {"notes": notes})


def elsewhere(request: HttpRequest, pk: int = 0) -> HttpResponse:
    return HttpResponse()


notes_urls = [
    path("", note_list, name="list"),
    path("new/", elsewhere, name="create"),
    path("<int:pk>/edit/", elsewhere, name="edit"),
    path("<int:pk>/delete/", elsewhere, name="delete"),
]
urlpatterns = [
    path("livez", livez),
    path("healthz", healthz),
    path("", elsewhere, name="home"),
    path("notes/", include((notes_urls, "notes"))),
    path("accounts/login/", LoginView.as_view(), name="account_login"),
    path("accounts/email/", elsewhere, name="account_email"),
    path("accounts/2fa/", elsewhere, name="mfa_index"),
    path("accounts/logout/", elsewhere, name="account_logout"),
    path("accounts/signup/", elsewhere, name="account_signup"),
]
"""

# The generated page's markup: its layout (navigation, the sign-out form with its CSRF
# token, messages) and the same 20 rows, links, truncation and dates.
DJANGO_CONVENTIONAL_TEMPLATES = {
    "base.html": """{% load static %}<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{% block title %}{% endblock %} · Bench Shop</title>
  <link rel="stylesheet" href="{% static 'css/site.css' %}">
</head>
<body>
  <header class="site-header">
    <nav class="container nav">
      <a class="brand" href="{% url 'home' %}">Bench Shop</a>
      <ul class="nav-links">
        {% if user.is_authenticated %}
          <li><a href="{% url 'notes:list' %}">Notes</a></li>
          <li><a href="{% url 'account_email' %}">{{ user.email }}</a></li>
          <li><a href="{% url 'mfa_index' %}">Two-factor</a></li>
          <li>
            <form method="post" action="{% url 'account_logout' %}">
              {% csrf_token %}
              <button type="submit" class="link-button">Sign out</button>
            </form>
          </li>
        {% else %}
          <li><a href="{% url 'account_login' %}">Sign in</a></li>
          <li><a class="button" href="{% url 'account_signup' %}">Sign up</a></li>
        {% endif %}
      </ul>
    </nav>
  </header>
  <main class="container">
    {% if messages %}
      <ul class="messages">
        {% for message in messages %}
          <li class="message message-{{ message.tags }}">{{ message }}</li>
        {% endfor %}
      </ul>
    {% endif %}
    {% block content %}{% endblock %}
  </main>
  <footer class="container site-footer">Bench Shop</footer>
</body>
</html>
""",
    "notes/note_list.html": """{% extends "base.html" %}
{% block title %}Your notes{% endblock %}
{% block content %}
  <div class="toolbar">
    <h1>Your notes</h1>
    <a class="button" href="{% url 'notes:create' %}">New note</a>
  </div>
  <ul class="note-list">
    {% for note in notes %}
      <li class="card">
        <h2><a href="{% url 'notes:edit' note.pk %}">{{ note.title }}</a></h2>
        {% if note.body %}<p>{{ note.body|truncatewords:30 }}</p>{% endif %}
        <p class="meta">
          Updated {{ note.updated_at|date:"j M Y, H:i" }} ·
          <a href="{% url 'notes:delete' note.pk %}">Delete</a>
        </p>
      </li>
    {% empty %}
      <li class="card empty">No notes yet.</li>
    {% endfor %}
  </ul>
{% endblock %}
""",
    "registration/login.html": """{% extends "base.html" %}
{% block content %}<form method="post">{% csrf_token %}{{ form }}<button>Sign in</button></form>
{% endblock %}
""",
}

DJANGO_SEED = f'''
from allauth.account.models import EmailAddress
from accounts.models import User
from notes.models import Note

user = User.objects.create_user(email="{EMAIL}", password="{PASSWORD}")
EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
notes = (Note(owner=user, title=f"Note {{n}}", body="x " * 40) for n in range({ROWS}))
Note.objects.bulk_create(notes)
'''

# Production settings with allauth's sign-in rate limits lifted (its defaults allow 30
# sign-ins a minute from one address); everything else is the project's own.
DJANGO_BENCH_SETTINGS = """
from bench_shop.settings.production import *  # noqa: F403

ACCOUNT_RATE_LIMITS = False
"""

DJANGO_SESSION = f"""
from django.test import Client
from accounts.models import User

client = Client()
user = User.objects.get(email="{EMAIL}")
client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
print(client.cookies["sessionid"].value)
"""


def prepare_django_database(project: Path, env: dict[str, str]) -> dict[str, str]:
    """Production settings, migrated and with static files collected, as the image has."""
    django_env = env | {
        "DJANGO_SETTINGS_MODULE": "bench_shop.settings.production",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
    }
    for step in (["migrate", "--noinput"], ["collectstatic", "--noinput"]):
        sh([project / ".venv/bin/python", "manage.py", *step], project, django_env)
    return django_env


def stored_django_hash(project: Path, env: dict[str, str]) -> str:
    code = "from django.contrib.auth.hashers import make_password; print(make_password('x' * 20))"
    python = project / ".venv/bin/python"
    return sh([python, "manage.py", "shell", "-c", code], project, env).split()[-1]


def django_loads(base: str, session: str) -> list[Load]:
    """The loads of both Django sides, which serve the same paths. The CSRF cookie and
    token come from the generated sign-in page and open the conventional one too (the
    cookie holds the secret itself); the sign-in body names the address both ways
    (allauth's `login`, Django's `username`): each form ignores the other's field."""
    with urllib.request.urlopen(base + "/accounts/login/", timeout=30) as response:
        cookies = response.headers.get_all("Set-Cookie") or []
        page = response.read().decode()
    csrf_cookie = next(
        c.split(";")[0].split("=", 1)[1] for c in cookies if c.startswith("csrftoken=")
    )
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token is not None
    login_body = urllib.parse.urlencode(
        {"login": EMAIL, "username": EMAIL, "password": PASSWORD,
         "csrfmiddlewaretoken": token.group(1)}
    )  # fmt: skip
    return [
        Load("light", "GET", "/livez"),
        Load("health", "GET", "/healthz"),
        Load("read", "GET", "/notes/", {"Cookie": f"sessionid={session}"}),
        Load("login", "POST", "/accounts/login/", {**FORM, "Cookie": f"csrftoken={csrf_cookie}"},
             login_body),
    ]  # fmt: skip


def write_django_conventional(project: Path) -> None:
    (project / "bench_conventional.py").write_text(DJANGO_CONVENTIONAL_SETTINGS)
    (project / "bench_conventional_views.py").write_text(DJANGO_CONVENTIONAL_VIEWS)
    for name, text in DJANGO_CONVENTIONAL_TEMPLATES.items():
        path = project / "bench_conventional_templates" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def seed_django(project: Path, env: dict[str, str]) -> str:
    """Migrate and seed the project's database, write both sides' settings (the
    project's as `bench_settings`, the conventional page's) and return a signed-in
    session key. `env` gains the production settings' variables."""
    env |= prepare_django_database(project, env)
    python = project / ".venv/bin/python"
    sh([python, "manage.py", "shell"], project, env, DJANGO_SEED)
    write_django_conventional(project)
    (project / "bench_settings.py").write_text(DJANGO_BENCH_SETTINGS)
    return sh([python, "manage.py", "shell"], project, env, DJANGO_SESSION).split()[-1]


def prepare_django(project: Path, env: dict[str, str], ports: tuple[int, int]) -> Service:
    session = seed_django(project, env)
    python = project / ".venv/bin/python"
    argv, conventional_argv = (image_command(project, port) for port in ports)
    conventional_argv = conventional_command(
        conventional_argv, "django.core.wsgi:get_wsgi_application()"
    )
    stored = stored_django_hash(project, env)
    cost = hash_cost(
        python, project, env,
        "import django; django.setup()\n"
        "from django.contrib.auth.hashers import check_password\n"
        f"def verify(): assert check_password('x' * 20, {stored!r})",
    )  # fmt: skip
    return Service(
        generated=Server(
            argv, project, env | {"DJANGO_SETTINGS_MODULE": "bench_settings"}, "/healthz", ports[0]
        ),
        conventional=Server(
            conventional_argv,
            project,
            env | {"DJANGO_SETTINGS_MODULE": "bench_conventional"},
            "/healthz",
            ports[1],
        ),
        loads=lambda base: django_loads(base, session),
        conventional_loads=None,
        hash_cost_ms=cost,
    )


PREPARE = {"django": prepare_django, "fastapi": prepare_fastapi, "hybrid": prepare_hybrid}


# --- the run ---------------------------------------------------------------------------------


def two_ports() -> tuple[int, int]:
    first = free_port()
    second = free_port()
    while second == first:
        second = free_port()
    return first, second


def bench(architecture: str, root: Path, args: argparse.Namespace) -> dict[str, object]:
    python = find_python("3.12")
    if python is None:
        raise SystemExit("no Python 3.12 interpreter for the generated project")
    env = clean_env() | {"UV_PYTHON": str(python), "WEB_CONCURRENCY": "1"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    project = install(architecture, root, env)
    server = probe("postgresql://postgres@127.0.0.1:5432/postgres")
    database = (
        fresh_database(server.url, f"bench_{architecture}")
        if server.url
        else contextlib.nullcontext(f"sqlite:///{root / (architecture + '.sqlite3')}")
    )
    contended: dict[str, dict[str, Any]] = {}
    statements: dict[str, dict[str, dict[str, Any]]] = {}
    with database as url:
        # Projects with the worker (the default) need its queue in production: Redis on
        # this machine, a database of its own (only the readiness probe asks it anything).
        env |= {"DATABASE_URL": url, "SECRET_KEY": secrets.token_urlsafe(50),
                "REDIS_URL": "redis://127.0.0.1:6379/14"}  # fmt: skip
        service = PREPARE[architecture](project, env, two_ports())
        load_before = load_average()
        with serving(service.generated), serving(service.conventional):
            loads = service.loads(service.generated.base)
            theirs = service.conventional_loads or loads
            pairs = list(zip(loads, theirs, strict=True))
            figures = {
                mine.name: compare(
                    (service.generated.base, mine),
                    (service.conventional.base, conventional),
                    args,
                    root,
                )
                for mine, conventional in pairs
            }
        if server.url and args.contention_seconds:
            # One server at a time, so that the connections counted are its own.
            for side, running, side_loads in (
                ("generated", service.generated, loads),
                ("conventional", service.conventional, theirs),
            ):
                with serving(running):
                    for load in side_loads:
                        if load.name in service.contention:
                            wrk(running.base, load, 1, args.connections, root)  # warm-up
                            contended.setdefault(load.name, {})[side] = contention(
                                running.base, load, url, args, root
                            )
        if server.url and args.statement_requests:
            with StatementCounter.for_url(url) as counter:
                statements = {
                    "generated": statements_per_request(
                        service.generated, loads, counter, args.statement_requests
                    ),
                    "conventional": statements_per_request(
                        service.conventional, theirs, counter, args.statement_requests
                    ),
                }
    for name, figure in figures.items():
        figure["statements"] = {side: counted.get(name) for side, counted in statements.items()}
    command = " ".join([Path(service.generated.argv[0]).name, *service.generated.argv[1:]])
    return {
        "database": "postgresql" if server.url else "sqlite",
        "server": Path(service.generated.argv[0]).name,
        "command": command + config_file_settings(service.generated),
        "load_before": load_before,
        "password_hash_ms": service.hash_cost_ms,
        "endpoints": figures,
        "contention": contended,
    }


def config_file_settings(server: Server) -> str:
    """What gunicorn reads from the project's gunicorn.conf.py, which the command omits."""
    if not (server.cwd / "gunicorn.conf.py").is_file():
        return ""
    code = "import runpy; s = runpy.run_path('gunicorn.conf.py'); print(s['worker_class'])"
    code += "; print(s['threads'])"
    python = Path(server.argv[0]).parent / "python"
    worker, threads = sh([python, "-c", code], server.cwd, server.env).split()
    return f" (gunicorn.conf.py: {worker} worker, {threads} threads)"


# --- reports (run_all.py writes RESULTS.md and the templates' figures with these) ------------


def _rate(figure: dict[str, Any]) -> str:
    return f"{figure['requests_per_s']:,.0f}" if figure["requests_per_s"] else "not measured"


def services_table(result: dict[str, Any], architecture: str) -> list[str]:
    """One row per endpoint: both sides' rate, p50 and p99, the ratio and its goal, and
    the statements each side sends the database per request."""
    lines = [
        "| endpoint | requests/s | p50 | p99 | conventional | p50 | p99 | ratio | goal "
        "| statements per request | conventional |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for name, figure in result["endpoints"].items():
        mine, theirs = figure["generated"], figure["conventional"]
        goal = GOALS[architecture].get(name)
        label = f"{ENDPOINT_LABELS[name]}: `{figure['method']} {figure['path']}`"
        counted = figure.get("statements") or {}
        ratio = f"{figure['ratio']:.2f}" if mine["requests_per_s"] else "—"
        lines.append(
            f"| {label} | {_rate(mine)} | {mine['p50_ms']:.1f} ms | {mine['p99_ms']:.1f} ms "
            f"| {_rate(theirs)} | {theirs['p50_ms']:.1f} ms | {theirs['p99_ms']:.1f} ms "
            f"| {ratio} | {'≥ ' + str(goal) if goal else '—'} "
            f"| {format_statements(counted.get('generated'))} "
            f"| {format_statements(counted.get('conventional'))} |"
        )
    return lines


def contention_table(result: dict[str, Any]) -> list[str]:
    """The contention run: each side alone beside a CPU burner on its CPU."""
    if not result.get("contention"):
        return []
    lines = [
        "| endpoint | side | requests/s | p50 | p99 | timed out (2 s) | most DB connections "
        "| DB connections opened per 1,000 requests | load before |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for name, sides in result["contention"].items():
        for side, run in sides.items():
            figure = run["figure"]
            per_1000 = run["opened_per_1000_requests"]
            lines.append(
                f"| {ENDPOINT_LABELS[name]} | {'ours' if side == 'generated' else side} "
                f"| {figure['requests_per_s']:,.0f} | {figure['p50_ms']:.1f} ms "
                f"| {figure['p99_ms']:.1f} ms | {figure['timeouts']} "
                f"| {run['max_connections']} | {'—' if per_1000 is None else per_1000} "
                f"| {', '.join(str(x) for x in run['load_before'])} |"
            )
    return lines


def markdown(report: dict[str, dict[str, Any]]) -> list[str]:
    lines: list[str] = []
    for architecture, result in report.items():
        lines += [f"### {architecture}", "", *services_table(result, architecture), ""]
        if result.get("contention"):
            lines += [*contention_table(result), ""]
    return lines


def print_result(architecture: str, result: dict[str, Any]) -> None:
    print(f"{architecture:<8} load average before the batch: {result['load_before']}")
    for name, figure in result["endpoints"].items():
        mine, theirs = figure["generated"], figure["conventional"]
        goal = GOALS[architecture].get(name)
        verdict = "" if goal is None else ("  ok" if figure["ratio"] >= goal else "  BELOW")
        counted = figure.get("statements") or {}
        print(
            f"{architecture:<8} {name:<12} {mine['requests_per_s']:8.1f} req/s "
            f"p50 {mine['p50_ms']:6.1f} p99 {mine['p99_ms']:6.1f} | conventional "
            f"{theirs['requests_per_s']:8.1f} p50 {theirs['p50_ms']:6.1f} "
            f"p99 {theirs['p99_ms']:6.1f} | {figure['ratio']:5.2f}x"
            f"{f' (goal {goal})' if goal else '':<11}{verdict:<7}"
            f" statements {format_statements(counted.get('generated'))} vs "
            f"{format_statements(counted.get('conventional'))}"
            + (f"  ({mine['errors']} errors)" if mine["errors"] else ""),
            flush=True,
        )
    for name, sides in result.get("contention", {}).items():
        for side, run in sides.items():
            figure = run["figure"]
            print(
                f"{architecture:<8} {name:<12} beside a CPU burner, {side:<12} "
                f"{figure['requests_per_s']:8.1f} req/s p99 {figure['p99_ms']:7.1f} ms, "
                f"{figure['timeouts']} timed out, at most {run['max_connections']} DB "
                f"connections, {run['connections_opened']} opened "
                f"({run['opened_per_1000_requests']} per 1,000 requests)",
                flush=True,
            )
    print(f"{architecture:<8} one password verification: {result['password_hash_ms']} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-a", "--architecture", action="append", choices=sorted(PREPARE))
    parser.add_argument("--seconds", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--contention-seconds", type=int, default=10, help="0: no contention run")
    parser.add_argument(
        "--statement-requests", type=int, default=20, help="0: statements not counted"
    )
    parser.add_argument("--json", type=Path)
    parser.add_argument("--markdown", type=Path)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk")
    report: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="scaffold-bench-services-") as scratch:
        for architecture in args.architecture or ["django", "fastapi", "hybrid"]:
            report[architecture] = result = bench(architecture, Path(scratch), args)
            print_result(architecture, result)
    figures = {
        "settings": {
            "seconds": args.seconds,
            "rounds": args.rounds,
            "connections": args.connections,
            "contention_seconds": args.contention_seconds,
            "contention_timeout": CONTENTION_TIMEOUT,
            **machine_description(),
        },
        "services": report,
    }
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    if args.markdown:
        args.markdown.write_text("\n".join(markdown(report)) + "\n")


if __name__ == "__main__":
    main()
