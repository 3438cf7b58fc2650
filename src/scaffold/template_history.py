"""Build the versioned template history as a git bundle, from scaffold's own git history.

A release is a commit on the first-parent line of HEAD that changes `version` in
pyproject.toml to a final version (no `.devN`, `aN`, `bN`, `rcN`) while `templates/copier.yml`
exists. Each release becomes one commit in the bundle whose tree is `templates/` as it
stood at that commit, tagged `v<version>`. Commit metadata is derived from the source
commit, so the same source history always yields the same bundle commits.

This module is imported by the wheel build hook, so it uses the standard library only.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

TEMPLATES_DIR = "templates"
_FINAL_VERSION = re.compile(r"^\d+(\.\d+)*$")
_BUNDLE_AUTHOR = ("scaffold release", "release@scaffold.invalid")


class HistoryError(Exception):
    """The template history cannot be built from this checkout."""


@dataclass(frozen=True)
class Release:
    version: str
    source_commit: str
    tree: str
    date: str

    @property
    def tag(self) -> str:
        return f"v{self.version}"


def is_final_version(version: str) -> bool:
    return bool(_FINAL_VERSION.match(version))


def _git(repo: Path, *args: str, env: dict[str, str] | None = None, stdin: str = "") -> str:
    run_env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", **(env or {})}
    try:
        done = subprocess.run(
            ["git", *args],
            cwd=repo,
            input=stdin,
            capture_output=True,
            text=True,
            check=True,
            env=run_env,
        )
    except FileNotFoundError as exc:
        raise HistoryError(
            "git is not installed; it is needed to build the template history"
        ) from exc
    except subprocess.CalledProcessError as exc:
        raise HistoryError(f"git {' '.join(args)} failed: {exc.stderr.strip()}") from exc
    return done.stdout


def _version_of(pyproject_text: str) -> str | None:
    try:
        data = tomllib.loads(pyproject_text)
    except tomllib.TOMLDecodeError:
        return None
    version = data.get("project", {}).get("version")
    return version if isinstance(version, str) else None


def _read_blobs(repo: Path, specs: list[str]) -> list[str | None]:
    """Read `commit:path` blobs in one git process; None for the ones that do not exist."""
    if not specs:
        return []
    out = subprocess.run(
        ["git", "cat-file", "--batch"],
        cwd=repo,
        input=("\n".join(specs) + "\n").encode(),
        capture_output=True,
        check=True,
    ).stdout
    blobs: list[str | None] = []
    pos = 0
    for _ in specs:
        header_end = out.index(b"\n", pos)
        header = out[pos:header_end].decode()
        pos = header_end + 1
        if header.endswith(" missing") or header.endswith(" ambiguous"):
            blobs.append(None)
            continue
        size = int(header.rsplit(" ", 1)[1])
        blobs.append(out[pos : pos + size].decode("utf-8", errors="replace"))
        pos += size + 1
    return blobs


def find_releases(repo: Path) -> list[Release]:
    """The releases recorded in the history of HEAD, oldest first."""
    if _git(repo, "rev-parse", "--is-shallow-repository").strip() == "true":
        raise HistoryError(
            f"{repo} is a shallow clone: the template history needs every release commit "
            "(run `git fetch --unshallow`)"
        )
    log = _git(
        repo,
        "log",
        "--first-parent",
        "--reverse",
        "--format=%H %cI",
        "HEAD",
        "--",
        "pyproject.toml",
    )
    commits = [line.split(" ", 1) for line in log.splitlines() if line.strip()]
    pyprojects = _read_blobs(repo, [f"{sha}:pyproject.toml" for sha, _ in commits])
    copier_files = _read_blobs(repo, [f"{sha}:{TEMPLATES_DIR}/copier.yml" for sha, _ in commits])
    releases: list[Release] = []
    previous: str | None = None
    for (sha, date), pyproject, copier_yml in zip(commits, pyprojects, copier_files, strict=True):
        version = _version_of(pyproject) if pyproject is not None else None
        changed = version is not None and version != previous
        previous = version
        if not changed or version is None or not is_final_version(version) or copier_yml is None:
            continue
        if any(release.version == version for release in releases):
            continue
        tree = _git(repo, "rev-parse", f"{sha}:{TEMPLATES_DIR}").strip()
        releases.append(Release(version=version, source_commit=sha, tree=tree, date=date))
    return releases


def working_tree_templates(repo: Path, scratch_git_dir: Path) -> str:
    """Write the working tree's templates/ (tracked and untracked, not ignored) as a tree."""
    files = _git(
        repo, "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", TEMPLATES_DIR
    ).split("\0")
    present = [name for name in files if name and (repo / name).exists()]
    env = {
        "GIT_DIR": str(scratch_git_dir),
        "GIT_WORK_TREE": str(repo),
        "GIT_INDEX_FILE": str(scratch_git_dir / "wt-index"),
    }
    _git(repo, "update-index", "--add", "-z", "--stdin", env=env, stdin="\0".join(present) + "\0")
    return _git(repo, "write-tree", f"--prefix={TEMPLATES_DIR}/", env=env).strip()


