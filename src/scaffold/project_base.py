"""Which stored template version a project was generated from: the base of its updates.

Usually the answers file names it (`_commit: v0.3.0`). A development snapshot's version
ends with the hash of its template tree (`v0.4.0.dev3+t1a2b3c4d5e6f`), so it is found
even if it reached main under another number. Projects made by scaffold before snapshots
were named (`_commit: v0.3.0.dev0`, the working tree of a checkout) are matched by
rendering each candidate snapshot with the project's answers and comparing the files with
what the project held when it was generated.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from packaging.version import Version

from scaffold.errors import UsageError
from scaffold.pristine import ANSWERS_FILE, Tree, render_pristine
from scaffold.project import GeneratedProject, scaffold_version
from scaffold.template_history import TemplateVersion, snapshot_tree
from scaffold.template_store import TemplateStore

Status = Callable[[str], None]

# Below this share of a render's files present in the project, the answers file does not
# describe the project (a wrong architecture or package name, say).
MIN_SHARED_FILES = 0.5


@dataclass(frozen=True)
class Base:
    version: str  # a version the store holds
    note: str | None = None  # how it was found, when not simply as recorded


class ProjectFiles:
    """The project's files as first generated (its first commit of the answers file), or
    as they are now when git has no such commit."""

    def __init__(self, project: Path) -> None:
        self.project = project
        self.commit, self.date, self.prefix = self._generation_commit(project)
        self._cache: dict[str, bytes | None] = {}

    @staticmethod
    def _generation_commit(project: Path) -> tuple[str | None, datetime | None, str]:
        def git(*args: str) -> str:
            done = subprocess.run(
                ["git", *args], cwd=project, capture_output=True, text=True, check=False
            )
            return done.stdout.strip() if done.returncode == 0 else ""

        added = git("log", "--diff-filter=A", "--format=%H %cI", "--", ANSWERS_FILE)
        if not added:
            return None, None, ""
        commit, _, date = added.splitlines()[-1].partition(" ")
        return commit, datetime.fromisoformat(date), git("rev-parse", "--show-prefix")

    def read(self, paths: Iterable[str]) -> dict[str, bytes | None]:
        wanted = [p for p in paths if p not in self._cache]
        if self.commit is None:
            for path in wanted:
                file = self.project / path
                self._cache[path] = file.read_bytes() if file.is_file() else None
        elif wanted:
            self._cache.update(zip(wanted, self._blobs(wanted), strict=True))
        return {p: self._cache[p] for p in paths}

    def _blobs(self, paths: list[str]) -> list[bytes | None]:
        specs = "".join(f"{self.commit}:{self.prefix}{p}\n" for p in paths)
        out = subprocess.run(
            ["git", "cat-file", "--batch"],
            cwd=self.project,
            input=specs.encode(),
            capture_output=True,
            check=True,
        ).stdout
        blobs: list[bytes | None] = []
        pos = 0
        for _ in paths:
            end = out.index(b"\n", pos)
            header = out[pos:end].decode()
            pos = end + 1
            if header.endswith(" missing"):
                blobs.append(None)
                continue
            size = int(header.rsplit(" ", 1)[1])
            blobs.append(out[pos : pos + size])
            pos += size + 1
        return blobs


def shared_files(project: Path, rendered: Tree) -> tuple[int, int]:
    """How many of a render's paths exist in the project, out of how many."""
    paths = [p for p in rendered if p != ANSWERS_FILE]
    return sum((project / p).exists() for p in paths), len(paths)


def check_answers_describe(project: GeneratedProject, rendered: Tree) -> None:
    """Refuse answers that render a different project than the one on disk."""
    present, total = shared_files(project.path, rendered)
    if total and present / total < MIN_SHARED_FILES:
        shown = ", ".join(
            f"{key}={project.answers.get(key)}" for key in ("architecture", "package_name")
        )
        raise UsageError(
            f"{project.path.name}/{ANSWERS_FILE} does not describe this project: with its "
            f"answers ({shown}) the template makes {total} files, and only {present} of them "
            "exist here",
            hint=f"restore the answers from git (`git log -p -- {ANSWERS_FILE}`) and try again",
        )


