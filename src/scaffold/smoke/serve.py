"""Run each image's own command on the host and ask its health endpoint.

No Docker engine here, so the next best proof that an image would start: take CMD, ENV and
HEALTHCHECK from the Dockerfile, the environment from the compose service built from it,
run the compose file's migrate step, start the command in the project with the project's
venv on PATH on a free port, wait for the health URL to answer 200, then stop the process
group with SIGTERM and expect it to exit.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from scaffold.env_file import GENERATED_SECRET_SUFFIXES
from scaffold.smoke import compose, dockerfile
from scaffold.smoke.postgres import fresh_database
from scaffold.smoke.report import Outcome, tail
from scaffold.smoke.tools import run, stop_group

if TYPE_CHECKING:
    from scaffold.smoke.context import Context

START_TIMEOUT = 90.0
STOP_GRACE = 15.0
_ANY_HOST = ("0.0.0.0", "", "[::]", "::", "*")
_MIGRATE_WORDS = ("migrate", "upgrade")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _swap_port(part: str, port: int, new: int) -> str:
    if part == str(port):
        return str(new)

    def swap(match: re.Match[str]) -> str:
        host = match.group(1)
        return f"{'127.0.0.1' if host in _ANY_HOST else host}:{new}"

    return re.sub(rf"((?:\[[^\]]*\])|[\w.\-*]*):{port}(?!\d)", swap, part)


def rebind(argv: Sequence[str], ports: Sequence[int], new: int) -> tuple[list[str], bool]:
    """`argv` with the image's port replaced by `new` and any-address binds made local.

    The flag says whether a port was found (and so replaced) in the command.
    """
    moved = False
    result: list[str] = []
    for part in argv:
        updated = part
        for port in ports:
            updated = _swap_port(updated, port, new)
        moved = moved or updated != part
        if updated in ("0.0.0.0", "::", "[::]"):
            updated = "127.0.0.1"  # a bare --host value: listen on loopback only
        result.append(updated)
    return result, moved


def local_url(url: str, port: int) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=f"127.0.0.1:{port}"))


@dataclass(frozen=True)
class Probe:
    status: int | None
    detail: str


def get(url: str, timeout: float = 5.0) -> Probe:
    # Asked like the image's own HEALTHCHECK asks: plain HTTP, no proxy headers.
    request = urllib.request.Request(url)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return Probe(response.status, response.read(300).decode("utf-8", "replace"))
    except urllib.error.HTTPError as exc:
        return Probe(exc.code, exc.read(300).decode("utf-8", "replace"))
    except (urllib.error.URLError, OSError) as exc:
        return Probe(None, str(exc))


def _shell_or_argv(command: list[str] | str) -> list[str]:
    return command if isinstance(command, list) else ["/bin/sh", "-c", command]


def _matching_services(
    path: Path, services: Sequence[compose.Service]
) -> tuple[compose.Service | None, list[compose.Service]]:
    """(the service that runs this image, its migrate steps) among the compose services."""
    built = [s for s in services if s.dockerfile is not None and s.dockerfile == path.resolve()]
    migrate = [
        s
        for s in built
        if s.command is not None
        and (
            "migrat" in s.name
            or any(word in " ".join(_shell_or_argv(s.command)) for word in _MIGRATE_WORDS)
        )
    ]
    runners = [s for s in built if s not in migrate and s.command is None] or [
        s for s in built if s not in migrate
    ]
    return (runners[0] if runners else None), migrate


@contextlib.contextmanager
def database_for(ctx: Context, label: str) -> Iterator[tuple[str, str]]:
    """(DATABASE_URL, description): a fresh PostgreSQL database, else a SQLite file."""
    if ctx.postgres.url is not None:
        with fresh_database(ctx.postgres.url, label) as url:
            yield url, "PostgreSQL"
    else:
        path = ctx.scratch / f"{label}.sqlite3"
        yield f"sqlite:///{path}", f"SQLite ({ctx.postgres.reason})"


def serve_images(ctx: Context) -> Outcome:
    from scaffold.smoke.context import dockerfiles

    files = dockerfiles(ctx.project)
    if not files:
        return Outcome.fail("no Dockerfile")
    notes: list[str] = []
    for path in files:
        outcome = serve_one(ctx, path)
        if outcome.status.value != "pass":
            return outcome
        notes.append(outcome.reason)
    return Outcome.ok("; ".join(notes))


def build_env(
    ctx: Context,
    image: dockerfile.Image,
    service: compose.Service | None,
    overrides: Mapping[str, str],
    service_dir: Path | None = None,
) -> dict[str, str]:
    """The image's environment on the host, with the venv of the folder it is built from."""
    service_dir = service_dir or ctx.project
    venv_bin = service_dir / ".venv" / "bin"
    env = dict(ctx.env)
    env.update({k: v for k, v in image.env.items() if k not in ("PATH", "VIRTUAL_ENV")})
    if service is not None:
        env.update(service.environment)
    env.update(overrides)
    env["PATH"] = f"{venv_bin}{os.pathsep}{ctx.env.get('PATH', os.defpath)}"
    env["VIRTUAL_ENV"] = str(service_dir / ".venv")
    return env


