"""Every released template version updates cleanly to the current one (CI runs this)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from scaffold.choices import Architecture
from scaffold.cli import app
from scaffold.template_store import open_store
from tests.conftest import git, tree_snapshot

runner = CliRunner()


@pytest.mark.slow
def test_every_release_updates_to_the_current_one(workdir: Path) -> None:
    store = open_store()
    older = [v for v in store.releases if v != store.latest]
    if not older:
        pytest.skip(f"only one template release so far ({store.latest}): nothing to update from")
    for version in older:
        for architecture in Architecture:
            name = f"{architecture.value}-{version}".replace(".", "-")
            made = runner.invoke(
                app, ["new", name, "-a", architecture.value, "--yes", "--template-version", version]
            )
            assert made.exit_code == 0, made.output
            updated = runner.invoke(app, ["update", name])
            assert updated.exit_code == 0, f"{name}: {updated.output}"
            checked = runner.invoke(app, ["check", name])
            assert checked.exit_code == 0, checked.output


def _first_release_with_a_skeleton_hybrid() -> str:
    store = open_store()
    if "0.1.0" not in store.releases:
        pytest.skip("this history has no 0.1.0, whose hybrid template was a skeleton")
    return "0.1.0"


def test_growing_into_a_version_whose_hybrid_is_a_skeleton_is_refused(workdir: Path) -> None:
    version = _first_release_with_a_skeleton_hybrid()
    made = runner.invoke(
        app, ["new", "shop", "-a", "django", "--yes", "--template-version", version]
    )
    assert made.exit_code == 0, made.output
    before = tree_snapshot(workdir / "shop")
    result = runner.invoke(app, ["update", "shop", "--to", version, "--architecture", "hybrid"])
    assert result.exit_code == 2, result.output
    assert f"growing into hybrid at template {version} would remove" in result.stderr
    assert "manage.py" in result.stderr
    assert "scaffold update --architecture hybrid" in result.stderr
    assert tree_snapshot(workdir / "shop") == before
    assert git(workdir / "shop", "status", "--porcelain") == ""


def test_a_skeleton_version_gets_the_skeleton_next_steps(workdir: Path) -> None:
    version = _first_release_with_a_skeleton_hybrid()
    made = runner.invoke(app, ["new", "hy", "-a", "hybrid", "--yes", "--template-version", version])
    assert made.exit_code == 0, made.output
    assert "this template is still a skeleton" in made.stdout
    assert "manage.py" not in made.stdout


def _release_before_the_worker() -> str:
    store = open_store()
    if "0.4.0" not in store.releases:
        pytest.skip("this history has no 0.4.0, the last release without the worker question")
    return "0.4.0"


@pytest.mark.slow
def test_an_update_adds_the_worker_only_when_asked_and_keeps_the_teams_edits(
    workdir: Path,
) -> None:
    version = _release_before_the_worker()
    made = runner.invoke(
        app, ["new", "shop", "-a", "django", "--yes", "--template-version", version]
    )
    assert made.exit_code == 0, made.output
    project = workdir / "shop"
    readme = project / "README.md"
    readme.write_text(readme.read_text(encoding="utf-8") + "\nOur own notes.\n", encoding="utf-8")
    git(project, "commit", "-qam", "Our notes")

    # A plain update brings the release but not the worker the project never had.
    plain = runner.invoke(app, ["update", "shop"])
    assert plain.exit_code == 0, plain.output
    assert "worker: not added by this update (`--data worker=true` adds it)" in plain.stderr
    assert "worker: false" in (project / ".copier-answers.yml").read_text(encoding="utf-8")
    assert not (project / "shop" / "worker.py").exists()
    assert "  worker:" not in (project / "compose.yml").read_text(encoding="utf-8")
    git(project, "add", "-A")
    git(project, "commit", "-qm", "Update")

    # Asked for, it arrives: the Celery app, its compose services, its dependency.
    added = runner.invoke(app, ["update", "shop", "--data", "worker=true"])
    assert added.exit_code == 0, added.output
    assert "worker: true" in (project / ".copier-answers.yml").read_text(encoding="utf-8")
    assert (project / "shop" / "worker.py").is_file()
    compose = (project / "compose.yml").read_text(encoding="utf-8")
    for service in ("worker", "scheduler", "redis", "mailpit"):
        assert f"\n  {service}:\n" in compose, service
    assert "celery" in (project / "pyproject.toml").read_text(encoding="utf-8")
    assert readme.read_text(encoding="utf-8").endswith("\nOur own notes.\n")
