"""Interactive questions, behind a small interface so tests can drive them through a pipe.

Nothing here is used unless `can_prompt()` is true: questionary would read piped stdin
as keystrokes and silently pick answers. Prompts are drawn on stderr, so a command whose
output goes to a file (`scaffold recommend > choice.txt`) still asks on the terminal.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from scaffold.advisor import Answers
from scaffold.choices import MAX_TEAM_SIZE, Serves, TeamKnows, Workload


def can_prompt() -> bool:
    """True only on a real terminal (keys in, prompts out on stderr) outside CI."""
    return sys.stdin.isatty() and sys.stderr.isatty() and not os.environ.get("CI")


class Prompter(Protocol):
    def select(self, message: str, choices: Sequence[tuple[str, str]], default: str | None) -> str:
        """Pick one value; `choices` are (value, label) pairs."""

    def confirm(self, message: str, default: bool) -> bool: ...

    def text(self, message: str, default: str, validate: Callable[[str], str | None]) -> str:
        """Ask for text; `validate` returns an error message or None."""


class QuestionaryPrompter:
    """Arrow-key prompts on stderr. `io` goes to prompt_toolkit (tests give a pipe).

    `show_problem` prints a refused answer's reason; by default on stderr, wrapped to the
    terminal, where a prompt's own toolbar would cut it at one line.
    """

    def __init__(self, show_problem: Callable[[str], None] | None = None, **io: Any) -> None:
        if "output" not in io:
            from prompt_toolkit.output import create_output

            io["output"] = create_output(stdout=sys.stderr)
        self._io = io
        self._show_problem = show_problem or _print_problem

    def select(self, message: str, choices: Sequence[tuple[str, str]], default: str | None) -> str:
        import questionary

        options = [questionary.Choice(title=label, value=value) for value, label in choices]
        answer = questionary.select(message, choices=options, default=default, **self._io)
        return str(answer.unsafe_ask())

    def confirm(self, message: str, default: bool) -> bool:
        import questionary

        return bool(questionary.confirm(message, default=default, **self._io).unsafe_ask())

    def text(self, message: str, default: str, validate: Callable[[str], str | None]) -> str:
        import questionary

        while True:
            value = str(questionary.text(message, default=default, **self._io).unsafe_ask())
            problem = validate(value)
            if problem is None:
                return value
            self._show_problem(problem)
            default = value  # ask again, keeping what was typed to correct


def _print_problem(problem: str) -> None:
    from scaffold import report

    report.stderr().print(f"[red]✗[/red] {report.escape(problem)}")


SERVES_CHOICES = (
    (Serves.pages.value, "People in a browser (server-rendered pages)"),
    (Serves.api.value, "Programs: a JSON API for an SPA, a mobile app or other services"),
    (Serves.both.value, "Both pages and a public API"),
)
WORKLOAD_CHOICES = (
    (Workload.crud.value, "Ordinary database-backed requests (CRUD)"),
    (Workload.io_bound.value, "High-concurrency I/O: fan-out to upstreams, websockets, streaming"),
    (Workload.ml.value, "Serving machine-learning models"),
)
TEAM_KNOWS_CHOICES = (
    (TeamKnows.django.value, "Django"),
    (TeamKnows.fastapi.value, "FastAPI"),
    (TeamKnows.both.value, "Both"),
    (TeamKnows.neither.value, "Neither yet"),
)


def _team_size_problem(value: str) -> str | None:
    try:
        size = int(value.strip())
    except ValueError:
        size = 0
    if not 1 <= size <= MAX_TEAM_SIZE:
        return f"enter a whole number of people, from 1 to {MAX_TEAM_SIZE}"
    return None


def ask_advisor_questions(answers: Answers, prompter: Prompter) -> Answers:
    """Ask every advisor question the flags left unanswered."""
    serves = answers.serves or Serves(
        prompter.select("Who consumes the project?", SERVES_CHOICES, default=None)
    )
    admin = answers.admin
    if admin is None:
        admin = prompter.confirm("Do staff need an admin panel within the first month?", False)
    workload = answers.workload or Workload(
        prompter.select("What kind of workload?", WORKLOAD_CHOICES, default=None)
    )
    team_size = answers.team_size
    if team_size is None:
        team_size = int(prompter.text("How many people will work on it?", "3", _team_size_problem))
    team_knows = answers.team_knows or TeamKnows(
        prompter.select("What does the team already know?", TEAM_KNOWS_CHOICES, default=None)
    )
    return Answers(
        serves=serves, admin=admin, workload=workload, team_size=team_size, team_knows=team_knows
    )
