"""Shared fixtures: every test runs with its own home directory and git identity."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = REPO_ROOT / "templates"
# Tests swap HOME out; generated projects still install from the real uv cache.
UV_CACHE = os.environ.get("UV_CACHE_DIR") or str(Path.home() / ".cache" / "uv")


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout


@pytest.fixture(scope="session")
def shared_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home directory whose ~/.scaffold is filled once per test session."""
    return tmp_path_factory.mktemp("home")


def _isolate(monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    gitconfig = home / ".gitconfig"
    if not gitconfig.exists():
        gitconfig.write_text(
            "[user]\n\tname = Test Author\n\temail = author@example.com\n"
            "[init]\n\tdefaultBranch = main\n"
        )
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(gitconfig))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("CI", "true")  # never prompt from tests
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv("UV_CACHE_DIR", UV_CACHE)
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, shared_home: Path) -> Path:
    """Default isolation for every test: the session's home, test git identity, no prompts."""
    _isolate(monkeypatch, shared_home)
    return shared_home


@pytest.fixture
def fresh_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A home directory of its own, for tests about what lands in ~/.scaffold."""
    home = tmp_path / "fresh-home"
    home.mkdir()
    _isolate(monkeypatch, home)
    return home


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty directory outside any git repository, made the current directory."""
    where = tmp_path / "work"
    where.mkdir()
    monkeypatch.chdir(where)
    yield where
    shutil.rmtree(where, ignore_errors=True)


def tree_snapshot(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")} if root.exists() else set()


@dataclass(frozen=True)
class ProjectTools:
    """uv and an environment that install and test a generated project (Python 3.12)."""

    uv: str
    env: dict[str, str]

    def run(self, folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [self.uv, *args], cwd=folder, env=self.env, capture_output=True, text=True, check=False
        )

    def sync_and_test(self, folder: Path) -> str:
        """`uv sync --locked` then the project's own pytest; return pytest's output."""
        for args in (("sync", "--locked", "--quiet"), ("run", "--locked", "pytest", "-q")):
            done = self.run(folder, *args)
            assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        return done.stdout


def project_tools() -> ProjectTools:
    """The tools for a generated project, or a skip that says which one is missing."""
    from scaffold.smoke.tools import ToolMissing, clean_env, find_python, find_tool

    try:
        uv = find_tool("uv")
    except ToolMissing:
        pytest.skip("uv is not installed: it installs and tests the generated project")
    python = find_python("3.12")
    if python is None:
        pytest.skip("no Python 3.12 interpreter for the generated project")
    return ProjectTools(str(uv), clean_env() | {"UV_PYTHON": str(python)})
