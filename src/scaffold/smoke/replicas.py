"""Two replicas of each web process on one database, behind a round-robin proxy.

What a Deployment with many pods needs, proved on the host: the project's migration
command (the one its Kubernetes Job runs) started twice at once leaves one complete
schema, with exactly one of the two doing the work; then two copies of each image's own
command serve one PostgreSQL database behind Caddy (`lb_policy round_robin`, configured
here, not by the project). Caddy names the upstream that answered in a response header
the smoke adds, so every step knows which replica served it, and steers a request to the
other one by spending a cheap probe first.

`check_replicas`: a user signed in on one replica is signed in on the other (Django's
session cookie; the API's bearer token), and signing out through one is honoured by the
other (the session, or the revoked refresh token). `check_replicas_limits`: after as many
failed sign-ins as the limit allows, spread over both replicas, both refuse the next one
(the counts live in the database, which every replica shares).
"""

from __future__ import annotations

import contextlib
import json
import re
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scaffold.smoke import dockerfile
from scaffold.smoke.context import has_worker
from scaffold.smoke.proxy import (
    CREATE_USER,
    EMAIL,
    PASSWORD,
    ProxyFailure,
    running,
    service_command,
    wait_for,
)
from scaffold.smoke.redis_server import RedisDown, production_redis
from scaffold.smoke.report import Outcome
from scaffold.smoke.serve import build_env, database_for, free_port, secret_variables
from scaffold.smoke.tools import ToolMissing, find_tool, run

if TYPE_CHECKING:
    from scaffold.smoke.context import Context

REPLICA_HEADER = "X-Smoke-Replica"
MIGRATION_JOB = Path("deploy") / "k8s" / "base" / "migrate.yaml"
# What each framework's migrate prints for a migration it applies.
APPLIED = re.compile(r"Applying \w+\.\w+|Running upgrade")
REPLICAS = 2


# --- a round-robin pool, seen from the client ------------------------------------------------


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Message
    body: str
    replica: str


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args: Any, **_kwargs: Any) -> None:
        return None  # a redirect is an answer to look at, not to follow


_OPENER = urllib.request.build_opener(_NoRedirects)


@dataclass
class Pool:
    """The replicas of one service behind the proxy, and a client with its own cookies."""

    front: str  # the proxy's URL
    cheap_path: str  # a GET that changes nothing: spent to move round robin on
    replicas: list[str]  # upstream addresses, as the proxy names them
    cookies: dict[str, str] = field(default_factory=dict)
    last: str | None = None
    served: set[str] = field(default_factory=set)

    def name(self, replica: str) -> str:
        return (
            f"replica {self.replicas.index(replica) + 1}" if replica in self.replicas else replica
        )

    def other(self, replica: str) -> str:
        return next(r for r in self.replicas if r != replica)

    def request(
        self,
        method: str,
        path: str,
        *,
        form: Mapping[str, str] | None = None,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        raw: bytes | None = None,
    ) -> Answer:
        sent = dict(headers or {})
        data = raw
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
        elif body is not None:
            data = json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        request = urllib.request.Request(self.front + path, data, sent, method=method)
        try:
            with _OPENER.open(request, timeout=30) as response:
                answer = self._answer(response.status, response.headers, response.read())
        except urllib.error.HTTPError as exc:
            answer = self._answer(exc.code, exc.headers, exc.read())
        except (urllib.error.URLError, OSError) as exc:
            raise ProxyFailure(f"{method} {path} through the proxy failed: {exc}") from exc
        return answer

    def _answer(self, status: int, headers: Message, raw: bytes) -> Answer:
        # A test client over plain HTTP: keep Secure cookies too, drop deleted ones.
        for cookie in headers.get_all("Set-Cookie") or []:
            name, _, value = cookie.split(";", 1)[0].partition("=")
            if value.strip('"'):
                self.cookies[name.strip()] = value
            else:
                self.cookies.pop(name.strip(), None)
        replica = headers.get(REPLICA_HEADER, "")
        if replica not in self.replicas:
            raise ProxyFailure(f"the proxy named no known replica ({REPLICA_HEADER}: {replica!r})")
        self.last = replica
        self.served.add(replica)
        return Answer(status, headers, raw.decode("utf-8", "replace"), replica)

    def on(self, replica: str, method: str, path: str, **options: Any) -> Answer:
        """Send a request that round robin hands to `replica`, and check that it did."""
        for _ in range(len(self.replicas)):
            if self.last is not None and self.other(self.last) == replica:
                break
            self.request("GET", self.cheap_path)
        answer = self.request(method, path, **options)
        if answer.replica != replica:
            raise ProxyFailure(
                f"round robin sent {method} {path} to {self.name(answer.replica)}, "
                f"not {self.name(replica)}"
            )
        return answer