def secret_variables(project: Path) -> dict[str, str]:
    """A fresh value for SECRET_KEY and every other `*SECRET_KEY` or `*PASSWORD` the
    project's .env names (as `scaffold new` fills them in, so compose files that require
    them interpolate)."""
    names = {"SECRET_KEY"}
    example = project / ".env.example"
    if example.is_file():
        for line in example.read_text(encoding="utf-8").splitlines():
            key = line.partition("=")[0].strip().lstrip("#").strip()
            if key.endswith(GENERATED_SECRET_SUFFIXES) and key.isidentifier():
                names.add(key)
    return {name: secrets.token_urlsafe(50) for name in sorted(names)}


def serve_one(ctx: Context, path: Path) -> Outcome:
    name = path.relative_to(ctx.project).as_posix()
    try:
        image = dockerfile.read_image_file(path)
    except dockerfile.DockerfileError as exc:
        return Outcome.fail(f"{name}: {exc}")
    if not image.argv or image.health_url is None:
        missing = "CMD" if not image.argv else "HEALTHCHECK with an http URL"
        return Outcome.fail(f"{name}: no {missing}")
    health_port = urlsplit(image.health_url).port or 80
    port = free_port()
    argv, rebound = rebind(image.argv, sorted({*image.expose, health_port}), port)
    if not rebound and "PORT" not in " ".join(argv):
        port = health_port  # the command does not name its port: it listens on its default
    url = local_url(image.health_url, port)

    with database_for(ctx, f"{ctx.architecture.value}_serve") as (database_url, database_kind):
        variables = {
            **secret_variables(ctx.project),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DATABASE_URL": database_url,
            "PORT": str(port),
        }
        outcome = _migrate_then_serve(ctx, path, image, argv, variables, url)
    if outcome.status.value == "pass":
        return Outcome.ok(f"{name}: {' '.join(argv[:2])} answered {url} on {database_kind}")
    return Outcome(outcome.status, f"{name}: {outcome.reason}", outcome.output)


def _migrate_then_serve(
    ctx: Context,
    path: Path,
    image: dockerfile.Image,
    argv: list[str],
    variables: dict[str, str],
    url: str,
) -> Outcome:
    service: compose.Service | None = None
    migrate_steps: list[compose.Service] = []
    for compose_file in compose.find_compose_files(ctx.project):
        try:
            found = compose.services(compose_file, variables)
        except compose.ComposeError as exc:
            return Outcome.fail(f"{compose_file.name}: {exc}")
        service, migrate_steps = _matching_services(path, found)
        if service is not None or migrate_steps:
            break
    service_dir = path.parent  # a service in a subfolder (the hybrid's api/) has its own venv
    for step in migrate_steps:
        assert step.command is not None
        ran = run(
            _shell_or_argv(step.command),
            cwd=service_dir,
            env=build_env(ctx, image, step, variables, service_dir),
            timeout=300,
        )
        if not ran.ok:
            return Outcome.fail(f"migrate step {step.name!r} exited {ran.returncode}", ran.output)
    env = build_env(ctx, image, service, variables, service_dir)
    return _start_and_probe(ctx, argv, env, url, service_dir)


def _start_and_probe(
    ctx: Context, argv: list[str], env: dict[str, str], url: str, cwd: Path | None = None
) -> Outcome:
    log_path = ctx.scratch / f"serve-{secrets.token_hex(3)}.log"
    with log_path.open("w+", encoding="utf-8", errors="replace") as log:
        try:
            process = subprocess.Popen(
                argv,
                cwd=cwd or ctx.project,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                text=True,
            )
        except OSError as exc:
            return Outcome.fail(f"cannot start {argv[0]}: {exc}")
        try:
            probe = _wait_healthy(process, url)
        finally:
            stopped = stop_group(process, grace=STOP_GRACE)
        log.flush()
        output = log_path.read_text(encoding="utf-8", errors="replace")
    if probe is None:
        return Outcome.fail(f"the process exited ({process.returncode}) before answering", output)
    if probe.status != 200:
        answer = f"HTTP {probe.status}" if probe.status else probe.detail
        return Outcome.fail(
            f"{url} did not answer 200 within {START_TIMEOUT:.0f}s (last: {answer})",
            output + "\n" + tail(probe.detail, 5),
        )
    if stopped.killed:
        return Outcome.fail(
            f"the server did not stop within {STOP_GRACE:g}s of SIGTERM (needed SIGKILL)",
            output,
        )
    return Outcome.ok()


def _wait_healthy(process: subprocess.Popen[str], url: str) -> Probe | None:
    deadline = time.monotonic() + START_TIMEOUT
    last = Probe(None, "no answer yet")
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return None
        last = get(url)
        if last.status == 200:
            return last
        time.sleep(0.5)
    return last
