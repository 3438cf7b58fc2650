"""The command line: parse flags, call one plain function per command, map errors to exit codes.

Heavy modules (copier, rich, questionary) are imported inside the commands so that
`scaffold --help` stays fast.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from scaffold.choices import MAX_TEAM_SIZE, Architecture, Serves, TeamKnows, Workload
from scaffold.errors import EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_OK, ScaffoldError

app = typer.Typer(
    name="scaffold",
    context_settings={"max_content_width": 100},
    help="Choose Django, FastAPI or a hybrid for a Python web backend, and generate it.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: rendering it with rich costs a quarter of a second
)


def _show_version(value: bool) -> None:
    if value:
        from importlib.metadata import version as installed

        typer.echo(f"scaffold {installed('scaffold')}")
        raise typer.Exit(EXIT_OK)


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_show_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Choose Django, FastAPI or a hybrid for a Python web backend, and generate it."""


ServesOpt = Annotated[
    Serves | None,
    typer.Option(
        "--serves",
        help="Who consumes it: people in a browser (pages), programs (api), or both.",
        case_sensitive=False,
    ),
]
AdminOpt = Annotated[
    bool | None,
    typer.Option("--admin/--no-admin", help="Staff need an admin panel within the first month."),
]
WorkloadOpt = Annotated[
    Workload | None,
    typer.Option(
        "--workload",
        help="crud: ordinary database-backed requests; io-bound: fan-out, websockets, "
        "streaming; ml: serving models.",
        case_sensitive=False,
    ),
]
TeamSizeOpt = Annotated[
    int | None,
    typer.Option(
        "--team-size",
        min=1,
        max=MAX_TEAM_SIZE,
        metavar="N",
        help="How many people work on the project.",
    ),
]
TeamKnowsOpt = Annotated[
    TeamKnows | None,
    typer.Option("--team-knows", help="What the team already knows.", case_sensitive=False),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout.")]


def run_command(
    action: Callable[[], int],
    *,
    json_output: bool = False,
    interrupted: str = "interrupted",
) -> None:
    """The one boundary between scaffold's errors and the process exit code.

    Errors are shown on stderr; with --json they are also one JSON object on stdout, so a
    program reading stdout always gets JSON.
    """
    from scaffold import report

    try:
        code = action()
    except ScaffoldError as exc:
        report.error(exc.message, exc.hint)
        if json_output:
            _json_error(exc.message, exc.hint, exc.exit_code)
        raise typer.Exit(exc.exit_code) from None
    except KeyboardInterrupt:
        report.stderr().print(f"\n{interrupted}")
        if json_output:
            _json_error(interrupted, None, EXIT_INTERRUPTED)
        raise typer.Exit(EXIT_INTERRUPTED) from None
    raise typer.Exit(code)


def _json_error(message: str, hint: str | None, exit_code: int) -> None:
    error = {"message": message, "hint": hint, "exit_code": exit_code}
    typer.echo(json.dumps({"error": error}, indent=2))


@app.command(short_help="Recommend Django, FastAPI or the hybrid, with the reasons.")
def recommend(
    serves: ServesOpt = None,
    admin: AdminOpt = None,
    workload: WorkloadOpt = None,
    team_size: TeamSizeOpt = None,
    team_knows: TeamKnowsOpt = None,
    json_output: JsonOpt = False,
) -> None:
    """Recommend Django, FastAPI or the hybrid, with the reasons.

    Unanswered criteria are neutral. On a terminal the missing answers are asked.
    """

    def action() -> int:
        from scaffold import report
        from scaffold.advisor import Answers
        from scaffold.advisor import recommend as advise
        from scaffold.prompts import QuestionaryPrompter, ask_advisor_questions, can_prompt

        answers = Answers(
            serves=serves,
            admin=admin,
            workload=workload,
            team_size=team_size,
            team_knows=team_knows,
        )
        if can_prompt():
            answers = ask_advisor_questions(answers, QuestionaryPrompter())
        else:
            missing = [
                "--admin/--no-admin" if name == "admin" else f"--{name.replace('_', '-')}"
                for name in ("serves", "admin", "workload", "team_size", "team_knows")
                if name not in answers.facts()
            ]
            if missing:
                report.status(
                    f"not asked (no terminal), so counted as neutral: {', '.join(missing)}"
                )
        advice = advise(answers)
        if json_output:
            typer.echo(json.dumps(advice.to_json_dict(), indent=2))
        else:
            for line in report.recommendation_lines(advice):
                report.stdout().print(line)
            report.stdout().print("Next: " + report.escape(advice.next_steps[0]))
        return EXIT_OK

    run_command(action, json_output=json_output)


@app.command(short_help="Generate a project: recommendation, questions, render, git.")
def new(
    dest: Annotated[
        Path | None,
        typer.Argument(
            metavar="DEST",
            help="Directory to create (new or empty). Without it, the project name is asked "
            "(or given with --data project_name=...) and the directory is ./<its slug>.",
            show_default=False,
        ),
    ] = None,
    architecture: Annotated[
        Architecture | None,
        typer.Option(
            "--architecture", "-a", help="Skip the advisor and generate this.", case_sensitive=False
        ),
    ] = None,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Accept the recommendation and every default.")
    ] = False,
    data: Annotated[
        list[str] | None,
        typer.Option(
            "--data",
            "-d",
            metavar="KEY=VALUE",
            help="Answer a template question (repeatable).",
            show_default=False,
        ),
    ] = None,
    answers_file: Annotated[
        Path | None,
        typer.Option("--answers-file", metavar="PATH", help="YAML file of template answers."),
    ] = None,
    no_git: Annotated[
        bool, typer.Option("--no-git", help="Do not create a git repository and first commit.")
    ] = False,
    template_version: Annotated[
        str | None,
        typer.Option(
            "--template-version",
            metavar="VERSION",
            help="Render an older template version (default: newest).",
        ),
    ] = None,
    serves: ServesOpt = None,
    admin: AdminOpt = None,
    workload: WorkloadOpt = None,
    team_size: TeamSizeOpt = None,
    team_knows: TeamKnowsOpt = None,
    json_output: JsonOpt = False,
) -> None:
    """Generate a project: advisor questions, recommendation, then the template's questions."""

    def action() -> int:
        from scaffold import report
        from scaffold.advisor import Answers
        from scaffold.interrupts import interrupt_gate
        from scaffold.new import NewRequest, create_project
        from scaffold.prompts import QuestionaryPrompter, can_prompt
        from scaffold.template_answers import parse_data_flags

        request = NewRequest(
            dest=dest,
            architecture=architecture,
            advisor_answers=Answers(
                serves=serves,
                admin=admin,
                workload=workload,
                team_size=team_size,
                team_knows=team_knows,
            ),
            data=parse_data_flags(data or []),
            answers_file=answers_file,
            yes=yes,
            git=not no_git,
            template_version=template_version,
        )
        with interrupt_gate() as gate:
            result = create_project(
                request,
                prompter=QuestionaryPrompter() if can_prompt() else None,
                status=report.status,
                show_recommendation=report.show_recommendation,
                before_move=gate.close,
            )
            if json_output:
                typer.echo(json.dumps(result.to_json_dict(), indent=2))
            else:
                report.stderr().print(
                    f"[green]Created[/green] {report.escape(str(result.path))} "
                    f"({result.architecture.value}, template {result.template_version})"
                )
                report.stdout().print("Next steps:")
                for step in result.next_steps:
                    report.stdout().print(f"  {report.escape(step)}")
        if gate.held:
            report.stderr().print(
                "Interrupted after the project was complete: it is kept, as shown above."
            )
        return EXIT_OK

    run_command(
        action,
        json_output=json_output,
        interrupted="interrupted: nothing was created",
    )


