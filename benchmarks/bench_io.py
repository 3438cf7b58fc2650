"""I/O-bound work: an endpoint that waits on a 50 ms upstream call, FastAPI beside Django.

    uv run python benchmarks/bench_io.py [--connections 16,64,256] [--seconds 6]
        [--rounds 4] [--delay-ms 50] [--quick] [--json PATH] [--markdown PATH]

The articles scaffold's advisor was seeded from say FastAPI's async design handles
I/O-bound concurrent work 3-5x better than Django's synchronous default. This measures it.

An upstream stub (asyncio, in a process of its own) answers every request after
`--delay-ms`, holding as many requests at once as it is sent. The FastAPI and the Django
templates are rendered from the working tree and installed; the benchmark (not the
template) adds to each an endpoint that calls the upstream once and returns its answer:

- fastapi: an `async def` route awaiting a module-wide `httpx.AsyncClient`, served by the
  image's uvicorn command (one worker);
- django_sync: a plain (sync) view with a module-wide `httpx.Client`, served by the
  image's gunicorn command and its gunicorn.conf.py (one worker: gthread, 4 threads):
  Django's default way, the baseline of every ratio;
- django_async: an `async def` view with `httpx.AsyncClient`, the same gunicorn. Under
  WSGI Django runs each async view in an event loop of its own (asgiref's async_to_sync),
  so the view opens a client per request: a shared one would outlive its loop;
- django_async_asgi: the same view served by the project's ASGI entry
  (`<package>.asgi:application`) under uvicorn with the FastAPI image's flags; one
  event loop runs every request and the view shares one client. The template ships
  this entry, but its image does not serve it.

Each client is made as its documentation shows, with httpx's default pool limits (100
connections: a ceiling of 2,000 calls/s at 50 ms, above every rate seen here). The
Django project gets httpx (and uvicorn, for the ASGI run) at the FastAPI project's
versions. Both projects log at INFO as generated, so httpx writes a line per call on
either side (to a file here).

Controls, the wait without the client (`asyncio.sleep` or `time.sleep` of the same
delay), show what each server can hold and what the HTTP client costs:
fastapi_wait, django_sync_wait (the ratio of these two is taken to each other) and
django_async_asgi_wait.

Each load is run with wrk (`--timeout 5s`) at each concurrency, in interleaved rounds
(the order rotates each round); after each run the server is given the time to answer
what wrk left queued before the next starts. A side's figure is its median round, a
ratio the median of the rounds' ratios. The server's CPU time per answered request is
counted too: other jobs on the machine move it far less than requests/s. The upstream
alone is measured once per concurrency: its rate is the ceiling (connections / delay).
With two CPUs the servers run on CPU 0, wrk and the upstream on CPU 1 (with three or
more, the upstream gets CPU 2). The database is SQLite: nothing measured touches it.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench_services import Server, config_file_settings, image_command, install, pinned, sh

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from scaffold.smoke.serve import free_port, get  # noqa: E402
from scaffold.smoke.tools import clean_env, find_python, find_tool, stop_group  # noqa: E402

WRK_TIMEOUT_S = 5
# How long a server may take to answer, after a round, the requests wrk left queued.
DRAIN_LIMIT_S = 600
# The concurrency the advisor quotes (src/scaffold/advisor.py, IO_BOUND_MEASURED).
HEADLINE_CONNECTIONS = 256
# What each load's ratio is taken against: Django's default, a sync view under gthread.
BASELINE = {
    "fastapi": "django_sync",
    "django_sync": "django_sync",
    "django_async": "django_sync",
    "django_async_asgi": "django_sync",
    "fastapi_wait": "django_sync_wait",
    "django_sync_wait": "django_sync_wait",
    "django_async_asgi_wait": "django_sync_wait",
}
LABELS = {
    "fastapi": "FastAPI `async def` + shared `httpx.AsyncClient`, uvicorn",
    "django_sync": "Django sync view + shared `httpx.Client`, gunicorn gthread",
    "django_async": "Django `async def` view + `httpx.AsyncClient`, gunicorn gthread",
    "django_async_asgi": "Django `async def` view + shared `httpx.AsyncClient`, uvicorn (ASGI)",
    "fastapi_wait": "control: FastAPI `await asyncio.sleep`, uvicorn",
    "django_sync_wait": "control: Django `time.sleep`, gunicorn gthread",
    "django_async_asgi_wait": "control: Django `await asyncio.sleep`, uvicorn (ASGI)",
    "upstream": "the upstream stub alone (the ceiling)",
}

# The upstream: answers each request `delay` seconds after it arrived, on keep-alive
# connections, however many are waiting. Run as `python -c UPSTREAM PORT DELAY_MS`.
UPSTREAM = r"""
import asyncio, sys