def project_version(repo: Path) -> str:
    version = _version_of((repo / "pyproject.toml").read_text(encoding="utf-8"))
    if version is None:
        raise HistoryError(f"{repo / 'pyproject.toml'} has no [project] version")
    return version


def build_bundle(repo: Path, out: Path, *, include_working_tree: bool = False) -> list[str]:
    """Write the bundle of every release to `out`; return the tags it holds, oldest first.

    With `include_working_tree`, a version in pyproject.toml that is not released yet
    (e.g. `0.2.0.dev0` while a release is being prepared) is added on top with the
    templates as they stand in the working tree, so a checkout can render what it holds.
    """
    repo = repo.resolve()
    releases = find_releases(repo)
    with tempfile.TemporaryDirectory(prefix="scaffold-history-") as scratch:
        git_dir = Path(scratch) / "history.git"
        _git(Path(scratch), "init", "--quiet", "--bare", "--initial-branch=main", str(git_dir))
        source_objects = Path(_git(repo, "rev-parse", "--git-common-dir").strip())
        if not source_objects.is_absolute():
            source_objects = repo / source_objects
        (git_dir / "objects" / "info" / "alternates").write_text(
            str((source_objects / "objects").resolve()) + "\n"
        )
        gd = {"GIT_DIR": str(git_dir)}
        entries = [(r.tag, r.tree, r.date, f"source commit {r.source_commit}") for r in releases]
        if include_working_tree:
            version = project_version(repo)
            if all(r.version != version for r in releases):
                tree = working_tree_templates(repo, git_dir)
                entries.append((f"v{version}", tree, "", "unreleased working tree"))
        if not entries:
            raise HistoryError(
                f"no template release found in {repo}: a release is a commit that sets a final "
                "`version` in pyproject.toml while templates/copier.yml exists"
            )
        parent: str | None = None
        tags: list[str] = []
        for tag, tree, date, note in entries:
            env = {
                **gd,
                "GIT_AUTHOR_NAME": _BUNDLE_AUTHOR[0],
                "GIT_AUTHOR_EMAIL": _BUNDLE_AUTHOR[1],
                "GIT_COMMITTER_NAME": _BUNDLE_AUTHOR[0],
                "GIT_COMMITTER_EMAIL": _BUNDLE_AUTHOR[1],
            }
            if date:
                env |= {"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
            parents = ["-p", parent] if parent else []
            message = f"scaffold templates {tag}\n\n{note}\n"
            parent = _git(repo, "commit-tree", tree, *parents, "-m", message, env=env).strip()
            _git(repo, "tag", tag, parent, env=gd)
            tags.append(tag)
        assert parent is not None
        _git(repo, "update-ref", "refs/heads/main", parent, env=gd)
        out.parent.mkdir(parents=True, exist_ok=True)
        partial = out.with_name(out.name + ".partial")
        _git(repo, "bundle", "create", "--quiet", str(partial), "--all", env=gd)
        partial.replace(out)
    return tags