PathArg = Annotated[
    Path,
    typer.Argument(
        metavar="PATH", help="The generated project (default: here).", show_default=False
    ),
]


@app.command(short_help="Bring a project to a newer template version (3-way merge).")
def update(
    path: PathArg = Path(),
    to: Annotated[
        str | None,
        typer.Option(
            "--to", metavar="VERSION", help="Template version to go to, in full (default: newest)."
        ),
    ] = None,
    architecture: Annotated[
        Architecture | None,
        typer.Option(
            "--architecture", "-a", help="Grow into another architecture (django -> hybrid)."
        ),
    ] = None,
    data: Annotated[
        list[str] | None,
        typer.Option(
            "--data",
            "-d",
            metavar="KEY=VALUE",
            help="Change or add a template answer (repeatable).",
            show_default=False,
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the changes as a diff; write nothing.")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Delete files the template dropped even if edited.")
    ] = False,
    json_output: JsonOpt = False,
) -> None:
    """Bring a generated project to a newer template version with a 3-way merge.

    Your edits are kept, the template's changes applied, conflicts marked and staged;
    the result is left uncommitted for review. Exit 1 when conflicts need a person.
    """

    def action() -> int:
        from scaffold import report
        from scaffold.template_answers import parse_data_flags
        from scaffold.update import UpdateRequest, apply_update, plan_update, refuse_lost_edits

        request = UpdateRequest(
            path=path,
            to=to,
            architecture=architecture,
            data=parse_data_flags(data or []),
            dry_run=dry_run,
            force=force,
        )
        result = plan_update(request, report.status)
        refuse_lost_edits(result)
        held_interrupt = False if dry_run else apply_update(result)
        if json_output:
            typer.echo(json.dumps(result.to_json_dict(), indent=2))
        elif dry_run:
            typer.echo(result.diff, nl=False)  # the diff is the data; the summary is status
            report.update_summary(result, report.stderr())
        else:
            report.update_summary(result, report.stdout())
        if held_interrupt:
            report.stderr().print(
                "Interrupted while writing: the update was finished first, so no file is "
                "left half-updated."
            )
        return EXIT_FAILURE if result.conflicts else EXIT_OK

    run_command(
        action,
        json_output=json_output,
        interrupted="interrupted before anything was written: the project is unchanged",
    )


