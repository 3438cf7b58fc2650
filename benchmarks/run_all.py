"""Every benchmark in one go: figures as JSON and Markdown, optionally into the templates.

    uv run python benchmarks/run_all.py [--quick] [--templates]

Runs bench_cli.py, bench_update.py, bench_first_run.py, bench_services.py,
bench_security.py and bench_worker.py (each in a
process of its own, each printing its figures beside its baseline), then writes
`benchmarks/results/results.json` and `benchmarks/results/RESULTS.md`. With
`--templates`, it also rewrites `templates/_shared/performance/<architecture>.md`, the
figures each generated README quotes. `--quick` runs fewer and shorter rounds (a smoke
test of the scripts, not figures to publish).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench_services import GOALS

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RESULTS = HERE / "results"
FRAGMENTS = REPO / "templates" / "_shared" / "performance"

ENDPOINT_LABELS = {"light": "liveness", "health": "readiness (database ping)",
                   "read": "signed-in list of 20 rows",
                   "read_session": "the same list, beside a bare page with session sign-in",
                   "login": "sign-in"}  # fmt: skip
FRAMEWORK = {"django": "Django", "fastapi": "FastAPI", "hybrid": "FastAPI"}


def run(script: str, *args: str) -> dict[str, Any]:
    out = RESULTS / f"{Path(script).stem}.json"
    print(f"\n== {script} {' '.join(args)}", flush=True)
    subprocess.run([sys.executable, script, *args, "--json", str(out)], cwd=HERE, check=True)
    loaded: dict[str, Any] = json.loads(out.read_text())
    return loaded


def services_table(services: dict[str, Any], architecture: str) -> list[str]:
    lines = [
        "| endpoint | requests/s | bare app | ratio | goal | p50 | p99 |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, figure in services[architecture]["endpoints"].items():
        mine, bare = figure["generated"], figure["bare"]
        goal = GOALS[architecture].get(name)
        if not mine["requests_per_s"]:  # e.g. throttled: no completed request to report
            label = f"{ENDPOINT_LABELS[name]}: `{figure['method']} {figure['path']}`"
            bare_rate = f"{bare['requests_per_s']:,.0f}"
            lines.append(f"| {label} | not measured | {bare_rate} | — | — | — | — |")
            continue
        lines.append(
            f"| {ENDPOINT_LABELS[name]}: `{figure['method']} {figure['path']}` "
            f"| {mine['requests_per_s']:,.0f} | {bare['requests_per_s']:,.0f} "
            f"| {figure['ratio']:.2f} | {'≥ ' + str(goal) if goal else '—'} "
            f"| {mine['p50_ms']:.1f} ms | {mine['p99_ms']:.1f} ms |"
        )
    return lines


def machine(settings: dict[str, Any], database: str) -> str:
    return (
        f"{settings['cpus']} CPUs ({settings['machine']}), one server worker, "
        f"{'PostgreSQL' if database == 'postgresql' else 'SQLite'}, wrk with "
        f"{settings['connections']} connections (4 for sign-in), median of "
        f"{settings['rounds']} rounds of {settings['seconds']} s (the ratio: median of the "
        "rounds' ratios)"
    )


def fragment(services: dict[str, Any], architecture: str, version: str) -> str:
    result = services["services"][architecture]
    lines = [
        f"Measured by scaffold {version}'s `benchmarks/bench_services.py` on "
        f"{machine(services['settings'], result['database'])}. Each figure stands beside a "
        f"bare {FRAMEWORK[architecture]} app written in the benchmark, run by the same server "
        "with the same flags and doing the same work without middleware or authentication "
        "(where a row says so, the bare page does read the session and its user):",
        "",
        *services_table(services["services"], architecture),
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
        lines += [
            f"### {architecture}",
            "",
            f"`{result['command']}` on {machine(services['settings'], result['database'])}.",
            "",
            *services_table(services["services"], architecture),
            "",
            f"One password verification: {result['password_hash_ms']:.0f} ms.",
            "",
        ]
    return "\n".join(lines)


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
        "machine": f"{os.cpu_count()} CPUs, {platform.machine()}, "
        f"Python {platform.python_version()}",
        "cli": run("bench_cli.py", *quick),
        "update": run("bench_update.py", *quick),
        "first_run": run("bench_first_run.py", *(["--runs", "1"] if args.quick else [])),
        "services": run(
            "bench_services.py", *(["--rounds", "1", "--seconds", "1"] if args.quick else [])
        ),
        "security": run("bench_security.py"),
        "worker": run(
            "bench_worker.py", *(["--signups", "3", "--messages", "50"] if args.quick else [])
        ),
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
