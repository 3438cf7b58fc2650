"""Generated services under load, each figure beside a bare app of the same framework.

    uv run python benchmarks/bench_services.py [-a django|fastapi]... [--seconds 5]
        [--connections 16] [--json PATH] [--markdown PATH]

For each architecture: render the working-tree template, install it (uv, warm cache),
start the Dockerfile's own command with one worker and production settings on
127.0.0.1 (PostgreSQL when the local server answers, else SQLite), then load it with
wrk (Debian package `wrk`) from a second process:

- health: the health endpoint (it pings the database);
- read: the example resource's list for a signed-in user (20 rows);
- login: the sign-in endpoint (Argon2 verification: slow by design).

The baseline is a minimal app written here, run by the same server with the same flags,
with the same endpoint shape (a database ping, a read of the same rows, an Argon2
verification of the same hash) and no middleware, auth or framework extras. The ratio
generated/bare is what the template costs. Sign-in rate limits are lifted for the run.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from scaffold.smoke import dockerfile  # noqa: E402
from scaffold.smoke.postgres import fresh_database, probe  # noqa: E402
from scaffold.smoke.serve import free_port, get, rebind  # noqa: E402
from scaffold.smoke.tools import clean_env, find_python, find_tool, stop_group  # noqa: E402

EMAIL, PASSWORD = "bench@example.com", "correct horse battery staple"
ROWS = 20


@dataclass
class Load:
    name: str
    method: str
    path: str
    headers: dict[str, str]
    body: str = ""


@dataclass
class Figure:
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    errors: int


def sh(argv: list[str | Path], cwd: Path, env: dict[str, str], stdin: str = "") -> str:
    done = subprocess.run(
        [str(a) for a in argv],
        cwd=cwd,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{argv[0]} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return done.stdout


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
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def wrk(url: str, load: Load, seconds: int, connections: int, scratch: Path) -> Figure:
    expected = (200, 302, 303) if load.method == "POST" else (200,)
    status = answer_status(url, load)
    if status not in expected:
        raise RuntimeError(f"{load.method} {load.path} answered {status}, not {expected}")
    script = scratch / f"{load.name}.lua"
    headers = "".join(f'wrk.headers["{k}"] = {json.dumps(v)}\n' for k, v in load.headers.items())
    script.write_text(
        f'wrk.method = "{load.method}"\nwrk.body = {json.dumps(load.body)}\n{headers}'
    )
    done = subprocess.run(
        ["wrk", "--latency", "-t", "1", "-c", str(connections), "-d", f"{seconds}s",
         "-s", str(script), url + load.path],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed on {load.path}: {done.stdout}{done.stderr}")
    out = done.stdout

    def latency(label: str) -> float:
        found = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.MULTILINE)
        if not found:
            return float("nan")
        value, unit = float(found.group(1)), found.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    socket_errors = re.search(r"Socket errors:.*", out)
    errors = int(non_2xx.group(1)) if non_2xx else 0
    if socket_errors:
        errors += sum(int(n) for n in re.findall(r"\d+", socket_errors.group(0)))
    return Figure(float(rate.group(1)) if rate else 0.0, latency("50"), latency("99"), errors)


@contextlib.contextmanager
def serving(argv: list[str], cwd: Path, env: dict[str, str], health: str) -> Iterator[None]:
    process = subprocess.Popen(
        argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while get(health, timeout=2).status != 200:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{argv[0]} did not become healthy: {process.stderr}")
            time.sleep(0.3)
        yield
    finally:
        stop_group(process, grace=10)


def image_command(project: Path, port: int) -> list[str]:
    image = dockerfile.read_image_file(project / "Dockerfile")
    argv, _ = rebind(image.argv, sorted({*image.expose, 8000}), port)
    return [str(project / ".venv" / "bin" / argv[0]), *argv[1:]]


def install(architecture: str, root: Path, env: dict[str, str]) -> Path:
    from copier import run_copy

    project = root / architecture
    run_copy(
        str(REPO / "templates"), project, defaults=True, quiet=True,
        data={"architecture": architecture, "project_name": "Bench Shop"},
    )  # fmt: skip
    sh([find_tool("uv"), "sync", "--locked", "--quiet"], project, env)
    return project


# --- FastAPI ---------------------------------------------------------------------------------

FASTAPI_BARE = """
import jwt
from fastapi import FastAPI, Form
from pwdlib import PasswordHash
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bench_shop.settings import Settings

settings = Settings()
engine = create_async_engine(settings.database_url)
hasher = PasswordHash.recommended()
app = FastAPI()


@app.get("/health")
async def health() -> dict[str, str]:
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))
    return {"status": "ok"}


@app.get("/items")
async def items() -> list[dict[str, object]]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            text("SELECT id, title, description FROM items WHERE owner_id = 1 ORDER BY id LIMIT 20")
        )
        return [dict(row._mapping) for row in rows]


