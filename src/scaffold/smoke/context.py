"""What every smoke check is given: the rendered project and where it runs.

It sits below the checks and the modules that serve projects (serve, proxy, replicas,
attacks), so that they all import it and none of them imports another's caller.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from scaffold.choices import Architecture
from scaffold.smoke.postgres import Server

Status = Callable[[str], None]


@dataclass
class Context:
    """Everything a check may look at for one rendered project."""

    project: Path
    architecture: Architecture
    answers: Mapping[str, str]
    questions: tuple[str, ...]  # the template's question names (for the leftover rule)
    env: dict[str, str]  # cleaned environment, with UV_PYTHON pointing at the interpreter
    postgres: Server
    scratch: Path  # a private folder for logs and SQLite files
    status: Status = field(default=lambda _message: None)

    def venv_tool(self, name: str) -> Path:
        return self.project / ".venv" / "bin" / name

    @property
    def package(self) -> str:
        return self.answers.get("package_name", "")


def dockerfiles(project: Path) -> list[Path]:
    found = [
        path
        for pattern in ("Dockerfile", "Dockerfile.*", "*.Dockerfile", "*/Dockerfile")
        for path in project.glob(pattern)
        if path.is_file() and ".venv" not in path.parts and not path.name.endswith(".jinja")
    ]
    return sorted(set(found))


def workflows(project: Path) -> list[Path]:
    folder = project / ".github" / "workflows"
    return sorted(p for p in folder.glob("*.y*ml") if p.suffix in (".yml", ".yaml"))


def has_worker(ctx: Context) -> bool:
    """Whether the project was rendered with the worker (its Celery app)."""
    return bool(ctx.package) and (ctx.project / ctx.package / "worker.py").is_file()
