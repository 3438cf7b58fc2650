"""The worker, served: a real Celery worker on a real Redis, mail through it, Redis away.

Two replicas of each web process behind the proxy (as `replicas` starts them) and one
worker of the project's own command share one database and a private Redis server
started here (so that it can be stopped and started again without touching the
machine's own). Mail goes to an SMTP sink. The check:

1. signs a user up through HTTP and sees the verification mail reach the sink, sent by
   the worker, and its link confirm the address (then the user signs in); the hybrid's
   API also queues a task by name that the Django worker runs;
2. stops Redis: the pages still answer, readiness says "degraded", and a sign-up still
   answers at once;
3. starts Redis again: the mail queued during the outage goes out, exactly once, and no
   earlier mail is sent twice;
4. stops the worker with SIGTERM and expects it to exit within its grace period.
"""

from __future__ import annotations

import contextlib
import json
import re
import secrets
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

from scaffold.smoke import dockerfile
from scaffold.smoke.context import has_worker
from scaffold.smoke.mailsink import MailSink, body_text, mail_sink
from scaffold.smoke.proxy import ProxyFailure
from scaffold.smoke.redis_server import RedisDown, RedisServer, private_redis
from scaffold.smoke.replicas import (
    _CSRF_FIELD,
    Cluster,
    Pool,
    cluster,
    hybrid_api_token,
)
from scaffold.smoke.report import Outcome
from scaffold.smoke.tools import ToolMissing, run, stop_group

if TYPE_CHECKING:
    from scaffold.smoke.context import Context

MAIL_TIMEOUT = 60.0  # the worker's first task includes its connection to Redis
STOP_GRACE = 30.0
# A sign-up must not wait on the queue: with Redis gone it answers within this.
OUTAGE_ANSWER_SECONDS = 5.0
RELAY_AFTER_SECONDS = 30  # the projects' own RELAY_AFTER: how old a message the relay takes
_LINK = re.compile(r"https?://\S+")


@dataclass
class Worker:
    process: subprocess.Popen[str]
    log: Path
    name: str

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-4000:]


def celery(ctx: Context, *args: str) -> list[str]:
    return ["celery", "-A", f"{ctx.package}.worker", *args]


@contextlib.contextmanager
def worker_process(ctx: Context, env: dict[str, str]) -> Iterator[Worker]:
    """The project's worker command (as compose and the Deployment run it), on the host."""
    name = f"smoke-{secrets.token_hex(3)}@{socket.gethostname()}"
    log_path = ctx.scratch / f"worker-{name.split('@', maxsplit=1)[0]}.log"
    with log_path.open("w", encoding="utf-8") as log:
        process = subprocess.Popen(
            celery(ctx, "worker", "--loglevel=INFO", "--hostname", name),
            cwd=ctx.project,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            text=True,
        )
        worker = Worker(process, log_path, name)
        try:
            yield worker
        finally:
            if process.poll() is None:
                stop_group(process, grace=STOP_GRACE)


def wait_until_worker_answers(ctx: Context, env: dict[str, str], worker: Worker) -> None:
    """The health check compose and Kubernetes run: Celery's ping, over Redis."""
    ping = celery(ctx, "inspect", "ping", "--destination", worker.name, "--timeout", "5")
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if worker.process.poll() is not None:
            raise ProxyFailure(
                f"the worker exited ({worker.process.returncode}) on start", worker.output()
            )
        if run(ping, cwd=ctx.project, env=env, timeout=60).ok:
            return
        time.sleep(1)
    raise ProxyFailure("the worker did not answer `celery inspect ping`", worker.output())


def fresh_client(pool: Pool) -> Pool:
    """The same replicas, seen by another browser (no cookies)."""
    return Pool(pool.front, pool.cheap_path, pool.replicas)


def _address() -> str:
    return f"smoke-worker-{secrets.token_hex(4)}@example.com"


def _password() -> str:
    return f"Worker-{secrets.token_urlsafe(12)}-9"


def _mail_link(sink: MailSink, address: str, worker: Worker) -> str:
    found = sink.wait_for(address, timeout=MAIL_TIMEOUT)
    if not found:
        raise ProxyFailure(
            f"no mail reached the SMTP sink for {address} within {MAIL_TIMEOUT:.0f}s",
            worker.output(),
        )
    link = _LINK.search(body_text(found[0]))
    if link is None:
        raise ProxyFailure(f"the mail to {address} holds no link", body_text(found[0]))
    return link.group(0)


# --- Django: allauth's sign-up, confirmation and sign-in -------------------------------------


def _csrf(pool: Pool, path: str) -> str:
    page = pool.request("GET", path)
    token = _CSRF_FIELD.search(page.body)
    if page.status != 200 or token is None:
        raise ProxyFailure(f"GET {path} answered {page.status} without a form")
    return token.group(1)


