"""Mail through the worker, measured: what a sign-up saves, and what the worker delivers.

    uv run python benchmarks/bench_worker.py [--signups N] [--messages N] [--json PATH]

Renders the Django template (worker on) from the working tree, installs it, and measures
in its own environment, against the local Redis (127.0.0.1:6379, database 13) and
PostgreSQL when it answers (else SQLite), with SMTP sinks run by this script:

- sign-up latency (allauth's form, through Django's test client, in one process,
  interleaved): the verification mail queued for the worker (one Redis publish) beside
  the same mail sent inline, to a sink on loopback and to one that takes 200 ms to accept
  a message (a remote provider's round trips; real ones with TLS take longer);
- the worker's throughput: a batch of outbox messages queued at once and delivered by a
  real worker (the project's command, 2 processes), in messages per second, beside the
  same messages sent one after another by a single process (the baseline).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from report import publish

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from scaffold.smoke.mailsink import MailSink, mail_sink  # noqa: E402
from scaffold.smoke.postgres import fresh_database, probe  # noqa: E402
from scaffold.smoke.serve import free_port  # noqa: E402
from scaffold.smoke.tools import clean_env, find_python, find_tool, stop_group  # noqa: E402

BIN = Path(sys.executable).parent
REDIS_URL = "redis://127.0.0.1:6379/13"
SLOW_SMTP_SECONDS = 0.2

SETUP = """
import os
os.environ["DJANGO_SETTINGS_MODULE"] = "w_bench.settings.development"
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
"""

SIGNUPS = """
import json, os, statistics, sys, time
os.environ["DJANGO_SETTINGS_MODULE"] = "w_bench.settings.development"
import django
django.setup()
from django.conf import settings
from django.test import Client
from w_bench.settings.base import mailers_from_url
from w_bench.worker import app

count, fast_url, slow_url = int(sys.argv[1]), sys.argv[2], sys.argv[3]
modes = {
    "queued": (False, fast_url),
    "inline_loopback": (True, fast_url),
    "inline_slow": (True, slow_url),
}


def configure(eager, email_url):
    # Django reads MAILERS on every send: switching it here moves the next mail.
    app.conf.task_always_eager = eager
    settings.MAILERS = mailers_from_url(email_url)


times = {mode: [] for mode in modes}
for round_ in range(count):
    for mode, (eager, url) in modes.items():
        configure(eager, url)
        client = Client(SERVER_NAME="localhost")
        address = f"{mode}-{round_}@bench.example.com"
        password = "Bench-password-91x"
        form = {"email": address, "password1": password, "password2": password}
        # A client address of its own: allauth limits sign-ups per address.
        client_ip = f"198.51.{round_ % 250}.{list(modes).index(mode) + 1}"
        start = time.perf_counter()
        answer = client.post("/accounts/signup/", form, REMOTE_ADDR=client_ip)
        times[mode].append(time.perf_counter() - start)
        assert answer.status_code == 302, (mode, answer.status_code)
print(json.dumps({mode: statistics.median(values) for mode, values in times.items()}))
"""

BATCH = """
import json, os, sys, time
os.environ["DJANGO_SETTINGS_MODULE"] = "w_bench.settings.development"
import django
django.setup()
from django.db import transaction
from jobs.models import OutgoingEmail
from jobs.tasks import deliver_email
from w_bench.worker import app

count, domain, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3]
with transaction.atomic():
    emails = OutgoingEmail.objects.bulk_create(
        OutgoingEmail(from_email="bench@example.com", recipients=[f"m{i}@{domain}"],
                      subject=f"Message {i}", body="Throughput") for i in range(count)
    )
start = time.perf_counter()
if mode == "direct":
    # Straight to the server the worker would use, one after another.
    for email in emails:
        email.as_message().send(using="delivery")
    print(json.dumps({"queued_s": time.perf_counter() - start}))
else:
    app.conf.task_always_eager = False
    for email in emails:
        deliver_email.delay(email.pk)
    queued = time.perf_counter() - start
    # Done when the worker has marked every message sent (after the server took it).
    ids = [email.pk for email in emails]
    while OutgoingEmail.objects.filter(pk__in=ids, sent_at__isnull=True).exists():
        time.sleep(0.02)
    print(json.dumps({"queued_s": queued, "done_s": time.perf_counter() - start}))
