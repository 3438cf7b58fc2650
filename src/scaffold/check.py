"""`scaffold check`: is a generated project on the newest template version this scaffold ships?

When it is behind, the answer says what an update would do to the project's own files
(planned exactly as `update --dry-run` plans it) and what the releases in between bring.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.version import Version

from scaffold import release_notes
from scaffold.merge import Outcome
from scaffold.release_notes import ReleaseNote
from scaffold.template_store import open_store
from scaffold.update import UpdateRequest, plan_update

Status = Callable[[str], None]


@dataclass(frozen=True)
class PathChanges:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)  # conflicts included
    removed: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)  # changed paths your edits overlap
    edited_removed: list[str] = field(default_factory=list)  # dropped, but edited: update stops

    def to_json_dict(self) -> dict[str, list[str]]:
        return {
            "added": self.added,
            "changed": self.changed,
            "removed": self.removed,
            "conflicts": self.conflicts,
            "edited_removed": self.edited_removed,
        }


@dataclass(frozen=True)
class CheckResult:
    path: Path
    architecture: str
    current: str
    latest: str
    versions_behind: list[str]  # the releases newer than current, and the newest snapshot
    changes: PathChanges
    notes: list[ReleaseNote]
    base_note: str | None = None

    @property
    def up_to_date(self) -> bool:
        return not self.versions_behind and self.base_note is None

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "architecture": self.architecture,
            "current_version": self.current,
            "latest_version": self.latest,
            "up_to_date": self.up_to_date,
            "versions_behind": self.versions_behind,
            "base_note": self.base_note,
            "changes": self.changes.to_json_dict(),
            "release_notes": [note.to_json_dict() for note in self.notes],
        }


def _silent(_message: str) -> None:
    return None


def check_project(path: Path, status: Status = _silent) -> CheckResult:
    plan = plan_update(UpdateRequest(path=path, dry_run=True), status)
    store = open_store()
    current, latest = Version(plan.from_version), Version(plan.to_version)
    behind = [v for v in store.releases if Version(v) > current]
    if latest > current and plan.to_version not in behind:
        behind.append(plan.to_version)  # a development snapshot
    changelog = release_notes.shipped()
    return CheckResult(
        path=plan.path,
        architecture=plan.from_architecture,
        current=plan.from_version,
        latest=plan.to_version,
        versions_behind=behind,
        changes=PathChanges(
            added=plan.by_outcome(Outcome.added),
            changed=sorted(
                plan.by_outcome(Outcome.updated) + plan.by_outcome(Outcome.merged) + plan.conflicts
            ),
            removed=plan.by_outcome(Outcome.removed),
            conflicts=plan.conflicts,
            edited_removed=plan.by_outcome(Outcome.edited_would_be_removed),
        ),
        notes=release_notes.between(changelog, plan.from_version, plan.to_version)
        if behind
        else [],
        base_note=plan.base_note,
    )
