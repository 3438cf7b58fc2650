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
import re
import stat
import subprocess
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.version import Version

from scaffold.choices import Architecture
from scaffold.env_file import add_missing_settings
from scaffold.errors import GitError, UsageError
from scaffold.interrupts import interrupt_gate
from scaffold.merge import FileMerge, Outcome, merge_file
from scaffold.pristine import ANSWERS_FILE, Tree, render_pristine, scratch_temp_dir
from scaffold.project import GeneratedProject, git_dirty_paths, load_project
from scaffold.project_base import check_answers_describe, find_base
from scaffold.template_answers import check_known_keys
from scaffold.template_store import TemplateStore, open_store

Status = Callable[[str], None]

# Answers an update cannot change in place: renaming them would move every file the
# team has edited. (The architecture has its own flag and rules.)
FIXED_ANSWERS = ("project_slug", "package_name")
# Questions added after projects were made, whose default would add a part the project
# never had: an update leaves the part out unless `--data` asks for it.
OPT_IN_ANSWERS = {"worker": "false"}

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
    base_note: str | None = None  # how the project's template version was found, if not as recorded
    env_added: list[str] = field(default_factory=list)  # secrets added to .env
    env_to_set: list[str] = field(default_factory=list)  # new settings .env still lacks

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
            "base_note": self.base_note,
            "env_added": self.env_added,
            "env_to_set": self.env_to_set,
            "updated": self.by_outcome(Outcome.updated),
            "merged": self.by_outcome(Outcome.merged),
            "conflicts": self.conflicts,
            "added": self.by_outcome(Outcome.added),
            "removed": self.by_outcome(Outcome.removed),
            "kept_deleted": self.by_outcome(Outcome.kept_deleted),
            **({"diff": self.diff} if self.dry_run else {}),
        }


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
            hint="commit them first, or stash them with `git stash --include-untracked` (plain "
            "`git stash` leaves new files behind), so the update's changes can be reviewed on "
            "their own",
        )


