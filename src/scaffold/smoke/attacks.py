"""`attacks`: what an attacker tries against the served project, through its proxy.

The project runs as in `replicas` (the image's own command, two replicas, production
settings, PostgreSQL, Caddy in front), and each attack must fail the way the project's
Security section says it does:

- forged access tokens (`alg: none`, another key, a tampered payload) are refused, and a
  token stops at "sign out everywhere" (FastAPI);
- a body over the limit gets 413, a validation error does not echo what was sent, the
  docs are off in production, answers carry `nosniff` and tokens `no-store`;
- the admin has no sign-in form of its own (Django);
- failed sign-ins lock the account on every replica and, in the hybrid, on both
  services;
- a client that forges `X-Forwarded-For` on every try is still counted as itself.

Attacks that count failed sign-ins run last: they share the one client address.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from scaffold.smoke import dockerfile
from scaffold.smoke.proxy import EMAIL, PASSWORD, ProxyFailure
from scaffold.smoke.replicas import Answer, Pool, cluster
from scaffold.smoke.report import Outcome

if TYPE_CHECKING:
    from scaffold.smoke.context import Context

DJANGO_REFUSED = "Too many failed login attempts"
ACCOUNT_FAILURES = 5  # SIGN_IN_ACCOUNT_FAILURES' default
CLIENT_FAILURES = 10  # SIGN_IN_CLIENT_FAILURES' default
OVERSIZED = 2 * 1024 * 1024  # over MAX_REQUEST_BYTES' 1 MiB default
_CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _jwt(header: dict[str, str], claims: dict[str, object], key: bytes | None) -> str:
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    if key is None:
        return signing_input + "."
    signature = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def _tampered(token: str) -> str:
    """The same token with its payload's subject changed and the signature kept."""
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = str(int(claims.get("sub", "1")) + 1)
    return f"{header}.{_b64(json.dumps(claims).encode())}.{signature}"


def _expect(answer: Answer, status: int, what: str) -> None:
    if answer.status != status:
        raise ProxyFailure(f"{what}: answered {answer.status}, not {status}", answer.body[-1500:])


# --- the API -----------------------------------------------------------------------------


def _token_path(hybrid: bool) -> str:
    return "/api/v1/auth/token" if hybrid else "/api/v1/auth/login"


def _sign_in(pool: Pool, hybrid: bool, email: str = EMAIL, password: str = PASSWORD) -> Answer:
    return pool.request("POST", _token_path(hybrid), form={"username": email, "password": password})


def api_tokens(pool: Pool, hybrid: bool) -> str:
    signed = _sign_in(pool, hybrid)
    _expect(signed, 200, "signing in")
    if "no-store" not in (signed.headers.get("Cache-Control") or ""):
        raise ProxyFailure("the token answer has no Cache-Control: no-store")
    token = json.loads(signed.body)["access_token"]
    me = "/api/v1/users/me"
    _expect(pool.request("GET", me, headers={"Authorization": f"Bearer {token}"}), 200, "a token")
    now = int(time.time())
    claims: dict[str, object] = {"sub": "1", "type": "access", "iat": now, "exp": now + 600}
    forged = {
        "alg: none": _jwt({"alg": "none", "typ": "JWT"}, claims, None),
        "another key": _jwt({"alg": "HS256", "typ": "JWT"}, claims, secrets.token_bytes(32)),
        "a tampered subject": _tampered(token),
    }
    for how, bad in forged.items():
        answer = pool.request("GET", me, headers={"Authorization": f"Bearer {bad}"})
        _expect(answer, 401, f"a token with {how}")
    if not hybrid:
        bearer = {"Authorization": f"Bearer {token}"}
        _expect(pool.request("POST", "/api/v1/auth/logout-all", headers=bearer), 204, "logout-all")
        _expect(pool.request("GET", me, headers=bearer), 401, "a token after sign-out everywhere")
    stale = "" if hybrid else ", and one stopped at sign-out everywhere"
    return f"forged tokens (alg none, another key, tampered) were refused{stale}"


def api_requests(pool: Pool, hybrid: bool) -> str:
    live = pool.request("GET", "/api/v1/health/live")
    if live.headers.get("X-Content-Type-Options") != "nosniff":
        raise ProxyFailure("answers carry no X-Content-Type-Options: nosniff")
    docs = ("/api/docs", "/api/v1/openapi.json") if hybrid else ("/docs", "/openapi.json")
    for path in docs:
        _expect(pool.request("GET", path), 404, f"{path} in production")
    canary = f"canary-{secrets.token_hex(6)}"
    echoed = pool.request("POST", _token_path(hybrid), form={"username": canary})
    _expect(echoed, 422, "a sign-in form without a password")
    if canary in echoed.body:
        raise ProxyFailure("a validation error echoed what was sent", echoed.body[-1500:])
    big = pool.request(
        "POST",
        _token_path(hybrid),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        raw=b"username=" + b"x" * OVERSIZED,
    )
    _expect(big, 413, f"a {OVERSIZED // (1024 * 1024)} MiB body")
    return "no docs in production, nosniff, no echo in 422, 413 for a huge body"