@app.command(short_help="Is the project on the newest template version? (for CI)")
def check(path: PathArg = Path(), json_output: JsonOpt = False) -> None:
    """Exit 0 when the project is on the newest template version, 1 when it is behind.

    When behind, it lists the project's files an update would add, change or remove and
    the release notes in between. Exit 2 when PATH is not a project scaffold generated.
    """

    def action() -> int:
        from scaffold import report
        from scaffold.check import check_project

        result = check_project(path, report.status)
        if json_output:
            typer.echo(json.dumps(result.to_json_dict(), indent=2))
        else:
            report.check_summary(result)
        return EXIT_OK if result.up_to_date else EXIT_FAILURE

    run_command(action, json_output=json_output)


@app.command(short_help="Prove the templates: render, install, lint, test, serve.")
def smoke(
    architecture: Annotated[
        list[Architecture] | None,
        typer.Option(
            "--architecture",
            "-a",
            metavar="<django|fastapi|hybrid>",
            help="Architecture to prove (repeatable; default all).",
        ),
    ] = None,
    postgres: Annotated[
        str | None,
        typer.Option(
            "--postgres",
            metavar="URL",
            help="PostgreSQL server URL for the database checks "
            "(default: the local server when it answers; checks skip otherwise).",
        ),
    ] = None,
    keep: Annotated[
        bool, typer.Option("--keep", help="Keep the rendered projects and print where.")
    ] = False,
    json_output: JsonOpt = False,
) -> None:
    """Render every template variant and run each project's own checks. Exit 1 on any failure."""

    def action() -> int:
        from scaffold import report
        from scaffold.smoke import print_report, run_smoke

        result = run_smoke(architecture, postgres_url=postgres, keep=keep, report=report.status)
        if json_output:
            typer.echo(json.dumps(result.to_json_dict(), indent=2))
        else:
            print_report(result, typer.echo)
        return result.exit_code

    run_command(action, json_output=json_output)


@app.command(short_help="Print scaffold's version.")
def version() -> None:
    """Print scaffold's version. (`scaffold check` names the template versions it knows.)"""
    _show_version(True)


def main() -> None:
    app()
