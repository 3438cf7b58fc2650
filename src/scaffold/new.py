"""`scaffold new`: choose an architecture, render it, and hand over a ready repository."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from scaffold.advisor import Answers, Recommendation, recommend
from scaffold.architectures import menu_title, next_steps, rendered_in_full, uv_setup_steps
from scaffold.choices import Architecture
from scaffold.env_file import write_env_file
from scaffold.errors import InteractiveSessionRequired, UsageError
from scaffold.git_tools import config_value, init_and_commit, inside_work_tree
from scaffold.prompts import Prompter
from scaffold.render import check_destination, nearest_existing, render, staged
from scaffold.template_answers import check_known_keys, load_answers_file, slugify
from scaffold.template_questions import ask_template_questions
from scaffold.template_store import open_store

Status = Callable[[str], None]


@dataclass(frozen=True)
class NewRequest:
    dest: Path | None = None
    architecture: Architecture | None = None
    advisor_answers: Answers = field(default_factory=Answers)
    data: Mapping[str, str] = field(default_factory=dict)
    answers_file: Path | None = None
    yes: bool = False
    git: bool = True
    template_version: str | None = None  # default: the newest this scaffold ships


@dataclass(frozen=True)
class NewResult:
    path: Path
    architecture: Architecture
    template_version: str
    next_steps: list[str]
    recommendation: Recommendation | None
    git_initialized: bool

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "architecture": self.architecture.value,
            "template_version": self.template_version,
            "next_steps": self.next_steps,
            "git_initialized": self.git_initialized,
            "recommendation": self.recommendation.to_json_dict() if self.recommendation else None,
        }


# Keys Copier writes into an answers file for itself; a reused answers file holds them.
COPIER_RECORDS = {
    "_commit": "it records the template version a project came from; pass "
    "--template-version to choose one",
    "_src_path": "scaffold always renders its own templates",
}

ADVISOR_FLAGS = "--serves, --admin/--no-admin, --workload, --team-size, --team-knows"


def choose_architecture(
    request: NewRequest, prompter: Prompter | None, show: Callable[[Recommendation], None]
) -> tuple[Architecture, Recommendation | None]:
    """The architecture to render: given, accepted from the advisor, or picked by the user."""
    if request.architecture is not None:
        return request.architecture, None
    if prompter is None:
        if not request.yes:
            raise InteractiveSessionRequired(
                "no architecture given and no terminal to ask on",
                hint="pass --architecture django|fastapi|hybrid, or --yes to accept the "
                f"recommendation for the answers given with {ADVISOR_FLAGS}",
            )
        advice = recommend(request.advisor_answers)
        show(advice)
        return advice.architecture, advice
    from scaffold.prompts import ask_advisor_questions

    answers = request.advisor_answers
    if not request.yes:
        answers = ask_advisor_questions(answers, prompter)
    advice = recommend(answers)
    show(advice)
    if request.yes:
        return advice.architecture, advice
    choices = [(advice.architecture.value, f"{menu_title(advice.architecture)} (recommended)")]
    choices += [(a.value, menu_title(a)) for a in Architecture if a != advice.architecture]
    picked = prompter.select("Which architecture?", choices, default=advice.architecture.value)
    return Architecture(picked), advice


def _merged_data(
    request: NewRequest, questions: Mapping[str, Any], status: Status
) -> dict[str, Any]:
    """The answers from the answers file, then --data; Copier's own records are left out."""
    data: dict[str, Any] = {}
    sources: list[tuple[str, Mapping[str, Any]]] = []
    if request.answers_file is not None:
        sources.append(
            (f"answers file {request.answers_file}", load_answers_file(request.answers_file))
        )
    sources.append(("--data", request.data))
    for origin, given in sources:
        answers = dict(given)
        for key in sorted(set(answers) & set(COPIER_RECORDS)):
            del answers[key]
            status(f"ignoring {key} from {origin}: {COPIER_RECORDS[key]}")
        check_known_keys(answers, questions, origin=origin)
        data.update(answers)
    return data