def find_base(
    project: GeneratedProject, store: TemplateStore, scratch: Path, status: Status
) -> Base:
    """The stored version to treat as the project's starting point; refuse if none fits."""
    recorded = project.version
    if recorded in store.versions:
        return Base(recorded)
    tree = snapshot_tree(recorded)
    same = store.with_tree(tree) if tree else None
    if same is not None:
        return Base(same.version, f"template {recorded} is stored as {same.version}")
    parsed = Version(recorded)
    if not (parsed.is_devrelease or parsed.is_prerelease):
        raise _unknown_version(project, store)
    candidates = _candidates(store, parsed)
    if not candidates or (parsed > Version(store.latest) and candidates[-1].is_release):
        raise _unknown_version(project, store)  # made by a newer scaffold
    return _match_by_rendering(project, store, candidates, scratch, status)


def _unknown_version(project: GeneratedProject, store: TemplateStore) -> UsageError:
    recorded = Version(project.version)
    newer = recorded > Version(store.latest)
    return UsageError(
        f"{project.path.name} is on template version {project.version}, which this scaffold "
        f"({scaffold_version()}, templates up to {store.latest}) does not know",
        hint=(
            f"install a newer scaffold: pip install 'scaffold>={recorded.base_version}'"
            if newer
            else f"this scaffold knows the releases {', '.join(store.releases)}"
        ),
    )


def _candidates(store: TemplateStore, recorded: Version) -> list[TemplateVersion]:
    """The snapshots that led to the recorded version's release, and the release before."""
    base = recorded.base_version
    snapshots = [
        e for e in store.entries if Version(e.version).is_devrelease
        and Version(e.version).base_version == base
    ]  # fmt: skip
    earlier = [e for e in store.entries if e.is_release and Version(e.version) < recorded]
    before = [max(earlier, key=lambda e: Version(e.version))] if earlier else []
    return before + snapshots if snapshots or before else []


def _match_by_rendering(
    project: GeneratedProject,
    store: TemplateStore,
    candidates: list[TemplateVersion],
    scratch: Path,
    status: Status,
) -> Base:
    files = ProjectFiles(project.path)
    status(
        f"{project.path.name} records template {project.version}, an unreleased development "
        f"version: looking for it among {len(candidates)} stored versions"
    )
    best: tuple[float, TemplateVersion, Tree] | None = None
    for entry in _likely_first(candidates, files.date):
        rendered = render_pristine(
            store, entry.version, project.questions_answered, scratch, project.path.name
        )
        paths = [p for p in rendered if p != ANSWERS_FILE]
        theirs = files.read(paths)
        same = sum(theirs[p] == rendered[p][0] for p in paths)
        if same == len(paths):
            return Base(
                entry.version,
                f"template {project.version} is {entry.version}: it renders exactly the files "
                f"{project.path.name} was generated with",
            )
        if best is None or same / len(paths) > best[0]:
            best = (same / len(paths), entry, rendered)
    assert best is not None
    share, closest, rendered = best
    check_answers_describe(project, rendered)
    raise UsageError(
        f"{project.path.name} was generated from an unreleased development version of the "
        f"templates ({project.version}), and no stored version renders exactly the files it "
        f"was generated with (closest: {closest.version}, {share:.0%} of its files the same)",
        hint=f"if that is close enough, set `_commit: {closest.tag}` in {ANSWERS_FILE}, commit, "
        "and run this again: the files that differ will be merged as if your team had "
        "edited them",
    )


def _likely_first(
    candidates: list[TemplateVersion], generated: datetime | None
) -> list[TemplateVersion]:
    """The versions made before the project, newest first, then the rest."""
    if generated is None:
        return list(reversed(candidates))

    def made_before(entry: TemplateVersion) -> bool:
        return bool(entry.date) and datetime.fromisoformat(entry.date) <= generated

    before = [e for e in reversed(candidates) if made_before(e)]
    return before + [e for e in candidates if e not in before]
