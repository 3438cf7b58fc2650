"""The leftover-Jinja rule: what a rendered project must not contain.

Jinja syntax is legitimate in some generated files (Django HTML templates use `{{ }}` and
`{% %}`; GitHub workflows use `${{ }}`), so the rule is:

1. Anywhere: a file or folder name with `{{`, `{%` or a `.jinja` suffix, and the text
   `_copier_` in any text file (Copier's private variables never belong in a project).
2. In files that never hold Jinja (Python, TOML, YAML, INI/CFG, Markdown, JSON, shell,
   Dockerfiles, env files, lock files, Caddyfiles, plain text): any `{{`, `{%` or `{#`.
   Exceptions: `${{` in YAML (GitHub expressions) and fenced code blocks in Markdown.
3. In every other text file (HTML templates included): `{{`/`{%` blocks that use one of
   the template's own question names (`{{ project_name }}`, `{% if architecture ... %}`):
   a Django template has no reason to name Copier's questions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path

NO_JINJA_SUFFIXES = frozenset(
    {
        ".py",
        ".pyi",
        ".toml",
        ".yml",
        ".yaml",
        ".ini",
        ".cfg",
        ".md",
        ".rst",
        ".json",
        ".sh",
        ".txt",
        ".lock",
        ".env",
        ".example",
        ".conf",
    }
)
NO_JINJA_NAMES = frozenset(
    {
        "Dockerfile",
        "Caddyfile",
        "Makefile",
        ".python-version",
        ".dockerignore",
        ".gitignore",
        ".env",
        ".env.example",
    }
)
SKIP_DIRS = frozenset(
    {".git", ".venv", "node_modules", "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache"}
)

_ANY_JINJA = re.compile(r"\{\{|\{%|\{#")
_YAML_JINJA = re.compile(r"(?<!\$)\{\{|\{%|\{#")
_FENCE = re.compile(r"^\s*(```|~~~)")


def _is_no_jinja_file(path: Path) -> bool:
    name = path.name
    return (
        name in NO_JINJA_NAMES
        or name.startswith(("Dockerfile", ".env"))
        or name.endswith(".Dockerfile")
        or path.suffix in NO_JINJA_SUFFIXES
    )


def _files(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if any(part in SKIP_DIRS for part in relative.parts[:-1]) or path.name in SKIP_DIRS:
            continue
        yield path


def _question_pattern(questions: Iterable[str]) -> re.Pattern[str] | None:
    """`{{ name }}`, `{{ name | filter }}`, `{% if name ... %}`: a question used as a variable.

    Attribute access (`{{ note.description }}`) is not a question, so it is not flagged.
    """
    names = sorted({q for q in questions if q}, key=len, reverse=True)
    if not names:
        return None
    alternatives = "|".join(re.escape(name) for name in names)
    return re.compile(
        r"(?:\{\{-?\s*|\{%-?\s*(?:if|elif|set\s+\w+\s*=|for\s+\w+\s+in)\s+(?:not\s+)?)"
        r"(?:" + alternatives + r")\b(?![.\[(])"
    )


def find_leftovers(root: Path, questions: Iterable[str] = ()) -> list[str]:
    """`path:line: what` for every Copier/Jinja leftover under `root`."""
    found: list[str] = []
    question_rule = _question_pattern(questions)
    for path in _files(root):
        relative = path.relative_to(root).as_posix()
        if "{{" in path.name or "{%" in path.name:
            found.append(f"{relative}: unrendered Jinja in the file name")
        if path.name.endswith(".jinja"):
            found.append(f"{relative}: a .jinja file was copied instead of rendered")
        if path.is_symlink() or not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue  # binary files hold no template text
        found.extend(_scan_text(relative, path, text, question_rule))
    return found


def _scan_text(
    relative: str, path: Path, text: str, question_rule: re.Pattern[str] | None
) -> list[str]:
    found: list[str] = []
    strict = _is_no_jinja_file(path)
    pattern = _YAML_JINJA if path.suffix in (".yml", ".yaml") else _ANY_JINJA
    in_fence = False
    for number, line in enumerate(text.splitlines(), start=1):
        if "_copier_" in line:
            found.append(f"{relative}:{number}: Copier variable left in the output: {_cut(line)}")
            continue
        if path.suffix == ".md" and _FENCE.match(line):
            in_fence = not in_fence
            continue
        if strict and not in_fence and pattern.search(line):
            found.append(f"{relative}:{number}: Jinja syntax left in the output: {_cut(line)}")
        elif not strict and question_rule is not None and question_rule.search(line):
            found.append(
                f"{relative}:{number}: unrendered template question in the output: {_cut(line)}"
            )
    return found


def _cut(line: str, width: int = 100) -> str:
    line = line.strip()
    return line if len(line) <= width else line[: width - 1] + "…"
