"""Projects made between releases: from development snapshots, named or not, to later versions.

The scratch "scaffold source" history here is: release 0.1.0 (today's templates), two
development commits (a README section, then a new file), release 0.2.0 (no template
change), then a development commit after it.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner, Result

from scaffold import template_store
from scaffold.cli import app
from scaffold.template_store import open_store
from tests.conftest import TEMPLATES, git

runner = CliRunner()

README_ADDITION = "\n## Keeping up to date\n\nRun `scaffold check` in CI.\n"
NEW_FILE = "CONTRIBUTING.md"
LATER_FILE = "SECURITY.md"
TEAM_NOTE = "\n\n# Team note: keep list views paginated.\n"


def scaffold(*args: str) -> Result:
    return runner.invoke(app, list(args))


def _commit(repo: Path, version: str, message: str) -> None:
    (repo / "pyproject.toml").write_text(f'[project]\nname = "scaffold"\nversion = "{version}"\n')
    git(repo, "add", "-A")
    git(repo, "commit", "--quiet", "-m", message)


@pytest.fixture
def source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_home: Path) -> Path:
    repo = tmp_path / "scaffold-source"
    repo.mkdir()
    git(repo, "init", "--quiet")
    shutil.copytree(TEMPLATES, repo / "templates", symlinks=True)
    _commit(repo, "0.1.0", "release 0.1.0")
    django = repo / "templates" / "django"
    readme = django / "README.md.jinja"
    readme.write_text(readme.read_text() + README_ADDITION)
    _commit(repo, "0.2.0.dev0", "first snapshot: a README section")
    (django / NEW_FILE).write_text("# Contributing\n\nOpen a pull request.\n")
    _commit(repo, "0.2.0.dev0", "second snapshot: CONTRIBUTING")
    _commit(repo, "0.2.0", "release 0.2.0")
    (django / LATER_FILE).write_text("# Security\n\nMail security@example.com.\n")
    _commit(repo, "0.3.0.dev0", "third snapshot, after the release")
    monkeypatch.setattr(template_store, "source_checkout", lambda: repo)
    return repo


def snapshots() -> list[str]:
    return [v for v in open_store().versions if ".dev" in v]


def answers(project: Path) -> dict[str, Any]:
    loaded = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert isinstance(loaded, dict)
    return loaded


def make_project(version: str, *extra: str) -> Path:
    made = scaffold("new", "shop", "-a", "django", "--yes", "--template-version", version, *extra)
    assert made.exit_code == 0, made.output
    return Path("shop").resolve()


def team_edit(project: Path) -> None:
    views = project / "notes" / "views.py"
    views.write_text(views.read_text() + TEAM_NOTE)
    git(project, "commit", "--quiet", "-am", "A team edit")


def test_the_store_names_each_snapshot_by_version_distance_and_tree(source: Path) -> None:
    first, second, third = snapshots()
    tree = git(source, "rev-parse", "HEAD~3:templates").strip()
    assert first == f"0.2.0.dev1+t{tree[:12]}"
    assert second.startswith("0.2.0.dev2+t")
    assert third.startswith("0.3.0.dev1+t")
    assert open_store().releases == ("0.1.0", "0.2.0")


def test_a_snapshot_project_updates_to_the_release_keeping_edits(
    source: Path, workdir: Path
) -> None:
    first = snapshots()[0]
    project = make_project(first)
    assert answers(project)["_commit"] == f"v{first}"
    assert (project / "README.md").read_text().endswith(README_ADDITION)
    team_edit(project)

    result = scaffold("update", str(project), "--to", "0.2.0", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["from_version"], data["to_version"]) == (first, "0.2.0")
    assert data["added"] == [NEW_FILE]
    assert data["conflicts"] == []
    assert "README.md" not in data["updated"]  # the snapshot already had the section
    assert (project / "notes" / "views.py").read_text().endswith(TEAM_NOTE)
    assert answers(project)["_commit"] == "v0.2.0"


def test_a_snapshot_project_updates_to_a_later_snapshot(source: Path, workdir: Path) -> None:
    first, _, third = snapshots()
    project = make_project(first)
    team_edit(project)
    result = scaffold("update", str(project), "--json")  # newest: the third snapshot
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["to_version"] == third
    assert sorted(data["added"]) == [NEW_FILE, LATER_FILE]
    assert (project / "notes" / "views.py").read_text().endswith(TEAM_NOTE)
    assert answers(project)["_commit"] == f"v{third}"


def test_a_snapshot_is_found_by_its_tree_under_another_number(source: Path, workdir: Path) -> None:
    first = snapshots()[0]
    project = make_project(first)
    # The same templates, recorded under a number another build gave them.
    renamed = first.replace(".dev1+", ".dev9+")
    recorded = project / ".copier-answers.yml"
    recorded.write_text(recorded.read_text().replace(f"v{first}", f"v{renamed}"))
    git(project, "commit", "--quiet", "-am", "Made by another build")
    result = scaffold("update", str(project), "--to", "0.2.0")
    assert result.exit_code == 0, result.output
    assert f"template {renamed} is stored as {first}" in result.stderr
    assert answers(project)["_commit"] == "v0.2.0"


def test_an_unnamed_development_version_is_found_by_rendering(source: Path, workdir: Path) -> None:
    """What scaffold before snapshots recorded: `v0.2.0.dev0`, whatever the tree."""
    second = snapshots()[1]
    project = make_project(second)
    recorded = project / ".copier-answers.yml"
    recorded.write_text(recorded.read_text().replace(f"v{second}", "v0.2.0.dev0"))
    git(project, "commit", "--quiet", "--amend", "-am", "Generate with an old scaffold")
    team_edit(project)

    checked = scaffold("check", str(project), "--json")
    assert checked.exit_code == 1
    assert json.loads(checked.stdout)["current_version"] == second
    result = scaffold("update", str(project), "--to", "0.2.0", "--json")
    assert result.exit_code == 0, result.output
    assert f"template 0.2.0.dev0 is {second}: it renders exactly the files shop" in result.stderr
    data = json.loads(result.stdout)
    assert data["from_version"] == second
    assert data["updated"] == [".copier-answers.yml"]  # 0.2.0 holds the same templates
    assert answers(project)["_commit"] == "v0.2.0"
    assert (project / "notes" / "views.py").read_text().endswith(TEAM_NOTE)


def test_an_unnamed_version_that_matches_nothing_says_which_is_closest(
    source: Path, workdir: Path
) -> None:
    first = snapshots()[0]
    project = make_project(first, "--no-git")
    readme = project / "README.md"
    readme.write_text("# Shop, as we first changed it\n" + readme.read_text())
    recorded = project / ".copier-answers.yml"
    recorded.write_text(recorded.read_text().replace(f"v{first}", "v0.2.0.dev0"))
    git(project, "init", "--quiet")
    git(project, "add", "-A")
    git(project, "commit", "--quiet", "-m", "Generated, edited, then committed")

    refused = scaffold("update", str(project))
    assert refused.exit_code == 2, refused.output
    assert (
        f"no stored version renders exactly the files it was generated with (closest: {first}"
        in (refused.stderr)
    )
    assert f"set `_commit: v{first}` in .copier-answers.yml" in refused.stderr
    assert answers(project)["_commit"] == "v0.2.0.dev0"

    # Following the hint works, and the README edit is kept as the team's own.
    recorded.write_text(recorded.read_text().replace("v0.2.0.dev0", f"v{first}"))
    git(project, "commit", "--quiet", "-am", "Name the version")
    result = scaffold("update", str(project), "--to", "0.2.0")
    assert result.exit_code == 0, result.output
    assert readme.read_text().startswith("# Shop, as we first changed it\n")


def test_uncommitted_templates_warn_that_only_committed_ones_can_be_updated_from(
    source: Path, workdir: Path
) -> None:
    readme = source / "templates" / "django" / "README.md.jinja"
    readme.write_text(readme.read_text() + "\nWork in progress.\n")
    made = scaffold("new", "shop", "-a", "django", "--yes")
    assert made.exit_code == 0, made.output
    assert "holds this checkout's uncommitted template changes" in made.stderr
    tag = answers(workdir / "shop")["_commit"]

    # Once exactly those templates are committed, the project's version is known by its tree.
    git(source, "commit", "--quiet", "--allow-empty", "-m", "an unrelated commit first")
    git(source, "commit", "--quiet", "-am", "commit the templates")
    checked = scaffold("check", "shop", "--json")
    assert checked.exit_code == 1  # recorded under another number: update records it
    data = json.loads(checked.stdout)
    assert data["base_note"] == f"template {tag[1:]} is stored as {data['latest_version']}"
    assert data["changes"]["changed"] == [".copier-answers.yml"]
