"""`run_smoke`: render every architecture (and option combination) and check each project."""

from __future__ import annotations

import re
import shutil
import tempfile
import time
import traceback
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scaffold.architectures import CATALOG
from scaffold.choices import Architecture
from scaffold.errors import UsageError
from scaffold.smoke.checks import CHECKS, plan_for
from scaffold.smoke.context import Context
from scaffold.smoke.postgres import Server, probe
from scaffold.smoke.report import (
    CheckResult,
    Outcome,
    SmokeReport,
    Status,
    VariantInfo,
    tail,
)
from scaffold.smoke.tools import clean_env, find_python

Progress = Callable[[str], None]

BASE_ANSWERS: dict[str, Any] = {
    "project_name": "Smoke Shop",
    "description": "Rendered by scaffold smoke",
    "author_name": "Smoke Test",
    "author_email": "smoke@example.com",
}


def _silent(_message: str) -> None:
    return None


@dataclass(frozen=True)
class TemplateSource:
    src_path: str
    vcs_ref: str | None
    questions: dict[str, dict[str, Any]]
    description: str


@dataclass(frozen=True)
class Variant:
    architecture: Architecture
    data: dict[str, Any]
    updated_from: str | None = None  # generated at this release, then updated to the newest

    @property
    def name(self) -> str:
        extras = [
            f"{key}={value}"
            for key, value in self.data.items()
            if key not in ("architecture", "python_version", *BASE_ANSWERS)
        ]
        python = self.data.get("python_version")
        parts = [f"py{python}"] if python else []
        if self.updated_from:
            parts.append(f"updated from {self.updated_from}")
        return " ".join([self.architecture.value, *parts, *extras])

    @property
    def first_step(self) -> str:
        return "update" if self.updated_from else "render"

    @property
    def slug(self) -> str:
        return re.sub(r"[^a-z0-9]+", "-", self.name.lower()).strip("-")


def _choice_values(spec: Mapping[str, Any]) -> list[Any]:
    choices = spec.get("choices")
    if isinstance(choices, dict):
        return list(choices.values())
    if isinstance(choices, list):
        return [c[1] if isinstance(c, list | tuple) and len(c) == 2 else c for c in choices]
    if spec.get("type") == "bool":
        return [True, False]
    return []


def _asks_for(spec: Mapping[str, Any], architecture: Architecture) -> bool:
    """Whether the question is asked for `architecture`: always without a `when`."""
    when = spec.get("when")
    if when is None:
        return True
    return isinstance(when, str) and re.search(rf"\b{architecture.value}\b", when) is not None


def load_questions(copier_yml: Path) -> dict[str, dict[str, Any]]:
    import yaml

    config = yaml.safe_load(copier_yml.read_text(encoding="utf-8")) or {}
    return {
        str(name): spec if isinstance(spec, dict) else {"default": spec}
        for name, spec in config.items()
        if not str(name).startswith("_")
    }


def variants(
    architectures: Iterable[Architecture],
    questions: Mapping[str, Mapping[str, Any]],
    complete: Callable[[Architecture], bool] = lambda _architecture: True,
) -> list[Variant]:
    """Each architecture once per option combination needed to try every choice it offers.

    Questions asked for an architecture (a `when` naming it, or no `when`) contribute their
    choices (a bool's are true and false):
    variant i takes choice i of each (wrapping), so every choice is rendered at least once
    without the full cross product. python_version rotates over the complete templates'
    variants (a skeleton installs nothing, so a Python version tried only there would not
    really be tried), and the run grows by a variant when a version would be left out.
    """
    pythons = [str(v) for v in _choice_values(questions.get("python_version", {}))]
    found: list[Variant] = []
    for architecture in architectures:
        specific = {
            name: values
            for name, spec in questions.items()
            if name not in ("architecture", "python_version")
            and _asks_for(spec, architecture)
            and (values := _choice_values(spec))
        }
        count = max((len(values) for values in specific.values()), default=1)
        for index in range(count):
            data = {"architecture": architecture.value, **BASE_ANSWERS}
            data.update({name: values[index % len(values)] for name, values in specific.items()})
            found.append(Variant(architecture, data))
    if not pythons or not found:
        return found
    full = [v for v in found if complete(v.architecture)]
    for group in (full, [v for v in found if v not in full]):
        for index, variant in enumerate(group):
            variant.data["python_version"] = pythons[index % len(pythons)]
    first = (full or found)[0]
    extra = [
        Variant(first.architecture, {**first.data, "python_version": python})
        for python in pythons[len(full or found) :]
    ]
    position = found.index(first) + 1
    return found[:position] + extra + found[position:]