"""


def sh(argv: list[str], cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{argv[0]} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done.stdout


class _Slow:
    """An SMTP handler that takes SLOW_SMTP_SECONDS to accept each message."""

    def __init__(self, sink: MailSink) -> None:
        self.sink = sink

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        await asyncio.sleep(SLOW_SMTP_SECONDS)
        self.sink.keep(bytes(envelope.original_content or envelope.content))
        return "250 Message accepted"


def flush_redis() -> None:
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()


def wait_delivered(sink: MailSink, domain: str, count: int, timeout: float = 300.0) -> float:
    start = time.perf_counter()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if sum(1 for m in sink.messages if domain in str(m.get("To"))) >= count:
            return time.perf_counter() - start
        time.sleep(0.01)
    raise SystemExit(f"the worker delivered fewer than {count} messages in {timeout:.0f}s")


def measure(project: Path, env: dict[str, str], signups: int, messages: int) -> dict[str, Any]:
    from aiosmtpd.controller import Controller

    python = str(project / ".venv" / "bin" / "python")
    sh([python, "-c", SETUP], project, env)
    with mail_sink() as fast:
        slow = MailSink(free_port())
        controller = Controller(_Slow(slow), hostname="127.0.0.1", port=slow.port)
        controller.start()
        try:
            mail = env | {"EMAIL_URL": fast.url}
            out = sh(
                [python, "-c", SIGNUPS, str(signups), fast.url, f"smtp://127.0.0.1:{slow.port}"],
                project,
                mail,
            )
        finally:
            controller.stop()
        signup = json.loads(out.strip().splitlines()[-1])

        direct_out = sh([python, "-c", BATCH, str(messages), "direct.example", "direct"], project,
                        mail)  # fmt: skip
        direct_s = json.loads(direct_out.strip().splitlines()[-1])["queued_s"]

        worker_log = project / "worker.log"
        with worker_log.open("w") as log:
            worker = subprocess.Popen(
                [str(project / ".venv/bin/celery"), "-A", "w_bench.worker", "worker",
                 "--loglevel=WARNING", "--concurrency=2"],
                cwd=project, env=mail, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True, text=True,
            )  # fmt: skip
            try:
                ping = [str(project / ".venv/bin/celery"), "-A", "w_bench.worker", "inspect",
                        "ping", "--timeout", "5"]  # fmt: skip
                for _ in range(60):
                    if subprocess.run(ping, cwd=project, env=mail, capture_output=True,
                                      check=False).returncode == 0:  # fmt: skip
                        break
                    time.sleep(1)
                out = sh([python, "-c", BATCH, str(messages), "worker.example", "queue"],
                         project, mail)  # fmt: skip
                worker_s = json.loads(out.strip().splitlines()[-1])["done_s"]
                wait_delivered(fast, "worker.example", messages)
            finally:
                stop_group(worker, grace=30)
    return {"signup": signup, "direct_s": direct_s, "worker_s": worker_s}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--signups", type=int, default=15, help="sign-ups per mode")
    parser.add_argument("--messages", type=int, default=300, help="messages per batch")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    python = find_python("3.12")
    if python is None:
        raise SystemExit("no Python 3.12 interpreter for the generated project")
    try:
        flush_redis()
    except Exception as exc:  # any connection error means no Redis here
        raise SystemExit(f"bench_worker needs Redis on 127.0.0.1:6379: {exc}") from exc
    with tempfile.TemporaryDirectory(prefix="scaffold-bench-worker-") as scratch:
        root = Path(scratch)
        (root / "home").mkdir()
        env = clean_env() | {"UV_PYTHON": str(python), "HOME": str(root / "home"), "CI": "true"}
        env["UV_CACHE_DIR"] = os.environ.get("UV_CACHE_DIR", str(Path.home() / ".cache" / "uv"))
        sh([str(BIN / "scaffold"), "new", "w-bench", "-a", "django", "--yes", "--no-git",
            "--data", "worker=true"], root, env)  # fmt: skip
        project = root / "w-bench"
        sh([str(find_tool("uv")), "sync", "--locked", "--quiet"], project, env)
        env |= {"SECRET_KEY": "s" * 50, "REDIS_URL": REDIS_URL}
        server = probe(None)
        if server.url is not None:
            with fresh_database(server.url, "bench_worker") as url:
                found = measure(project, env | {"DATABASE_URL": url}, args.signups, args.messages)
            database = "PostgreSQL"
        else:
            url = f"sqlite:///{root / 'bench.sqlite3'}"
            found = measure(project, env | {"DATABASE_URL": url}, args.signups, args.messages)
            database = "SQLite"
    flush_redis()
    signup = found["signup"]
    worker_rate = args.messages / found["worker_s"]
    direct_rate = args.messages / found["direct_s"]
    figures = {
        "database": database,
        "signup_queued_ms": round(signup["queued"] * 1e3, 1),
        "signup_inline_loopback_ms": round(signup["inline_loopback"] * 1e3, 1),
        "signup_inline_slow_smtp_ms": round(signup["inline_slow"] * 1e3, 1),
        "slow_smtp_ms": round(SLOW_SMTP_SECONDS * 1e3),
        "queued_over_inline_loopback": round(signup["queued"] / signup["inline_loopback"], 3),
        "queued_over_inline_slow": round(signup["queued"] / signup["inline_slow"], 3),
        "messages": args.messages,
        "worker_messages_per_s": round(worker_rate, 1),
        "direct_messages_per_s": round(direct_rate, 1),
        "worker_over_direct": round(worker_rate / direct_rate, 3),
    }
    publish(
        [
            (
                "sign-up, mail sent inline to loopback SMTP (baseline)",
                signup["inline_loopback"],
                "median",
            ),
            ("sign-up, mail sent inline to a 200 ms SMTP relay", signup["inline_slow"], "median"),
            (
                "sign-up, mail queued for the worker",
                signup["queued"],
                f"{figures['queued_over_inline_slow']:.3f}x inline to the relay, "
                f"{figures['queued_over_inline_loopback']:.3f}x inline to loopback",
            ),
            (
                f"{args.messages} messages sent by one process (baseline)",
                found["direct_s"],
                f"{direct_rate:.0f} messages/s",
            ),
            (
                f"{args.messages} messages through the worker (2 processes, {database})",
                found["worker_s"],
                f"{worker_rate:.0f} messages/s, {figures['worker_over_direct']:.2f}x one process",
            ),
        ],
        figures,
        args.json,
    )


if __name__ == "__main__":
    main()
