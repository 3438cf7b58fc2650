"""Render a template with Copier into a staging folder, then move the result into place.

Everything is written next to the destination first, so a failure, a rejected answer or
Ctrl-C leaves nothing behind, and an existing folder is never partly filled.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from scaffold.errors import RenderError, UsageError

# Copier's wording when an answer is wrong or missing: the user's input, not a failure.
_ANSWER_PROBLEMS = (
    "Validation error for question",
    "Invalid choice for",
    "Invalid value for",
    "Invalid answer",
    "Question ",
)
_QUESTION_NAME = re.compile(r"question '(\w+)'|for '(\w+)'|Question \"(\w+)\"")


def _answer_hint(message: str) -> str:
    found = _QUESTION_NAME.search(message)
    key = next((g for g in found.groups() if g), None) if found else None
    target = f"{key}=…" if key else "KEY=VALUE"
    return f"correct it with --data {target} (or in the answers file)"


def nearest_existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def check_destination(dest: Path) -> None:
    """Refuse a destination that holds anything or cannot be written: nothing is overwritten."""
    try:
        if dest.is_symlink() or (dest.exists() and not dest.is_dir()):
            raise UsageError(
                f"{dest} exists and is not a directory", hint="choose another destination"
            )
        if dest.is_dir():
            entries = sorted(entry.name for entry in dest.iterdir())
            if entries:
                more = f" and {len(entries) - 10} more" if len(entries) > 10 else ""
                raise UsageError(
                    f"{dest} is not empty (it holds {', '.join(entries[:10])}{more})",
                    hint="choose a new or empty directory; scaffold never writes over "
                    "existing files",
                )
        ancestor = nearest_existing(dest.absolute())
        if not ancestor.is_dir():
            raise UsageError(
                f"{ancestor} is a file, so {dest} cannot be created inside it",
                hint="choose another destination",
            )
        if not os.access(ancestor, os.W_OK | os.X_OK):
            raise UsageError(
                f"cannot create {dest}: {ancestor} is not writable",
                hint="choose a destination you can write to",
            )
    except OSError as exc:
        raise UsageError(
            f"cannot use {dest} as the destination: {exc.strerror or exc}",
            hint="choose another destination",
        ) from exc


@contextmanager
def staged(dest: Path, before_move: Callable[[], None] = lambda: None) -> Iterator[Path]:
    """Yield a fresh folder to render into; on success its contents become `dest`.

    On any exception (KeyboardInterrupt included) the staging folder and any parent folders
    this created are removed, and `dest` is untouched. `before_move` runs just before the
    move into place, the point after which the project is kept.
    """
    dest = dest.absolute()
    created: list[Path] = []
    parent = dest.parent
    while not parent.exists():
        created.append(parent)
        parent = parent.parent
    stage_root: Path | None = None
    try:
        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
            # A sibling of dest, so the final move is a rename on the same filesystem.
            stage_root = Path(tempfile.mkdtemp(prefix=".scaffold-", dir=dest.parent))
        except OSError as exc:
            raise UsageError(
                f"cannot create {dest}: {exc.strerror or exc}",
                hint="choose a destination you can write to",
            ) from exc
        project = stage_root / dest.name
        project.mkdir()
        yield project
        check_destination(dest)  # it may have been filled while we rendered
        before_move()
        if dest.exists():
            for entry in project.iterdir():
                entry.rename(dest / entry.name)
        else:
            project.rename(dest)
    except BaseException:
        for folder in created:
            shutil.rmtree(folder, ignore_errors=True)
        raise
    finally:
        if stage_root is not None:
            shutil.rmtree(stage_root, ignore_errors=True)


def render(
    *,
    src_path: str,
    vcs_ref: str,
    project: Path,
    data: Mapping[str, Any],
    ask: bool,
    user_defaults: Mapping[str, Any],
) -> None:
    """Run Copier; its validation failures become usage errors naming the question."""
    from copier import run_copy
    from copier.errors import CopierAnswersInterrupt, CopierError
    from jinja2 import TemplateError

    try:
        run_copy(
            src_path,
            project,
            data=dict(data),
            user_defaults=dict(user_defaults),
            defaults=not ask,
            vcs_ref=vcs_ref,
            quiet=True,
            unsafe=False,
            overwrite=True,  # the staging folder is ours and empty
        )
    except CopierAnswersInterrupt:
        raise KeyboardInterrupt from None  # Ctrl-C at one of Copier's own questions
    except (ValueError, CopierError) as exc:
        message = str(exc)
        if message.startswith(_ANSWER_PROBLEMS):
            raise UsageError(message, hint=_answer_hint(message)) from exc
        raise RenderError(f"copier could not render the template: {message}") from exc
    except TemplateError as exc:  # a broken template version: nothing the user typed
        raise RenderError(
            f"the template does not render ({type(exc).__name__}: {exc})",
            hint="try another --template-version, or report it",
        ) from exc
