"""`scaffold check`: is a generated project on the newest template version this scaffold ships?"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.version import Version

from scaffold.project import load_project, require_known_version
from scaffold.template_store import open_store


@dataclass(frozen=True)
class CheckResult:
    path: Path
    architecture: str
    current: str
    latest: str
    releases_behind: list[str]  # the versions between current (exclusive) and latest
    changed_files: list[str]  # `M path` lines of the template files that changed

    @property
    def up_to_date(self) -> bool:
        return not self.releases_behind

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "architecture": self.architecture,
            "current_version": self.current,
            "latest_version": self.latest,
            "up_to_date": self.up_to_date,
            "releases_behind": self.releases_behind,
            "changed_files": self.changed_files,
        }


def check_project(path: Path) -> CheckResult:
    project = load_project(path)
    store = open_store()
    require_known_version(project, store)
    current = Version(project.version)
    behind = [v for v in store.versions if Version(v) > current]
    changed = (
        store.changed_files(project.version, store.latest, project.architecture.value)
        if behind
        else []
    )
    return CheckResult(
        path=project.path,
        architecture=project.architecture.value,
        current=project.version,
        latest=store.latest,
        releases_behind=behind,
        changed_files=changed,
    )
