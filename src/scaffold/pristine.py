"""Render a stored template version into a scratch folder and read the files back.

These pristine renders are what updates merge against and what a project's files are
compared with. Copier makes temporary clones of the template while it renders;
`scratch_temp_dir` keeps them inside our own scratch folder, so an interrupted run leaves
no clone behind in the system's temp dir.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from scaffold.render import render
from scaffold.template_store import TemplateStore

Tree = dict[str, tuple[bytes, int]]
"""Files by project-relative POSIX path: (content, st_mode)."""

ANSWERS_FILE = ".copier-answers.yml"


def read_tree(root: Path) -> Tree:
    files: Tree = {}
    for path in sorted(root.rglob("*")):
        if ".git" in path.relative_to(root).parts or not path.is_file():
            continue
        files[path.relative_to(root).as_posix()] = (path.read_bytes(), path.stat().st_mode)
    return files


@contextmanager
def scratch_temp_dir(prefix: str) -> Iterator[Path]:
    """A scratch folder that also holds every temporary file made while it is open."""
    with tempfile.TemporaryDirectory(prefix=prefix) as scratch:
        previous = tempfile.tempdir
        tempfile.tempdir = scratch
        try:
            yield Path(scratch)
        finally:
            tempfile.tempdir = previous


def render_pristine(
    store: TemplateStore, version: str, answers: Mapping[str, Any], scratch: Path, name: str
) -> Tree:
    """Render `version` with `answers` into a new folder under `scratch`; read it back.

    The folder is named like the project because Copier shows templates that name
    (`_folder_name`), as a plain `copier update` of the project would.
    """
    label = f"render-{len(list(scratch.iterdir()))}"
    into = scratch / label / name
    into.parent.mkdir()
    render(
        src_path=store.src_path,
        vcs_ref=store.tag_for(version),
        project=into,
        data=answers,
        ask=False,
        user_defaults={},
    )
    return read_tree(into)