def create_project(
    request: NewRequest,
    *,
    prompter: Prompter | None,
    status: Status,
    show_recommendation: Callable[[Recommendation], None],
    before_move: Callable[[], None] = lambda: None,
) -> NewResult:
    """Everything `scaffold new` does; `prompter` is None when nobody can be asked.

    `before_move` runs once the project is complete, just before it is moved into place.
    """
    if request.dest is not None:
        check_destination(request.dest)  # fail before asking anything
    store = open_store()
    tag = store.tag_for(request.template_version or store.latest)
    version = tag.removeprefix("v")
    questions = store.questions(tag)
    data = _merged_data(request, questions, status)

    architecture, advice = _pick_architecture(request, data, prompter, show_recommendation)
    data["architecture"] = architecture.value
    if "project_name" not in data:
        data["project_name"] = _project_name(request, prompter)
    if not str(data["project_name"]).strip():
        raise UsageError(
            "project_name must not be empty", hint="pass one, e.g. --data project_name='My Shop'"
        )
    slug = str(data.get("project_slug") or slugify(str(data["project_name"])))
    if not slug:
        raise UsageError(
            f"project name {data['project_name']!r} gives no project slug (a distribution "
            "name needs letters or digits)",
            hint="pass one, e.g. --data project_slug=my-shop",
        )
    dest = request.dest if request.dest is not None else Path(slug)
    check_destination(dest)

    user_defaults = {
        key: value
        for key, value in (
            ("project_slug", slug),  # transliterated: café -> cafe, where Copier's gives caf
            ("author_name", config_value(Path.cwd(), "user.name")),
            ("author_email", config_value(Path.cwd(), "user.email")),
        )
        if value
    }
    if prompter is not None and not request.yes:
        data = ask_template_questions(questions, data, user_defaults, prompter)
    use_git = request.git and not inside_work_tree(nearest_existing(dest.absolute()))
    if request.git and not use_git:
        status(f"{dest} is inside a git repository: not creating another one")
    entry = store.entry(version)
    if entry is not None and not entry.source_commit:
        status(
            f"warning: template {version} holds this checkout's uncommitted template changes; "
            "scaffold can update a project made from it once exactly these templates are "
            "committed on main"
        )
    status(f"Using the {architecture.value} template {version} for {dest}")
    with staged(dest, before_move=before_move) as project:
        render(
            src_path=store.src_path,
            vcs_ref=tag,
            project=project,
            data=data,
            ask=False,  # every question was asked above, or takes its default
            user_defaults=user_defaults,
        )
        answers = _rendered_answers(project)
        # Copier silently drops answers to questions the chosen architecture does not ask.
        ignored = sorted(set(data) - set(answers))
        if ignored:
            raise UsageError(
                f"{', '.join(ignored)} does not apply to the {architecture.value} template",
                hint=f"drop --data {ignored[0]}=… or choose an architecture that asks it",
            )
        package_name = str(answers.get("package_name", ""))
        in_full = rendered_in_full(architecture, project, package_name)
        write_env_file(project)
        if use_git:
            init_and_commit(
                project,
                f"Generate {answers.get('project_name', dest.name)} with scaffold {version}",
                fallback_name=str(answers.get("author_name", "scaffold")),
                fallback_email=str(answers.get("author_email", "scaffold@localhost")),
            )
    return NewResult(
        path=dest.resolve(),
        architecture=architecture,
        template_version=version,
        next_steps=next_steps(
            architecture,
            str(dest),
            package_name,
            in_full=in_full,
            setup=uv_setup_steps(dest.resolve()),
        ),
        recommendation=advice,
        git_initialized=use_git,
    )


def _pick_architecture(
    request: NewRequest,
    data: Mapping[str, Any],
    prompter: Prompter | None,
    show: Callable[[Recommendation], None],
) -> tuple[Architecture, Recommendation | None]:
    """`--architecture`, or `architecture=` among the answers, or the advisor's choice."""
    given = data.get("architecture")
    if given is not None and request.architecture is not None and given != request.architecture:
        raise UsageError(
            f"--architecture {request.architecture.value} contradicts architecture={given}",
            hint="give the architecture once",
        )
    if given is not None and request.architecture is None:
        try:
            request = replace(request, architecture=Architecture(str(given)))
        except ValueError as exc:
            raise UsageError(
                f"architecture={given} is not one of django, fastapi, hybrid",
                hint="pass --architecture django|fastapi|hybrid",
            ) from exc
    return choose_architecture(request, prompter, show)


def _project_name(request: NewRequest, prompter: Prompter | None) -> str:
    """Named after DEST, else asked; without a terminal the flags to pass are named."""
    if request.dest is not None:
        return request.dest.absolute().name
    if prompter is not None:
        return prompter.text(
            "Project name?", "", lambda v: None if v.strip() else "a name is needed"
        )
    raise InteractiveSessionRequired(
        "no destination and no project name given",
        hint="pass DEST (e.g. `scaffold new my-shop`) or --data project_name='My Shop'",
    )


def _rendered_answers(project: Path) -> dict[str, Any]:
    import yaml

    loaded = yaml.safe_load((project / ".copier-answers.yml").read_text(encoding="utf-8"))
    return loaded if isinstance(loaded, dict) else {}