PORT, DELAY = int(sys.argv[1]), int(sys.argv[2]) / 1000
BODY = b'{"upstream": "ok", "delay_ms": %d}' % int(sys.argv[2])
ANSWER = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
    % len(BODY) + BODY
)


class Upstream(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport, self.buffer = transport, b""

    def data_received(self, data):
        self.buffer += data
        while (end := self.buffer.find(b"\r\n\r\n")) >= 0:  # GETs only: no bodies
            self.buffer = self.buffer[end + 4 :]
            asyncio.get_running_loop().call_later(DELAY, self.answer)

    def answer(self):
        if not self.transport.is_closing():
            self.transport.write(ANSWER)


async def main():
    loop = asyncio.get_running_loop()
    server = await loop.create_server(Upstream, "127.0.0.1", PORT, backlog=4096)
    async with server:
        await server.serve_forever()


asyncio.run(main())
"""

FASTAPI_APP = """
import asyncio
import os

import httpx

from {package}.main import app

UPSTREAM_URL = os.environ["BENCH_UPSTREAM_URL"]
DELAY_S = int(os.environ["BENCH_DELAY_MS"]) / 1000
# One client for the process: its connections to the upstream are kept and reused.
client = httpx.AsyncClient()


@app.get("/bench/upstream")
async def upstream() -> dict[str, object]:
    response = await client.get(UPSTREAM_URL)
    response.raise_for_status()
    return response.json()


@app.get("/bench/wait")
async def wait() -> dict[str, object]:
    await asyncio.sleep(DELAY_S)
    return {{"upstream": "none", "delay_ms": int(DELAY_S * 1000)}}
"""

DJANGO_VIEWS = """
import asyncio
import os
import ssl
import time

import httpx
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest, JsonResponse

UPSTREAM_URL = os.environ["BENCH_UPSTREAM_URL"]
DELAY_S = int(os.environ["BENCH_DELAY_MS"]) / 1000
# Thread-safe: gthread's threads share it and its kept connections.
sync_client = httpx.Client()
# Only for ASGI, where one event loop serves every request.
async_client = httpx.AsyncClient()
TLS = ssl.create_default_context()


def upstream_sync(request: HttpRequest) -> JsonResponse:
    response = sync_client.get(UPSTREAM_URL)
    response.raise_for_status()
    return JsonResponse(response.json())


async def upstream_async(request: HttpRequest) -> JsonResponse:
    if isinstance(request, ASGIRequest):
        response = await async_client.get(UPSTREAM_URL)
    else:
        # Under WSGI each async view runs in an event loop of its own (async_to_sync):
        # a client, and its connections, cannot outlive the request. Its TLS settings can
        # (loading the CA bundle costs tens of milliseconds of CPU a client).
        async with httpx.AsyncClient(verify=TLS) as client:
            response = await client.get(UPSTREAM_URL)
    response.raise_for_status()
    return JsonResponse(response.json())


def wait_sync(request: HttpRequest) -> JsonResponse:
    time.sleep(DELAY_S)
    return JsonResponse({"upstream": "none", "delay_ms": int(DELAY_S * 1000)})


async def wait_async(request: HttpRequest) -> JsonResponse:
    await asyncio.sleep(DELAY_S)
    return JsonResponse({"upstream": "none", "delay_ms": int(DELAY_S * 1000)})
"""

DJANGO_URLS = """
from django.urls import path

from {package}.urls import urlpatterns as project_urlpatterns
from bench_io_views import upstream_async, upstream_sync, wait_async, wait_sync

urlpatterns = [
    path("bench/upstream-sync", upstream_sync),
    path("bench/upstream-async", upstream_async),
    path("bench/wait-sync", wait_sync),
    path("bench/wait-async", wait_async),
    *project_urlpatterns,
]
"""

DJANGO_SETTINGS = """
from {package}.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench_io_urls"
"""


@dataclass
class Figure:
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    timeouts: int
    errors: int  # non-2xx answers and connect, read or write errors
    # CPU time the server's processes spent per answered request (the drain included):
    # unlike requests/s, barely moved by other jobs on the machine.
    cpu_ms_per_request: float | None = None
    # Seconds the server went on answering requests left queued after wrk stopped.
    drain_s: float = 0.0


@dataclass
class Target:
    name: str
    url: str
    ready_url: str = ""  # the server's probe, answered once the requests left behind are
    group: int = 0  # the server's process group, for its CPU time

    @classmethod
    def on(cls, server: Server, group: int, name: str, path: str) -> Target:
        return cls(name, server.base + path, server.base + server.ready_path, group)

    def measure(self, seconds: int, connections: int) -> Figure:
        before = cpu_seconds(self.group)
        figure = wrk(self.url, seconds, connections)
        # While wrk ran: what the server does afterwards is for requests wrk did not count.
        spent = cpu_seconds(self.group) - before
        if self.group and figure.requests_per_s:
            figure.cpu_ms_per_request = round(spent * 1000 / (figure.requests_per_s * seconds), 2)
        figure.drain_s = drain(self)
        return figure


TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(group: int) -> float:
    """User and system CPU time of the live processes of a process group (Linux)."""
    if not group:
        return 0.0
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == group:  # pgrp; utime and stime follow at 11, 12
                total += int(fields[11]) + int(fields[12])
    return total / TICKS


def drain(target: Target) -> float:
    """Wait until the server has answered what wrk left in flight when it stopped; return
    the seconds that took.

    A server slower than its load still holds queued requests (gthread: up to one per
    connection) when wrk hangs up; it answers them anyway, and that work would land on
    the next round, of another server on the same CPU. A probe queued behind them
    returns when they are done."""
    if not target.ready_url:
        return 0.0
    started = time.monotonic()
    while get(target.ready_url, timeout=30).status != 200:
        if time.monotonic() - started > DRAIN_LIMIT_S:
            raise RuntimeError(f"{target.ready_url} still busy {DRAIN_LIMIT_S} s after the load")
    waited = time.monotonic() - started
    time.sleep(0.2)
    return round(waited, 2)


def wrk(url: str, seconds: int, connections: int) -> Figure:
    command = ["wrk", "--latency", "--timeout", f"{WRK_TIMEOUT_S}s", "-t", "1",
               "-c", str(connections), "-d", f"{seconds}s", url]  # fmt: skip
    done = subprocess.run(pinned(command, 1), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed on {url}: {done.stdout}{done.stderr}")
    out = done.stdout

    def latency(label: str) -> float:
        found = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.MULTILINE)
        if not found:
            return float("nan")
        value, unit = float(found.group(1)), found.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    )
    errors = int(non_2xx.group(1)) if non_2xx else 0
    timeouts = 0
    if sockets:
        errors += sum(int(sockets.group(n)) for n in (1, 2, 3))
        timeouts = int(sockets.group(4))
    return Figure(float(rate.group(1)) if rate else 0.0, latency("50"), latency("99"), timeouts,
                  errors)  # fmt: skip


def cpu_apart() -> int:
    """The CPU for the upstream: one neither server uses (they share CPU 0)."""
    return 2 if (os.cpu_count() or 1) >= 3 else 1


@contextlib.contextmanager
def upstream(delay_ms: int) -> Iterator[str]:
    port = free_port()
    argv = [sys.executable, "-c", UPSTREAM, str(port), str(delay_ms)]
    process = subprocess.Popen(
        pinned(argv, cpu_apart()), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 20
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            if process.poll() is not None or time.monotonic() > deadline:
                errors = process.stderr.read() if process.stderr else ""
                raise RuntimeError(f"the upstream stub did not start:\n{errors[-2000:]}")
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/"
    finally:
        stop_group(process, grace=5)


def versions(python: Path, names: list[str]) -> dict[str, str]:
    code = "import sys; from importlib.metadata import version\n"
    code += "for name in sys.argv[1:]: print(name, version(name))"
    done = subprocess.run([python, "-c", code, *names], capture_output=True, text=True, check=True)
    return dict(line.split() for line in done.stdout.splitlines())


def prepare(root: Path, upstream_url: str, delay_ms: int) -> dict[str, Server]:
    """Both projects installed, the endpoints added, and the three servers described."""
    python = find_python("3.12")
    if python is None:
        raise SystemExit("no Python 3.12 interpreter for the generated projects")
    env = clean_env() | {"UV_PYTHON": str(python), "WEB_CONCURRENCY": "1"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env |= {
        "BENCH_UPSTREAM_URL": upstream_url,
        "BENCH_DELAY_MS": str(delay_ms),
        "SECRET_KEY": secrets.token_urlsafe(50),
        # Set because production settings insist; nothing measured here uses either.
        "REDIS_URL": "redis://127.0.0.1:6379/14",
    }
    fastapi, django = install("fastapi", root, env), install("django", root, env)
    package = "bench_shop"  # install() names the project "Bench Shop"

    # The FastAPI project has httpx (its tests use it); the Django one gets the same
    # version, and the same uvicorn for its ASGI entry.
    wanted = versions(fastapi / ".venv/bin/python", ["httpx", "uvicorn"])
    pins = [f"httpx=={wanted['httpx']}", f"uvicorn[standard]=={wanted['uvicorn']}"]
    sh([find_tool("uv"), "pip", "install", "--quiet", "--python", django / ".venv/bin/python",
        *pins], django, env)  # fmt: skip

    (fastapi / "bench_io_app.py").write_text(FASTAPI_APP.format(package=package))
    (django / "bench_io_views.py").write_text(DJANGO_VIEWS)
    (django / "bench_io_urls.py").write_text(DJANGO_URLS.format(package=package))
    (django / "bench_io_settings.py").write_text(DJANGO_SETTINGS.format(package=package))

    fastapi_env = env | {
        "ENVIRONMENT": "production",
        "DATABASE_URL": f"sqlite+aiosqlite:///{root / 'fastapi.sqlite3'}",
    }
    django_env = env | {
        "DJANGO_SETTINGS_MODULE": "bench_io_settings",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": f"sqlite:///{root / 'django.sqlite3'}",
    }
    # As the image has them: WhiteNoise serves what collectstatic gathered.
    sh([django / ".venv/bin/python", "manage.py", "collectstatic", "--noinput"], django, django_env)
    ports = distinct_ports(3)
    fastapi_argv = swap_app(image_command(fastapi, ports[0]), "bench_io_app:app")
    gunicorn_argv = image_command(django, ports[1])
    # The FastAPI image's uvicorn command, serving the Django project's ASGI entry.
    uvicorn_argv = swap_app(image_command(fastapi, ports[2]), f"{package}.asgi:application")
    asgi_argv = [str(django / ".venv/bin/uvicorn"), *uvicorn_argv[1:]]
    return {
        "fastapi": Server(fastapi_argv, fastapi, fastapi_env, "/api/v1/health/live", ports[0]),
        "django_gunicorn": Server(gunicorn_argv, django, django_env, "/livez", ports[1]),
        "django_uvicorn": Server(asgi_argv, django, django_env, "/livez", ports[2]),
    }


@contextlib.contextmanager
def serving(server: Server, log: Path) -> Iterator[int]:
    """bench_services' `serving`, with the server's output going to `log` (a pipe nobody
    reads fills up, and then blocks the server); yields the server's process group."""
    with log.open("w") as output:
        process = subprocess.Popen(
            pinned(server.argv, 0), cwd=server.cwd, env=server.env, stdout=output,
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while get(server.base + server.ready_path, timeout=2).status != 200:
            if process.poll() is not None or time.monotonic() > deadline:
                stop_group(process, grace=5)
                raise RuntimeError(f"{server.argv[0]} did not become healthy:\n"
                                   f"{log.read_text()[-3000:]}")  # fmt: skip
            time.sleep(0.3)
        yield process.pid
    finally:
        stop_group(process, grace=10)


def swap_app(argv: list[str], target: str) -> list[str]:
    """The same server and flags, serving `target` instead of the project's app."""
    app = next(part for part in argv[1:] if not part.startswith("-") and ":" in part)
    return [target if part == app else part for part in argv]


def distinct_ports(count: int) -> list[int]:
    ports: list[int] = []
    while len(ports) < count:
        port = free_port()
        if port not in ports:
            ports.append(port)
    return ports


def check(target: Target) -> None:
    answer = get(target.url, timeout=10)
    if answer.status != 200 or '"upstream"' not in answer.detail:
        raise RuntimeError(f"{target.url} answered {answer.status}: {answer.detail}")


def batch(
    targets: list[Target], ceiling: Target, connections: int, args: argparse.Namespace
) -> dict[str, Any]:
    """Every target at one concurrency, in rounds (the order rotates each round), then
    the upstream alone once."""
    load_before = [round(x, 2) for x in os.getloadavg()]
    for target in targets:
        target.measure(1, connections)  # warm-up: pools filled, first imports done
    rounds: dict[str, list[Figure]] = {target.name: [] for target in targets}
    for number in range(args.rounds):
        shift = number % len(targets)
        for target in targets[shift:] + targets[:shift]:
            rounds[target.name].append(target.measure(args.seconds, connections))
    medians = {
        name: sorted(figures, key=lambda f: f.requests_per_s)[len(figures) // 2]
        for name, figures in rounds.items()
    }
    medians[ceiling.name] = ceiling.measure(args.seconds, connections)
    ratios = {
        name: round(
            statistics.median(
                mine.requests_per_s / (theirs.requests_per_s or float("nan"))
                for mine, theirs in zip(rounds[name], rounds[BASELINE[name]], strict=True)
            ),
            2,
        )
        for name in rounds
    }
    return {
        "load_before": load_before,
        "figures": {name: asdict(figure) for name, figure in medians.items()},
        "ratios": ratios,  # each over its BASELINE
        "rounds_req_s": {name: [f.requests_per_s for f in figs] for name, figs in rounds.items()},
    }


def markdown(report: dict[str, Any]) -> list[str]:
    lines = [
        "| connections | endpoint | requests/s | p50 | p99 | timeouts (5 s) "
        "| server CPU per request | ratio |",
        "|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for connections, result in report["batches"].items():
        for name, figure in result["figures"].items():
            ratio = result["ratios"].get(name)
            errors = f" ({figure['errors']} errors)" if figure["errors"] else ""
            lines.append(
                f"| {connections} | {LABELS[name]} | {figure['requests_per_s']:,.0f} "
                f"| {figure['p50_ms']:.0f} ms | {figure['p99_ms']:.0f} ms "
                f"| {figure['timeouts']}{errors} | {cpu_ms(figure)} "
                f"| {'—' if ratio is None else format(ratio, '.2f')} |"
            )
    return lines


def cpu_ms(figure: dict[str, Any]) -> str:
    value = figure["cpu_ms_per_request"]
    return "—" if value is None else f"{value:.2f} ms"


def headline(report: dict[str, Any]) -> str:
    """The sentence the advisor's io-bound reason is built from."""
    result = report["batches"].get(str(HEADLINE_CONNECTIONS))
    if result is None:
        return ""
    ratios = result["ratios"]
    return (
        f"At {HEADLINE_CONNECTIONS} concurrent upstream calls of "
        f"{report['settings']['upstream_delay_ms']} ms: FastAPI {ratios['fastapi']:.1f}x the "
        f"requests/s of Django's sync view; Django's async view "
        f"{ratios['django_async']:.1f}x under gunicorn, "
        f"{ratios['django_async_asgi']:.1f}x under uvicorn (ASGI). The wait alone, no "
        f"client: FastAPI {ratios['fastapi_wait']:.1f}x Django's sync view, Django async "
        f"under uvicorn {ratios['django_async_asgi_wait']:.1f}x."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", default="16,64,256",
                        help="comma-separated concurrencies (wrk connections)")  # fmt: skip
    parser.add_argument("--seconds", type=int, default=6)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--delay-ms", type=int, default=50)
    parser.add_argument("--quick", action="store_true", help="short rounds: a smoke test")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--markdown", type=Path)
    args = parser.parse_args()
    if args.quick:  # long enough for a request queued behind 256 at Django's pace
        args.seconds, args.rounds = 4, 1
        args.connections = "16,256"
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk")
    concurrencies = [int(c) for c in args.connections.split(",")]
    with (
        tempfile.TemporaryDirectory(prefix="scaffold-bench-io-") as scratch,
        upstream(args.delay_ms) as upstream_url,
    ):
        servers = prepare(Path(scratch), upstream_url, args.delay_ms)
        with contextlib.ExitStack() as running:
            groups = {
                name: running.enter_context(serving(server, Path(scratch) / f"{name}.log"))
                for name, server in servers.items()
            }

            def on(server: str, name: str, path: str) -> Target:
                return Target.on(servers[server], groups[server], name, path)

            targets = [
                on("fastapi", "fastapi", "/bench/upstream"),
                on("django_gunicorn", "django_sync", "/bench/upstream-sync"),
                on("django_gunicorn", "django_async", "/bench/upstream-async"),
                on("django_uvicorn", "django_async_asgi", "/bench/upstream-async"),
                on("fastapi", "fastapi_wait", "/bench/wait"),
                on("django_gunicorn", "django_sync_wait", "/bench/wait-sync"),
                on("django_uvicorn", "django_async_asgi_wait", "/bench/wait-async"),
            ]
            for target in targets:
                check(target)
            ceiling = Target("upstream", upstream_url)
            batches: dict[str, Any] = {}
            for connections in concurrencies:
                batches[str(connections)] = result = batch(targets, ceiling, connections, args)
                print(f"\n{connections} connections (load before: {result['load_before']})")
                for name, figure in result["figures"].items():
                    ratio = result["ratios"].get(name)
                    print(
                        f"  {name:<22} {figure['requests_per_s']:8.1f} req/s  "
                        f"p50 {figure['p50_ms']:7.1f} ms  p99 {figure['p99_ms']:7.1f} ms  "
                        f"timeouts {figure['timeouts']:<5} cpu/req {cpu_ms(figure):>8}"
                        + (f" errors {figure['errors']:<5}" if figure["errors"] else "")
                        + ("" if ratio is None else f" {ratio:5.2f}x {BASELINE[name]}"),
                        flush=True,
                    )
        commands = {
            name: " ".join([Path(server.argv[0]).name, *server.argv[1:]])
            + (config_file_settings(server) if server.argv[0].endswith("gunicorn") else "")
            for name, server in servers.items()
        }
    report = {
        "settings": {
            "seconds": args.seconds,
            "rounds": args.rounds,
            "connections": concurrencies,
            "upstream_delay_ms": args.delay_ms,
            "wrk_timeout_s": WRK_TIMEOUT_S,
            "cpus": os.cpu_count(),
            "machine": platform.machine(),
            "upstream_cpu": cpu_apart() if (os.cpu_count() or 1) >= 2 else None,
        },
        "commands": commands,
        "batches": batches,
    }
    report["headline"] = headline(report)
    if report["headline"]:
        print(f"\n{report['headline']}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    if args.markdown:
        args.markdown.write_text("\n".join(markdown(report)) + "\n")


if __name__ == "__main__":
    main()
