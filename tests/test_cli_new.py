"""`scaffold new` from the command line: what it makes, and every input it refuses."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from packaging.version import Version
from typer.testing import CliRunner, Result

from scaffold.cli import app
from scaffold.errors import GitError
from scaffold.template_store import BUNDLE_SOURCE, open_store
from tests.conftest import git, tree_snapshot

runner = CliRunner()


def scaffold(*args: str) -> Result:
    return runner.invoke(app, list(args))


def answers_of(project: Path) -> dict[str, Any]:
    loaded = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert isinstance(loaded, dict)
    return loaded


# --- what it makes ------------------------------------------------------------------------


def test_new_renders_records_the_version_and_commits(workdir: Path) -> None:
    result = scaffold("new", "shop", "--architecture", "fastapi", "--yes", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    project = workdir / "shop"
    latest = open_store().latest
    assert data["path"] == str(project)
    assert data["architecture"] == "fastapi"
    assert data["template_version"] == latest
    assert data["next_steps"][0] == "cd shop"
    answers = answers_of(project)
    assert answers["_src_path"] == BUNDLE_SOURCE == "~/.scaffold/templates.bundle"
    assert answers["_commit"] == f"v{latest}"
    assert answers["architecture"] == "fastapi"
    assert answers["project_name"] == "shop"
    assert answers["author_name"] == "Test Author"  # taken from git config
    assert git(project, "status", "--porcelain") == ""
    log = git(project, "log", "--format=%s").splitlines()
    assert log == [f"Generate shop with scaffold {latest}"]
    assert [p.name for p in workdir.iterdir()] == ["shop"]  # no staging folder left


def test_no_git_leaves_no_repository(workdir: Path) -> None:
    result = scaffold("new", "shop", "-a", "django", "--yes", "--no-git")
    assert result.exit_code == 0, result.output
    assert (workdir / "shop" / "pyproject.toml").is_file()
    assert not (workdir / "shop" / ".git").exists()


def test_inside_a_repository_no_nested_repository_is_made(workdir: Path) -> None:
    git(workdir, "init", "--quiet")
    result = scaffold("new", "services/shop", "-a", "hybrid", "--yes")
    assert result.exit_code == 0, result.output
    assert (workdir / "services" / "shop" / "pyproject.toml").is_file()
    assert not (workdir / "services" / "shop" / ".git").exists()


def test_yes_accepts_the_recommendation_for_the_answers_given(workdir: Path) -> None:
    result = scaffold(
        "new", "models", "--serves", "api", "--no-admin", "--workload", "ml", "--yes", "--json"
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["architecture"] == "fastapi"
    assert data["recommendation"]["architecture"] == "fastapi"
    assert answers_of(workdir / "models")["architecture"] == "fastapi"


def test_answers_file_and_data_flags_combine_with_flags_winning(workdir: Path) -> None:
    answers = workdir.parent / "answers.yml"
    answers.write_text(
        "_src_path: ignored\nproject_name: Corner Shop\ndescription: From the file\n"
        "python_version: '3.13'\n"
    )
    result = scaffold(
        "new", "-a", "fastapi", "--yes", "--answers-file", str(answers),
        "--data", "description=From the flag",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    project = workdir / "corner-shop"  # no DEST: named after the project
    recorded = answers_of(project)
    assert recorded["project_name"] == "Corner Shop"
    assert recorded["project_slug"] == "corner-shop"
    assert recorded["package_name"] == "corner_shop"
    assert recorded["description"] == "From the flag"
    assert recorded["python_version"] == "3.13"
    assert 'requires-python = ">=3.13"' in (project / "pyproject.toml").read_text()


def test_an_empty_existing_directory_is_filled(workdir: Path) -> None:
    (workdir / "empty").mkdir()
    result = scaffold("new", "empty", "-a", "fastapi", "--yes", "--no-git")
    assert result.exit_code == 0, result.output
    assert (workdir / "empty" / "README.md").is_file()


def test_secrets_and_passwords_go_to_the_ignored_env_file_only(tmp_path: Path) -> None:
    from scaffold.env_file import write_env_file

    (tmp_path / ".env.example").write_text(
        "DEBUG=true\nSECRET_KEY=\nJWT_SECRET_KEY=\nDATABASE_URL=\nKEEP_SECRET_KEY=given\n"
        "POSTGRES_PASSWORD=\nKEEP_PASSWORD=given\n"
    )
    written = write_env_file(tmp_path)
    assert written == tmp_path / ".env"
    values = dict(line.split("=", 1) for line in written.read_text().splitlines())
    assert len(values["SECRET_KEY"]) >= 50
    assert len(values["JWT_SECRET_KEY"]) >= 50
    assert values["SECRET_KEY"] != values["JWT_SECRET_KEY"]
    assert values["DATABASE_URL"] == ""
    assert values["KEEP_SECRET_KEY"] == "given"
    # The database password goes into DATABASE_URL unescaped: URL-safe characters only.
    assert re.fullmatch(r"[A-Za-z0-9_-]{40,}", values["POSTGRES_PASSWORD"])
    assert values["POSTGRES_PASSWORD"] not in (values["SECRET_KEY"], values["JWT_SECRET_KEY"])
    assert values["KEEP_PASSWORD"] == "given"
    assert "SECRET_KEY=\n" in (tmp_path / ".env.example").read_text()  # example untouched
    assert oct(written.stat().st_mode & 0o777) == "0o600"
    assert write_env_file(tmp_path) is None  # an existing .env is never overwritten


def test_copier_check_update_understands_the_project(workdir: Path) -> None:
    assert scaffold("new", "shop", "-a", "fastapi", "--yes").exit_code == 0
    copier = Path(sys.executable).with_name("copier")
    done = subprocess.run(
        [str(copier), "check-update", "--output-format", "json"],
        cwd=workdir / "shop",
        capture_output=True,
        text=True,
        env=os.environ,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["update_available"] is False
    # Copier reads the version through dunamai, which leaves out a snapshot's `+t<tree>`.
    assert report["current_version"] == Version(open_store().latest).public


# --- what it refuses ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["shop", "-d", "project_name= "], "project_name must not be empty"),
        (["shop", "-d", "project_slug=My_Shop"], "is not a valid distribution name"),
        (["class", "--no-git"], "'class' is a Python keyword"),
        (["shop", "-d", "package_name=import"], "'import' is a Python keyword"),
        (["django"], "would shadow the module 'django'"),
        (["fastapi"], "would shadow the module 'fastapi'"),
        (["test"], "would shadow the module 'test'"),
        (["shop", "-d", "package_name=9lives"], "is not a valid Python package name"),
        (["shop", "-d", "author_email=nobody"], "is not an email address"),
        (["shop", "-d", "python_version=3.11"], "'3.11' is not in"),
        (["shop", "-d", "colour=blue"], "unknown question in --data: colour"),
        (["shop", "-d", "admin_path=staff"], "admin_path does not apply to the fastapi template"),
        (["shop", "-d", "novalue"], "is not KEY=VALUE"),
        (["shop", "-d", "architecture=rails"], "architecture=rails is not one of"),
    ],
)
def test_bad_answers_are_refused_and_nothing_is_written(
    workdir: Path, args: list[str], message: str
) -> None:
    extra = [] if any(a.startswith("architecture=") for a in args) else ["-a", "fastapi"]
    result = scaffold("new", *args, *extra, "--yes")
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "hint:" in result.stderr
    assert tree_snapshot(workdir) == set()


def test_contradicting_architecture_is_refused(workdir: Path) -> None:
    result = scaffold("new", "shop", "-a", "django", "-d", "architecture=fastapi", "--yes")
    assert result.exit_code == 2
    assert "contradicts" in result.stderr
    assert tree_snapshot(workdir) == set()


def test_a_non_empty_destination_is_refused_and_listed(workdir: Path) -> None:
    target = workdir / "busy"
    target.mkdir()
    (target / "notes.txt").write_text("mine")
    (target / "src").mkdir()
    before = tree_snapshot(workdir)
    result = scaffold("new", "busy", "-a", "django", "--yes")
    assert result.exit_code == 2
    assert "busy is not empty (it holds notes.txt, src)" in result.stderr
    assert tree_snapshot(workdir) == before
    assert (target / "notes.txt").read_text() == "mine"


def test_a_file_as_destination_is_refused(workdir: Path) -> None:
    (workdir / "taken").write_text("x")
    result = scaffold("new", "taken", "-a", "django", "--yes")
    assert result.exit_code == 2
    assert "exists and is not a directory" in result.stderr


def test_without_a_terminal_a_missing_choice_names_the_flags(workdir: Path) -> None:
    result = scaffold("new", "shop")
    assert result.exit_code == 2
    assert "no terminal to ask on" in result.stderr
    assert "--architecture" in result.stderr
    assert "--yes" in result.stderr
    assert tree_snapshot(workdir) == set()


def test_without_a_terminal_a_missing_name_names_the_flags(workdir: Path) -> None:
    result = scaffold("new", "-a", "django", "--yes")
    assert result.exit_code == 2
    assert "--data project_name=" in result.stderr
    assert tree_snapshot(workdir) == set()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read answers file"),
        ("project_name: [unclosed", "is not valid YAML"),
        ("- a\n- b\n", "must hold a mapping"),
        ("project_name: x\nflavour: vanilla\n", "unknown question in answers file"),
    ],
)
def test_bad_answers_files_are_refused(
    workdir: Path, tmp_path: Path, content: str | None, message: str
) -> None:
    answers = tmp_path / "answers.yml"
    if content is not None:
        answers.write_text(content)
    result = scaffold("new", "shop", "-a", "django", "--yes", "--answers-file", str(answers))
    assert result.exit_code == 2
    assert message in result.stderr
    assert tree_snapshot(workdir) == set()


# --- failures and interruptions leave nothing ---------------------------------------------


def _render_then(exc: BaseException) -> Any:
    def broken_render(**kwargs: Any) -> None:
        project: Path = kwargs["project"]
        (project / "half-written.py").write_text("# the render stopped here\n")
        raise exc

    return broken_render


def test_ctrl_c_during_render_leaves_nothing_and_exits_130(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("scaffold.new.render", _render_then(KeyboardInterrupt()))
    result = scaffold("new", "deep/nested/shop", "-a", "django", "--yes")
    assert result.exit_code == 130
    assert "interrupted: nothing was created" in result.stderr
    assert tree_snapshot(workdir) == set()  # not even the parent folders it created


def test_ctrl_c_once_the_project_is_complete_keeps_it_and_says_so(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os
    import signal

    from scaffold.interrupts import Gate

    real_close = Gate.close

    def close_then_interrupt(self: Gate) -> None:
        real_close(self)
        os.kill(os.getpid(), signal.SIGINT)  # as the project is moved into place

    monkeypatch.setattr(Gate, "close", close_then_interrupt)
    result = scaffold("new", "shop", "-a", "django", "--yes")
    assert result.exit_code == 0, result.output
    assert f"Created {workdir / 'shop'} (django" in result.stderr
    assert "Interrupted after the project was complete: it is kept" in result.stderr
    assert (workdir / "shop" / "manage.py").is_file()
    assert git(workdir / "shop", "status", "--porcelain") == ""


def test_ctrl_c_into_an_existing_empty_folder_keeps_it_empty(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (workdir / "mine").mkdir()
    monkeypatch.setattr("scaffold.new.render", _render_then(KeyboardInterrupt()))
    result = scaffold("new", "mine", "-a", "django", "--yes")
    assert result.exit_code == 130
    assert tree_snapshot(workdir) == {"mine"}


def test_a_failing_git_commit_leaves_nothing(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing_commit(*args: object, **kwargs: object) -> None:
        raise GitError("git commit failed: no space left", hint="pass --no-git")

    monkeypatch.setattr("scaffold.new.init_and_commit", failing_commit)
    result = scaffold("new", "shop", "-a", "django", "--yes")
    assert result.exit_code == 1
    assert "git commit failed" in result.stderr
    assert tree_snapshot(workdir) == set()


def test_a_broken_template_is_a_clear_failure_that_leaves_nothing(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from jinja2 import TemplateNotFound

    def missing_partial(*args: object, **kwargs: object) -> None:
        raise TemplateNotFound("_shared/missing.md")

    monkeypatch.setattr("copier.run_copy", missing_partial)
    result = scaffold("new", "shop", "-a", "django", "--yes")
    assert result.exit_code == 1
    assert "does not render (TemplateNotFound: _shared/missing.md)" in result.stderr
    assert "Traceback" not in result.output
    assert tree_snapshot(workdir) == set()


# --- destinations and wording the review asked for ---------------------------------------


def test_dot_fills_the_current_empty_directory(workdir: Path) -> None:
    result = scaffold("new", ".", "-a", "fastapi", "--yes", "--no-git")
    assert result.exit_code == 0, result.output
    assert answers_of(workdir)["project_name"] == "work"
    assert not [p for p in workdir.parent.iterdir() if p.name.startswith(".scaffold-")]


def test_a_destination_inside_a_file_is_a_usage_error(workdir: Path) -> None:
    (workdir / "afile").write_text("x")
    result = scaffold("new", "afile/sub", "-a", "django", "--yes")
    assert result.exit_code == 2
    assert "is a file, so afile/sub cannot be created inside it" in result.stderr
    assert tree_snapshot(workdir) == {"afile"}


def test_a_name_too_long_for_the_filesystem_is_a_usage_error(workdir: Path) -> None:
    result = scaffold("new", "x" * 300, "-a", "django", "--yes")
    assert result.exit_code == 2
    assert "cannot use" in result.stderr
    assert tree_snapshot(workdir) == set()


def test_next_steps_quote_the_path(workdir: Path) -> None:
    result = scaffold("new", "my shop", "-a", "django", "--yes", "--no-git")
    assert result.exit_code == 0, result.output
    assert "cd 'my shop'" in result.stdout


def uv_commands_of(steps: list[str]) -> list[int]:
    return [index for index, step in enumerate(steps) if step.startswith(("uv ", "(cd api && uv"))]


def test_next_steps_install_uv_first_when_it_is_missing(
    workdir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The Quick start's first command installs scaffold only: its next steps must work as
    # printed on a machine without uv.
    tools = tmp_path / "tools"
    tools.mkdir()
    git_path = shutil.which("git")
    assert git_path is not None
    (tools / "git").symlink_to(git_path)
    monkeypatch.setenv("PATH", str(tools))
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    result = scaffold("new", "shop", "-a", "fastapi", "--yes", "--no-git", "--json")
    assert result.exit_code == 0, result.output
    steps = json.loads(result.stdout)["next_steps"]
    assert steps.index("pip install uv") < min(uv_commands_of(steps))


def test_next_steps_quiet_uvs_warning_about_another_active_environment(
    workdir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VIRTUAL_ENV", str(tmp_path / "quick-start-venv"))
    result = scaffold("new", "shop", "-a", "django", "--yes", "--no-git", "--json")
    assert result.exit_code == 0, result.output
    steps = json.loads(result.stdout)["next_steps"]
    unset = [i for i, step in enumerate(steps) if step.startswith("unset VIRTUAL_ENV")]
    assert unset
    assert unset[0] < min(uv_commands_of(steps))


def test_next_steps_are_only_the_projects_commands_when_uv_is_ready(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if shutil.which("uv") is None:
        pytest.skip("uv is not on PATH here")
    monkeypatch.setenv("VIRTUAL_ENV", str(workdir / "shop" / ".venv"))  # the project's own
    result = scaffold("new", "shop", "-a", "hybrid", "--yes", "--no-git", "--json")
    assert result.exit_code == 0, result.output
    steps = json.loads(result.stdout)["next_steps"]
    assert steps[0] == "cd shop"
    assert uv_commands_of(steps) == list(range(1, len(steps)))


def test_skipping_git_inside_a_repository_is_said(workdir: Path) -> None:
    git(workdir, "init", "--quiet")
    result = scaffold("new", "shop", "-a", "fastapi", "--yes")
    assert result.exit_code == 0
    assert "inside a git repository: not creating another one" in result.stderr


def test_a_null_answer_in_the_answers_file_is_a_usage_error(workdir: Path, tmp_path: Path) -> None:
    answers = tmp_path / "answers.yml"
    answers.write_text("project_name: null\n")
    result = scaffold("new", "-a", "fastapi", "--yes", "--answers-file", str(answers))
    assert result.exit_code == 2, result.output
    assert "project_name" in result.stderr
    assert tree_snapshot(workdir) == set()


def test_ctrl_c_at_a_copier_question_is_an_interrupt(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from copier.errors import CopierAnswersInterrupt

    def interrupted(*args: object, **kwargs: object) -> None:
        raise CopierAnswersInterrupt.__new__(CopierAnswersInterrupt)

    monkeypatch.setattr("copier.run_copy", interrupted)
    result = scaffold("new", "shop", "-a", "django", "--yes")
    assert result.exit_code == 130
    assert tree_snapshot(workdir) == set()


def test_without_git_the_store_says_to_install_it(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil as shutil_module

    real_which = shutil_module.which
    monkeypatch.setattr(
        "scaffold.template_store.shutil.which",
        lambda name, *a, **k: None if name == "git" else real_which(name, *a, **k),
    )
    result = scaffold("new", "shop", "-a", "django", "--yes")
    assert result.exit_code == 1
    assert "git is not installed" in result.stderr
    assert tree_snapshot(workdir) == set()


def test_termination_signals_clean_up_like_ctrl_c() -> None:
    import signal

    from scaffold import entry

    previous = signal.getsignal(signal.SIGTERM)
    try:
        with pytest.raises(SystemExit):
            _run_main(["recommend", "--json"])
        assert signal.getsignal(signal.SIGTERM) is entry._interrupt
        with pytest.raises(KeyboardInterrupt):
            entry._interrupt(signal.SIGTERM, None)
    finally:
        signal.signal(signal.SIGTERM, previous)


def _run_main(argv: list[str]) -> None:
    import sys as sys_module

    from scaffold import entry

    saved = sys_module.argv
    sys_module.argv = ["scaffold", *argv]
    try:
        entry.main()
    finally:
        sys_module.argv = saved


# --- names, paths and reused answers files ------------------------------------------------


def test_accents_in_the_name_are_transliterated_for_the_slug(workdir: Path) -> None:
    result = scaffold("new", "café", "-a", "fastapi", "--yes")
    assert result.exit_code == 0, result.output
    recorded = yaml.safe_load((workdir / "café" / ".copier-answers.yml").read_text())
    assert (recorded["project_name"], recorded["project_slug"]) == ("café", "cafe")
    assert recorded["package_name"] == "cafe"


def test_a_name_with_no_letters_is_refused_clearly(workdir: Path) -> None:
    result = scaffold("new", "日本", "-a", "fastapi", "--yes")
    assert result.exit_code == 2
    assert "gives no project slug" in result.stderr
    assert "--data project_slug=" in result.stderr
    assert tree_snapshot(workdir) == set()


def test_created_names_the_resolved_path(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (workdir / "here").mkdir()
    monkeypatch.chdir(workdir / "here")
    result = scaffold("new", "../shop", "-a", "django", "--yes", "--no-git")
    assert result.exit_code == 0, result.output
    assert f"Created {workdir / 'shop'} (" in result.stderr
    assert "  cd ../shop" in result.stdout


@pytest.mark.parametrize("how", ["answers-file", "data"])
def test_copiers_own_records_are_ignored_the_same_way_from_both_sources(
    workdir: Path, tmp_path: Path, how: str
) -> None:
    if how == "answers-file":
        answers = tmp_path / "answers.yml"
        answers.write_text("_commit: v0.2.1\n_src_path: /elsewhere\nproject_name: Shop\n")
        extra = ["--answers-file", str(answers)]
    else:
        extra = ["--data", "_commit=v0.2.1", "--data", "_src_path=/elsewhere"]
    result = scaffold("new", "shop", "-a", "django", "--yes", *extra)
    assert result.exit_code == 0, result.output
    assert "ignoring _commit from" in result.stderr
    assert "pass --template-version to choose one" in result.stderr
    assert "ignoring _src_path from" in result.stderr
    recorded = yaml.safe_load((workdir / "shop" / ".copier-answers.yml").read_text())
    assert recorded["_commit"] == f"v{open_store().latest}"
