"""Generated services under load, each figure beside a bare app of the same framework.

    uv run python benchmarks/bench_services.py [-a django|fastapi|hybrid]...
        [--seconds 3] [--rounds 7] [--connections 16] [--json PATH] [--markdown PATH]

For each architecture: render the working-tree template, install it (uv, warm cache),
start the Dockerfile's own command with one worker and production settings on
127.0.0.1 (PostgreSQL when the local server answers, else SQLite), and load it with
wrk (Debian package `wrk`) from a second process. The hybrid is measured on its API
service; its Django side is the Django template's code.

- light: the liveness probe (no database work);
- health: the readiness probe (one database round trip);
- read: the example resource's list for a signed-in user (20 rows);
- read_session (Django): the same page again, this time beside a bare page that signs in
  by session (the session row, the user row, then the rows): no goal, it shows how much
  of the gap to the bare page is the sign-in itself;
- login: the sign-in endpoint (Argon2 verification: slow by design; 4 connections,
  rounds of at least 5 s).

The baseline is a minimal app written here, run by the same server with the same flags,
with the same endpoint shape (the same rows read with the same driver, the same Argon2
verification) and no middleware, authentication or framework extras. Both servers run
at once and are loaded in turns (which goes first alternates), so machine noise hits
both alike; each side's figure is the median of its rounds, and the ratio the median of
the rounds' ratios. With two or more CPUs the servers share CPU 0 and wrk runs on
CPU 1. Sign-in rate limits are lifted for the run.
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
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from scaffold.smoke import dockerfile  # noqa: E402
from scaffold.smoke.postgres import fresh_database, probe  # noqa: E402
from scaffold.smoke.serve import free_port, get, rebind  # noqa: E402
from scaffold.smoke.tools import clean_env, find_python, find_tool, stop_group  # noqa: E402

EMAIL, PASSWORD = "bench@example.com", "correct horse battery staple"
ROWS = 20
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
# Ratio goals (generated / bare) from the performance issue; login has none: its cost is
# the password hash, which stays strong on purpose.
GOALS = {
    "django": {"light": 0.8, "health": 0.8, "read": 0.8},
    "fastapi": {"light": 0.8, "read": 0.6},
    "hybrid": {"light": 0.8, "read": 0.6},
}


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
    errors: int


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
    """One architecture, installed and ready to serve: its server, the bare one, the loads."""

    generated: Server
    bare: Server
    loads: Callable[[str], list[Load]]  # base URL of the running generated server -> loads
    bare_loads: list[Load]
    hash_cost_ms: float


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
    if load.slow:
        seconds, connections = max(seconds, 5), min(connections, 4)
    script = scratch / f"{load.name}.lua"
    headers = "".join(f'wrk.headers["{k}"] = {json.dumps(v)}\n' for k, v in load.headers.items())
    body = json.dumps(load.body)
    script.write_text(f'wrk.method = "{load.method}"\nwrk.body = {body}\n{headers}')
    command = ["wrk", "--latency", "--timeout", "30s", "-t", "1", "-c", str(connections),
               "-d", f"{seconds}s", "-s", str(script), url + load.path]  # fmt: skip
    done = subprocess.run(pinned(command, 1), capture_output=True, text=True, check=False)
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


def compare(
    generated: tuple[str, Load], bare: tuple[str, Load], args: argparse.Namespace, scratch: Path
) -> dict[str, object]:
    """Load both servers in turns; report each side's median round, and the median of
    the rounds' ratios (the two sides of a round run back to back, so a change in the
    machine's speed between rounds cancels out)."""
    for url, load in (generated, bare):
        expected = (200, 302, 303) if load.method == "POST" else (200,)
        status = answer_status(url, load)
        if status not in expected:
            raise RuntimeError(f"{load.method} {url}{load.path} answered {status}, not {expected}")
        wrk(url, load, 1, args.connections, scratch)  # warm-up: caches, pools, first imports
    rounds: dict[str, list[Figure]] = {"generated": [], "bare": []}
    sides = [("generated", generated), ("bare", bare)]
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
        for mine, theirs in zip(rounds["generated"], rounds["bare"], strict=True)
    )
    return {
        "path": generated[1].path,
        "method": generated[1].method,
        "generated": asdict(medians["generated"]),
        "bare": asdict(medians["bare"]),
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


def image_command(project: Path, port: int) -> list[str]:
    """The Dockerfile's CMD on 127.0.0.1:`port`, from the project's virtual environment."""
    image = dockerfile.read_image_file(project / "Dockerfile")
    argv, _ = rebind(image.argv, sorted({*image.expose, 8000}), port)
    argv = [part.replace("0.0.0.0", "127.0.0.1") for part in argv]
    return [str(project / ".venv" / "bin" / argv[0]), *argv[1:]]


def bare_command(argv: list[str], target: str) -> list[str]:
    """The same server and flags, serving the bare app instead of the project's."""
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

FASTAPI_BARE = """
import jwt
from fastapi import FastAPI, Form
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from {settings_module} import Settings

engine = create_async_engine(Settings().database_url)
app = FastAPI()
{verify_setup}

@app.get("/live")
async def live() -> dict[str, str]:
    return {{"status": "ok"}}


@app.get("/health")
async def health() -> dict[str, str]:
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))
    return {{"status": "ok"}}


@app.get("/rows")
async def rows() -> list[dict[str, object]]:
    async with engine.connect() as connection:
        found = await connection.execute(text("{read_sql}"))
        return [dict(row._mapping) for row in found]


@app.post("/login")
async def login(username: str = Form(), password: str = Form()) -> dict[str, str]:
    async with engine.connect() as connection:
        row = (await connection.execute(text("{login_sql}"), {{"email": username}})).one()
    verify(password, row.stored)
    return {{"access_token": jwt.encode({{"sub": str(row.id)}}, "x" * 32, algorithm="HS256")}}
"""

PWDLIB_VERIFY = """
from pwdlib import PasswordHash

hasher = PasswordHash.recommended()


def verify(password: str, stored: str) -> None:
    assert hasher.verify(password, stored)
"""

DJANGO_ARGON2_VERIFY = """
from argon2 import PasswordHasher

hasher = PasswordHasher()


def verify(password: str, stored: str) -> None:
    assert hasher.verify(stored.removeprefix("argon2"), password)
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


def api_loads(
    base: str, *, token_path: str, resource: str, make_rows: bool
) -> tuple[list[Load], dict[str, str]]:
    """Sign in, create the rows if the API owns them, and describe the four loads."""
    login = {"username": EMAIL, "password": PASSWORD}
    token = request_json(base, token_path, login, FORM)
    assert isinstance(token, dict)
    bearer = {"Authorization": f"Bearer {token['access_token']}"}
    if make_rows:  # the FastAPI template: the rows are made through the API
        for number in range(ROWS):
            item = {"title": f"Item {number}", "description": "x" * 80}
            request_json(base, f"/api/v1/{resource}", item, bearer)
    login_body = urllib.parse.urlencode(login)
    loads = [
        Load("light", "GET", "/api/v1/health/live"),
        Load("health", "GET", "/api/v1/health"),
        Load("read", "GET", f"/api/v1/{resource}?limit={ROWS}", bearer),
        Load("login", "POST", token_path, FORM, login_body),
    ]
    return loads, bearer


def bare_api_loads() -> list[Load]:
    login_body = urllib.parse.urlencode({"username": EMAIL, "password": PASSWORD})
    return [
        Load("light", "GET", "/live"),
        Load("health", "GET", "/health"),
        Load("read", "GET", "/rows"),
        Load("login", "POST", "/login", FORM, login_body),
    ]


# Sign-in limits lifted for the run: the load signs in far more often than any person.
NO_SIGN_IN_LIMITS = {
    "SIGN_IN_ACCOUNT_FAILURES": "100000000",
    "SIGN_IN_CLIENT_FAILURES": "100000000",
}


def prepare_fastapi(project: Path, env: dict[str, str], ports: tuple[int, int]) -> Service:
    env |= {"ENVIRONMENT": "production", **NO_SIGN_IN_LIMITS}
    sh([project / ".venv/bin/alembic", "upgrade", "head"], project, env)
    # A confirmed account, as the project's own command makes one.
    cli = [project / ".venv/bin/python", "-m", "bench_shop.cli", "create-superuser", EMAIL]
    sh([*cli, "--password-stdin"], project, env, PASSWORD + "\n")
    (project / "bench_bare.py").write_text(
        FASTAPI_BARE.format(
            settings_module="bench_shop.settings",
            verify_setup=PWDLIB_VERIFY,
            # The generated list reads the user, then the page with its count.
            read_sql="SELECT id, title, description, owner_id, created_at FROM items "
            "WHERE owner_id = 1 ORDER BY id LIMIT 20",
            login_sql="SELECT id, hashed_password AS stored FROM users WHERE email = :email",
        )
    )
    argv, bare_argv = (image_command(project, port) for port in ports)
    cost = hash_cost(
        project / ".venv/bin/python", project, env,
        "from bench_shop.passwords import password_hash\n"
        "stored = password_hash.hash('x' * 20)\n"
        "def verify(): password_hash.verify('x' * 20, stored)",
    )  # fmt: skip
    return Service(
        generated=Server(argv, project, env, "/api/v1/health", ports[0]),
        bare=Server(bare_command(bare_argv, "bench_bare:app"), project, env, "/health", ports[1]),
        loads=lambda base: api_loads(
            base, token_path="/api/v1/auth/login", resource="items", make_rows=True
        )[0],
        bare_loads=bare_api_loads(),
        hash_cost_ms=cost,
    )


def prepare_hybrid(project: Path, env: dict[str, str], ports: tuple[int, int]) -> Service:
    django_env = prepare_django_database(project, env)
    sh([project / ".venv/bin/python", "manage.py", "shell"], project, django_env, DJANGO_SEED)
    api = project / "api"
    env |= {"ENVIRONMENT": "production", "API_SECRET_KEY": secrets.token_urlsafe(50),
            **NO_SIGN_IN_LIMITS}  # fmt: skip
    (api / "bench_bare.py").write_text(
        FASTAPI_BARE.format(
            settings_module="api.settings",
            verify_setup=DJANGO_ARGON2_VERIFY,
            read_sql="SELECT id, title, body, owner_id, created_at, updated_at FROM notes_note "
            "WHERE owner_id = 1 ORDER BY updated_at DESC, id DESC LIMIT 20",
            login_sql="SELECT id, password AS stored FROM accounts_user WHERE email = :email",
        )
    )
    argv, bare_argv = (image_command(api, port) for port in ports)
    cost = hash_cost(
        api / ".venv/bin/python", api, env,
        "from api.passwords import verify_django_password\n"
        f"stored = {stored_django_hash(project, django_env)!r}\n"
        "def verify(): assert verify_django_password('x' * 20, stored)",
    )  # fmt: skip
    return Service(
        generated=Server(argv, api, env, "/api/v1/health", ports[0]),
        bare=Server(bare_command(bare_argv, "bench_bare:app"), api, env, "/health", ports[1]),
        loads=lambda base: api_loads(
            base, token_path="/api/v1/auth/token", resource="notes", make_rows=False
        )[0],
        bare_loads=bare_api_loads(),
        hash_cost_ms=cost,
    )


# --- Django ----------------------------------------------------------------------------------

DJANGO_BARE = """
import environ
from django.contrib.auth.hashers import check_password
from django.contrib.sessions.middleware import SessionMiddleware
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import engines
from django.urls import path
from django.utils.decorators import decorator_from_middleware
from django.views.decorators.csrf import csrf_exempt

# The generated project's key, so that its session cookies open here too.
SECRET_KEY = environ.Env().str("SECRET_KEY")
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = __name__
DATABASES = {"default": environ.Env.db_url_config(environ.Env().str("DATABASE_URL"))}
DATABASES["default"]["CONN_MAX_AGE"] = 60
# Only for the session table; no middleware runs on any request.
INSTALLED_APPS = ["django.contrib.sessions"]
MIDDLEWARE: list[str] = []
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates"}]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
USE_TZ = True

# The rows of the generated notes page, with the same links, truncation and dates.
PAGE = '''<!doctype html><html><body><ul>{% for note in notes %}
<li><h2><a href="{% url 'edit' note.id %}">{{ note.title }}</a></h2>
<p>{{ note.body|truncatewords:30 }}</p>
<p>Updated {{ note.updated_at|date:"j M Y, H:i" }}
<a href="{% url 'delete' note.id %}">Delete</a></p>
</li>{% endfor %}</ul></body></html>'''


def live(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def health(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def page_of(owner_id: int) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, title, body, updated_at FROM notes_note WHERE owner_id = %s "
            "ORDER BY updated_at DESC, id DESC LIMIT 20", [owner_id]
        )
        columns = [column.name for column in cursor.description]
        rows = [dict(zip(columns, row)) for row in cursor.fetchall()]
    return HttpResponse(engines["django"].from_string(PAGE).render({"notes": rows}))


def notes(request: HttpRequest) -> HttpResponse:
    return page_of(1)


@decorator_from_middleware(SessionMiddleware)
def notes_of_session(request: HttpRequest) -> HttpResponse:
    # Session sign-in at its barest: the session row, then the user row, then the page.
    user_id = request.session.get("_auth_user_id")
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM accounts_user WHERE id = %s AND is_active", [user_id])
        if cursor.fetchone() is None:
            return HttpResponse(status=403)
    return page_of(int(user_id))


@csrf_exempt
def login(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        email = request.POST["login"]
        cursor.execute("SELECT password FROM accounts_user WHERE email = %s", [email])
        (stored,) = cursor.fetchone()
    return JsonResponse({"ok": check_password(request.POST["password"], stored)})


urlpatterns = [
    path("livez", live), path("healthz", health), path("notes/", notes), path("login", login),
    path("session-notes/", notes_of_session),
    path("notes/<int:pk>/edit/", live, name="edit"),
    path("notes/<int:pk>/delete/", live, name="delete"),
]
"""

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
    return [
        Load("light", "GET", "/livez"),
        Load("health", "GET", "/healthz"),
        Load("read", "GET", "/notes/", {"Cookie": f"sessionid={session}"}),
        Load("read_session", "GET", "/notes/", {"Cookie": f"sessionid={session}"}),
        Load("login", "POST", "/accounts/login/", {**FORM, "Cookie": f"csrftoken={csrf_cookie}"},
             login_body),
    ]  # fmt: skip


def prepare_django(project: Path, env: dict[str, str], ports: tuple[int, int]) -> Service:
    env |= prepare_django_database(project, env)
    python = project / ".venv/bin/python"
    sh([python, "manage.py", "shell"], project, env, DJANGO_SEED)
    (project / "bench_bare.py").write_text(DJANGO_BARE)
    (project / "bench_settings.py").write_text(DJANGO_BENCH_SETTINGS)
    argv, bare_argv = (image_command(project, port) for port in ports)
    bare_argv = bare_command(bare_argv, "django.core.wsgi:get_wsgi_application()")
    login_body = urllib.parse.urlencode({"login": EMAIL, "password": PASSWORD})
    stored = stored_django_hash(project, env)
    session = sh([python, "manage.py", "shell"], project, env, DJANGO_SESSION).split()[-1]
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
        bare=Server(
            bare_argv,
            project,
            env | {"DJANGO_SETTINGS_MODULE": "bench_bare"},
            "/healthz",
            ports[1],
        ),
        loads=lambda base: django_loads(base, session),
        bare_loads=[
            Load("light", "GET", "/livez"),
            Load("health", "GET", "/healthz"),
            Load("read", "GET", "/notes/"),
            Load("read_session", "GET", "/session-notes/", {"Cookie": f"sessionid={session}"}),
            Load("login", "POST", "/login", FORM, login_body),
        ],
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
    with database as url:
        env |= {"DATABASE_URL": url, "SECRET_KEY": secrets.token_urlsafe(50)}
        service = PREPARE[architecture](project, env, two_ports())
        with serving(service.generated), serving(service.bare):
            loads = service.loads(service.generated.base)
            figures = {
                mine.name: compare(
                    (service.generated.base, mine), (service.bare.base, bare), args, root
                )
                for mine, bare in zip(loads, service.bare_loads, strict=True)
            }
    command = " ".join([Path(service.generated.argv[0]).name, *service.generated.argv[1:]])
    return {
        "database": "postgresql" if server.url else "sqlite",
        "server": Path(service.generated.argv[0]).name,
        "command": command + config_file_settings(service.generated),
        "password_hash_ms": service.hash_cost_ms,
        "endpoints": figures,
    }  # fmt: skip


def config_file_settings(server: Server) -> str:
    """What gunicorn reads from the project's gunicorn.conf.py, which the command omits."""
    if not (server.cwd / "gunicorn.conf.py").is_file():
        return ""
    code = "import runpy; s = runpy.run_path('gunicorn.conf.py'); print(s['worker_class'])"
    code += "; print(s['threads'])"
    python = Path(server.argv[0]).parent / "python"
    worker, threads = sh([python, "-c", code], server.cwd, server.env).split()
    return f" (gunicorn.conf.py: {worker} worker, {threads} threads)"


def markdown(report: dict[str, dict[str, object]]) -> list[str]:
    lines = [
        "| architecture | endpoint | generated req/s | bare req/s | ratio | goal "
        "| p50 ms | p99 ms |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for architecture, result in report.items():
        endpoints = result["endpoints"]
        assert isinstance(endpoints, dict)
        for name, figure in endpoints.items():
            mine, bare = figure["generated"], figure["bare"]
            goal = GOALS[architecture].get(name)
            lines.append(
                f"| {architecture} | {name} | {mine['requests_per_s']:.0f} "
                f"| {bare['requests_per_s']:.0f} | {figure['ratio']:.2f} "
                f"| {'≥ ' + format(goal, '.1f') if goal else '—'} "
                f"| {mine['p50_ms']:.1f} | {mine['p99_ms']:.1f} |"
            )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-a", "--architecture", action="append", choices=sorted(PREPARE))
    parser.add_argument("--seconds", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--markdown", type=Path)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk")
    report: dict[str, dict[str, object]] = {}
    with tempfile.TemporaryDirectory(prefix="scaffold-bench-services-") as scratch:
        for architecture in args.architecture or ["django", "fastapi", "hybrid"]:
            report[architecture] = result = bench(architecture, Path(scratch), args)
            endpoints = result["endpoints"]
            assert isinstance(endpoints, dict)
            for name, figure in endpoints.items():
                mine, bare = figure["generated"], figure["bare"]
                goal = GOALS[architecture].get(name)
                verdict = "" if goal is None else ("  ok" if figure["ratio"] >= goal else "  BELOW")
                print(
                    f"{architecture:<8} {name:<7} {mine['requests_per_s']:9.1f} req/s  "
                    f"bare {bare['requests_per_s']:9.1f}  {figure['ratio']:5.2f}x"
                    f"{f' (goal {goal})' if goal else '':<12}{verdict:<8}"
                    f"p50 {mine['p50_ms']:7.2f} ms  p99 {mine['p99_ms']:7.2f} ms"
                    + (f"  ({mine['errors']} errors)" if mine["errors"] else ""),
                    flush=True,
                )
            print(f"{architecture:<8} one password verification: {result['password_hash_ms']} ms")
    figures = {
        "settings": {
            "seconds": args.seconds,
            "rounds": args.rounds,
            "connections": args.connections,
            "cpus": os.cpu_count(),
            "machine": platform.machine(),
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