def api_lockout(pool: Pool, hybrid: bool) -> str:
    for _ in range(ACCOUNT_FAILURES):
        _expect(_sign_in(pool, hybrid, password="not-the-password"), 401, "a wrong password")
    locked = _sign_in(pool, hybrid)
    _expect(locked, 429, f"the right password after {ACCOUNT_FAILURES} failures")
    return f"{ACCOUNT_FAILURES} failures locked the account on both replicas"


def _forging(attempt: Callable[[str, dict[str, str]], bool]) -> str:
    """Fail to sign in as new accounts, forging a new X-Forwarded-For each time, until
    refused; the forged addresses must not have counted."""
    for number in range(CLIENT_FAILURES + 1):
        forged = {"X-Forwarded-For": f"192.0.2.{number + 1}"}
        if attempt(f"nobody-{number}-{secrets.token_hex(3)}@example.com", forged):
            return f"a client forging X-Forwarded-For was refused after {number} failures"
    raise ProxyFailure(
        f"a client forging X-Forwarded-For made {CLIENT_FAILURES + 1} failed sign-ins "
        "and was never refused: the forged addresses were believed"
    )


def api_forged_addresses(pool: Pool, hybrid: bool) -> str:
    def refused(email: str, headers: dict[str, str]) -> bool:
        answer = pool.request(
            "POST",
            _token_path(hybrid),
            form={"username": email, "password": "not-the-password"},
            headers=headers,
        )
        return answer.status == 429

    return _forging(refused)


# --- Django --------------------------------------------------------------------------------


def _django_attempt(pool: Pool, email: str, password: str, headers: dict[str, str]) -> Answer:
    page = pool.request("GET", "/accounts/login/", headers=headers)
    token = _CSRF_FIELD.search(page.body)
    if token is None:
        raise ProxyFailure(f"GET /accounts/login/ answered {page.status} without a form")
    form = {"login": email, "password": password, "csrfmiddlewaretoken": token.group(1)}
    return pool.request("POST", "/accounts/login/", form=form, headers=headers)


def django_admin(pool: Pool, admin_path: str) -> str:
    login = f"/{admin_path.strip('/')}/login/"
    answer = pool.request("GET", login)
    target = answer.headers.get("Location") or ""
    if answer.status != 302 or "/accounts/login/" not in target:
        raise ProxyFailure(
            f"GET {login} answered {answer.status} ({target}), not a redirect to the site's "
            "sign-in: the admin has a password form of its own"
        )
    return "the admin's sign-in goes to the site's, with its limits"


def django_lockout(web: Pool, api: Pool | None) -> str:
    """Failures on the API (hybrid) or on Django lock the account on Django."""
    for _ in range(ACCOUNT_FAILURES):
        if api is not None:
            _expect(_sign_in(api, True, password="not-the-password"), 401, "a wrong password")
        else:
            _django_attempt(web, EMAIL, "not-the-password", {})
    answer = _django_attempt(web, EMAIL, PASSWORD, {})
    if DJANGO_REFUSED not in answer.body:
        where = "the API" if api is not None else "Django"
        raise ProxyFailure(
            f"after {ACCOUNT_FAILURES} failures on {where}, Django's sign-in took the right "
            f"password (HTTP {answer.status})"
        )
    if api is not None:
        return f"{ACCOUNT_FAILURES} failures on the API locked the account on Django too"
    return f"{ACCOUNT_FAILURES} failures locked the account on both replicas"


def django_forged_addresses(pool: Pool) -> str:
    def refused(email: str, headers: dict[str, str]) -> bool:
        answer = _django_attempt(pool, email, "not-the-password", headers)
        return DJANGO_REFUSED in answer.body

    return _forging(refused)


# --- the check -----------------------------------------------------------------------------


def check_attacks(ctx: Context) -> Outcome:
    notes: list[str] = []
    try:
        with cluster(ctx, f"{ctx.architecture.value}_attacks") as running:
            web, api = running.web, running.api
            hybrid = web is not None and api is not None
            if api is not None:
                notes += [api_tokens(api, hybrid), api_requests(api, hybrid)]
            if web is not None:
                notes.append(django_admin(web, ctx.answers.get("admin_path", "backoffice")))
                notes.append(django_lockout(web, api))
                notes.append(django_forged_addresses(web))
            elif api is not None:
                notes += [api_lockout(api, hybrid), api_forged_addresses(api, hybrid)]
    except ProxyFailure as failure:
        return Outcome.fail(failure.reason, failure.output)
    except dockerfile.DockerfileError as exc:
        return Outcome.fail(str(exc))
    return Outcome.ok("; ".join(notes))