def template_source(template_dir: Path | None) -> TemplateSource:
    """The working tree's templates when run from a checkout, else the installed bundle."""
    if template_dir is None:
        from scaffold.template_store import source_checkout

        checkout = source_checkout()
        if checkout is not None:
            template_dir = checkout / "templates"
    if template_dir is not None:
        copier_yml = template_dir / "copier.yml"
        if not copier_yml.is_file():
            raise UsageError(f"{template_dir} has no copier.yml")
        return TemplateSource(
            str(template_dir),
            None,
            load_questions(copier_yml),
            f"working tree {template_dir}",
        )
    from scaffold.template_store import open_store

    store = open_store()
    tag = store.tag_for(store.latest)
    return TemplateSource(
        store.src_path, tag, store.questions(tag), f"installed templates {store.latest}"
    )


UPDATED_CHECKS = frozenset(
    {
        "leftover-jinja",
        "pyproject",
        "uv-sync",
        "ruff-check",
        "ruff-format",
        "mypy",
        "pytest-sqlite",
        "django-migrations",
        "alembic-check",
        "api-uv-sync",
        "api-ruff-check",
        "api-ruff-format",
        "api-mypy",
        "api-pytest-sqlite",
    }
)
"""What a project updated from the previous release must pass: its own code checks."""


def update_variants(architectures: Iterable[Architecture]) -> list[Variant]:
    """One project per architecture generated at the previous release, to be updated."""
    from scaffold.template_store import open_store

    store = open_store()
    previous = [v for v in store.releases if v != store.latest]
    if not previous:
        return []
    questions = store.questions(store.tag_for(previous[-1]))
    python = questions.get("python_version", {}).get("default")
    data = {**BASE_ANSWERS, **({"python_version": str(python)} if python else {})}
    return [
        Variant(a, {"architecture": a.value, **data}, updated_from=previous[-1])
        for a in architectures
    ]


def update_variant(variant: Variant, project: Path) -> Outcome:
    """Generate the project at the previous release as a user would, then update it."""
    from scaffold.errors import ScaffoldError
    from scaffold.new import NewRequest, create_project
    from scaffold.update import UpdateRequest, apply_update, plan_update, refuse_lost_edits

    data = {k: str(v) for k, v in variant.data.items() if k != "architecture"}
    try:
        create_project(
            NewRequest(
                dest=project,
                architecture=variant.architecture,
                data=data,
                yes=True,
                template_version=variant.updated_from,
            ),
            prompter=None,
            status=_silent,
            show_recommendation=lambda _advice: None,
        )
        result = plan_update(UpdateRequest(path=project))
        refuse_lost_edits(result)
        apply_update(result)
    except ScaffoldError as exc:
        return Outcome.fail(exc.message, exc.hint or "")
    if result.conflicts:
        return Outcome.fail(f"conflicts in {', '.join(result.conflicts)}")
    return Outcome.ok()


def _architectures(given: Iterable[Architecture | str] | None) -> list[Architecture]:
    chosen: list[Architecture] = []
    for item in given or list(Architecture):
        try:
            architecture = Architecture(item)
        except ValueError as exc:
            known = ", ".join(a.value for a in Architecture)
            raise UsageError(f"unknown architecture {item!r}", hint=f"use one of {known}") from exc
        if architecture not in chosen:
            chosen.append(architecture)
    return chosen or list(Architecture)


def render_variant(source: TemplateSource, variant: Variant, project: Path) -> Outcome:
    from copier import run_copy

    from scaffold.env_file import write_env_file

    try:
        run_copy(
            source.src_path,
            project,
            data=dict(variant.data),
            defaults=True,
            vcs_ref=source.vcs_ref,
            quiet=True,
            unsafe=False,
            overwrite=True,
        )
    except Exception as exc:  # copier raises many kinds; each one is this check failing
        return Outcome.fail(f"copier failed: {exc}", traceback.format_exc())
    write_env_file(project)  # what `scaffold new` leaves beside the project
    return Outcome.ok()


