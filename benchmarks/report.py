"""Output shared by the benchmark scripts: a figure table on stdout, optionally JSON."""

from __future__ import annotations

import json
from pathlib import Path

Row = tuple[str, float, str]  # name, seconds, note (baseline, or ratio and goal)


def publish(rows: list[Row], figures: dict[str, object], json_path: Path | None) -> None:
    width = max(len(name) for name, _, _ in rows) + 2
    for name, seconds, note in rows:
        print(f"{name:<{width}} {seconds:7.3f} s  {note}")
    if json_path is not None:
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps(figures, indent=2) + "\n")