def django_sign_up(pool: Pool, address: str, password: str) -> float:
    """Post the sign-up form; the seconds the answer took."""
    form = {
        "email": address,
        "password1": password,
        "password2": password,
        "csrfmiddlewaretoken": _csrf(pool, "/accounts/signup/"),
    }
    started = time.monotonic()
    answer = pool.request("POST", "/accounts/signup/", form=form)
    took = time.monotonic() - started
    if answer.status != 302:
        raise ProxyFailure(f"POST /accounts/signup/ answered {answer.status}", answer.body[-1500:])
    return took


def django_mail_flow(pool: Pool, sink: MailSink, worker: Worker) -> str:
    client = fresh_client(pool)
    address, password = _address(), _password()
    django_sign_up(client, address, password)
    link = urlsplit(_mail_link(sink, address, worker)).path
    token = _csrf(client, link)
    confirmed = client.request("POST", link, form={"csrfmiddlewaretoken": token})
    if confirmed.status != 302:
        raise ProxyFailure(f"POST {link} (the mailed link) answered {confirmed.status}")
    form = {"login": address, "password": password}
    form["csrfmiddlewaretoken"] = _csrf(client, "/accounts/login/")
    signed_in = client.request("POST", "/accounts/login/", form=form)
    if signed_in.status != 302 or "sessionid" not in client.cookies:
        raise ProxyFailure(f"signing in after confirming answered {signed_in.status}")
    return "a Django sign-up's mail went through the worker; its link confirmed the address"


# --- FastAPI: register, verify, sign in ------------------------------------------------------


def api_sign_up(pool: Pool, address: str, password: str) -> float:
    started = time.monotonic()
    answer = pool.request(
        "POST", "/api/v1/auth/register", body={"email": address, "password": password}
    )
    took = time.monotonic() - started
    if answer.status != 202:
        raise ProxyFailure(f"POST /api/v1/auth/register answered {answer.status}", answer.body)
    return took


def api_mail_flow(pool: Pool, sink: MailSink, worker: Worker) -> str:
    address, password = _address(), _password()
    api_sign_up(pool, address, password)
    link = _mail_link(sink, address, worker)
    token = parse_qs(urlsplit(link).query).get("token", [""])[0]
    verified = pool.request("POST", "/api/v1/auth/verify-email", body={"token": token})
    if verified.status != 200:
        raise ProxyFailure(f"POST /api/v1/auth/verify-email answered {verified.status}")
    form = {"username": address, "password": password}
    login = pool.request("POST", "/api/v1/auth/login", form=form)
    if login.status != 200:
        raise ProxyFailure(f"signing in after verifying answered {login.status}", login.body)
    return "an API sign-up's mail went through the worker; its token verified the address"


# --- the hybrid: the API queues by name, Django's worker runs it -----------------------------


def hybrid_export_flow(pool: Pool, sink: MailSink, worker: Worker) -> str:
    from scaffold.smoke.proxy import EMAIL, PASSWORD

    hybrid_api_token(pool)  # the user signs in to the API as before
    issued = pool.request(
        "POST", "/api/v1/auth/token", form={"username": EMAIL, "password": PASSWORD}
    )
    bearer = {"Authorization": f"Bearer {json.loads(issued.body)['access_token']}"}
    before = len(sink.to(EMAIL))
    queued = pool.request("POST", "/api/v1/notes/export", headers=bearer)
    if queued.status != 202:
        raise ProxyFailure(f"POST /api/v1/notes/export answered {queued.status}", queued.body)
    if len(sink.wait_for(EMAIL, before + 1, timeout=MAIL_TIMEOUT)) <= before:
        raise ProxyFailure("the API queued a notes export; no mail reached the sink")
    return "the API queued a task by name; Django's worker ran it and mailed the notes"


# --- Redis away, and back --------------------------------------------------------------------


def _ready_path(pool: Pool) -> str:
    return "/api/v1/health" if pool.cheap_path.startswith("/api/") else "/healthz"


def _degraded(pool: Pool) -> None:
    path = _ready_path(pool)
    for replica in pool.replicas:
        answer = pool.on(replica, "GET", path)
        if answer.status != 200 or "degraded" not in answer.body:
            raise ProxyFailure(
                f"with Redis down, GET {path} on {pool.name(replica)} answered "
                f"{answer.status} {answer.body[:200]!r}, not 200 and degraded"
            )


