"""Answers to the template's questions: from `--data KEY=VALUE` and from an answers file."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from scaffold.errors import UsageError


def parse_data_flags(pairs: Iterable[str]) -> dict[str, str]:
    data: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UsageError(
                f"--data {pair!r} is not KEY=VALUE",
                hint="write it as --data project_name='My Shop'",
            )
        data[key.strip()] = value
    return data


def load_answers_file(path: Path) -> dict[str, Any]:
    """A YAML mapping of answers, as written (Copier's `_` records included)."""
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(
            f"cannot read answers file {path}: {exc.strerror or exc}",
            hint="pass the path of a readable YAML file to --answers-file",
        ) from exc
    except UnicodeDecodeError as exc:
        raise UsageError(
            f"answers file {path} is not UTF-8 text", hint="save it as UTF-8 YAML"
        ) from exc
    try:
        loaded = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise UsageError(
            f"answers file {path} is not valid YAML: {exc}",
            hint="it must be a mapping such as `project_name: My Shop`",
        ) from exc
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise UsageError(
            f"answers file {path} must hold a mapping of question: answer, "
            f"not a {type(loaded).__name__}",
            hint="write one `question: answer` per line, e.g. `project_name: My Shop`",
        )
    return {str(key): value for key, value in loaded.items()}


def check_known_keys(answers: Mapping[str, Any], questions: Iterable[str], *, origin: str) -> None:
    known = set(questions)
    unknown = sorted(set(answers) - known)
    if unknown:
        raise UsageError(
            f"unknown question{'s' if len(unknown) > 1 else ''} in {origin}: {', '.join(unknown)}",
            hint=f"the template asks: {', '.join(sorted(known))}",
        )


def slugify(name: str) -> str:
    """A distribution name from a project name: accents dropped (café -> cafe), then
    lowercase letters and digits joined by single hyphens; empty if nothing is left."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.strip().lower()).strip("-")
    return re.sub(r"^[^a-z]+", "", slug)  # a distribution name starts with a letter
