"""Release notes: scaffold's CHANGELOG.md, one `## <version>` section a template release.

A section's heading starts with the version it describes (`## 0.3.0 — 2026-12-04`);
`## Unreleased` collects what development snapshots hold before the next release. The
file ships inside the package (a wheel carries it as `scaffold/CHANGELOG.md`); run from
a checkout, it is read from the checkout's root. Either way it knows every version up to
the newest this scaffold can update to, which is the range `check` reports on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from packaging.version import InvalidVersion, Version

CHANGELOG = "CHANGELOG.md"
UNRELEASED = "Unreleased"
_HEADING = re.compile(r"^## +(\S+)(.*)$", re.MULTILINE)


def shipped() -> str:
    """The changelog this scaffold ships; empty when it has none."""
    from importlib import resources

    from scaffold.template_store import source_checkout

    packaged = resources.files("scaffold").joinpath(CHANGELOG)
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    checkout = source_checkout()
    if checkout is not None and (checkout / CHANGELOG).is_file():
        return (checkout / CHANGELOG).read_text(encoding="utf-8")
    return ""


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