def outage(
    ctx: Context,
    running_cluster: Cluster,
    redis: RedisServer,
    sink: MailSink,
    worker: Worker,
) -> str:
    pools = [p for p in (running_cluster.web, running_cluster.api) if p is not None]
    sent_before = {str(m.get("To")): 0 for m in sink.messages}
    for message in sink.messages:
        sent_before[str(message.get("To"))] += 1
    redis.stop()
    for pool in pools:
        _degraded(pool)
    address, password = _address(), _password()
    if running_cluster.web is not None:
        home = running_cluster.web.request("GET", "/")
        if home.status != 200:
            raise ProxyFailure(f"with Redis down, GET / answered {home.status}")
        took = django_sign_up(fresh_client(running_cluster.web), address, password)
    else:
        assert running_cluster.api is not None
        took = api_sign_up(running_cluster.api, address, password)
    signed_up = time.monotonic()
    if took > OUTAGE_ANSWER_SECONDS:
        raise ProxyFailure(f"with Redis down, a sign-up took {took:.1f}s to answer")
    redis.start()
    # The relay leaves a message alone until it is RELAY_AFTER_SECONDS old: its own
    # delivery may still be on its way.
    time.sleep(max(0.0, signed_up + RELAY_AFTER_SECONDS + 1 - time.monotonic()))
    relayed = relay_outbox(ctx, running_cluster.env, worker)
    if len(sink.wait_for(address, timeout=MAIL_TIMEOUT)) != 1:
        raise ProxyFailure(
            f"the mail queued while Redis was down did not arrive once Redis was back ({relayed})",
            worker.output(),
        )
    time.sleep(2)  # a second copy, if any, would arrive about now
    counts: dict[str, int] = {}
    for message in sink.messages:
        counts[str(message.get("To"))] = counts.get(str(message.get("To")), 0) + 1
    twice = sorted(to for to, count in counts.items() if count > sent_before.get(to, 0) + 1)
    if counts.get(address) != 1 or twice:
        raise ProxyFailure(f"mail sent more than once after the outage: {twice or [address]}")
    return (
        f"Redis down: pages answered, readiness said degraded, a sign-up answered in "
        f"{took:.2f}s; Redis back: its mail went out once ({relayed})"
    )


def relay_task(ctx: Context) -> str:
    """The relay job's Celery name: Django's `jobs` app, or the FastAPI package's tasks."""
    if (ctx.project / "manage.py").is_file():
        return "jobs.tasks.relay_outbox"
    return f"{ctx.package}.tasks.relay_outbox"


def relay_outbox(ctx: Context, env: dict[str, str], worker: Worker) -> str:
    """Queue the scheduler's relay job now, rather than wait up to a minute for beat."""
    command = celery(ctx, "call", relay_task(ctx))
    ran = run(command, cwd=ctx.project, env=env, timeout=60)
    if not ran.ok:
        raise ProxyFailure(f"`{' '.join(command)}` exited {ran.returncode}", ran.output)
    return "the relay job queued it"


# --- the check -------------------------------------------------------------------------------


def check_worker(ctx: Context) -> Outcome:
    if not has_worker(ctx):
        return Outcome.skip("rendered without the worker (worker=false)")
    done: list[str] = []
    try:
        with contextlib.ExitStack() as stack:
            redis = stack.enter_context(private_redis(ctx.scratch / "redis"))
            sink = stack.enter_context(mail_sink())
            extra = {"REDIS_URL": redis.url, "EMAIL_URL": sink.url}
            running_cluster = stack.enter_context(
                cluster(ctx, f"{ctx.architecture.value}_worker", extra)
            )
            worker = stack.enter_context(worker_process(ctx, running_cluster.env))
            wait_until_worker_answers(ctx, running_cluster.env, worker)
            done.append("two web replicas and a worker on one database and Redis")
            if running_cluster.web is not None:
                done.append(django_mail_flow(running_cluster.web, sink, worker))
            if running_cluster.api is not None:
                if running_cluster.web is None:
                    done.append(api_mail_flow(running_cluster.api, sink, worker))
                else:
                    done.append(hybrid_export_flow(running_cluster.api, sink, worker))
            done.append(outage(ctx, running_cluster, redis, sink, worker))
            stopped = stop_group(worker.process, grace=STOP_GRACE)
            if stopped.killed:
                raise ProxyFailure(
                    f"the worker did not stop within {STOP_GRACE:g}s of SIGTERM", worker.output()
                )
            done.append("the worker stopped on SIGTERM")
    except ToolMissing as exc:
        return Outcome.skip(f"{exc}: the worker check needs redis-server")
    except RedisDown as exc:
        return Outcome.fail(str(exc))
    except ProxyFailure as failure:
        return Outcome.fail(failure.reason, failure.output)
    except dockerfile.DockerfileError as exc:
        return Outcome.fail(str(exc))
    return Outcome.ok("; ".join(done))