def _target(base: str, store: TemplateStore, to: str | None) -> str:
    if to is None:
        return store.latest
    target = store.tag_for(to).removeprefix("v")  # refuses unknown and partial versions
    if Version(target) < Version(base):
        raise UsageError(
            f"--to {to} is older than the project's template version {base}",
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
    return wanted


def _check_growth_keeps_files(
    project: GeneratedProject, target: str, wanted: Architecture, staying: Tree, grown: Tree
) -> None:
    """Growing must only add: every file the old architecture has at the target version
    must exist in the new one too, or the growth throws it away."""
    dropped = sorted(set(staying) - set(grown))
    if not dropped:
        return
    tops = {p.split("/", 1)[0] + ("/" if "/" in p else "") for p in dropped}
    named = sorted(tops, key=lambda top: (top.startswith("."), top.lower()))
    shown = ", ".join(named[:8]) + (", …" if len(named) > 8 else "")
    raise UsageError(
        f"growing into {wanted.value} at template {target} would remove {len(dropped)} files of "
        f"the {project.architecture.value} project ({shown}): that version of the "
        f"{wanted.value} template does not hold the {project.architecture.value} code",
        hint=f"grow with a template version whose {wanted.value} keeps it, such as the newest: "
        f"scaffold update --architecture {wanted.value}",
    )


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


def _silent(_message: str) -> None:
    return None


def plan_update(request: UpdateRequest, status: Status = _silent) -> UpdateResult:
    """Everything short of writing: refusals, both renders, every file's merge."""
    project = load_project(request.path)
    store = open_store()
    if not request.dry_run:  # a dry run writes nothing, so it may look at a dirty tree
        _check_repository(project.path)
    architecture = _target_architecture(project, request.architecture)
    _check_data(project, request.data)

    with scratch_temp_dir("scaffold-update-") as scratch:
        base = find_base(project, store, scratch, status)
        if base.note:
            status(base.note)
        target = _target(base.version, store, request.to)
        if request.data:
            check_known_keys(request.data, store.questions(store.tag_for(target)), origin="--data")
        old_answers = project.questions_answered
        kept_out = {
            key: value
            for key, value in OPT_IN_ANSWERS.items()
            if key not in old_answers and key not in request.data
        }
        for key in kept_out:
            status(f"{key}: not added by this update (`--data {key}=true` adds it)")
        new_answers = {
            **old_answers,
            **kept_out,
            **request.data,
            "architecture": architecture.value,
        }
        name = project.path.name
        before = render_pristine(store, base.version, old_answers, scratch, name)
        check_answers_describe(project, before)
        after = render_pristine(store, target, new_answers, scratch, name)
        if architecture != project.architecture:
            staying = render_pristine(store, target, old_answers, scratch, name)
            _check_growth_keeps_files(project, target, architecture, staying, after)

    files: list[PlannedFile] = []
    for rel in sorted(set(before) | set(after)):
        on_disk = project.path / rel
        ours = on_disk.read_bytes() if on_disk.is_file() else None
        base_bytes = before[rel][0] if rel in before else None
        theirs, mode = after.get(rel, (None, None))
        recorded = ours
        if rel == ANSWERS_FILE and ours is not None and base_bytes is not None:
            ours = _recording(ours, base_bytes)  # a version found under another name
        merged = merge_file(ours, base_bytes, theirs, label=rel)
        if merged.outcome == Outcome.unchanged and ours != recorded:
            merged = FileMerge(Outcome.updated, merged.content)
        ours = recorded
        if merged.outcome == Outcome.edited_would_be_removed and request.force:
            merged = FileMerge(Outcome.removed, None)
        if merged.outcome != Outcome.unchanged:
            files.append(PlannedFile(rel, merged, ours, base_bytes, theirs, mode))

    result = UpdateResult(
        path=project.path,
        from_version=base.version,
        to_version=target,
        from_architecture=project.architecture.value,
        to_architecture=architecture.value,
        files=files,
        dry_run=request.dry_run,
        base_note=base.note,
    )
    if request.dry_run:
        result.diff = _diff(files)
    return result


def _recording(answers: bytes, base_render: bytes) -> bytes:
    """The answers file with its `_commit` line as the base render has it.

    When the project's version was found under another name (see `project_base`), merging
    the line as recorded would conflict with the template's own change to it.
    """
    line = re.compile(rb"^_commit: .*$", re.MULTILINE)
    wanted = line.search(base_render)
    return line.sub(lambda _: wanted.group(0), answers, count=1) if wanted else answers


def refuse_lost_edits(result: UpdateResult) -> None:
    """Stop before an update deletes files the team edited (unless --force made it plan so)."""
    edited = result.by_outcome(Outcome.edited_would_be_removed)
    if edited:
        raise UsageError(
            "the update would delete files your team has changed: " + ", ".join(edited),
            hint="move your changes elsewhere first, or pass --force to delete them "
            "(git keeps them in history)",
        )


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


def apply_update(result: UpdateResult) -> bool:
    """Write the planned files; conflicts are staged for `git status` and mergetools.

    Ctrl-C and SIGTERM wait until every file is written: a half-applied update would mix
    template versions in a way no later update can untangle. Returns whether one arrived,
    so the caller can say that the update was finished anyway. A `.env` beside the project
    gets the secrets `.env.example` gained (e.g. a second service's key after growth).
    """
    with interrupt_gate() as gate:
        gate.close()
        _write_planned(result)
        result.env_added, result.env_to_set = add_missing_settings(result.path)
    return bool(gate.held)


def _remove(project: Path, target: Path) -> None:
    """Delete a file and every folder it leaves empty, up to the project's own folder."""
    target.unlink(missing_ok=True)
    folder = target.parent
    while folder != project and project in folder.parents:
        try:
            folder.rmdir()  # only succeeds when empty
        except OSError:
            break
        folder = folder.parent


def _write_planned(result: UpdateResult) -> None:
    for planned in result.files:
        target = result.path / planned.path
        content = planned.merge.content
        if content is None:
            _remove(result.path, target)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        if planned.before is None and planned.mode is not None:
            target.chmod(stat.S_IMODE(planned.mode))
    conflicts = [f for f in result.files if f.merge.outcome == Outcome.conflict]
    if conflicts:
        _stage_conflicts(result.path, conflicts)
