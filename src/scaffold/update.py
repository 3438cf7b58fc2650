"""`scaffold update`: bring a generated project to a newer template version, keeping its edits.

The update renders the template twice into scratch folders: as the project was generated
(its recorded answers at its recorded version) and as it should be now (the target
version, with any new answers or architecture). Every path of either render is then
merged three ways with the project's own file. Nothing is written until every file has
been planned, so a refusal leaves the project as it was; the result is left uncommitted
for review, with conflicts staged the way `git merge` stages them.
"""

from __future__ import annotations

import difflib
import signal
import stat
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.version import Version

from scaffold.architectures import CATALOG
from scaffold.choices import Architecture
from scaffold.errors import GitError, UsageError
from scaffold.merge import FileMerge, Outcome, merge_file
from scaffold.project import GeneratedProject, git_dirty_paths, load_project, require_known_version
from scaffold.render import render
from scaffold.template_answers import check_known_keys
from scaffold.template_store import TemplateStore, open_store

# Answers an update cannot change in place: renaming them would move every file the
# team has edited. (The architecture has its own flag and rules.)
FIXED_ANSWERS = ("project_slug", "package_name")

# Architecture changes that keep the team's work: the hybrid holds the whole Django
# monolith at the same paths. Anything else would throw code away.
GROWTH_PATHS: frozenset[tuple[Architecture, Architecture]] = frozenset(
    {(Architecture.django, Architecture.hybrid)}
)


@dataclass(frozen=True)
class UpdateRequest:
    path: Path
    to: str | None = None
    architecture: Architecture | None = None
    data: Mapping[str, str] = field(default_factory=dict)
    dry_run: bool = False
    force: bool = False


@dataclass(frozen=True)
class PlannedFile:
    path: str
    merge: FileMerge
    before: bytes | None  # the project's file now ("ours")
    base: bytes | None  # the template as the project was generated
    theirs: bytes | None  # the template at the target version
    mode: int | None  # file mode to give a file the update creates


@dataclass
class UpdateResult:
    path: Path
    from_version: str
    to_version: str
    from_architecture: str
    to_architecture: str
    files: list[PlannedFile]
    dry_run: bool
    diff: str = ""

    def by_outcome(self, outcome: Outcome) -> list[str]:
        return [f.path for f in self.files if f.merge.outcome == outcome]

    @property
    def conflicts(self) -> list[str]:
        return self.by_outcome(Outcome.conflict)

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "from_version": self.from_version,
            "to_version": self.to_version,
            "from_architecture": self.from_architecture,
            "to_architecture": self.to_architecture,
            "dry_run": self.dry_run,
            "updated": self.by_outcome(Outcome.updated),
            "merged": self.by_outcome(Outcome.merged),
            "conflicts": self.conflicts,
            "added": self.by_outcome(Outcome.added),
            "removed": self.by_outcome(Outcome.removed),
            "kept_deleted": self.by_outcome(Outcome.kept_deleted),
            **({"diff": self.diff} if self.dry_run else {}),
        }


def _read_tree(root: Path) -> dict[str, tuple[bytes, int]]:
    files: dict[str, tuple[bytes, int]] = {}
    for path in sorted(root.rglob("*")):
        if ".git" in path.relative_to(root).parts or not path.is_file():
            continue
        files[path.relative_to(root).as_posix()] = (path.read_bytes(), path.stat().st_mode)
    return files


def _check_repository(path: Path) -> None:
    dirty = git_dirty_paths(path)
    if dirty is None:
        raise UsageError(
            f"{path} is not in a git repository: an update needs git to show what it changed",
            hint="run `git init && git add -A && git commit -m 'Before update'` first",
        )
    if dirty:
        shown = ", ".join(dirty[:8]) + (f" and {len(dirty) - 8} more" if len(dirty) > 8 else "")
        raise UsageError(
            f"{path} has uncommitted changes ({shown})",
            hint="commit or stash them first, so the update's changes can be reviewed on their own",
        )


def _target(project: GeneratedProject, store: TemplateStore, to: str | None) -> str:
    if to is None:
        return store.latest
    target = store.tag_for(to).removeprefix("v")  # refuses unknown versions
    if Version(target) < Version(project.version):
        raise UsageError(
            f"--to {to} is older than the project's template version {project.version}",
            hint="scaffold updates forward only; to undo an update, use git",
        )
    return target


def _target_architecture(project: GeneratedProject, wanted: Architecture | None) -> Architecture:
    current = project.architecture
    if wanted is None or wanted == current:
        return current
    if (current, wanted) not in GROWTH_PATHS:
        raise UsageError(
            f"cannot turn a {current.value} project into {wanted.value}: "
            "the update would have to throw away the team's code",
            hint="the supported change is django -> hybrid (the hybrid keeps the whole Django "
            "side); for anything else generate a new project and move the code by hand",
        )
    if not CATALOG[wanted].complete:
        raise UsageError(
            f"the {wanted.value} template is still a skeleton in this scaffold release: growing "
            f"into it now would remove the {current.value} code instead of extending it",
            hint="wait for the scaffold release that completes it, then run this again",
        )
    return wanted


def _check_data(project: GeneratedProject, data: Mapping[str, str]) -> None:
    if "architecture" in data:
        raise UsageError(
            "the architecture cannot be changed with --data",
            hint="use --architecture hybrid (the one supported change, from django)",
        )
    renamed = [
        key for key in FIXED_ANSWERS if key in data and data[key] != project.answers.get(key)
    ]
    if renamed:
        raise UsageError(
            f"an update cannot rename {', '.join(renamed)}: every file under the old name "
            "would be deleted and created again, edits included",
            hint="rename by hand with git mv (and fix the imports), then edit "
            ".copier-answers.yml to match, in one commit",
        )


