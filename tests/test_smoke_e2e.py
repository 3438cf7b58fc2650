"""End-to-end: `run_smoke` on the real templates, as they stand in the working tree."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from scaffold.choices import Architecture
from scaffold.smoke import Status, run_smoke
from scaffold.smoke.checks import SKELETON_CHECKS, SKELETON_REASON
from scaffold.template_store import open_store

REPO_ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


# The full check list of every template runs in `scaffold smoke` (.ci/run); here the real
# templates go through the render-level checks only, to keep the suite fast.
RENDER_ONLY = dict.fromkeys(Architecture, False)


def test_real_template_passes_the_render_checks(tmp_path: Path) -> None:
    progress: list[str] = []
    report = run_smoke(
        ["fastapi"], keep=False, report=progress.append, workdir=tmp_path, complete=RENDER_ONLY
    )

    assert not report.failed, "\n".join(
        f"{r.variant} {r.check}: {r.reason}\n{r.output_tail}"
        for r in report.results
        if r.status is Status.failed
    )
    assert report.template_source.startswith("working tree")
    assert {v.data["python_version"] for v in report.variants} == {"3.12", "3.13"}
    passed = {(r.variant, r.check) for r in report.results if r.status is Status.passed}
    for variant in report.variants:
        first = "update" if "updated from" in variant.name else "render"
        for check in (first, *SKELETON_CHECKS):
            assert (variant.name, check) in passed
    # A project generated at the previous release is updated to these templates.
    previous = [v for v in open_store().releases if v != open_store().latest]
    updated = [v.name for v in report.variants if "updated from" in v.name]
    assert updated == ([f"fastapi py3.12 updated from {previous[-1]}"] if previous else [])
    skipped = [r for r in report.results if r.status is Status.skipped]
    assert skipped
    assert {r.reason for r in skipped} == {SKELETON_REASON}
    assert any(
        re.match(r"fastapi py3\.12 worker=(True|False): render pass", line) for line in progress
    )
    assert list(tmp_path.glob("scaffold-smoke-*")) == []


def test_broken_copy_of_the_templates_fails(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(REPO_ROOT / "templates", templates, symlinks=True)
    readme = templates / "fastapi" / "README.md.jinja"
    # A raw block keeps Copier from rendering it, as a forgotten `{% raw %}` would.
    readme.write_text(
        readme.read_text(encoding="utf-8")
        + "\n{% raw %}Answers: {{ _copier_conf.answers_file }}{% endraw %}\n",
        encoding="utf-8",
    )
    report = run_smoke(
        ["fastapi"], template_dir=templates, keep=True, workdir=tmp_path, complete=RENDER_ONLY
    )

    assert report.failed
    failed = {(r.check, r.status) for r in report.results if r.status is Status.failed}
    assert failed == {("leftover-jinja", Status.failed)}
    tails = [r.output_tail for r in report.results if r.check == "leftover-jinja"]
    assert all("README.md:" in text and "_copier_conf" in text for text in tails)
    kept = [v.project for v in report.variants]
    assert all(project is not None and (project / "README.md").is_file() for project in kept)
