"""`scaffold update` against a bare `copier update` of the same change, in the same run.

    uv run python benchmarks/bench_update.py [--runs N] [--json PATH]

Both run in this process on copies of one Django project generated from release 0.1.0
of a scratch history whose 0.2.0 changes the README, adds a file and drops one.
Goal: scaffold update within 1.5x of copier update.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from report import publish

REPO = Path(__file__).resolve().parents[1]


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def make_history(root: Path) -> Path:
    source = root / "source"
    source.mkdir()
    git(source, "init", "--quiet")
    shutil.copytree(REPO / "templates", source / "templates", symlinks=True)
    for version in ("0.1.0", "0.2.0"):
        if version == "0.2.0":
            readme = source / "templates" / "django" / "README.md.jinja"
            readme.write_text(readme.read_text() + "\n## Upgrading\n\nRun scaffold check.\n")
            (source / "templates" / "django" / "CONTRIBUTING.md").write_text("# Contributing\n")
            (source / "templates" / "django" / ".pre-commit-config.yaml").unlink()
        (source / "pyproject.toml").write_text(f'[project]\nname = "s"\nversion = "{version}"\n')
        git(source, "add", "-A")
        git(source, "commit", "--quiet", "-m", f"release {version}")
    return source


def reset(project: Path) -> None:
    git(project, "reset", "--quiet", "--hard")
    git(project, "clean", "--quiet", "-fdx")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="scaffold-bench-update-") as scratch:
        root = Path(scratch)
        os.environ.update(HOME=str(root / "home"), CI="true", NO_COLOR="1")
        os.environ.setdefault("GIT_AUTHOR_NAME", "bench")
        os.environ.setdefault("GIT_AUTHOR_EMAIL", "bench@example.com")
        os.environ.setdefault("GIT_COMMITTER_NAME", "bench")
        os.environ.setdefault("GIT_COMMITTER_EMAIL", "bench@example.com")
        (root / "home").mkdir()

        from copier import run_update

        from scaffold import template_store
        from scaffold.new import NewRequest, create_project
        from scaffold.update import UpdateRequest, apply_update, plan_update

        source = make_history(root)
        template_store.source_checkout = lambda: source
        create_project(
            NewRequest(dest=root / "ours", architecture=None, yes=True, template_version="0.1.0",
                       data={"architecture": "django"}),
            prompter=None, status=lambda _: None, show_recommendation=lambda _: None,
        )  # fmt: skip
        shutil.copytree(root / "ours", root / "bare", symlinks=True)

        def scaffold_update() -> float:
            start = time.perf_counter()
            apply_update(plan_update(UpdateRequest(path=root / "ours")))
            return time.perf_counter() - start

        def copier_update() -> float:
            start = time.perf_counter()
            run_update(
                root / "bare", vcs_ref="v0.2.0", defaults=True, overwrite=True,
                conflict="inline", quiet=True, unsafe=False,
            )  # fmt: skip
            return time.perf_counter() - start

        ours, bare = [], []
        for _ in range(args.runs):
            ours.append(scaffold_update())
            bare.append(copier_update())
            reset(root / "ours")
            reset(root / "bare")

    scaffold_s, copier_s = statistics.median(ours), statistics.median(bare)
    figures = {
        "runs": args.runs,
        "scaffold_update_s": round(scaffold_s, 4),
        "copier_update_s": round(copier_s, 4),
        "update_over_copier": round(scaffold_s / copier_s, 3),
        "goal_ratio": 1.5,
    }
    ratio = scaffold_s / copier_s
    rows = [
        ("copier update", copier_s, "(baseline)"),
        ("scaffold update", scaffold_s, f"{ratio:5.2f}x copier (goal <= 1.5x)"),
    ]
    publish(rows, figures, args.json)


if __name__ == "__main__":
    main()