@app.post("/login")
async def login(username: str = Form(), password: str = Form()) -> dict[str, str]:
    async with engine.connect() as connection:
        row = (await connection.execute(
            text("SELECT id, hashed_password FROM users WHERE email = :e"), {"e": username}
        )).one()
    hasher.verify(password, row.hashed_password)
    return {"access_token": jwt.encode({"sub": str(row.id)}, "x" * 32, algorithm="HS256")}
"""


def fastapi_loads(base: str) -> tuple[list[Load], list[Load]]:
    def call(method: str, path: str, data: dict[str, str], form: bool = False) -> dict[str, str]:
        body = urllib.parse.urlencode(data) if form else json.dumps(data)
        kind = "application/x-www-form-urlencoded" if form else "application/json"
        request = urllib.request.Request(
            base + path, data=body.encode(), method=method, headers={"Content-Type": kind}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            loaded: dict[str, str] = json.loads(response.read())
            return loaded

    call("POST", "/api/v1/auth/register", {"email": EMAIL, "password": PASSWORD})
    token = call("POST", "/api/v1/auth/login", {"username": EMAIL, "password": PASSWORD}, True)
    bearer = {"Authorization": f"Bearer {token['access_token']}"}
    for number in range(ROWS):
        request = urllib.request.Request(
            base + "/api/v1/items",
            data=json.dumps({"title": f"Item {number}", "description": "x" * 80}).encode(),
            headers={"Content-Type": "application/json", **bearer},
        )
        urllib.request.urlopen(request, timeout=30).close()
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    login_body = urllib.parse.urlencode({"username": EMAIL, "password": PASSWORD})
    generated = [
        Load("health", "GET", "/api/v1/health", {}),
        Load("read", "GET", f"/api/v1/items?limit={ROWS}", bearer),
        Load("login", "POST", "/api/v1/auth/login", form, login_body),
    ]
    bare = [
        Load("health", "GET", "/health", {}),
        Load("read", "GET", "/items", {}),
        Load("login", "POST", "/login", form, login_body),
    ]
    return generated, bare


# --- Django ----------------------------------------------------------------------------------

DJANGO_BARE = """
import environ
from django.contrib.auth.hashers import check_password
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

SECRET_KEY = "bare-" + "x" * 50
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = __name__
DATABASES = {"default": environ.Env.db_url_config(environ.Env().str("DATABASE_URL"))}
DATABASES["default"]["CONN_MAX_AGE"] = 60
INSTALLED_APPS: list[str] = []
MIDDLEWARE: list[str] = []
PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
USE_TZ = True


