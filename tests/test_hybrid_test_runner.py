"""The hybrid's scripts/run_tests.py: both suites at once, each output whole, one verdict.

A stand-in `uv` on PATH plays each suite (it records how it was called, prints, and exits
with the code written in its folder's `.exit`), so these tests pin the runner's own
behaviour in a second each; `scaffold smoke` runs it for real on a generated hybrid.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pytest_copie.plugin import Copie

from tests.conftest import TEMPLATES

STAND_IN_UV = """#!/bin/sh
echo "$PWD|$*|${VIRTUAL_ENV:-unset}|$$" >> "$UV_CALLS"
echo "start $PWD"
# Interrupted, it cleans up for a moment first, as pytest drops its test database.
trap 'echo "interrupted $PWD"; kill $! 2>/dev/null; sleep 0.5; echo "cleaned up $PWD"; exit 2' INT
trap 'kill $! 2>/dev/null; exit 143' TERM
sleep "$(cat .sleep 2>/dev/null || echo "${UV_SLEEP:-0.2}")" &
wait $!
echo "end $PWD"
exit "$(cat .exit 2>/dev/null || echo 0)"
"""


@pytest.fixture(scope="module")
def hybrid(copie_session: Copie) -> Path:
    result = copie_session.copy(
        extra_answers={"architecture": "hybrid", "project_name": "Corner Shop"},
        template_dir=TEMPLATES,
    )
    assert result.exit_code == 0, result.exception
    assert result.project_dir is not None
    return result.project_dir


def runner_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    uv = bin_dir / "uv"
    uv.write_text(STAND_IN_UV)
    uv.chmod(0o755)
    return {
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "UV_CALLS": str(tmp_path / "calls"),
        "VIRTUAL_ENV": "/somewhere/.venv",  # as `uv run` sets it for the runner
        **extra,
    }


def run_tests(project: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "scripts/run_tests.py", *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def calls(tmp_path: Path) -> dict[str, tuple[str, str]]:
    """folder -> (arguments, VIRTUAL_ENV) for each stand-in uv call."""
    recorded = {}
    for line in (tmp_path / "calls").read_text().splitlines():
        folder, args, venv, _pid = line.split("|")
        recorded[folder] = (args, venv)
    return recorded


@pytest.fixture(autouse=True)
def _passing(hybrid: Path) -> None:
    for folder in (hybrid, hybrid / "api"):
        (folder / ".exit").unlink(missing_ok=True)
        (folder / ".sleep").unlink(missing_ok=True)


def test_both_suites_run_side_by_side_and_each_output_stays_whole(
    hybrid: Path, tmp_path: Path
) -> None:
    started = time.perf_counter()
    done = run_tests(hybrid, runner_env(tmp_path, UV_SLEEP="1"))
    elapsed = time.perf_counter() - started
    assert done.returncode == 0, done.stdout + done.stderr
    assert elapsed < 1.9, "the suites ran one after the other"
    root, api = str(hybrid), str(hybrid / "api")
    # Each suite runs as its README command would, in its own folder and environment.
    assert calls(tmp_path) == {root: ("run pytest", "unset"), api: ("run pytest", "unset")}
    lines = done.stdout.splitlines()
    for folder in (root, api):
        start = lines.index(f"start {folder}")
        assert lines[start + 1] == f"end {folder}"
        assert lines[start - 1].startswith("==> ")
    assert lines[-2:] == [
        "passed: Django, the schema contract and the cross-service tests (uv run pytest)",
        "passed: The API's tests (cd api && uv run pytest)",
    ]


def test_a_failing_suite_fails_the_run_and_is_named(hybrid: Path, tmp_path: Path) -> None:
    (hybrid / "api" / ".exit").write_text("1")
    done = run_tests(hybrid, runner_env(tmp_path))
    assert done.returncode == 1
    assert done.stdout.splitlines()[-2:] == [
        "passed: Django, the schema contract and the cross-service tests (uv run pytest)",
        "FAILED (exited 1): The API's tests (cd api && uv run pytest)",
    ]
    assert f"end {hybrid}" in done.stdout  # the other suite still ran to its end


def test_fuzz_goes_to_the_api_suite_only(hybrid: Path, tmp_path: Path) -> None:
    done = run_tests(hybrid, runner_env(tmp_path), "--fuzz")
    assert done.returncode == 0, done.stdout + done.stderr
    assert calls(tmp_path)[str(hybrid)][0] == "run pytest"
    assert calls(tmp_path)[str(hybrid / "api")][0] == "run pytest --fuzz"
    assert "The API's tests (cd api && uv run pytest --fuzz)" in done.stdout


def test_workers_go_to_the_django_suite_only(hybrid: Path, tmp_path: Path) -> None:
    done = run_tests(hybrid, runner_env(tmp_path), "--workers")
    assert done.returncode == 0, done.stdout + done.stderr
    assert calls(tmp_path)[str(hybrid)][0] == "run pytest --workers"
    assert calls(tmp_path)[str(hybrid / "api")][0] == "run pytest"


def test_an_unknown_option_is_a_usage_error(hybrid: Path, tmp_path: Path) -> None:
    done = run_tests(hybrid, runner_env(tmp_path), "-k", "notes")
    assert done.returncode == 2
    assert "unrecognized arguments: -k notes" in done.stderr
    assert not (tmp_path / "calls").exists()


def test_without_uv_it_says_what_to_install(hybrid: Path, tmp_path: Path) -> None:
    env = runner_env(tmp_path) | {"PATH": "/usr/bin:/bin"}
    done = run_tests(hybrid, env)
    assert done.returncode == 2
    assert "uv is not on PATH" in done.stderr


def start_and_wait_for_both(
    hybrid: Path, tmp_path: Path
) -> tuple[subprocess.Popen[str], list[int]]:
    process = subprocess.Popen(
        [sys.executable, "scripts/run_tests.py"],
        cwd=hybrid,
        env=runner_env(tmp_path, UV_SLEEP="30"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # a process group of its own, as in a terminal
    )
    calls_file = tmp_path / "calls"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and (
        not calls_file.exists() or len(calls_file.read_text().splitlines()) < 2
    ):
        time.sleep(0.05)
    time.sleep(0.2)  # both have set their traps
    pids = [int(line.rsplit("|", 1)[1]) for line in calls_file.read_text().splitlines()]
    assert len(pids) == 2
    return process, pids


def assert_gone(pids: list[int]) -> None:
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_an_interrupt_lets_both_suites_clean_up_and_shows_their_output(
    hybrid: Path, tmp_path: Path
) -> None:
    process, pids = start_and_wait_for_both(hybrid, tmp_path)
    os.killpg(process.pid, signal.SIGINT)  # Ctrl-C: the terminal's whole foreground group
    time.sleep(0.1)
    process.send_signal(signal.SIGINT)  # `uv run` passes a Ctrl-C on too: a repeat
    out, err = process.communicate(timeout=20)
    assert process.returncode == 130
    assert "Interrupted: both suites stopped." in err
    for folder in (hybrid, hybrid / "api"):
        # Each suite got one interrupt, finished its clean-up, and its output is shown.
        assert f"start {folder}\ninterrupted {folder}\ncleaned up {folder}\n" in out
        assert out.count(f"interrupted {folder}\n") == 1
    assert_gone(pids)


def test_sigterm_stops_both_suites_too(hybrid: Path, tmp_path: Path) -> None:
    process, pids = start_and_wait_for_both(hybrid, tmp_path)
    process.send_signal(signal.SIGTERM)
    _out, err = process.communicate(timeout=20)
    assert process.returncode == 128 + signal.SIGTERM
    assert "Interrupted: both suites stopped." in err
    assert_gone(pids)


def test_on_a_terminal_the_suites_get_colours_and_its_width(
    hybrid: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = importlib.util.spec_from_file_location("run_tests", hybrid / "scripts" / "run_tests.py")
    assert spec is not None
    assert spec.loader is not None
    runner = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "run_tests", runner)
    spec.loader.exec_module(runner)
    monkeypatch.delenv("PY_COLORS", raising=False)
    monkeypatch.setenv("COLUMNS", "161")
    assert "PY_COLORS" not in runner.suite_env(color=False)
    on_terminal = runner.suite_env(color=True)
    assert (on_terminal["PY_COLORS"], on_terminal["COLUMNS"]) == ("1", "161")


def test_a_suite_that_ended_before_the_interrupt_is_shown_once(
    hybrid: Path, tmp_path: Path
) -> None:
    (hybrid / "api" / ".sleep").write_text("0.1")
    process, _pids = start_and_wait_for_both(hybrid, tmp_path)
    time.sleep(0.5)  # the API suite has ended and been shown
    process.send_signal(signal.SIGINT)
    out, _err = process.communicate(timeout=20)
    assert process.returncode == 130
    api = hybrid / "api"
    assert out.count(f"start {api}\nend {api}\n") == 1
    assert f"cleaned up {hybrid}\n" in out
