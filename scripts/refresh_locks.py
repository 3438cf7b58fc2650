#!/usr/bin/env python3
"""Regenerate the `uv.lock.jinja` of each architecture template.

For every architecture that ships a `uv.lock.jinja` (or the one named with
`--architecture`), this renders the template with a fixed sample project, lets
`uv lock` resolve it afresh for each Python version the template offers, and writes
the lock back with the sample's name replaced by `{{ project_slug }}`.

`requires-python` follows the `python_version` answer. When the locks for the oldest
and the newer Python versions pin the same packages, and the oldest one's lock is
accepted as-is (`uv lock --locked`) by the projects for the newer versions, one lock
serves them all, with only its `requires-python` line templated. Otherwise the file
holds one lock per version, chosen with `{% if python_version == ... %}`.

Needs `uv` on PATH and Copier importable by this interpreter (or `copier` on PATH).
Standard library only. Usage:

    python scripts/refresh_locks.py                 # every architecture with a lock
    python scripts/refresh_locks.py --architecture django
    python scripts/refresh_locks.py --architecture hybrid --keep   # after editing pyproject

`--keep` starts from the lock the template ships instead of resolving from scratch, so
after a change to the dependencies only what that change needs moves.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import NoReturn

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
LOCK_TEMPLATE = "uv.lock.jinja"
SAMPLE_NAME = "Lock Sample"
SAMPLE_SLUG = "lock-sample"
SLUG_TOKEN = "{{ project_slug }}"
REQUIRES_PYTHON = re.compile(r'^requires-python = ">=(?P<version>[0-9.]+)"$', re.MULTILINE)


def fail(message: str) -> NoReturn:
    sys.exit(f"refresh_locks: {message}")


def python_versions() -> list[str]:
    """The choices of the `python_version` question, read from copier.yml."""
    text = (TEMPLATES / "copier.yml").read_text(encoding="utf-8")
    block = re.search(r"^python_version:\n((?:[ \t]+.*\n?|\n)+)", text, re.MULTILINE)
    if not block:
        fail("copier.yml has no python_version question")
    choices = re.search(r"^\s+choices:\n((?:\s+- .*\n?)+)", block.group(1), re.MULTILINE)
    if not choices:
        fail("python_version in copier.yml lists no choices")
    versions = re.findall(r'-\s*"?([0-9]+\.[0-9]+)"?', choices.group(1))
    return sorted(versions, key=lambda v: tuple(int(part) for part in v.split(".")))


def copier_command() -> list[str]:
    if importlib.util.find_spec("copier") is not None:
        return [sys.executable, "-m", "copier"]
    found = shutil.which("copier")
    if found is None:
        fail("Copier is not installed: run this with the scaffold development environment")
    return [found]


def run(command: list[str], cwd: Path | None = None, python: str | None = None) -> None:
    environment = dict(os.environ)
    environment.pop("VIRTUAL_ENV", None)
    if python is not None:
        environment["UV_PYTHON"] = python
    result = subprocess.run(
        command, cwd=cwd, env=environment, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        fail(f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}")


def render(architecture: str, python_version: str, worker: bool, destination: Path) -> None:
    run(
        [
            *copier_command(),
            "copy",
            "--quiet",
            "--defaults",
            "--overwrite",
            "--data",
            f"architecture={architecture}",
            "--data",
            f"project_name={SAMPLE_NAME}",
            "--data",
            f"python_version={python_version}",
            "--data",
            f"worker={str(worker).lower()}",
            str(TEMPLATES),
            str(destination),
        ]
    )


def fresh_lock(
    architecture: str,
    python_version: str,
    worker: bool,
    workdir: Path,
    subdir: str = "",
    *,
    keep: bool = False,
) -> tuple[Path, str]:
    """Render the sample project and lock it (or its `subdir` service), from scratch
    unless `keep`: then `uv lock` starts from the lock the template renders."""
    project = workdir / f"{architecture}-{python_version}-{'worker' if worker else 'plain'}"
    render(architecture, python_version, worker, project)
    locked = project / subdir
    if not keep:
        (locked / "uv.lock").unlink(missing_ok=True)
    run(["uv", "lock"], cwd=locked, python=python_version)
    return locked, (locked / "uv.lock").read_text(encoding="utf-8")


def project_name(folder: Path) -> str:
    """The distribution name a rendered pyproject.toml declares."""
    found = re.search(r'^name = "(.+)"', (folder / "pyproject.toml").read_text(), re.MULTILINE)
    if found is None:
        fail(f"no project name in {folder / 'pyproject.toml'}")
    return found.group(1)


def pinned_packages(lock: str) -> list[tuple[str, str]]:
    return re.findall(r'^name = "(.+)"\nversion = "(.+)"', lock, re.MULTILINE)


def as_template(lock: str, requires_python: str | None, name: str = SAMPLE_SLUG) -> str:
    """Turn a lock of the sample project (distribution `name`) into template text."""
    if re.search(r"\{[{%#]", lock):
        fail("the lock contains text that Jinja would read as a tag")
    if lock.count(f'"{name}"') != 1:
        fail(f"expected the sample project {name!r} exactly once in the lock")
    lock = lock.replace(f'"{name}"', '"' + name.replace(SAMPLE_SLUG, SLUG_TOKEN, 1) + '"')
    if requires_python is not None:
        lock, count = REQUIRES_PYTHON.subn(f'requires-python = ">={requires_python}"', lock)
        if count != 1:
            fail("expected one requires-python line in the lock")
    return lock


def refresh(
    architecture: str, versions: list[str], subdir: str = "", *, keep: bool = False
) -> Path:
    """Rewrite the lock template of an architecture, or of its service in `subdir`.

    The `worker` answer adds dependencies, so each value gets its lock; when both render
    the same text, one serves them both.
    """
    target = TEMPLATES / architecture / subdir / LOCK_TEMPLATE
    with_worker = lock_text(architecture, versions, True, subdir, keep=keep)
    without = lock_text(architecture, versions, False, subdir, keep=keep)
    if with_worker == without:
        text = with_worker
    else:
        text = f"{{% if worker -%}}\n{with_worker}{{% else -%}}\n{without}{{% endif -%}}\n"
    target.write_text(text, encoding="utf-8")
    return target


def lock_text(
    architecture: str, versions: list[str], worker: bool, subdir: str = "", *, keep: bool = False
) -> str:
    """The lock template text for one `worker` answer, across Python versions."""
    with tempfile.TemporaryDirectory(prefix="refresh-locks-") as tmp:
        workdir = Path(tmp)
        locks = {
            version: fresh_lock(architecture, version, worker, workdir, subdir, keep=keep)
            for version in versions
        }
        oldest = versions[0]
        oldest_folder, base_lock = locks[oldest]
        name = project_name(oldest_folder)
        shared = all(
            pinned_packages(lock) == pinned_packages(base_lock) for _, lock in locks.values()
        )
        if shared:
            # Check that every newer project accepts the oldest version's lock unchanged.
            for version in versions[1:]:
                project, _ = locks[version]
                adapted = REQUIRES_PYTHON.sub(f'requires-python = ">={version}"', base_lock)
                (project / "uv.lock").write_text(adapted, encoding="utf-8")
                try:
                    run(["uv", "lock", "--locked"], cwd=project, python=version)
                except SystemExit:
                    shared = False
                    break
        if shared:
            text = as_template(base_lock, "{{ python_version }}", name)
        else:
            parts = []
            for index, version in enumerate(versions):
                keyword = "if" if index == 0 else "elif"
                parts.append(f'{{% {keyword} python_version == "{version}" -%}}\n')
                parts.append(as_template(locks[version][1], None, name))
            parts.append("{% endif -%}\n")
            text = "".join(parts)
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--architecture",
        help="architecture folder under templates/ (default: every one with a uv.lock.jinja)",
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="start from the shipped lock: only what a dependency change needs moves",
    )
    arguments = parser.parse_args()

    if arguments.architecture and not (TEMPLATES / arguments.architecture).is_dir():
        fail(f"no architecture {arguments.architecture!r} under {TEMPLATES}")
    # Every lock template: an architecture's own, and those of its services (the hybrid's api/).
    targets = sorted(
        (path.relative_to(TEMPLATES).parts[0], "/".join(path.relative_to(TEMPLATES).parts[1:-1]))
        for pattern in (f"*/{LOCK_TEMPLATE}", f"*/*/{LOCK_TEMPLATE}")
        for path in TEMPLATES.glob(pattern)
        if not path.relative_to(TEMPLATES).parts[0].startswith("_")
        and arguments.architecture in (None, path.relative_to(TEMPLATES).parts[0])
    )
    if not targets:
        fail("no uv.lock.jinja to refresh; the template must ship one first")
    if shutil.which("uv") is None:
        fail("uv is not on PATH")

    versions = python_versions()
    for architecture, subdir in targets:
        target = refresh(architecture, versions, subdir, keep=arguments.keep)
        print(f"{architecture}: wrote {target.relative_to(ROOT)} (Python {', '.join(versions)})")


if __name__ == "__main__":
    main()
