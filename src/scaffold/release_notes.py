"""Release notes: the template root's CHANGELOG.md, one `## <version>` section a release.

A section's heading starts with the version it describes (`## 0.3.0 — 2026-12-04`);
`## Unreleased` collects what development snapshots hold before the next release.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from packaging.version import InvalidVersion, Version

CHANGELOG = "CHANGELOG.md"
UNRELEASED = "Unreleased"
_HEADING = re.compile(r"^## +(\S+)(.*)$", re.MULTILINE)


@dataclass(frozen=True)
class ReleaseNote:
    version: str  # a release, or "Unreleased"
    heading: str  # the whole heading line without the hashes
    text: str  # the section's body, stripped

    def to_json_dict(self) -> dict[str, str]:
        return {"version": self.version, "heading": self.heading, "notes": self.text}


def parse(changelog: str) -> list[ReleaseNote]:
    """Every `## ` section, in the order the file gives them."""
    found = list(_HEADING.finditer(changelog))
    notes = []
    for index, heading in enumerate(found):
        end = found[index + 1].start() if index + 1 < len(found) else len(changelog)
        body = changelog[heading.end() : end].strip()
        notes.append(ReleaseNote(heading.group(1), (heading.group(1) + heading.group(2)), body))
    return notes


def between(changelog: str, after: str, upto: str) -> list[ReleaseNote]:
    """The notes of the versions newer than `after`, up to `upto`, newest first.

    When `upto` is a development snapshot, the Unreleased section comes first.
    """
    low, high = Version(after), Version(upto)
    picked: list[tuple[Version, ReleaseNote]] = []
    for note in parse(changelog):
        if note.version == UNRELEASED:
            if high.is_devrelease and note.text:
                picked.append((high, note))
            continue
        try:
            version = Version(note.version)
        except InvalidVersion:
            continue
        if low < version <= high:
            picked.append((version, note))
    return [note for _, note in sorted(picked, key=lambda pair: pair[0], reverse=True)]
