"""What scaffold can generate, and what to tell the user after generating it."""

from __future__ import annotations

import os
import shlex
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from scaffold.choices import Architecture


@dataclass(frozen=True)
class ArchitectureInfo:
    name: Architecture
    title: str
    complete: bool  # False while the template is a skeleton that later releases build out
    commands: tuple[str, ...]  # what to run in the new project, in order; {package_name}
    entry_file: str  # a file only the full template renders (early versions were skeletons)


CATALOG: dict[Architecture, ArchitectureInfo] = {
    Architecture.django: ArchitectureInfo(
        Architecture.django,
        "Django monolith (pages, admin, accounts)",
        complete=True,
        commands=(
            "uv run python manage.py migrate",
            "uv run python manage.py runserver",
            "uv run pytest",
        ),
        entry_file="manage.py",
    ),
    Architecture.fastapi: ArchitectureInfo(
        Architecture.fastapi,
        "FastAPI service (JSON API, SQLModel + Alembic)",
        complete=True,
        commands=(
            "uv run uvicorn {package_name}.main:app --reload",
            "uv run pytest",
        ),
        entry_file="{package_name}/main.py",
    ),
    Architecture.hybrid: ArchitectureInfo(
        Architecture.hybrid,
        "Hybrid: Django admin and accounts + FastAPI /api/v1 on one database",
        complete=True,
        commands=(
            "uv run python manage.py migrate",
            "uv run python manage.py runserver 8001",
            "(cd api && uv run uvicorn api.main:app --reload --port 8002)",
            "uv run scripts/run_tests.py",
        ),
        entry_file="api/api/main.py",
    ),
}


SKELETON_NOTE = "still a skeleton in this scaffold release (pyproject.toml and README only)"


def menu_title(architecture: Architecture) -> str:
    info = CATALOG[architecture]
    return info.title if info.complete else f"{info.title} — {SKELETON_NOTE}"


def rendered_in_full(architecture: Architecture, project: Path, package_name: str) -> bool:
    """Whether a rendered project holds the whole template, not an early version's skeleton."""
    return (project / CATALOG[architecture].entry_file.format(package_name=package_name)).is_file()


def uv_setup_steps(project: Path, environ: Mapping[str, str] | None = None) -> list[str]:
    """What to type before the project's `uv run` commands work, and work quietly, here."""
    environ = os.environ if environ is None else environ
    steps = []
    if shutil.which("uv", path=environ.get("PATH")) is None:
        steps.append("pip install uv")
    active = environ.get("VIRTUAL_ENV")
    if active and Path(active).resolve() != (project / ".venv").resolve():
        # uv runs the project in its own .venv and warns on every command while another
        # environment is active; `deactivate` would also drop a uv installed into that one.
        steps.append("unset VIRTUAL_ENV  # uv uses the project's own .venv")
    return steps


def next_steps(
    architecture: Architecture,
    path: str,
    package_name: str,
    *,
    in_full: bool,
    setup: list[str] | None = None,
) -> list[str]:
    info = CATALOG[architecture]
    steps = [f"cd {shlex.quote(path)}"]
    if in_full:
        steps.extend(setup or [])
        steps.extend(command.format(package_name=package_name) for command in info.commands)
    else:
        steps.append(
            "README.md: this template is still a skeleton (pyproject.toml and README); "
            "a later scaffold release fills it in, and `scaffold update` brings it over"
        )
    return steps
