"""`scaffold update` and `scaffold check` against a template history with two releases.

The second release is a real change to the shipped templates, made in a copy of this
repository's templates/ inside a scratch "scaffold source" repository that the store
reads its history from.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner, Result

from scaffold import template_store
from scaffold.cli import app
from tests.conftest import TEMPLATES, git, project_tools, tree_snapshot

runner = CliRunner()

README_ADDITION = "\n## Keeping up to date\n\nRun `scaffold check` in CI.\n"
NEW_FILE = "CONTRIBUTING.md"
DROPPED_FILE = ".pre-commit-config.yaml"
CONTRIBUTING = "# Contributing\n\nOpen a pull request.\n"
OLD_DOC = "docs/old.md"  # the only file of its folder; 0.2.0 drops it
CHANGELOG = """# Template release notes

## 0.2.0 — today

- The README says how to keep up to date; CONTRIBUTING.md is new.

## 0.1.0 — earlier

The first version.
"""


def scaffold(*args: str) -> Result:
    return runner.invoke(app, list(args))


def _release(repo: Path, version: str, message: str) -> None:
    (repo / "pyproject.toml").write_text(f'[project]\nname = "scaffold"\nversion = "{version}"\n')
    git(repo, "add", "-A")
    git(repo, "commit", "--quiet", "-m", message)


@pytest.fixture
def history(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_home: Path) -> Path:
    """Releases 0.1.0 (today's templates) and 0.2.0 (a README section, a new file, a
    dropped file), installed in a fresh home as this scaffold's template history."""
    source = tmp_path / "scaffold-source"
    source.mkdir()
    git(source, "init", "--quiet")
    shutil.copytree(TEMPLATES, source / "templates", symlinks=True)
    (source / "templates" / "django" / "docs").mkdir()
    (source / "templates" / "django" / OLD_DOC).write_text("# Old notes\n")
    _release(source, "0.1.0", "release 0.1.0")
    django = source / "templates" / "django"
    readme = django / "README.md.jinja"
    readme.write_text(readme.read_text() + README_ADDITION)
    for architecture in ("django", "hybrid"):  # the hybrid holds every Django file
        (source / "templates" / architecture / NEW_FILE).write_text(CONTRIBUTING)
    (django / DROPPED_FILE).unlink()
    shutil.rmtree(django / "docs")
    (source / "CHANGELOG.md").write_text(CHANGELOG)
    _release(source, "0.2.0", "release 0.2.0: README section, CONTRIBUTING, no pre-commit")
    monkeypatch.setattr(template_store, "source_checkout", lambda: source)
    return source


@pytest.fixture
def project(history: Path, workdir: Path) -> Path:
    result = scaffold("new", "shop", "-a", "django", "--yes", "--template-version", "0.1.0")
    assert result.exit_code == 0, result.output
    return workdir / "shop"


def answers(project: Path) -> dict[str, Any]:
    loaded = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert isinstance(loaded, dict)
    return loaded


def commit_all(project: Path, message: str) -> None:
    git(project, "add", "-A")
    git(project, "commit", "--quiet", "-m", message)


def copier_check_update(project: Path) -> dict[str, Any]:
    copier = Path(sys.executable).with_name("copier")
    done = subprocess.run(
        [str(copier), "check-update", "--output-format", "json"],
        cwd=project,
        capture_output=True,
        text=True,
        env=os.environ,
        check=True,
    )
    loaded = json.loads(done.stdout)
    assert isinstance(loaded, dict)
    return loaded


# --- check -----------------------------------------------------------------------------------


