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
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Suite:
    title: str
    folder: Path
    pytest_args: tuple[str, ...] = ()

    @property
    def command(self) -> str:
        where = "" if self.folder == ROOT else f"cd {self.folder.relative_to(ROOT)} && "
        return " ".join([f"{where}uv run pytest", *self.pytest_args])


class Running:
    """One suite's pytest, its output kept in a file until it finishes."""

    def __init__(
        self, suite: Suite, output: IO[bytes], uv: str, env: dict[str, str], *, color: bool
    ) -> None:
        self.suite = suite
        self.output = output
        # pytest writes to a file here, so it would drop its colours unless asked.
        argv = [uv, "run", "pytest", *suite.pytest_args, *(["--color=yes"] if color else [])]
        self.started = time.perf_counter()
        self.seconds = 0.0
        # The arguments are fixed above; nothing in them comes from outside.
        self.process = subprocess.Popen(  # noqa: S603
            argv, cwd=suite.folder, env=env, stdout=self.output, stderr=subprocess.STDOUT
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

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()


def suites(*, fuzz: bool) -> list[Suite]:
    return [
        Suite("Django, the schema contract and the cross-service tests", ROOT),
        Suite("The API's tests", ROOT / "api", ("--fuzz",) if fuzz else ()),
    ]


def run(selected: list[Suite], uv: str, *, color: bool) -> int:
    env = dict(os.environ)
    # `uv run` points VIRTUAL_ENV at the root's environment; api/ has its own.
    env.pop("VIRTUAL_ENV", None)
    with contextlib.ExitStack() as files:
        running = [
            Running(suite, files.enter_context(tempfile.TemporaryFile()), uv, env, color=color)
            for suite in selected
        ]
        waiting = list(running)
        try:
            while waiting:
                for each in [each for each in waiting if each.finished()]:
                    each.show()
                    waiting.remove(each)
                time.sleep(0.05)
        except KeyboardInterrupt:
            for each in running:
                each.stop()
            print("\nInterrupted: both suites stopped.", file=sys.stderr)
            return 130
    print()
    for each in running:
        code = each.process.returncode
        verdict = "passed" if code == 0 else f"FAILED (exited {code})"
        print(f"{verdict}: {each.suite.title} ({each.suite.command})")
    return 1 if any(each.process.returncode != 0 for each in running) else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--fuzz", action="store_true", help="also run the API's schema fuzz test, as CI does"
    )
    args = parser.parse_args(argv)
    uv = shutil.which("uv")
    if uv is None:
        print(
            "uv is not on PATH: install it (https://docs.astral.sh/uv/) and run this again.",
            file=sys.stderr,
        )
        return 2
    return run(suites(fuzz=args.fuzz), uv, color=sys.stdout.isatty())


if __name__ == "__main__":
    sys.exit(main())
