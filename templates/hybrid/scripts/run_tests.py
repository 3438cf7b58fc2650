"""Run both test suites at once: Django's (the project root) and the API's (api/).

    uv run scripts/run_tests.py [--fuzz]

Each suite runs in its own environment, exactly as `uv run pytest` and
`(cd api && uv run pytest)` would, but side by side: on two or more cores the wait is
about that of the longer suite instead of the sum. A suite's output is printed in one
piece when it finishes, so the two never interleave. Exits 1 when either suite fails.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import IO

ROOT = Path(__file__).resolve().parent.parent
# How long an interrupted suite gets to stop and drop its test database.
STOP_GRACE_S = 30


@dataclass(frozen=True)
class Suite:
    title: str
    folder: Path
    pytest_args: tuple[str, ...] = ()

    @property
    def command(self) -> str:
        where = "" if self.folder == ROOT else f"cd {self.folder.relative_to(ROOT)} && "
        return " ".join([f"{where}uv run pytest", *self.pytest_args])


class Stopped(Exception):
    """The run was asked to stop (Ctrl-C or SIGTERM); `code` is the exit code to give
    (128 + the signal's number: 130 for Ctrl-C, 143 for SIGTERM)."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def _stop_on_signal(signum: int, _frame: FrameType | None) -> None:
    raise Stopped(128 + signum)


class Running:
    """One suite's pytest, its output kept in a file until it finishes."""

    def __init__(self, suite: Suite, output: IO[bytes], uv: str, env: dict[str, str]) -> None:
        self.suite = suite
        self.output = output
        self.started = time.perf_counter()
        self.seconds = 0.0
        # The arguments are fixed here; nothing in them comes from outside. A session of
        # its own keeps a terminal's Ctrl-C from reaching the suite directly: the runner
        # passes on exactly one interrupt (a second one would cut pytest's clean-up short).
        self.process = subprocess.Popen(  # noqa: S603
            [uv, "run", "pytest", *suite.pytest_args],
            cwd=suite.folder,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def finished(self) -> bool:
        if self.process.poll() is None:
            return False
        self.seconds = time.perf_counter() - self.started
        return True

    def show(self) -> None:
        print(f"==> {self.suite.title} ({self.suite.command}): {self.seconds:.1f} s", flush=True)
        self.output.seek(0)
        sys.stdout.buffer.write(self.output.read())
        sys.stdout.buffer.flush()

    def interrupt(self) -> None:
        """As Ctrl-C would: pytest stops, runs its teardown (dropping its test database)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)

    def wait_or_kill(self) -> None:
        try:
            self.process.wait(timeout=STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.finished()


def suites(*, fuzz: bool) -> list[Suite]:
    return [
        Suite("Django, the schema contract and the cross-service tests", ROOT),
        Suite("The API's tests", ROOT / "api", ("--fuzz",) if fuzz else ()),
    ]


def suite_env(*, color: bool) -> dict[str, str]:
    env = dict(os.environ)
    # `uv run` points VIRTUAL_ENV at the root's environment; api/ has its own.
    env.pop("VIRTUAL_ENV", None)
    if color:
        # pytest writes to a file here: ask for the colours and the width a terminal gets.
        env.setdefault("PY_COLORS", "1")
        env.setdefault("COLUMNS", str(shutil.get_terminal_size().columns))
    return env


def run(selected: list[Suite], uv: str, *, color: bool) -> int:
    env = suite_env(color=color)
    stop_signals = (signal.SIGINT, signal.SIGTERM)
    previous = {signum: signal.signal(signum, _stop_on_signal) for signum in stop_signals}
    with contextlib.ExitStack() as files:
        running: list[Running] = []
        waiting: list[Running] = []  # started, output not shown yet
        try:
            for suite in selected:
                running.append(
                    Running(suite, files.enter_context(tempfile.TemporaryFile()), uv, env)
                )
                waiting.append(running[-1])
            while waiting:
                for each in [each for each in waiting if each.finished()]:
                    each.show()
                    waiting.remove(each)
                time.sleep(0.05)
        except Stopped as stop:
            # `uv run` passes a Ctrl-C on to this script as well: ignore the repeats
            # while the suites clean up.
            for signum in stop_signals:
                signal.signal(signum, signal.SIG_IGN)
            for each in waiting:
                each.interrupt()
            for each in waiting:
                each.wait_or_kill()
                each.show()
            print("\nInterrupted: both suites stopped.", file=sys.stderr)
            return stop.code
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
    print()
    for each in running:
        code = each.process.returncode
        verdict = "passed" if code == 0 else f"FAILED (exited {code})"
        print(f"{verdict}: {each.suite.title} ({each.suite.command})")
    return 1 if any(each.process.returncode != 0 for each in running) else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0] if __doc__ else None,
        epilog="Exit status: 0 both passed, 1 a suite failed, 2 bad arguments or no uv, "
        "130 interrupted. For pytest's own options run a suite directly, e.g. "
        "`uv run pytest -k notes` or `(cd api && uv run pytest -x)`.",
    )
    parser.add_argument(
        "--fuzz", action="store_true", help="also run the API's schema fuzz test, as CI does"
    )
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        parser.print_usage(sys.stderr)
        print(
            f"run_tests.py: unrecognized arguments: {' '.join(unknown)}. It takes no pytest "
            "options: run a suite directly for those, e.g. `uv run pytest -k notes` or "
            "`(cd api && uv run pytest -k notes)`.",
            file=sys.stderr,
        )
        return 2
    uv = shutil.which("uv")
    if uv is None:
        print(
            "uv is not on PATH: install it (https://docs.astral.sh/uv/) and run this again.",
            file=sys.stderr,
        )
        return 2
    color = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    return run(suites(fuzz=args.fuzz), uv, color=color)


if __name__ == "__main__":
    sys.exit(main())