def test_check_reports_behind_then_current_and_copier_agrees(project: Path) -> None:
    behind = scaffold("check", str(project), "--json")
    assert behind.exit_code == 1, behind.output
    data = json.loads(behind.stdout)
    assert (data["current_version"], data["latest_version"]) == ("0.1.0", "0.2.0")
    assert data["versions_behind"] == ["0.2.0"]
    assert data["changes"] == {
        "added": [NEW_FILE],
        "changed": [".copier-answers.yml", "README.md"],
        "removed": [DROPPED_FILE, OLD_DOC],
        "conflicts": [],
        "edited_removed": [],
    }
    assert [note["version"] for note in data["release_notes"]] == ["0.2.0"]
    assert "CONTRIBUTING.md is new" in data["release_notes"][0]["notes"]
    assert copier_check_update(project)["update_available"] is True

    assert scaffold("update", str(project)).exit_code == 0
    commit_all(project, "Update to 0.2.0")
    current = scaffold("check", str(project))
    assert current.exit_code == 0
    assert "newest template version (0.2.0)" in current.stdout
    assert copier_check_update(project)["update_available"] is False


def test_check_names_the_projects_own_paths_and_the_release_notes(project: Path) -> None:
    readme = project / "README.md"
    readme.write_text(readme.read_text() + "\n## Our runbook\n\nPage the on-call.\n")
    commit_all(project, "Add a runbook")
    result = scaffold("check", str(project))
    assert result.exit_code == 1
    out = result.stdout
    assert "is behind: template 0.1.0, newest 0.2.0 (1 version: 0.2.0)" in out
    assert f"added (1):\n  {NEW_FILE}" in out
    assert "changed where your edits overlap (conflicts) (1):\n  README.md" in out
    assert f"removed (2):\n  {DROPPED_FILE}\n  {OLD_DOC}" in out
    assert "Release notes 0.2.0 — today" in out
    assert "django/" not in out  # template paths never show
    assert "_shared" not in out
    assert ".jinja" not in out
    assert git(project, "status", "--porcelain") == ""  # a check writes nothing


def test_check_outside_a_generated_project_is_exit_2(workdir: Path) -> None:
    result = scaffold("check", str(workdir))
    assert result.exit_code == 2
    assert "not a project generated by scaffold" in result.stderr


# --- update: clean, merged, conflicting ----------------------------------------------------------