def health(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def notes(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT title, body FROM notes_note ORDER BY id LIMIT 20")
        rows = cursor.fetchall()
    items = "".join(f"<li>{title}<p>{body}</p></li>" for title, body in rows)
    return HttpResponse(f"<html><body><ul>{items}</ul></body></html>")


@csrf_exempt
def login(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        email = request.POST["login"]
        cursor.execute("SELECT password FROM accounts_user WHERE email = %s", [email])
        (stored,) = cursor.fetchone()
    return JsonResponse({"ok": check_password(request.POST["password"], stored)})


urlpatterns = [path("healthz", health), path("notes/", notes), path("login", login)]
"""

DJANGO_SEED = f'''
from allauth.account.models import EmailAddress
from django.test import Client
from accounts.models import User
from notes.models import Note

user = User.objects.create_user(email="{EMAIL}", password="{PASSWORD}")
EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
notes = (Note(owner=user, title=f"Note {{n}}", body="x" * 80) for n in range({ROWS}))
Note.objects.bulk_create(notes)
client = Client()
client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
print(client.cookies["sessionid"].value)
'''


def django_loads(base: str, project: Path, env: dict[str, str]) -> tuple[list[Load], list[Load]]:
    session = sh([project / ".venv/bin/python", "manage.py", "shell"], project, env, DJANGO_SEED)
    with urllib.request.urlopen(base + "/accounts/login/", timeout=30) as response:
        cookies = response.headers.get_all("Set-Cookie") or []
        page = response.read().decode()
    csrf_cookie = next(
        c.split(";")[0].split("=", 1)[1] for c in cookies if c.startswith("csrftoken=")
    )
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token is not None
    login_body = urllib.parse.urlencode(
        {"login": EMAIL, "password": PASSWORD, "csrfmiddlewaretoken": token.group(1)}
    )
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    generated = [
        Load("health", "GET", "/healthz", {}),
        Load("read", "GET", "/notes/", {"Cookie": f"sessionid={session.split()[-1]}"}),
        Load(
            "login",
            "POST",
            "/accounts/login/",
            {**form, "Cookie": f"csrftoken={csrf_cookie}"},
            login_body,
        ),
    ]
    bare = [
        Load("health", "GET", "/healthz", {}),
        Load("read", "GET", "/notes/", {}),
        Load(
            "login",
            "POST",
            "/login",
            form,
            urllib.parse.urlencode({"login": EMAIL, "password": PASSWORD}),
        ),
    ]
    return generated, bare


# --- the run ---------------------------------------------------------------------------------


def bench(architecture: str, root: Path, args: argparse.Namespace) -> dict[str, dict[str, Figure]]:
    python = find_python("3.12")
    if python is None:
        raise SystemExit("no Python 3.12 interpreter for the generated project")
    env = clean_env() | {"UV_PYTHON": str(python), "WEB_CONCURRENCY": "1"}
    project = install(architecture, root, env)
    server = probe("postgresql://postgres@127.0.0.1:5432/postgres")
    database = (
        fresh_database(server.url, f"bench_{architecture}")
        if server.url
        else contextlib.nullcontext(f"sqlite:///{root / (architecture + '.sqlite3')}")
    )
    results: dict[str, dict[str, Figure]] = {}
    with database as url:
        env |= {"DATABASE_URL": url, "SECRET_KEY": secrets.token_urlsafe(50)}
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        argv = image_command(project, port)
        if architecture == "fastapi":
            env |= {"ENVIRONMENT": "production", "LOGIN_ATTEMPTS": "100000000"}
            sh([project / ".venv/bin/alembic", "upgrade", "head"], project, env)
            health, bare_module = "/api/v1/health", "bench_bare:app"
            (project / "bench_bare.py").write_text(FASTAPI_BARE)
        else:
            settings = "bench_shop.settings.production"
            env |= {"DJANGO_SETTINGS_MODULE": settings, "ALLOWED_HOSTS": "127.0.0.1",
                    "SECURE_SSL_REDIRECT": "false", "CACHE_URL": "locmemcache://"}  # fmt: skip
            for step in (["migrate", "--noinput"], ["collectstatic", "--noinput"]):  # as the image
                sh([project / ".venv/bin/python", "manage.py", *step], project, env)
            health, bare_module = "/healthz", "bench_bare"
            (project / "bench_bare.py").write_text(DJANGO_BARE)
        with serving(argv, project, env, base + health):
            if architecture == "fastapi":
                generated, bare_loads = fastapi_loads(base)
            else:
                generated, bare_loads = django_loads(base, project, env)
            results["generated"] = {
                load.name: wrk(base, load, args.seconds, args.connections, root)
                for load in generated
            }
        bare_argv = [part if part != argv_target(argv) else bare_target(architecture, bare_module)
                     for part in argv]  # fmt: skip
        bare_env = env | (
            {"DJANGO_SETTINGS_MODULE": "bench_bare"} if architecture == "django" else {}
        )
        with serving(
            bare_argv,
            project,
            bare_env,
            base + ("/health" if architecture == "fastapi" else "/healthz"),
        ):
            results["bare"] = {
                load.name: wrk(base, load, args.seconds, args.connections, root)
                for load in bare_loads
            }
    return results


def argv_target(argv: list[str]) -> str:
    """The application argument of the server command (`pkg.main:app`, `pkg.wsgi`)."""
    return next(part for part in argv[1:] if not part.startswith("-") and "." in part)


def bare_target(architecture: str, module: str) -> str:
    return module if architecture == "fastapi" else "django.core.wsgi:get_wsgi_application()"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-a", "--architecture", action="append", choices=["django", "fastapi"])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--markdown", type=Path)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk")
    report: dict[str, object] = {"seconds": args.seconds, "connections": args.connections}
    lines = ["| architecture | endpoint | generated req/s | bare req/s | ratio | p50 ms | p99 ms |",
             "|---|---|---|---|---|---|---|"]  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="scaffold-bench-services-") as scratch:
        for architecture in args.architecture or ["django", "fastapi"]:
            results = bench(architecture, Path(scratch), args)
            report[architecture] = {
                side: {k: vars(v) for k, v in figs.items()} for side, figs in results.items()
            }
            for name, mine in results["generated"].items():
                bare = results["bare"][name]
                ratio = (
                    mine.requests_per_s / bare.requests_per_s
                    if bare.requests_per_s
                    else float("nan")
                )
                print(
                    f"{architecture:<8} {name:<7} {mine.requests_per_s:9.1f} req/s  "
                    f"bare {bare.requests_per_s:9.1f}  {ratio:5.2f}x  "
                    f"p50 {mine.p50_ms:7.2f} ms  p99 {mine.p99_ms:7.2f} ms"
                    + (f"  ({mine.errors} errors)" if mine.errors else "")
                )
                lines.append(
                    f"| {architecture} | {name} | {mine.requests_per_s:.0f} "
                    f"| {bare.requests_per_s:.0f} | {ratio:.2f} | {mine.p50_ms:.1f} "
                    f"| {mine.p99_ms:.1f} |"
                )
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    if args.markdown:
        args.markdown.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