# --- starting the replicas -------------------------------------------------------------------


@dataclass
class Cluster:
    web: Pool | None  # Django, when the project has it
    api: Pool | None  # the FastAPI service, when the project has it
    database: str  # what the report says about the database
    migrations: str  # what the two migration runs did
    env: dict[str, str] = field(default_factory=dict)  # the root image's environment
    logs: list[Path] = field(default_factory=list)  # each process's log, for failures


@dataclass(frozen=True)
class Service:
    name: str  # "web" or "api"
    dockerfile: Path
    cheap_path: str
    ready_path: str


def services(project: Path) -> list[Service]:
    """The web processes of the project: Django at the root and/or the API (root or api/)."""
    live, ready = "/api/v1/health/live", "/api/v1/health"
    if not (project / "manage.py").is_file():
        alembic = (project / "alembic.ini").is_file()
        return [Service("api", project / "Dockerfile", live, ready)] if alembic else []
    found = [Service("web", project / "Dockerfile", "/livez", "/healthz")]
    if (project / "api" / "Dockerfile").is_file():  # the hybrid's FastAPI service
        found.append(Service("api", project / "api" / "Dockerfile", live, ready))
    return found


def migration_command(project: Path) -> list[str]:
    """The command of the Kubernetes migration Job: what runs before every rollout."""
    import yaml

    path = project / MIGRATION_JOB
    if not path.is_file():
        raise ProxyFailure(f"no {MIGRATION_JOB.as_posix()}: the migration Job")
    for document in yaml.safe_load_all(path.read_text(encoding="utf-8")):
        if isinstance(document, dict) and document.get("kind") == "Job":
            containers = document["spec"]["template"]["spec"]["containers"]
            command = [*containers[0].get("command", []), *containers[0].get("args", [])]
            if command:
                return [str(part) for part in command]
    raise ProxyFailure(f"{MIGRATION_JOB.as_posix()} has no Job with a command")


