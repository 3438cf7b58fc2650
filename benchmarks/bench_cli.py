"""scaffold's own speed, each figure beside a baseline measured in the same run.

    uv run python benchmarks/bench_cli.py [--runs N] [--json PATH]

- `scaffold --help`, `scaffold version` and `scaffold new --help` against a bare
  `python -c pass` (goal: the first two under 0.3 s; a command's own help costs what
  Typer spends building its options, which this measures);
- `scaffold new --yes --no-git` against a bare `copier copy` of the same template version
  from the same bundle with the same answers (goal: within 1.2x).
Each command runs in a fresh process; the median of N runs is reported.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from report import publish

BIN = Path(sys.executable).parent


def timed(command: list[str], *, cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def median_of(runs: int, once: Callable[[int], float]) -> float:
    return statistics.median(once(i) for i in range(runs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="scaffold-bench-") as scratch:
        root = Path(scratch)
        env = {**os.environ, "HOME": str(root / "home"), "CI": "true", "NO_COLOR": "1"}
        (root / "home").mkdir()
        scaffold = [str(BIN / "scaffold")]
        # Warm up: materializes ~/.scaffold/templates.bundle once, as any first run does.
        warm = [*scaffold, "new", "warm-up", "-a", "fastapi", "--yes", "--no-git", "--json"]
        made = subprocess.run(warm, cwd=root, env=env, check=True, capture_output=True)
        tag = "v" + json.loads(made.stdout)["template_version"]
        shutil.rmtree(root / "warm-up")
        bundle = root / "home" / ".scaffold" / "templates.bundle"

        python = median_of(
            args.runs, lambda _: timed([sys.executable, "-c", "pass"], cwd=root, env=env)
        )
        help_time = median_of(args.runs, lambda _: timed([*scaffold, "--help"], cwd=root, env=env))
        version_time = median_of(
            args.runs, lambda _: timed([*scaffold, "version"], cwd=root, env=env)
        )
        new_help_time = median_of(
            args.runs, lambda _: timed([*scaffold, "new", "--help"], cwd=root, env=env)
        )

        def scaffold_new(i: int) -> float:
            return timed(
                [*scaffold, "new", f"s{i}", "-a", "fastapi", "--yes", "--no-git"], cwd=root, env=env
            )

        def copier_copy(i: int) -> float:
            return timed(
                [
                    str(BIN / "copier"), "copy", "--quiet", "--defaults", "--vcs-ref", tag,
                    "--data", "architecture=fastapi", "--data", f"project_name=c{i}",
                    str(bundle), f"c{i}",
                ],
                cwd=root,
                env=env,
            )  # fmt: skip

        # Interleave so that machine noise hits both sides alike.
        new_times, copier_times = [], []
        for i in range(args.runs):
            new_times.append(scaffold_new(i))
            copier_times.append(copier_copy(i))
            shutil.rmtree(root / f"s{i}")
            shutil.rmtree(root / f"c{i}")
        new_time, copier_time = statistics.median(new_times), statistics.median(copier_times)

    figures = {
        "runs": args.runs,
        "python_startup_s": round(python, 4),
        "scaffold_help_s": round(help_time, 4),
        "help_goal_s": 0.3,
        "scaffold_version_s": round(version_time, 4),
        "scaffold_new_help_s": round(new_help_time, 4),
        "scaffold_new_s": round(new_time, 4),
        "copier_copy_s": round(copier_time, 4),
        "new_over_copier": round(new_time / copier_time, 3),
        "new_goal_ratio": 1.2,
    }
    rows = [
        ("python -c pass", python, "(baseline)"),
        ("scaffold --help", help_time, f"{help_time / python:5.2f}x python  (goal < 0.3 s)"),
        ("scaffold version", version_time, f"{version_time / python:5.2f}x python  (goal < 0.3 s)"),
        ("scaffold new --help", new_help_time, f"{new_help_time / python:5.2f}x python"),
        ("copier copy", copier_time, "(baseline)"),
        ("scaffold new --yes", new_time, f"{new_time / copier_time:5.2f}x copier (goal <= 1.2x)"),
    ]
    publish(rows, figures, args.json)


if __name__ == "__main__":
    main()
