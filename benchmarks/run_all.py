"""Every benchmark in one go: figures as JSON and Markdown, optionally into the templates.

    uv run python benchmarks/run_all.py [--quick] [--templates]

Runs bench_cli.py, bench_update.py, bench_first_run.py, bench_services.py,
bench_profile.py, bench_security.py, bench_worker.py and bench_io.py (each in a
process of its own, each printing its figures beside its baseline), then writes
`benchmarks/results/results.json` and `benchmarks/results/RESULTS.md`. With
`--templates`, it also rewrites `templates/_shared/performance/<architecture>.md`, the
figures each generated README quotes. `--quick` runs fewer and shorter rounds (a smoke
test of the scripts, not figures to publish).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench_services import (
    CONVENTIONAL,
    contention_table,
    machine_description,
    services_table,
)

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RESULTS = HERE / "results"
FRAGMENTS = REPO / "templates" / "_shared" / "performance"


def run(script: str, *args: str) -> dict[str, Any]:
    out = RESULTS / f"{Path(script).stem}.json"
    print(f"\n== {script} {' '.join(args)}", flush=True)
    subprocess.run([sys.executable, script, *args, "--json", str(out)], cwd=HERE, check=True)
    loaded: dict[str, Any] = json.loads(out.read_text())
    return loaded


def machine(settings: dict[str, Any], database: str) -> str:
    cpu = f", {settings['cpu_model']}" if settings.get("cpu_model") else ""
    return (
        f"{settings['cpus']} CPUs ({settings['machine']}{cpu}), one server worker, "
        f"{'PostgreSQL' if database == 'postgresql' else 'SQLite'}, wrk with "
        f"{settings['connections']} connections (4 for sign-in), median of "
        f"{settings['rounds']} rounds of {settings['seconds']} s (the ratio: median of the "
        "rounds' ratios)"
    )


def machine_line() -> str:
    """The machine, as RESULTS.md states it."""
    found = machine_description()
    return (
        f"{found['cpus']} CPUs ({found['cpu_model'] or found['machine']}), "
        f"{found['memory_gib']:g} GiB of memory, Linux {found['kernel']}, "
        f"Python {found['python']}"
    )


def contention_note(settings: dict[str, Any]) -> str:
    return (
        f"Under CPU contention: each side alone for {settings['contention_seconds']} s beside "
        "a process spinning on the server's CPU, wrk with "
        f"{settings['connections']} connections and a "
        f"{settings['contention_timeout'].removesuffix('s')} s timeout; database "
        "connections sampled in `pg_stat_activity` every 0.1 s, those opened counted in "
        "`pg_stat_database.sessions`:"
    )


def statements_note() -> str:
    return (
        "Statements per request: what the server sends PostgreSQL for one request, counted "
        "on the wire by a proxy (requests sent one at a time, after a warm-up), by the "
        "statement's first word."
    )


def fragment(services: dict[str, Any], architecture: str, version: str) -> str:
    result = services["services"][architecture]
    settings = services["settings"]
    lines = [
        f"Measured by scaffold {version}'s `benchmarks/bench_services.py` on "
        f"{machine(settings, result['database'])}, load average "
        f"{', '.join(str(x) for x in result['load_before'])} before the run. Each figure "
        f"stands beside {CONVENTIONAL[architecture]}:",
        "",
        *services_table(result, architecture),
        "",
        statements_note(),
    ]
    if result.get("contention"):
        lines += ["", contention_note(settings), "", *contention_table(result)]
    lines += [
        "",
        f"One password verification takes about {result['password_hash_ms']:.0f} ms of CPU "
        "(Argon2 at its library's default cost): sign-in throughput per worker is bounded by it, "
        "on purpose.",
    ]
    return "\n".join(lines) + "\n"


def results_markdown(figures: dict[str, Any], version: str) -> str:
    cli, update, first = figures["cli"], figures["update"], figures["first_run"]
    services = figures["services"]
    lines = [
        "# Benchmark results",
        "",
        f"scaffold {version}, {figures['date']}, {figures['machine']}. Rerun with "
        "`uv run python benchmarks/run_all.py` (needs wrk: `apt-get install wrk`); the raw "
        "figures are in [results.json](results.json).",
        "",
        "## scaffold itself",
        "",
        "| what | time | baseline | ratio | goal |",
        "|---|---:|---:|---:|---:|",
        f"| `scaffold --help` | {cli['scaffold_help_s']:.2f} s | `python -c pass` "
        f"{cli['python_startup_s']:.2f} s | — | < {cli['help_goal_s']} s |",
        f"| `scaffold new --yes` | {cli['scaffold_new_s']:.2f} s | `copier copy` "
        f"{cli['copier_copy_s']:.2f} s | {cli['new_over_copier']:.2f} "
        f"| ≤ {cli['new_goal_ratio']} |",
        f"| `scaffold update` | {update['scaffold_update_s']:.2f} s | `copier update` "
        f"{update['copier_update_s']:.2f} s | {update['update_over_copier']:.2f} "
        f"| ≤ {update['goal_ratio']} |",
    ]
    for architecture in ("django", "fastapi", "hybrid"):
        steps = first.get(architecture)
        if steps:
            detail = ", ".join(f"{k} {v:.1f} s" for k, v in steps.items() if k != "total")
            runs = first.get("runs_total_s", {}).get(architecture, [])
            if len(runs) > 1:  # the median of several fresh projects
                detail += f"; median of {len(runs)} runs: {', '.join(f'{t:.1f}' for t in runs)} s"
            lines.append(
                f"| {architecture}: new → install → tests green | {steps['total']:.1f} s "
                f"| {detail} | — | < {first['goal_s']:.0f} s |"
            )
    if "hybrid" in first:
        lines += [
            "",
            "New → green is what a new user types: `scaffold new`, `uv sync`, then the "
            "project's tests (`uv run pytest`; for the hybrid `uv run scripts/run_tests.py`, "
            "which installs `api/` and runs the two suites side by side).",
        ]
    security = figures.get("security")
    if security:
        lines += [
            "",
            "## What the security checks cost",
            "",
            f"Timed in one process of a generated FastAPI service ({security['database']}):",
            "",
            "| check | time | beside | ratio |",
            "|---|---:|---|---:|",
            f"| token stamp, every signed-in request | {security['stamp_check_us']:.1f} µs "
            f"| decoding the token, {security['token_decode_us']:.1f} µs "
            f"| {security['stamp_over_decode']:.3f} |",
            f"| sign-in limits (record, count, release) | {security['sign_in_hold_ms']:.1f} ms "
            f"| one password verification, {security['password_verify_ms']:.0f} ms "
            f"| {security['hold_over_verify']:.3f} |",
        ]
    worker = figures.get("worker")
    if worker:
        lines += [
            "",
            "## Mail through the worker",
            "",
            f"A generated Django project with the worker, in its own environment "
            f"({worker['database']}, Redis on this machine). Sign-ups through allauth's "
            "form, interleaved, median:",
            "",
            "| sign-up | time | ratio |",
            "|---|---:|---:|",
            f"| mail sent inline to an SMTP server on loopback (baseline) "
            f"| {worker['signup_inline_loopback_ms']:.1f} ms | 1 |",
            f"| mail sent inline to a relay taking {worker['slow_smtp_ms']} ms a message "
            f"| {worker['signup_inline_slow_smtp_ms']:.1f} ms "
            f"| {worker['signup_inline_slow_smtp_ms'] / worker['signup_inline_loopback_ms']:.2f} |",
            f"| mail queued for the worker (one Redis publish) "
            f"| {worker['signup_queued_ms']:.1f} ms "
            f"| {worker['queued_over_inline_loopback']:.2f} |",
            "",
            f"{worker['messages']} outbox messages delivered by the worker (the project's "
            f"command, 2 processes): {worker['worker_messages_per_s']:.0f} messages/s, "
            f"{worker['worker_over_direct']:.2f}x the same messages sent one after another "
            f"by one process ({worker['direct_messages_per_s']:.0f}/s). The difference is "
            "the bookkeeping that makes delivery at-most-once and visible: each message is "
            "claimed and marked sent in the database, and each task is acknowledged in "
            "Redis after it ran.",
        ]
    lines += ["", "## Generated services", ""]
    for architecture in services["services"]:
        result = services["services"][architecture]
        settings = services["settings"]
        lines += [
            f"### {architecture}",
            "",
            f"`{result['command']}` on {machine(settings, result['database'])}. Load average "
            f"before the batch: {', '.join(str(x) for x in result['load_before'])}. The "
            f"baseline: {CONVENTIONAL[architecture]}.",
            "",
            *services_table(result, architecture),
            "",
            statements_note(),
            "",
        ]
        if result.get("contention"):
            lines += [contention_note(settings), "", *contention_table(result), ""]
        lines += [*api_findings(result), f"One password verification: "
                  f"{result['password_hash_ms']:.0f} ms.", ""]  # fmt: skip
    lines += profile_section(figures.get("profile"), services["services"].get("django"))
    lines += io_section(figures.get("io"))
    return "\n".join(lines)


def api_findings(result: dict[str, Any]) -> list[str]:
    """What the figures say about an API's database path (FastAPI and the hybrid's API)."""
    endpoints, contended = result["endpoints"], result.get("contention") or {}
    if "me" not in endpoints:
        return []

    def statements(name: str, side: str) -> str:
        counted = (endpoints.get(name, {}).get("statements") or {}).get(side)
        return "—" if not counted else f"{counted['total']:g}"

    text = (
        "Its database path: reads run on a connection in autocommit mode (no BEGIN and "
        f"ROLLBACK around a lone SELECT). Statements per request: `/users/me` "
        f"{statements('me', 'generated')} beside the conventional app's "
        f"{statements('me', 'conventional')}, the list {statements('read', 'generated')} "
        f"beside {statements('read', 'conventional')}, and the readiness probe "
        f"{statements('health', 'generated')} beside {statements('health', 'conventional')}."
    )
    if contended:
        mine = [sides["generated"] for sides in contended.values()]
        theirs = [sides["conventional"] for sides in contended.values()]
        text += (
            " Its pool is fixed (the pool size setting, no overflow): beside a CPU "
            f"burner it held at most {max(r['max_connections'] for r in mine)} connections, "
            f"opened {max(r['opened_per_1000_requests'] or 0 for r in mine):g} per 1,000 "
            f"requests and let {sum(r['figure']['timeouts'] for r in mine)} requests time out; "
            "the conventional app (SQLAlchemy's default pool of 5 plus 10 overflow "
            f"connections) held at most {max(r['max_connections'] for r in theirs)}, opened "
            f"up to {max(r['opened_per_1000_requests'] or 0 for r in theirs):g} per 1,000 "
            f"and let {sum(r['figure']['timeouts'] for r in theirs)} time out."
        )
    return [text, ""]


def profile_section(profile: dict[str, Any] | None, served: dict[str, Any] | None) -> list[str]:
    """bench_profile.py: where the Django signed-in page spends its time."""
    if not profile:
        return []
    from bench_profile import markdown as profile_table

    mine = profile["generated"]["shares"]
    in_process = profile["conventional"]["us_per_request"] / profile["generated"]["us_per_request"]
    under_server = (
        f" and {served['endpoints']['read']['ratio']:.2f}x under gunicorn" if served else ""
    )
    return [
        "",
        "## Where the Django signed-in page spends its time",
        "",
        f"`/notes/` for a signed-in user with 20 notes ({profile['database']}), the "
        "project's WSGI handler called in one process with no server in between "
        "(bench_profile.py): each side timed, then profiled with cProfile. The shares are "
        "of the profiled request; the profiler slows Python code more than waiting on the "
        "database, so database shares read low.",
        "",
        *profile_table(profile),
        "",
        f"Rendering the page is the largest part ({mine['template rendering']:.0%}), and "
        f"within it the two links of each row ({mine['of which URL reversal']:.0%} for "
        f"URL reversal, one `reverse` per link) and the dates "
        f"({mine['of which date formatting']:.0%}). Signing the request in costs a "
        f"session lookup and a user lookup ({mine['session lookup']:.0%} and "
        f"{mine['user lookup']:.0%}), each an ORM query. What the generated project already "
        "does beside the conventional page: the page and the row count in one query "
        "(`OneQueryPaginator`), only the listed columns, translation off (no language "
        "lookup per URL and date), and on PostgreSQL no health-check round trip on a "
        f"connection in steady use. That makes it {in_process:.2f}x the conventional page in "
        f"this process{under_server}: both do the same rendering and the same two lookups, "
        "which are most of the work. Reaching 1.5x needs a cheaper rendering of the rows "
        "(Jinja2, or rows prepared in the view with one `reverse` per page) or sessions "
        "read without the database; neither is in the template yet.",
    ]


def io_section(io: dict[str, Any] | None) -> list[str]:
    """bench_io.py: an endpoint waiting on a 50 ms upstream call, FastAPI beside Django."""
    if not io:
        return []
    from bench_io import markdown as io_table

    settings = io["settings"]
    return [
        "",
        "## I/O-bound work: the seeds' claim",
        "",
        "The articles behind the advisor say FastAPI's async design handles I/O-bound "
        "concurrent work 3-5x better than Django's synchronous default. Here each generated "
        "project gets, in the benchmark only, an endpoint that makes one call to a local "
        f"upstream answering after {settings['upstream_delay_ms']} ms, with httpx; one "
        f"worker each, {settings['cpus']} CPUs, wrk (timeout {settings['wrk_timeout_s']} s), "
        f"median of {settings['rounds']} interleaved rounds of {settings['seconds']} s. "
        "Ratios are over Django's sync view (controls: over Django's `time.sleep` view); "
        "the controls wait without a client, to tell the server's part from the client's. "
        "Load average before each concurrency: "
        + ", ".join(f"{c}: {b['load_before'][0]}" for c, b in io["batches"].items())
        + ".",
        "",
        *io_table(io),
        "",
        *(f"- `{command}`" for command in io["commands"].values()),
        "",
        io["headline"],
    ]


# A smoke test of bench_services.py: every pass, briefly.
QUICK_SERVICES = [
    "--rounds", "1", "--seconds", "1", "--contention-seconds", "2", "--statement-requests", "3",
]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--templates", action="store_true")
    parser.add_argument(
        "--from-results", action="store_true", help="rewrite the Markdown from results.json"
    )
    args = parser.parse_args()
    if args.from_results:
        figures = json.loads((RESULTS / "results.json").read_text())
        write(figures, figures["version"], templates=args.templates)
        return
    RESULTS.mkdir(exist_ok=True)
    version = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    quick = ["--runs", "2"] if args.quick else []
    figures: dict[str, Any] = {
        "version": version,
        "date": datetime.now(UTC).date().isoformat(),
        "machine": machine_line(),
        "cli": run("bench_cli.py", *quick),
        "update": run("bench_update.py", *quick),
        "first_run": run("bench_first_run.py", *(["--runs", "1"] if args.quick else [])),
        "services": run("bench_services.py", *(QUICK_SERVICES if args.quick else [])),
        "profile": run("bench_profile.py", *(["--requests", "30"] if args.quick else [])),
        "security": run("bench_security.py"),
        "worker": run(
            "bench_worker.py", *(["--signups", "3", "--messages", "50"] if args.quick else [])
        ),
        "io": run("bench_io.py", *(["--quick"] if args.quick else [])),
    }
    (RESULTS / "results.json").write_text(json.dumps(figures, indent=2) + "\n")
    write(figures, version, templates=args.templates)


def write(figures: dict[str, Any], version: str, *, templates: bool) -> None:
    (RESULTS / "RESULTS.md").write_text(results_markdown(figures, version))
    print(f"\nwrote {RESULTS / 'results.json'} and {RESULTS / 'RESULTS.md'}")
    if templates:
        FRAGMENTS.mkdir(exist_ok=True)
        for architecture in figures["services"]["services"]:
            path = FRAGMENTS / f"{architecture}.md"
            path.write_text(fragment(figures["services"], architecture, version))
            print(f"wrote {path}")


if __name__ == "__main__":
    main()
