"""Three-way merge of one file: the team's version against two renders of the template.

`base` is the pristine render of the version the project is on, `theirs` the pristine
render of the target version, `ours` the project's file. Text merges use `git merge-file`,
the same algorithm `git merge` uses, so conflicts look like every other git conflict.
"""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path


class Outcome(StrEnum):
    unchanged = "unchanged"  # nothing to do: the template did not change it, or it already matches
    updated = "updated"  # the team had not touched it: the new template version replaces it
    merged = "merged"  # both changed it; the changes did not overlap
    conflict = "conflict"  # both changed the same lines: markers left in the file
    added = "added"  # new in the template
    removed = "removed"  # gone from the template and untouched by the team
    kept_deleted = "kept-deleted"  # the team deleted it; the template changed it: stays deleted
    edited_would_be_removed = "edited-would-be-removed"  # gone from the template, but edited


@dataclass(frozen=True)
class FileMerge:
    outcome: Outcome
    content: bytes | None  # what the file should hold afterwards; None means absent


def _is_text(data: bytes) -> bool:
    if b"\0" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def merge_text(ours: bytes, base: bytes, theirs: bytes, *, label: str) -> tuple[bytes, bool]:
    """Return the merged bytes and whether they hold conflict markers."""
    with tempfile.TemporaryDirectory(prefix="scaffold-merge-") as scratch:
        paths = []
        for name, data in (("ours", ours), ("base", base), ("theirs", theirs)):
            path = Path(scratch) / name
            path.write_bytes(data)
            paths.append(str(path))
        done = subprocess.run(
            [
                "git", "merge-file", "--stdout",
                "-L", f"{label} (yours)", "-L", f"{label} (template before)",
                "-L", f"{label} (template now)",
                *paths,
            ],
            capture_output=True,
            check=False,
        )  # fmt: skip
    if done.returncode < 0 or done.returncode > 127:
        raise RuntimeError(f"git merge-file failed on {label}: {done.stderr.decode().strip()}")
    return done.stdout, done.returncode > 0


def merge_file(  # noqa: PLR0911 - one return per case of the decision table
    ours: bytes | None, base: bytes | None, theirs: bytes | None, *, label: str
) -> FileMerge:
    """Decide what happens to one path that exists in at least one of the two renders."""
    if theirs in (base, ours):
        return FileMerge(Outcome.unchanged, ours)
    if theirs is None:
        if ours is None:
            return FileMerge(Outcome.unchanged, None)
        if ours == base:
            return FileMerge(Outcome.removed, None)
        return FileMerge(Outcome.edited_would_be_removed, ours)
    if ours is None:
        if base is None:
            return FileMerge(Outcome.added, theirs)
        return FileMerge(Outcome.kept_deleted, None)
    if ours == base:
        return FileMerge(Outcome.updated, theirs)
    base_bytes = base if base is not None else b""
    if not (_is_text(ours) and _is_text(base_bytes) and _is_text(theirs)):
        return FileMerge(Outcome.conflict, ours)  # binary: keep theirs out, the team decides
    merged, conflicted = merge_text(ours, base_bytes, theirs, label=label)
    return FileMerge(Outcome.conflict if conflicted else Outcome.merged, merged)
