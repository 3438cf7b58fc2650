"""The project's `.env`: made from `.env.example`, with fresh secrets, never committed.

`new` writes it once. An update (or growth into the hybrid) can bring settings the
existing `.env` lacks; the secrets among them are added with fresh values, so the project
keeps running, and the others are named for the user to set.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

# `.env.example` names that get a fresh random value when left empty there.
GENERATED_SECRET_SUFFIXES = ("SECRET_KEY", "PASSWORD")


def _entries(text: str) -> list[tuple[str, str]]:
    found = []
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep and not key.lstrip().startswith("#"):
            found.append((key.strip(), value.strip()))
    return found


def _is_generated(key: str, value: str) -> bool:
    return key.endswith(GENERATED_SECRET_SUFFIXES) and not value


def _fresh_secret() -> str:
    # URL-safe characters, so a password can go into a database URL as it is.
    return secrets.token_urlsafe(50)


def write_env_file(project: Path) -> Path | None:
    """Create `.env` from `.env.example`, giving every empty `*SECRET_KEY` and `*PASSWORD`
    a fresh secret. The secret lands only in the git-ignored `.env`."""
    example = project / ".env.example"
    target = project / ".env"
    if not example.is_file() or target.exists():
        return None
    lines = []
    for line in example.read_text(encoding="utf-8").splitlines():
        key, sep, value = line.partition("=")
        if sep and _is_generated(key.strip(), value.strip()):
            lines.append(f"{key}={_fresh_secret()}")
        else:
            lines.append(line)
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.chmod(target, 0o600)
    return target


def add_missing_settings(project: Path) -> tuple[list[str], list[str]]:
    """Bring an existing `.env` up to `.env.example`: (secrets added, settings to set).

    Only keys `.env` lacks are touched, and only appended: the user's values stay.
    """
    example = project / ".env.example"
    target = project / ".env"
    if not example.is_file() or not target.is_file():
        return [], []
    have = {key for key, _ in _entries(target.read_text(encoding="utf-8"))}
    added: list[str] = []
    to_set: list[str] = []
    for key, value in _entries(example.read_text(encoding="utf-8")):
        if key in have:
            continue
        (added if _is_generated(key, value) else to_set).append(key)
    if added:
        text = target.read_text(encoding="utf-8")
        lines = [f"{key}={_fresh_secret()}" for key in added]
        separator = "" if text.endswith("\n") or not text else "\n"
        target.write_text(
            text + separator + "# Added by scaffold update\n" + "\n".join(lines) + "\n",
            encoding="utf-8",
        )
    return added, to_set
