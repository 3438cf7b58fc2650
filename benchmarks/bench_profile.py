"""Where a signed-in Django page spends its time, beside the conventional page.

    uv run python benchmarks/bench_profile.py [--requests 300] [--json PATH]

Renders the Django template (working tree), installs it, seeds the same 20 notes as
bench_services.py on PostgreSQL (SQLite when none answers), and serves `/notes/` for one
signed-in user in one process, with no server in between: the project's WSGI handler is
called directly, once with the project's production settings and once with the
conventional page of bench_services.py (`startproject`'s settings, a function view with
`login_required`, a template file). Each side is timed first (best of 5 batches), then
profiled with cProfile, which reports the share of the request each part takes. The
profiler slows Python code more than waiting on the database, so the shares of database
work read low; read the parts beside each other, not as absolute times.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import tempfile
from pathlib import Path
from typing import Any

from bench_services import clean_env, find_python, fresh_database, install, probe, seed_django, sh

# The parts of a request, each by the function whose cumulative time it is: (file ending,
# function name). Nested parts (URL reversal inside rendering) are shares of the whole too.
PARTS: dict[str, tuple[str, str]] = {
    "whole request": ("django/core/handlers/wsgi.py", "__call__"),
    "template rendering": ("django/template/backends/django.py", "render"),
    "of which URL reversal": ("django/urls/base.py", "reverse"),
    "of which date formatting": ("django/template/defaultfilters.py", "date"),
    "of which escaping": ("django/utils/html.py", "conditional_escape"),
    "session lookup": ("django/contrib/sessions/backends/db.py", "load"),
    "user lookup": ("django/contrib/auth/backends.py", "get_user"),
    "CSRF token (sign-out form)": ("django/middleware/csrf.py", "get_token"),
    "database calls (every statement)": ("django/db/backends/utils.py", "execute"),
    "query building (SQL compiler)": ("django/db/models/sql/compiler.py", "as_sql"),
}

# Run inside the project's environment: time, then profile, one settings module.
CHILD = """
import cProfile, io, json, os, pstats, sys, time

sys.path.insert(0, os.getcwd())
from django.core.wsgi import get_wsgi_application

app = get_wsgi_application()
session, requests, parts = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3])


def call():
    environ = {
        "REQUEST_METHOD": "GET", "PATH_INFO": "/notes/", "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "HTTP_HOST": "127.0.0.1",
        "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1", "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(), "wsgi.errors": sys.stderr,
        "HTTP_COOKIE": "sessionid=" + session,
    }
    statuses = []
    body = b"".join(app(environ, lambda status, headers, exc=None: statuses.append(status)))
    if not statuses[0].startswith("200") or body.count(b'class="card"') < 20:
        raise SystemExit(f"/notes/ answered {statuses[0]} without the 20 notes")


for _ in range(50):
    call()
batches = []
for _ in range(5):
    started = time.perf_counter()
    for _ in range(requests):
        call()
    batches.append((time.perf_counter() - started) / requests * 1e6)
profiler = cProfile.Profile()
profiler.enable()
for _ in range(requests):
    call()
profiler.disable()
found = {}
for (path, _line, function), (_cc, _nc, _tt, cumulative, _callers) in (
    pstats.Stats(profiler).stats.items()
):
    for name, (ending, wanted) in parts.items():
        if function == wanted and path.replace(os.sep, "/").endswith(ending):
            found[name] = max(found.get(name, 0.0), cumulative)
whole = found["whole request"]
print(json.dumps({
    "us_per_request": round(min(batches), 1),
    "shares": {name: round(found.get(name, 0.0) / whole, 3) for name in parts},
}))
"""


def profile_side(project: Path, env: dict[str, str], settings: str, session: str,
                 requests: int) -> dict[str, Any]:  # fmt: skip
    out = sh(
        [project / ".venv/bin/python", "-c", CHILD, session, str(requests), json.dumps(PARTS)],
        project,
        env | {"DJANGO_SETTINGS_MODULE": settings},
    )
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def measure(root: Path, requests: int) -> dict[str, Any]:
    python = find_python("3.12")
    if python is None:
        raise SystemExit("no Python 3.12 interpreter for the generated project")
    env = clean_env() | {"UV_PYTHON": str(python)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    project = install("django", root, env)
    server = probe("postgresql://postgres@127.0.0.1:5432/postgres")
    database = "postgresql" if server.url else "sqlite"
    database_url = (
        fresh_database(server.url, "bench_profile")
        if server.url
        else contextlib.nullcontext(f"sqlite:///{root / 'profile.sqlite3'}")
    )
    with database_url as url:
        env |= {
            "DATABASE_URL": url,
            "SECRET_KEY": "p" * 50,
            "REDIS_URL": "redis://127.0.0.1:6379/14",
        }
        session = seed_django(project, env)
        sides = {
            "generated": profile_side(project, env, "bench_settings", session, requests),
            "conventional": profile_side(project, env, "bench_conventional", session, requests),
        }
    return {"database": database, "requests": requests, "parts": list(PARTS), **sides}


def markdown(result: dict[str, Any]) -> list[str]:
    mine, theirs = result["generated"], result["conventional"]
    lines = [
        "| part of `/notes/` (20 rows, signed in) | generated | conventional |",
        "|---|---:|---:|",
        f"| time per request, no profiler (best of 5 batches of {result['requests']}) "
        f"| {mine['us_per_request'] / 1000:.2f} ms | {theirs['us_per_request'] / 1000:.2f} ms |",
    ]
    for part in result["parts"][1:]:
        lines.append(f"| {part} | {mine['shares'][part]:.0%} | {theirs['shares'][part]:.0%} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-profile-") as root:
        result = measure(Path(root), args.requests)
    print("\n".join(markdown(result)))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
