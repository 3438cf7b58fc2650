"""The hybrid's front door: Django and FastAPI on the host behind the project's own Caddyfile.

Each service runs its Dockerfile's command (one worker, production settings) on a free
port; Caddy runs the real Caddyfile with its upstreams and address pointed there through
the environment variables the Caddyfile reads. Then the routing is checked over HTTP,
and one flow crosses both services: a user made by Django gets a token from the API and
lists notes with it. Last, headless Chromium signs in to the Django admin through the
proxy, as a member of staff would: password, then authenticator code.
"""

from __future__ import annotations

import base64
import contextlib
import json
import secrets
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from scaffold.smoke import dockerfile
from scaffold.smoke.context import has_worker
from scaffold.smoke.redis_server import RedisDown, production_redis
from scaffold.smoke.report import Outcome
from scaffold.smoke.serve import (
    START_TIMEOUT,
    build_env,
    database_for,
    free_port,
    rebind,
    secret_variables,
)
from scaffold.smoke.tools import ToolMissing, find_tool, run, stop_group

if TYPE_CHECKING:
    from scaffold.smoke.context import Context

EMAIL, PASSWORD = "smoke-proxy@example.com", "Smoke-proxy-password-1"
STAFF_EMAIL, STAFF_PASSWORD = "smoke-staff@example.com", "Smoke-staff-password-1"
STAFF_TOTP_SECRET = base64.b32encode(secrets.token_bytes(20)).decode()

# Made through Django's ORM, as sign-up plus email verification would leave them; the
# superuser (verified by createsuperuser) with an authenticator app, as the admin wants.
CREATE_USER = f"""
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import encrypt
from django.contrib.auth import get_user_model

user = get_user_model().objects.create_user(email="{EMAIL}", password="{PASSWORD}")
EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
staff = get_user_model().objects.create_superuser(
    email="{STAFF_EMAIL}", password="{STAFF_PASSWORD}"
)
Authenticator.objects.create(
    user=staff, type=Authenticator.Type.TOTP, data={{"secret": encrypt("{STAFF_TOTP_SECRET}")}}
)
"""


class ProxyFailure(Exception):
    def __init__(self, reason: str, output: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.output = output


def _request(
    url: str, *, data: Mapping[str, str] | None = None, headers: Mapping[str, str] | None = None
) -> tuple[int, str]:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, headers=dict(headers or {}))
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return int(response.status), response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")
    except (urllib.error.URLError, OSError) as exc:
        return 0, str(exc)


@contextlib.contextmanager
def running(
    name: str, argv: list[str], cwd: Path, env: dict[str, str], logs: Path
) -> Iterator[Path]:
    log_path = logs / f"proxy-{name}.log"
    with log_path.open("w", encoding="utf-8") as log:
        process = subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            text=True,
        )
        try:
            yield log_path
        finally:
            stop_group(process, grace=10)


def wait_for(url: str, logs: list[Path]) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    status, detail = 0, ""
    while time.monotonic() < deadline:
        status, detail = _request(url)
        if status == 200:
            return
        time.sleep(0.5)
    output = "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-2000:]}" for p in logs)
    raise ProxyFailure(f"{url} did not answer 200 (last: {status or detail})", output)


def service_command(image_path: Path, port: int) -> tuple[dockerfile.Image, list[str]]:
    image = dockerfile.read_image_file(image_path)
    if not image.argv:
        raise ProxyFailure(f"{image_path.name}: no CMD")
    argv, _ = rebind(image.argv, sorted({*image.expose, 8000}), port)
    return image, argv


def _check_routes(ctx: Context, front: str, logs: list[Path]) -> list[str]:
    admin = str(ctx.answers.get("admin_path", "admin")).strip("/")
    checks = [
        (f"{front}/healthz", "Django's health through the proxy"),
        (f"{front}/api/v1/health", "the API's health through the proxy"),
        (f"{front}/{admin}/login/", "the admin's sign-in (the site's) through the proxy"),
        (f"{front}/accounts/login/", "the sign-in page through the proxy"),
    ]
    seen = []
    for url, what in checks:
        status, body = _request(url)
        if status != 200:
            output = "\n".join(p.read_text(errors="replace")[-1500:] for p in logs)
            raise ProxyFailure(f"{what}: {url} answered {status}", body[-500:] + "\n" + output)
        seen.append(urllib.parse.urlsplit(url).path)
    return seen


def _cross_service_flow(front: str) -> None:
    status, body = _request(
        f"{front}/api/v1/auth/token", data={"username": EMAIL, "password": PASSWORD}
    )
    if status != 200:
        raise ProxyFailure(f"POST /api/v1/auth/token for a Django user answered {status}", body)
    token = json.loads(body).get("access_token")
    if not token:
        raise ProxyFailure("the token endpoint answered no access_token", body)
    status, body = _request(f"{front}/api/v1/notes", headers={"Authorization": f"Bearer {token}"})
    if status != 200:
        raise ProxyFailure(f"GET /api/v1/notes with the API's token answered {status}", body)