def _render_pristine(
    store: TemplateStore, version: str, answers: Mapping[str, Any], into: Path
) -> dict[str, tuple[bytes, int]]:
    render(
        src_path=store.src_path,
        vcs_ref=store.tag_for(version),
        project=into,
        data=answers,
        ask=False,
        user_defaults={},
    )
    return _read_tree(into)


def _diff(files: list[PlannedFile]) -> str:
    chunks: list[str] = []
    for planned in files:
        after = planned.merge.content
        if after == planned.before:
            continue
        old_text, new_text = (
            (b or b"").decode("utf-8", errors="replace") for b in (planned.before, after)
        )
        if b"\0" in (planned.before or b"") + (after or b""):
            chunks.append(f"Binary file {planned.path} differs\n")
            continue
        chunks.extend(
            difflib.unified_diff(
                old_text.splitlines(keepends=True),
                new_text.splitlines(keepends=True),
                fromfile=f"a/{planned.path}" if planned.before is not None else "/dev/null",
                tofile=f"b/{planned.path}" if after is not None else "/dev/null",
            )
        )
    return "".join(chunks)


def plan_update(request: UpdateRequest) -> UpdateResult:
    """Everything short of writing: refusals, both renders, every file's merge."""
    project = load_project(request.path)
    store = open_store()
    require_known_version(project, store)
    if not request.dry_run:  # a dry run writes nothing, so it may look at a dirty tree
        _check_repository(project.path)
    target = _target(project, store, request.to)
    architecture = _target_architecture(project, request.architecture)
    _check_data(project, request.data)
    if request.data:
        check_known_keys(request.data, store.questions(store.tag_for(target)), origin="--data")

    old_answers = project.questions_answered
    new_answers = {**old_answers, **request.data, "architecture": architecture.value}
    with tempfile.TemporaryDirectory(prefix="scaffold-update-") as scratch:
        name = project.path.name
        (Path(scratch) / "before").mkdir()
        (Path(scratch) / "after").mkdir()
        before = _render_pristine(
            store, project.version, old_answers, Path(scratch) / "before" / name
        )
        after = _render_pristine(store, target, new_answers, Path(scratch) / "after" / name)

    files: list[PlannedFile] = []
    for rel in sorted(set(before) | set(after)):
        on_disk = project.path / rel
        ours = on_disk.read_bytes() if on_disk.is_file() else None
        base = before[rel][0] if rel in before else None
        theirs, mode = after.get(rel, (None, None))
        merged = merge_file(ours, base, theirs, label=rel)
        if merged.outcome == Outcome.edited_would_be_removed and request.force:
            merged = FileMerge(Outcome.removed, None)
        if merged.outcome != Outcome.unchanged:
            files.append(PlannedFile(rel, merged, ours, base, theirs, mode))

    edited = [f.path for f in files if f.merge.outcome == Outcome.edited_would_be_removed]
    if edited:
        raise UsageError(
            "the update would delete files your team has changed: " + ", ".join(edited),
            hint="move your changes elsewhere first, or pass --force to delete them "
            "(git keeps them in history)",
        )
    result = UpdateResult(
        path=project.path,
        from_version=project.version,
        to_version=target,
        from_architecture=project.architecture.value,
        to_architecture=architecture.value,
        files=files,
        dry_run=request.dry_run,
    )
    if request.dry_run:
        result.diff = _diff(files)
    return result


def _git(cwd: Path, *args: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        ["git", *args], cwd=cwd, input=stdin, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise GitError(f"git {args[0]} failed: {done.stderr.strip()}")
    return done.stdout


def _stage_conflicts(project: Path, conflicts: list[PlannedFile]) -> None:
    """Record conflicts as unmerged index entries, so `git status` shows them as `UU`."""
    prefix = _git(project, "rev-parse", "--show-prefix").strip()
    lines: list[str] = []
    for planned in conflicts:
        mode = "100755" if (project / planned.path).stat().st_mode & stat.S_IXUSR else "100644"
        path = prefix + planned.path
        lines.append(f"0 {'0' * 40}\t{path}")  # drop the stage-0 entry first
        for stage, content in ((1, planned.base), (2, planned.before), (3, planned.theirs)):
            if content is None:
                continue
            with tempfile.NamedTemporaryFile() as blob:
                blob.write(content)
                blob.flush()
                sha = _git(project, "hash-object", "-w", blob.name).strip()
            lines.append(f"{mode} {sha} {stage}\t{path}")
    _git(project, "update-index", "--index-info", stdin="\n".join(lines) + "\n")


def apply_update(result: UpdateResult) -> None:
    """Write the planned files; conflicts are staged for `git status` and mergetools.

    Ctrl-C and SIGTERM wait until every file is written: a half-applied update would
    mix template versions in a way no later update can untangle.
    """
    signals = {signal.SIGINT, signal.SIGTERM}
    signal.pthread_sigmask(signal.SIG_BLOCK, signals)
    try:
        _write_planned(result)
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, signals)


def _write_planned(result: UpdateResult) -> None:
    for planned in result.files:
        target = result.path / planned.path
        content = planned.merge.content
        if content is None:
            target.unlink(missing_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        if planned.before is None and planned.mode is not None:
            target.chmod(stat.S_IMODE(planned.mode))
    conflicts = [f for f in result.files if f.merge.outcome == Outcome.conflict]
    if conflicts:
        _stage_conflicts(result.path, conflicts)