def run_smoke(
    architectures: Iterable[Architecture | str] | None = None,
    *,
    postgres_url: str | None = None,
    keep: bool = False,
    report: Progress = _silent,
    template_dir: Path | None = None,
    workdir: Path | None = None,
    complete: Mapping[Architecture, bool] | None = None,
) -> SmokeReport:
    """Render and check each architecture; never raises for a failing check.

    architectures: names or `Architecture`s; None or empty means all of them.
    postgres_url: the server for the PostgreSQL checks; None tries the local default and
        skips those checks (with the reason) when it does not answer. A given URL that does
        not answer fails them.
    keep: keep the rendered projects (their paths are in the report) instead of deleting.
    report: called with one progress line per step.
    template_dir: a template root to render instead of the working tree or the bundle.
    workdir: where to make the temporary folder (default: the system's temp dir).
    complete: per architecture, whether to run the full plan; default from CATALOG.
    """
    started = time.monotonic()
    chosen = _architectures(architectures)
    source = template_source(template_dir)
    server = probe(postgres_url)
    report(f"templates: {source.description}")
    report(server.reason if server.url else f"no PostgreSQL: {server.reason}")
    smoke = SmokeReport(template_source=source.description, postgres=server.reason)
    root = Path(tempfile.mkdtemp(prefix="scaffold-smoke-", dir=workdir))
    try:

        def is_complete(architecture: Architecture) -> bool:
            return (complete or {}).get(architecture, CATALOG[architecture].complete)

        planned = variants(chosen, source.questions, is_complete)
        if template_dir is None:  # the store's history holds the templates being proved
            planned += update_variants(chosen)
        for variant in planned:
            project = _run_variant(
                source, variant, root, server, is_complete(variant.architecture), smoke, report
            )
            smoke.variants.append(
                VariantInfo(variant.name, variant.architecture.value, variant.data, project)
            )
    finally:
        if not keep:
            shutil.rmtree(root, ignore_errors=True)
            smoke.variants = [
                VariantInfo(v.name, v.architecture, v.data, None) for v in smoke.variants
            ]
    smoke.seconds = time.monotonic() - started
    return smoke


def _run_variant(
    source: TemplateSource,
    variant: Variant,
    root: Path,
    server: Server,
    is_complete: bool,
    smoke: SmokeReport,
    report: Progress,
) -> Path:
    folder = root / variant.slug
    scratch = folder / "scratch"
    scratch.mkdir(parents=True)
    project = folder / str(variant.data.get("project_name", "project")).lower().replace(" ", "-")

    def record(check: str, outcome: Outcome, seconds: float) -> None:
        smoke.results.append(
            CheckResult(
                variant=variant.name,
                architecture=variant.architecture.value,
                check=check,
                status=outcome.status,
                seconds=seconds,
                reason=outcome.reason,
                output_tail=tail(outcome.output) if outcome.status is Status.failed else "",
            )
        )
        shown = f" ({outcome.reason})" if outcome.reason and outcome.status != "pass" else ""
        report(f"{variant.name}: {check} {outcome.status.value} {seconds:.1f}s{shown}")

    report(f"{variant.name}: {variant.first_step} into {project}")
    began = time.monotonic()
    if variant.updated_from:
        rendered = update_variant(variant, project)
    else:
        rendered = render_variant(source, variant, project)
    record(variant.first_step, rendered, time.monotonic() - began)
    answers = _answers(project, variant)
    environ = clean_env()
    python = find_python(str(variant.data.get("python_version", "")))
    if python is not None:
        environ["UV_PYTHON"] = str(python)
    ctx = Context(
        project=project,
        architecture=variant.architecture,
        answers=answers,
        questions=tuple(source.questions),
        env=environ,
        postgres=server,
        scratch=scratch,
        status=report,
    )
    passed: dict[str, Status] = {variant.first_step: rendered.status}
    for name, skip_reason in plan_for(variant.architecture, is_complete):
        if variant.updated_from and name not in UPDATED_CHECKS:
            continue
        check = CHECKS[name]
        began = time.monotonic()
        needs = (variant.first_step, *check.needs)
        blocker = next((need for need in needs if passed.get(need) is not Status.passed), None)
        if skip_reason is not None:
            outcome = Outcome.skip(skip_reason)
        elif blocker is not None:
            state = passed.get(blocker)
            why = f"did not pass ({state.value})" if state else "did not run"
            outcome = Outcome.skip(f"needs {blocker}, which {why}")
        else:
            report(f"{variant.name}: {name}")
            try:
                outcome = check.run(ctx)
            except Exception as exc:  # a bug or an odd project must not end the whole run
                outcome = Outcome.fail(f"the check crashed: {exc!r}", traceback.format_exc())
        passed[name] = outcome.status
        record(name, outcome, time.monotonic() - began)
    return project


def _answers(project: Path, variant: Variant) -> dict[str, str]:
    """The answers the project was rendered with (defaults included), from its answers file."""
    import yaml

    answers = {k: str(v) for k, v in variant.data.items()}
    path = project / ".copier-answers.yml"
    try:
        recorded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return answers
    if isinstance(recorded, dict):
        answers.update({str(k): str(v) for k, v in recorded.items() if not str(k).startswith("_")})
    return answers