def _browser_admin_sign_in(ctx: Context, front: str) -> str:
    from scaffold.smoke.browser import BrowserFailure, admin_sign_in

    admin = str(ctx.answers.get("admin_path", "admin"))
    try:
        return admin_sign_in(front, admin, STAFF_EMAIL, STAFF_PASSWORD, STAFF_TOTP_SECRET)
    except BrowserFailure as exc:
        raise ProxyFailure(f"Chromium could not sign in to the admin: {exc}") from exc


def _prepare_django(project: Path, env: dict[str, str]) -> None:
    """What the image build and compose's migrate step do, then a user to sign in with."""
    for step in (
        ["migrate", "--noinput"],
        ["collectstatic", "--noinput"],
        ["shell", "-c", CREATE_USER],
    ):
        ran = run(["python", "manage.py", *step], cwd=project, env=env, timeout=300)
        if not ran.ok:
            raise ProxyFailure(f"manage.py {step[0]} exited {ran.returncode}", ran.output)


def serve_behind_proxy(ctx: Context) -> Outcome:
    caddyfile = ctx.project / "Caddyfile"
    api_dir = ctx.project / "api"
    for needed in (caddyfile, ctx.project / "Dockerfile", api_dir / "Dockerfile"):
        if not needed.is_file():
            return Outcome.fail(f"no {needed.relative_to(ctx.project)}")
    try:
        caddy = find_tool("caddy")
    except ToolMissing as exc:
        return Outcome.fail(str(exc))
    web_port, api_port, front_port = free_port(), free_port(), free_port()
    front = f"http://127.0.0.1:{front_port}"
    try:
        web_image, web_argv = service_command(ctx.project / "Dockerfile", web_port)
        api_image, api_argv = service_command(api_dir / "Dockerfile", api_port)
        with (
            database_for(ctx, "hybrid_proxy") as (database_url, database_kind),
            contextlib.ExitStack() as services,
        ):
            variables = {
                **secret_variables(ctx.project),
                "ALLOWED_HOSTS": "127.0.0.1,localhost",
                "CSRF_TRUSTED_ORIGINS": front,
                "SECURE_SSL_REDIRECT": "false",
                "DATABASE_URL": database_url,
                "WEB_CONCURRENCY": "1",
            }
            variables.update(
                services.enter_context(
                    production_redis(has_worker(ctx), ctx.scratch / "redis-proxy")
                )
            )
            web_env = build_env(ctx, web_image, None, variables)
            _prepare_django(ctx.project, web_env)
            api_env = build_env(ctx, api_image, None, variables, api_dir)
            caddy_env = {
                **ctx.env,
                "SITE_ADDRESS": front,
                "DJANGO_UPSTREAM": f"127.0.0.1:{web_port}",
                "API_UPSTREAM": f"127.0.0.1:{api_port}",
                "HOME": str(ctx.scratch),  # Caddy keeps its state under HOME
                "XDG_DATA_HOME": str(ctx.scratch / "caddy-data"),
                "XDG_CONFIG_HOME": str(ctx.scratch / "caddy-config"),
            }
            caddy_argv = [str(caddy), "run", "--config", str(caddyfile), "--adapter", "caddyfile"]
            with contextlib.ExitStack() as stack:
                logs = [
                    stack.enter_context(
                        running("web", web_argv, ctx.project, web_env, ctx.scratch)
                    ),
                    stack.enter_context(running("api", api_argv, api_dir, api_env, ctx.scratch)),
                    stack.enter_context(
                        running("caddy", caddy_argv, ctx.project, caddy_env, ctx.scratch)
                    ),
                ]
                wait_for(f"http://127.0.0.1:{web_port}/healthz", logs)
                wait_for(f"http://127.0.0.1:{api_port}/api/v1/health", logs)
                wait_for(f"{front}/healthz", logs)
                routes = _check_routes(ctx, front, logs)
                _cross_service_flow(front)
                admin_title = _browser_admin_sign_in(ctx, front)
    except ProxyFailure as failure:
        return Outcome.fail(failure.reason, failure.output)
    except (ToolMissing, RedisDown) as exc:  # redis-server, for a project with the worker
        return Outcome.fail(str(exc))
    except dockerfile.DockerfileError as exc:
        return Outcome.fail(str(exc))
    return Outcome.ok(
        f"Caddy routed {', '.join(routes)}, a Django user's token listed notes and Chromium "
        f"signed in to the admin with password and authenticator code ({admin_title!r}), "
        f"on {database_kind}"
    )