def test_a_pristine_project_updates_cleanly(project: Path) -> None:
    result = scaffold("update", str(project), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["conflicts"] == []
    assert "README.md" in data["updated"]
    assert NEW_FILE in data["added"]
    assert DROPPED_FILE in data["removed"]
    assert ".copier-answers.yml" in data["updated"]
    assert (project / "README.md").read_text().endswith(README_ADDITION)
    assert (project / NEW_FILE).is_file()
    assert not (project / DROPPED_FILE).exists()
    assert not (project / "docs").exists()  # the folder the update emptied goes too
    assert answers(project)["_commit"] == "v0.2.0"
    # Left uncommitted for review.
    status = git(project, "status", "--porcelain")
    assert " M README.md" in status
    assert f"?? {NEW_FILE}" in status


def test_team_edits_that_do_not_overlap_are_merged(project: Path) -> None:
    readme = project / "README.md"
    lines = readme.read_text().splitlines(keepends=True)
    lines.insert(1, "\nOwned by the payments team.\n")
    readme.write_text("".join(lines))
    commit_all(project, "Say who owns it")
    result = scaffold("update", str(project), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["merged"] == ["README.md"]
    text = readme.read_text()
    assert "Owned by the payments team." in text
    assert text.endswith(README_ADDITION)


def test_overlapping_edits_conflict_with_markers_and_exit_1(project: Path) -> None:
    readme = project / "README.md"
    readme.write_text(readme.read_text() + "\n## Our runbook\n\nPage the on-call.\n")
    commit_all(project, "Add a runbook")
    result = scaffold("update", str(project), "--json")
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert data["conflicts"] == ["README.md"]
    text = readme.read_text()
    assert "<<<<<<< README.md (yours)" in text
    assert ">>>>>>> README.md (template now)" in text
    assert "Page the on-call." in text
    assert "Run `scaffold check` in CI." in text
    assert "UU README.md" in git(project, "status", "--porcelain")
    assert answers(project)["_commit"] == "v0.2.0"  # the rest of the update is applied


def test_human_report_lists_each_kind_of_change(project: Path) -> None:
    result = scaffold("update", str(project))
    assert result.exit_code == 0
    assert "Updated shop (0.1.0 -> 0.2.0)" in result.stdout
    assert "updated cleanly" in result.stdout
    assert f"added (1):\n  {NEW_FILE}" in result.stdout
    assert f"removed (2):\n  {DROPPED_FILE}\n  {OLD_DOC}" in result.stdout


def test_dry_run_prints_only_the_diff_on_stdout_and_writes_nothing(
    project: Path, tmp_path: Path
) -> None:
    before = tree_snapshot(project)
    readme_before = (project / "README.md").read_text()
    result = scaffold("update", str(project), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "+## Keeping up to date" in result.stdout
    assert f"+++ b/{NEW_FILE}" in result.stdout
    assert f"--- a/{DROPPED_FILE}" in result.stdout
    assert "Would update shop" in result.stderr
    assert "Would update" not in result.stdout
    # What stdout holds is a patch git can apply as it is.
    patch = tmp_path / "change.patch"
    patch.write_text(result.stdout)
    git(project, "apply", "--check", str(patch))
    assert tree_snapshot(project) == before
    assert (project / "README.md").read_text() == readme_before
    assert git(project, "status", "--porcelain") == ""


# --- the deletion guard ------------------------------------------------------------------------


def test_an_edited_file_the_template_drops_stops_the_update(project: Path) -> None:
    dropped = project / DROPPED_FILE
    dropped.write_text(dropped.read_text() + "# our own hook\n")
    commit_all(project, "Our hook")
    result = scaffold("update", str(project))
    assert result.exit_code == 2
    assert f"would delete files your team has changed: {DROPPED_FILE}" in result.stderr
    assert "--force" in result.stderr
    assert git(project, "status", "--porcelain") == ""
    assert answers(project)["_commit"] == "v0.1.0"

    forced = scaffold("update", str(project), "--force")
    assert forced.exit_code == 0, forced.output
    assert not dropped.exists()


# --- refusals: nothing touched ---------------------------------------------------------------


def _refused(project: Path, *args: str) -> Result:
    before = {
        p: p.read_bytes() for p in project.rglob("*") if p.is_file() and ".git" not in p.parts
    }
    result = scaffold("update", str(project), *args)
    after = {p: p.read_bytes() for p in project.rglob("*") if p.is_file() and ".git" not in p.parts}
    assert result.exit_code == 2, result.output
    assert after == before
    return result


def test_architecture_and_renames_are_refused_through_data(project: Path) -> None:
    via_data = _refused(project, "--data", "architecture=hybrid")
    assert "cannot be changed with --data" in via_data.stderr
    rename = _refused(project, "--data", "package_name=shop2")
    assert "cannot rename package_name" in rename.stderr
    assert "git mv" in rename.stderr


def test_a_dry_run_may_look_at_a_dirty_tree(project: Path) -> None:
    (project / "scratch.txt").write_text("work in progress\n")
    result = scaffold("update", str(project), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "+## Keeping up to date" in result.stdout
    assert answers(project)["_commit"] == "v0.1.0"


def test_an_old_style_development_version_is_matched_by_its_files(project: Path) -> None:
    # Before snapshots were named, a checkout recorded `v<version>.devN` for whatever its
    # working tree held; here that was exactly release 0.1.0.
    recorded = project / ".copier-answers.yml"
    recorded.write_text(recorded.read_text().replace("_commit: v0.1.0", "_commit: v0.1.1.dev0"))
    commit_all(project, "Pretend an old development build made it")
    result = scaffold("update", str(project), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["from_version"] == "0.1.0"
    assert "template 0.1.1.dev0 is 0.1.0: it renders exactly the files" in result.stderr
    assert NEW_FILE in data["added"]
    assert answers(project)["_commit"] == "v0.2.0"


def test_uncommitted_changes_are_refused(project: Path) -> None:
    (project / "notes" / "views.py").write_text("# half done\n")
    (project / "scratch.txt").write_text("untracked\n")
    result = _refused(project)
    assert "has uncommitted changes (notes/views.py, scratch.txt)" in result.stderr
    assert "git stash --include-untracked" in result.stderr


def test_a_project_outside_git_is_refused(project: Path) -> None:
    shutil.rmtree(project / ".git")
    result = _refused(project)
    assert "is not in a git repository" in result.stderr


def test_a_folder_without_answers_is_refused(workdir: Path) -> None:
    result = scaffold("update", str(workdir))
    assert result.exit_code == 2
    assert "has no .copier-answers.yml" in result.stderr


def test_an_unknown_recorded_version_names_the_scaffold_to_install(project: Path) -> None:
    recorded = project / ".copier-answers.yml"
    recorded.write_text(recorded.read_text().replace("_commit: v0.1.0", "_commit: v9.1.0"))
    commit_all(project, "Pretend a newer scaffold made it")
    result = _refused(project)
    assert "template version 9.1.0, which this scaffold" in result.stderr
    assert "pip install 'scaffold>=9.1.0'" in result.stderr


def test_an_older_or_unknown_target_is_refused(project: Path) -> None:
    assert scaffold("update", str(project)).exit_code == 0
    commit_all(project, "Update to 0.2.0")
    older = _refused(project, "--to", "0.1.0")
    assert "--to 0.1.0 is older than the project's template version 0.2.0" in older.stderr
    unknown = _refused(project, "--to", "0.9.0")
    assert "template version 0.9.0 is not in this scaffold's template history" in unknown.stderr


def test_a_partial_version_is_refused_with_the_full_ones(project: Path) -> None:
    partial = _refused(project, "--to", "0.2")
    assert "template version 0.2 is not in this scaffold's template history" in partial.stderr
    assert "give the full version: 0.2.0" in partial.stderr


def test_architecture_changes_that_lose_work_are_refused(project: Path) -> None:
    result = _refused(project, "--architecture", "fastapi")
    assert "cannot turn a django project into fastapi" in result.stderr
    assert "django -> hybrid" in result.stderr


def test_unknown_data_keys_are_refused(project: Path) -> None:
    result = _refused(project, "--data", "flavour=vanilla")
    assert "unknown question in --data: flavour" in result.stderr


# --- another machine ---------------------------------------------------------------------------


def test_update_works_under_another_home_directory(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other_home = tmp_path / "someone-else"
    other_home.mkdir()
    monkeypatch.setenv("HOME", str(other_home))
    result = scaffold("update", str(project))
    assert result.exit_code == 0, result.output
    assert (other_home / ".scaffold" / "templates.bundle").is_file()
    assert answers(project)["_commit"] == "v0.2.0"


@pytest.mark.slow
def test_the_updated_project_passes_its_own_tests(project: Path) -> None:
    tools = project_tools()
    assert scaffold("update", str(project)).exit_code == 0
    assert " passed" in tools.sync_and_test(project)


@pytest.mark.slow
def test_a_django_project_grows_into_the_hybrid_keeping_its_edits(project: Path) -> None:
    views = project / "notes" / "views.py"
    views.write_text(views.read_text() + "\n\n# Team note: keep list views paginated.\n")
    commit_all(project, "A team edit in the Django code")

    result = scaffold("update", str(project), "--architecture", "hybrid", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["from_architecture"], data["to_architecture"]) == ("django", "hybrid")
    assert data["conflicts"] == []
    assert "# Team note: keep list views paginated." in views.read_text()
    assert answers(project)["architecture"] == "hybrid"
    assert data["env_added"] == ["API_SECRET_KEY"]  # the API's key, so compose.yml starts
    assert "API_SECRET_KEY=" in (project / ".env").read_text()
    assert (project / "api" / "pyproject.toml").is_file()
    assert (project / "Caddyfile").is_file()

    tools = project_tools()
    for folder in (project, project / "api"):
        assert " passed" in tools.sync_and_test(folder)


# --- interrupts, wrong answers, machine-readable errors ------------------------------------------


def test_ctrl_c_while_writing_finishes_the_update_and_says_so(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import signal

    from scaffold import update

    real_write = update._write_planned

    def interrupted_midway(result: update.UpdateResult) -> None:
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C arrives as the writing starts
        real_write(result)

    monkeypatch.setattr(update, "_write_planned", interrupted_midway)
    result = scaffold("update", str(project))
    assert result.exit_code == 0, result.output
    assert "Interrupted while writing: the update was finished first" in result.stderr
    assert "Updated shop (0.1.0 -> 0.2.0)" in result.stdout
    assert answers(project)["_commit"] == "v0.2.0"
    assert (project / NEW_FILE).is_file()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_ctrl_c_before_writing_changes_nothing_and_leaves_no_temporary_files(
    project: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import tempfile

    from scaffold import pristine

    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    real_render = pristine.render

    def interrupted_in_copier(**kwargs: Any) -> None:
        real_render(**kwargs)
        # Copier interrupted between making a clone and removing it.
        tempfile.mkdtemp(prefix="copier._vcs.clone.")
        raise KeyboardInterrupt

    monkeypatch.setattr(pristine, "render", interrupted_in_copier)
    result = _refused_with(project, 130, "update", str(project))
    assert "interrupted before anything was written: the project is unchanged" in result.stderr
    assert list(temp.iterdir()) == []


def test_answers_that_describe_another_project_are_refused(project: Path) -> None:
    recorded = project / ".copier-answers.yml"
    recorded.write_text(
        recorded.read_text().replace("architecture: django", "architecture: fastapi")
    )
    commit_all(project, "A wrong answer")
    for command in ("update", "check"):
        result = _refused_with(project, 2, command, str(project))
        assert ".copier-answers.yml does not describe this project" in result.stderr
        assert "architecture=fastapi" in result.stderr
        assert "git log -p -- .copier-answers.yml" in result.stderr


def test_errors_under_json_are_json_on_stdout(project: Path, workdir: Path) -> None:
    for args in (("update", str(workdir), "--json"), ("check", str(workdir), "--json")):
        result = scaffold(*args)
        assert result.exit_code == 2
        error = json.loads(result.stdout)["error"]
        assert error["exit_code"] == 2
        assert "is not a project generated by scaffold" in error["message"]
        assert "scaffold new" in error["hint"]
    refused = scaffold("update", str(project), "--to", "0.2", "--json")
    assert json.loads(refused.stdout)["error"]["hint"] == "give the full version: 0.2.0"


def _refused_with(project: Path, code: int, *args: str) -> Result:
    before = {
        p: p.read_bytes() for p in project.rglob("*") if p.is_file() and ".git" not in p.parts
    }
    result = scaffold(*args)
    after = {p: p.read_bytes() for p in project.rglob("*") if p.is_file() and ".git" not in p.parts}
    assert result.exit_code == code, result.output
    assert after == before
    return result


# --- Copier alone --------------------------------------------------------------------------------


def copier_update(project: Path) -> subprocess.CompletedProcess[str]:
    copier = Path(sys.executable).with_name("copier")
    return subprocess.run(
        [str(copier), "update", "--defaults", "--conflict", "inline"],
        cwd=project,
        capture_output=True,
        text=True,
        env=os.environ,
        check=False,
    )


def test_plain_copier_updates_a_project_as_the_readme_says(project: Path) -> None:
    done = copier_update(project)
    assert done.returncode == 0, done.stderr
    assert answers(project)["_commit"] == "v0.2.0"
    assert (project / "README.md").read_text().endswith(README_ADDITION)
    assert (project / NEW_FILE).is_file()


def test_plain_copier_exits_0_on_a_conflict_where_scaffold_exits_1(project: Path) -> None:
    readme = project / "README.md"
    readme.write_text(readme.read_text() + "\n## Our runbook\n\nPage the on-call.\n")
    commit_all(project, "Add a runbook")
    done = copier_update(project)
    assert done.returncode == 0, done.stderr  # what the README warns about
    assert "<<<<<<<" in readme.read_text()