def migrate_twice_at_once(ctx: Context, env: dict[str, str]) -> str:
    """Start the migration command twice together; both succeed, one applies, schema done."""
    command = migration_command(ctx.project)
    runs = [
        subprocess.Popen(
            command,
            cwd=ctx.project,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        for _ in range(REPLICAS)
    ]
    outputs = [run_.communicate(timeout=600)[0] for run_ in runs]
    both = "\n".join(f"--- run {i + 1}\n{output}" for i, output in enumerate(outputs))
    shown = " ".join(command)
    if any(run_.returncode != 0 for run_ in runs):
        codes = ", ".join(str(run_.returncode) for run_ in runs)
        raise ProxyFailure(f"`{shown}` started twice at once exited {codes}", both)
    doers = sum(1 for output in outputs if APPLIED.search(output))
    if doers != 1:
        raise ProxyFailure(f"`{shown}` twice at once: {doers} runs applied migrations, not 1", both)
    if (ctx.project / "manage.py").is_file():
        complete = ["python", "manage.py", "migrate", "--check"]
    else:
        complete = ["alembic", "check"]
    ran = run(complete, cwd=ctx.project, env=env, timeout=300)
    if not ran.ok:
        raise ProxyFailure(f"after both migration runs, `{' '.join(complete)}` failed", ran.output)
    return f"`{shown}` twice at once: one applied the migrations, the other found none left"


def _caddyfile(front_port: int, pools: Mapping[str, list[int]]) -> str:
    def proxy(ports: list[int]) -> str:
        upstreams = " ".join(f"127.0.0.1:{port}" for port in ports)
        return (
            f"reverse_proxy {upstreams} {{\n"
            "\t\tlb_policy round_robin\n"
            f"\t\theader_down {REPLICA_HEADER} {{http.reverse_proxy.upstream.hostport}}\n"
            "\t}"
        )

    routes = []
    if "api" in pools and "web" in pools:  # the hybrid's split, as its own Caddyfile has it
        routes.append(f"\thandle /api/* {{\n\t\t{proxy(pools['api'])}\n\t}}")
        routes.append(f"\thandle {{\n\t\t{proxy(pools['web'])}\n\t}}")
    else:
        routes.append(f"\t{proxy(next(iter(pools.values())))}")
    body = "\n".join(routes)
    return f"{{\n\tadmin off\n}}\n\nhttp://127.0.0.1:{front_port} {{\n{body}\n}}\n"


@contextlib.contextmanager
def cluster(ctx: Context, label: str, extra: Mapping[str, str] | None = None) -> Iterator[Cluster]:
    """Migrate twice at once, then two replicas of each service and Caddy in front.

    `extra` adds to every process's environment (e.g. the worker check's Redis and mail).
    A project with the worker needs Redis in production: it gets a private one unless
    `extra` names its own.
    """
    needs_redis = has_worker(ctx) and "REDIS_URL" not in (extra or {})
    with contextlib.ExitStack() as redis_stack:
        try:
            redis = redis_stack.enter_context(
                production_redis(needs_redis, ctx.scratch / f"redis-{label}")
            )
        except ToolMissing as exc:
            raise ProxyFailure(f"{exc}: a project with the worker needs Redis") from exc
        except RedisDown as exc:
            raise ProxyFailure(str(exc)) from exc
        yield redis_stack.enter_context(_cluster(ctx, label, {**(extra or {}), **redis}))


@contextlib.contextmanager
def _cluster(ctx: Context, label: str, extra: Mapping[str, str]) -> Iterator[Cluster]:
    found = services(ctx.project)
    if not found:
        raise ProxyFailure("no web service (manage.py or alembic.ini) to run")
    try:
        caddy = find_tool("caddy")
    except ToolMissing as exc:
        raise ProxyFailure(str(exc)) from exc
    front_port = free_port()
    front = f"http://127.0.0.1:{front_port}"
    with database_for(ctx, label) as (database_url, database_kind):
        variables = {
            **secret_variables(ctx.project),  # one set: every replica signs alike
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "CSRF_TRUSTED_ORIGINS": front,
            "SECURE_SSL_REDIRECT": "false",
            "DATABASE_URL": database_url,
            "WEB_CONCURRENCY": "1",
            **extra,
        }
        ports = {service.name: [free_port() for _ in range(REPLICAS)] for service in found}
        commands: list[tuple[str, list[str], Path, dict[str, str]]] = []
        for service in found:
            for index, port in enumerate(ports[service.name]):
                image, argv = service_command(service.dockerfile, port)
                folder = service.dockerfile.parent
                env = build_env(ctx, image, None, variables, folder)
                commands.append((f"{service.name}-{index + 1}", argv, folder, env))
        root_env = next(env for _, _, folder, env in commands if folder == ctx.project)
        migrations = migrate_twice_at_once(ctx, root_env)
        if (ctx.project / "manage.py").is_file():
            _prepare_django(ctx.project, root_env)
        elif ctx.package:
            _prepare_fastapi(ctx.project, ctx.package, root_env)
        caddyfile = ctx.scratch / "Caddyfile.replicas"
        caddyfile.write_text(_caddyfile(front_port, ports), encoding="utf-8")
        caddy_env = {
            **ctx.env,
            "HOME": str(ctx.scratch),
            "XDG_DATA_HOME": str(ctx.scratch / "caddy-data"),
            "XDG_CONFIG_HOME": str(ctx.scratch / "caddy-config"),
        }
        caddy_argv = [str(caddy), "run", "--config", str(caddyfile), "--adapter", "caddyfile"]
        with contextlib.ExitStack() as stack:
            logs = [
                stack.enter_context(running(f"replicas-{name}", argv, cwd, env, ctx.scratch))
                for name, argv, cwd, env in commands
            ]
            logs.append(
                stack.enter_context(
                    running("replicas-caddy", caddy_argv, ctx.project, caddy_env, ctx.scratch)
                )
            )
            for service in found:
                for port in ports[service.name]:
                    wait_for(f"http://127.0.0.1:{port}{service.ready_path}", logs)
            pools = {
                service.name: Pool(
                    front, service.cheap_path, [f"127.0.0.1:{p}" for p in ports[service.name]]
                )
                for service in found
            }
            for pool in pools.values():
                wait_for(front + pool.cheap_path, logs)
            yield Cluster(
                pools.get("web"), pools.get("api"), database_kind, migrations, root_env, logs
            )


def _prepare_django(project: Path, env: dict[str, str]) -> None:
    """What the image build does (static files), and the user the flows sign in as."""
    for step in (["collectstatic", "--noinput"], ["shell", "-c", CREATE_USER]):
        ran = run(["python", "manage.py", *step], cwd=project, env=env, timeout=300)
        if not ran.ok:
            raise ProxyFailure(f"manage.py {step[0]} exited {ran.returncode}", ran.output)


def _prepare_fastapi(project: Path, package: str, env: dict[str, str]) -> None:
    """A confirmed account for the flows, made by the project's own command."""
    create = ["python", "-m", f"{package}.cli", "create-superuser", EMAIL, "--password-stdin"]
    ran = run(create, cwd=project, env=env, timeout=120, stdin=PASSWORD + "\n")
    if not ran.ok:
        raise ProxyFailure(f"cli create-superuser exited {ran.returncode}", ran.output)


# --- the flows ---------------------------------------------------------------------------------

_CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _django_sign_in(pool: Pool, password: str = PASSWORD) -> Answer:
    page = pool.request("GET", "/accounts/login/")
    token = _CSRF_FIELD.search(page.body)
    if page.status != 200 or token is None:
        raise ProxyFailure(f"GET /accounts/login/ answered {page.status} without a form")
    form = {"login": EMAIL, "password": password, "csrfmiddlewaretoken": token.group(1)}
    return pool.on(pool.other(page.replica), "POST", "/accounts/login/", form=form)


def django_sessions(pool: Pool) -> str:
    """Signed in through one replica, signed in on the other; signed out the same way."""
    signed_in = _django_sign_in(pool)
    if signed_in.status != 302 or "sessionid" not in pool.cookies:
        raise ProxyFailure(f"signing in answered {signed_in.status}", signed_in.body[-1500:])
    there = pool.on(pool.other(signed_in.replica), "GET", "/notes/")
    if there.status != 200:
        raise ProxyFailure(
            f"signed in on {pool.name(signed_in.replica)}, but /notes/ on "
            f"{pool.name(there.replica)} answered {there.status} ({there.headers.get('Location')})"
        )
    token = pool.cookies.get("csrftoken", "")
    out = pool.on(there.replica, "POST", "/accounts/logout/", form={"csrfmiddlewaretoken": token})
    if out.status != 302:
        raise ProxyFailure(f"signing out answered {out.status}", out.body[-1500:])
    pool.cookies.pop("sessionid", None)  # keep nothing the browser would have dropped
    after = pool.on(pool.other(out.replica), "GET", "/notes/")
    if after.status != 302 or "/accounts/login/" not in (after.headers.get("Location") or ""):
        raise ProxyFailure(
            f"signed out on {pool.name(out.replica)}, but {pool.name(after.replica)} "
            f"still served /notes/ ({after.status})"
        )
    return "a Django session made on one replica held on the other, and its sign-out too"


def fastapi_tokens(pool: Pool) -> str:
    """Sign in on one replica; the tokens work on the other, and logout through one
    revokes the refresh token on the other."""
    login = pool.request(
        "POST", "/api/v1/auth/login", form={"username": EMAIL, "password": PASSWORD}
    )
    if login.status != 200:
        raise ProxyFailure(f"POST /api/v1/auth/login answered {login.status}", login.body)
    tokens = json.loads(login.body)
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    me = pool.on(pool.other(login.replica), "GET", "/api/v1/users/me", headers=bearer)
    if me.status != 200:
        raise ProxyFailure(
            f"a token from {pool.name(login.replica)} answered {me.status} "
            f"on {pool.name(me.replica)}"
        )
    refresh = {"refresh_token": tokens["refresh_token"]}
    out = pool.on(login.replica, "POST", "/api/v1/auth/logout", body=refresh)
    if out.status != 204:
        raise ProxyFailure(f"POST /api/v1/auth/logout answered {out.status}", out.body)
    again = pool.on(pool.other(out.replica), "POST", "/api/v1/auth/refresh", body=refresh)
    if again.status != 401:
        raise ProxyFailure(
            f"a refresh token revoked on {pool.name(out.replica)} answered {again.status} "
            f"on {pool.name(again.replica)}, not 401"
        )
    return "an API token from one replica worked on the other; logout revoked it on both"


def hybrid_api_token(pool: Pool) -> str:
    """The hybrid's API: a Django user's token from one replica works on the other."""
    form = {"username": EMAIL, "password": PASSWORD}
    issued = pool.request("POST", "/api/v1/auth/token", form=form)
    if issued.status != 200:
        raise ProxyFailure(f"POST /api/v1/auth/token answered {issued.status}", issued.body)
    bearer = {"Authorization": f"Bearer {json.loads(issued.body)['access_token']}"}
    notes = pool.on(pool.other(issued.replica), "GET", "/api/v1/notes", headers=bearer)
    if notes.status != 200:
        raise ProxyFailure(f"a token from one API replica answered {notes.status} on the other")
    return "an API token from one replica worked on the other"


def _both_served(pools: list[Pool]) -> None:
    for pool in pools:
        if pool.served != set(pool.replicas):
            raise ProxyFailure(f"only {sorted(pool.served)} answered; the proxy never used both")


def check_replicas(ctx: Context) -> Outcome:
    try:
        with cluster(ctx, f"{ctx.architecture.value}_replicas") as running_cluster:
            done = [running_cluster.migrations]
            if running_cluster.web is not None:
                done.append(django_sessions(running_cluster.web))
            if running_cluster.api is not None:
                flow = fastapi_tokens if running_cluster.web is None else hybrid_api_token
                done.append(flow(running_cluster.api))
            _both_served([p for p in (running_cluster.web, running_cluster.api) if p])
    except ProxyFailure as failure:
        return Outcome.fail(failure.reason, failure.output)
    except dockerfile.DockerfileError as exc:
        return Outcome.fail(str(exc))
    return Outcome.ok(f"{'; '.join(done)} (on {running_cluster.database})")


# --- sign-in limits across replicas ----------------------------------------------------------

DJANGO_FAILED_LIMIT = 5  # SIGN_IN_ACCOUNT_FAILURES' default in the project's settings
DJANGO_REFUSED = "Too many failed login attempts"
API_ATTEMPTS = 5  # SIGN_IN_ACCOUNT_FAILURES' default in the API's settings


@dataclass(frozen=True)
class SignInLimit:
    what: str  # e.g. "Django's sign-in"
    limit: int  # failed attempts allowed before refusing
    attempt: Callable[[Pool, str], Answer]  # one failed sign-in on the given replica
    refused: Callable[[Answer], bool]


def limit_gap(pool: Pool, rule: SignInLimit) -> str | None:
    """Spend the allowed failed attempts over all replicas; None if each then refuses."""
    for index in range(rule.limit):
        rule.attempt(pool, pool.replicas[index % len(pool.replicas)])
    for replica in pool.replicas:
        answer = rule.attempt(pool, replica)
        if not rule.refused(answer):
            return (
                f"after {rule.limit} failed attempts at {rule.what} spread over "
                f"{len(pool.replicas)} replicas, {pool.name(replica)} still took one "
                f"(HTTP {answer.status})"
            )
    return None


def _django_attempt(pool: Pool, replica: str) -> Answer:
    page = pool.request("GET", "/accounts/login/")  # any replica: its token fits them all
    token = _CSRF_FIELD.search(page.body)
    form = {
        "login": EMAIL,
        "password": "not-the-password",
        "csrfmiddlewaretoken": token.group(1) if token else "",
    }
    return pool.on(replica, "POST", "/accounts/login/", form=form)


def _api_attempt(path: str, username: str) -> Callable[[Pool, str], Answer]:
    def attempt(pool: Pool, replica: str) -> Answer:
        form = {"username": username, "password": "not-the-password"}
        return pool.on(replica, "POST", path, form=form)

    return attempt


def check_replicas_limits(ctx: Context) -> Outcome:
    try:
        with cluster(ctx, f"{ctx.architecture.value}_limits") as running_cluster:
            gaps = []
            if running_cluster.web is not None:
                django = SignInLimit(
                    "Django's sign-in",
                    DJANGO_FAILED_LIMIT,
                    _django_attempt,
                    lambda answer: DJANGO_REFUSED in answer.body,
                )
                gaps.append(limit_gap(running_cluster.web, django))
            if running_cluster.api is not None:
                path = "/api/v1/auth/login" if running_cluster.web is None else "/api/v1/auth/token"
                api = SignInLimit(
                    "the API's sign-in",
                    API_ATTEMPTS,
                    _api_attempt(path, EMAIL),
                    lambda answer: answer.status == 429,
                )
                gaps.append(limit_gap(running_cluster.api, api))
    except ProxyFailure as failure:
        return Outcome.fail(failure.reason, failure.output)
    except dockerfile.DockerfileError as exc:
        return Outcome.fail(str(exc))
    found = [gap for gap in gaps if gap]
    if found:
        return Outcome.fail(f"a sign-in limit does not hold across replicas: {'; '.join(found)}")
    return Outcome.ok("sign-in limits hold across replicas")
