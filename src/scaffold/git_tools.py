"""The few git operations scaffold runs in a user's project."""

from __future__ import annotations

import subprocess
from pathlib import Path

from scaffold.errors import GitError


def _git(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise GitError(
            f"cannot run git in {cwd}: {exc.strerror or exc}", hint="pass --no-git"
        ) from exc


def inside_work_tree(path: Path) -> bool:
    """Whether `path` (an existing directory) lies inside a git work tree."""
    done = _git(path, "rev-parse", "--is-inside-work-tree")
    return done.returncode == 0 and done.stdout.strip() == "true"


def config_value(cwd: Path, key: str) -> str:
    """A git config value as seen from `cwd`; empty when unset or git cannot run."""
    try:
        return _git(cwd, "config", "--get", key).stdout.strip()
    except GitError:
        return ""


def init_and_commit(path: Path, message: str, *, fallback_name: str, fallback_email: str) -> None:
    """`git init` + first commit of everything; identity from git config, else the fallback."""
    identity: list[str] = []
    if not config_value(path, "user.name"):
        identity += ["-c", f"user.name={fallback_name}"]
    if not config_value(path, "user.email"):
        identity += ["-c", f"user.email={fallback_email}"]
    # Signing could stop for a passphrase and user hooks are not the project's yet: this
    # commit holds only what scaffold generated.
    commit = [*identity, "-c", "commit.gpgsign=false", "commit", "--quiet", "--no-verify"]
    steps = {
        "init": ["init", "--quiet"],
        "add": ["add", "--all"],
        "commit": [*commit, "-m", message],
    }
    for name, args in steps.items():
        done = _git(path, *args)
        if done.returncode != 0:
            raise GitError(
                f"git {name} failed: {done.stderr.strip()}",
                hint="pass --no-git to skip creating a repository",
            )
