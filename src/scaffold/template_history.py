"""Build the versioned template history as a git bundle, from scaffold's own git history.

Two kinds of template version come out of the first-parent history of HEAD (only commits
where `templates/copier.yml` exists count):

- a **release** is a commit that changes `version` in pyproject.toml to a final version (no
  `.devN`, `aN`, `bN`, `rcN`); it is tagged `v<version>`;
- a **development snapshot** is a commit, between releases, whose pyproject version is a
  development version and whose `templates/` tree differs from the version before it. It
  is tagged `v<base>.dev<distance>+t<tree>`: `<base>` is the pyproject version without its
  `.devN`, `<distance>` counts first-parent commits since the last release (so snapshots
  sort in history order, and below the release they lead to), and `<tree>` is the start of
  the git hash of `templates/`, which names exactly the files a project was rendered from.

Each version becomes one commit in the bundle whose tree is `templates/` as it stood,
with metadata derived from the source commit, so the same history always yields the same
bundle. A checkout whose working tree holds uncommitted template changes adds one more
snapshot on top (same naming, one past HEAD's distance).

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
TREE_PREFIX_LENGTH = 12
_FINAL_VERSION = re.compile(r"^\d+(\.\d+)*$")
_DEV_SUFFIX = re.compile(r"[.-]?dev\d*$")
_SNAPSHOT_TREE = re.compile(r"\+t([0-9a-f]{7,40})$")
_BUNDLE_AUTHOR = ("scaffold release", "release@scaffold.invalid")


class HistoryError(Exception):
    """The template history cannot be built from this checkout."""


@dataclass(frozen=True)
class TemplateVersion:
    version: str
    source_commit: str  # empty for the working tree
    tree: str
    date: str  # ISO 8601 committer date of the source commit; empty for the working tree

    @property
    def tag(self) -> str:
        return f"v{self.version}"

    @property
    def is_release(self) -> bool:
        return is_final_version(self.version)


def is_final_version(version: str) -> bool:
    return bool(_FINAL_VERSION.match(version))


def snapshot_tree(version: str) -> str | None:
    """The template tree prefix a snapshot version names (`…+t<tree>`), if any."""
    found = _SNAPSHOT_TREE.search(version.removeprefix("v"))
    return found.group(1) if found else None


def _release_tuple(version: str) -> tuple[int, ...] | None:
    if not is_final_version(version):
        return None
    numbers = [int(part) for part in version.split(".")]
    while len(numbers) > 1 and numbers[-1] == 0:
        numbers.pop()
    return tuple(numbers)


def snapshot_version(source_version: str, distance: int, tree: str) -> str | None:
    """The version of a development snapshot, or None for a version we cannot order.

    Only `X.Y.Z.devN` forms are used between releases; anything else (e.g. `1.0rc1`) gets
    no snapshot rather than one that would sort wrongly.
    """
    base = _DEV_SUFFIX.sub("", source_version.split("+", 1)[0])
    if base == source_version or not is_final_version(base):
        return None
    return f"{base}.dev{distance}+t{tree[:TREE_PREFIX_LENGTH]}"


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


def _cat_file(repo: Path, specs: list[str]) -> list[tuple[str, bytes] | None]:
    """Read `commit:path` objects in one git process: (type, content), or None if missing."""
    if not specs:
        return []
    out = subprocess.run(
        ["git", "cat-file", "--batch"],
        cwd=repo,
        input=("\n".join(specs) + "\n").encode(),
        capture_output=True,
        check=True,
    ).stdout
    found: list[tuple[str, bytes] | None] = []
    pos = 0
    for _ in specs:
        header_end = out.index(b"\n", pos)
        header = out[pos:header_end].decode()
        pos = header_end + 1
        if header.endswith(" missing") or header.endswith(" ambiguous"):
            found.append(None)
            continue
        oid, kind, size = header.rsplit(" ", 2)
        found.append((kind, oid.encode() if kind == "tree" else out[pos : pos + int(size)]))
        pos += int(size) + 1
    return found


def find_versions(repo: Path) -> list[TemplateVersion]:
    """The releases and development snapshots in the history of HEAD, oldest first."""
    if _git(repo, "rev-parse", "--is-shallow-repository").strip() == "true":
        raise HistoryError(
            f"{repo} is a shallow clone: the template history needs every release commit "
            "(run `git fetch --unshallow`)"
        )
    log = _git(repo, "log", "--first-parent", "--reverse", "--format=%H %cI", "HEAD")
    commits = [line.split(" ", 1) for line in log.splitlines() if line.strip()]
    specs = []
    for sha, _ in commits:
        specs += [
            f"{sha}:pyproject.toml",
            f"{sha}:{TEMPLATES_DIR}/copier.yml",
            f"{sha}:{TEMPLATES_DIR}",
        ]
    objects = _cat_file(repo, specs)
    found: list[TemplateVersion] = []
    last_release: tuple[int, tuple[int, ...]] | None = None  # (commit index, version)
    previous_version: str | None = None
    for index, (sha, date) in enumerate(commits):
        pyproject, copier_yml, templates = objects[3 * index : 3 * index + 3]
        version = _version_of(pyproject[1].decode("utf-8", "replace")) if pyproject else None
        changed = version != previous_version
        previous_version = version
        if version is None or copier_yml is None or templates is None:
            continue
        tree = templates[1].decode()
        released = _release_tuple(version)
        if released is not None:
            if changed and all(v.version != version for v in found):
                found.append(TemplateVersion(version, sha, tree, date))
                last_release = (index, released)
            continue
        if found and found[-1].tree == tree:
            continue  # nothing new to render since the version before
        distance = index - last_release[0] if last_release else index + 1
        snapshot = snapshot_version(version, distance, tree)
        if snapshot is None or (last_release and not _sorts_after(snapshot, last_release[1])):
            continue
        found.append(TemplateVersion(snapshot, sha, tree, date))
    return found


def _sorts_after(snapshot: str, release: tuple[int, ...]) -> bool:
    """A snapshot `X.devN` sorts before release X: it must lead to a newer one."""
    base = _release_tuple(snapshot.split(".dev", 1)[0])
    return base is not None and base > release


def find_releases(repo: Path) -> list[TemplateVersion]:
    return [v for v in find_versions(repo) if v.is_release]


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


def _working_tree_version(
    repo: Path, versions: list[TemplateVersion], tree: str
) -> TemplateVersion | None:
    """The version the working tree adds on top of the history, if it adds one."""
    version = project_version(repo)
    if is_final_version(version):
        # Being released (the version bump is not committed yet), or already released.
        if any(v.version == version for v in versions):
            return None
        return TemplateVersion(version, "", tree, "")
    if versions and versions[-1].tree == tree:
        return None
    releases = [v for v in versions if v.is_release]
    commits = _git(repo, "rev-list", "--first-parent", "--count", "HEAD").strip()
    since = (
        _git(
            repo, "rev-list", "--first-parent", "--count", f"{releases[-1].source_commit}..HEAD"
        ).strip()
        if releases
        else commits
    )
    snapshot = snapshot_version(version, int(since) + 1, tree)
    if snapshot is None:
        return None
    last = _release_tuple(releases[-1].version) if releases else None
    if last is not None and not _sorts_after(snapshot, last):
        return None
    return TemplateVersion(snapshot, "", tree, "")


def build_bundle(repo: Path, out: Path, *, include_working_tree: bool = False) -> list[str]:
    """Write the bundle of every template version to `out`; return its tags, oldest first.

    With `include_working_tree`, templates that differ from the newest committed version
    are added on top as one more snapshot (or as the release being prepared, when
    pyproject.toml holds a final version not committed yet), so a checkout renders what it
    holds.
    """
    repo = repo.resolve()
    versions = find_versions(repo)
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
        if include_working_tree:
            extra = _working_tree_version(repo, versions, working_tree_templates(repo, git_dir))
            if extra is not None:
                versions.append(extra)
        if not versions:
            raise HistoryError(
                f"no template version found in {repo}: a release is a commit that sets a final "
                "`version` in pyproject.toml while templates/copier.yml exists"
            )
        parent: str | None = None
        tags: list[str] = []
        for entry in versions:
            env = {
                **gd,
                "GIT_AUTHOR_NAME": _BUNDLE_AUTHOR[0],
                "GIT_AUTHOR_EMAIL": _BUNDLE_AUTHOR[1],
                "GIT_COMMITTER_NAME": _BUNDLE_AUTHOR[0],
                "GIT_COMMITTER_EMAIL": _BUNDLE_AUTHOR[1],
            }
            if entry.date:
                env |= {"GIT_AUTHOR_DATE": entry.date, "GIT_COMMITTER_DATE": entry.date}
            parents = ["-p", parent] if parent else []
            source = (
                f"source commit {entry.source_commit}"
                if entry.source_commit
                else "uncommitted working tree"
            )
            message = f"scaffold templates {entry.tag}\n\n{source}\n"
            parent = _git(repo, "commit-tree", entry.tree, *parents, "-m", message, env=env).strip()
            _git(repo, "tag", entry.tag, parent, env=gd)
            tags.append(entry.tag)
        assert parent is not None
        _git(repo, "update-ref", "refs/heads/main", parent, env=gd)
        out.parent.mkdir(parents=True, exist_ok=True)
        partial = out.with_name(out.name + ".partial")
        _git(repo, "bundle", "create", "--quiet", str(partial), "--all", env=gd)
        partial.replace(out)
    return tags
