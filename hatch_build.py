"""Build hook: ship the template history (a git bundle) inside the sdist and the wheel.

From a git checkout the bundle is built from the checkout's history; from an unpacked
sdist (no .git) the bundle the sdist carries is used as it is.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

BUNDLE_IN_SOURCE = Path("src/scaffold/templates.bundle")


def _history_module(root: Path) -> Any:
    path = root / "src" / "scaffold" / "template_history.py"
    spec = importlib.util.spec_from_file_location("_scaffold_template_history", path)
    if spec is None or spec.loader is None:
        raise RuntimeError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look the module up while the class is made
    spec.loader.exec_module(module)
    return module


class TemplateBundleHook(BuildHookInterface):  # type: ignore[misc]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if version == "editable":
            return  # an editable install builds the bundle from the checkout at run time
        root = Path(self.root)
        shipped = root / BUNDLE_IN_SOURCE
        if (root / ".git").exists():
            built = Path(self.directory) / "templates.bundle"
            _history_module(root).build_bundle(root, built, include_working_tree=True)
        elif shipped.is_file():
            built = shipped
        else:
            raise RuntimeError(
                "cannot ship the template history: not a git checkout and no "
                f"{BUNDLE_IN_SOURCE} from an sdist"
            )
        target = (
            "scaffold/templates.bundle" if self.target_name == "wheel" else str(BUNDLE_IN_SOURCE)
        )
        build_data["force_include"][str(built)] = target
