"""Human-readable output. Status goes to stderr, data to stdout; rich honours NO_COLOR."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from scaffold.advisor import Criterion, Recommendation, answer_scope, flag_for
from scaffold.architectures import CATALOG, SKELETON_NOTE
from scaffold.choices import Architecture

if TYPE_CHECKING:
    from rich.console import Console

    from scaffold.check import CheckResult
    from scaffold.update import UpdateResult


@cache
def stderr() -> Console:
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


@cache
def stdout() -> Console:
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True)


def status(message: str) -> None:
    stderr().print(f"[dim]{escape(message)}[/dim]")


def escape(text: str) -> str:
    from rich.markup import escape as rich_escape

    return rich_escape(text)


def error(message: str, hint: str | None) -> None:
    stderr().print(f"[bold red]error:[/bold red] {escape(message)}")
    if hint:
        stderr().print(f"[yellow]hint:[/yellow] {escape(hint)}")


def recommendation_lines(advice: Recommendation) -> list[str]:
    """The recommendation as rich-markup lines: verdict, reasons, runner-up, what would flip it."""
    winner, runner_up = advice.architecture, advice.runner_up
    scores = " · ".join(f"{a.value} {advice.scores[a]:+d}" for a in Architecture)
    lines = [
        f"[bold]Recommended: {winner.value}[/bold] — {escape(CATALOG[winner].title)}",
        f"[dim]scores: {scores}[/dim]",
    ]
    if not advice.reasons:
        lines.append(
            "No answers given, so every criterion is neutral: the simplest stack wins the tie. "
            "Answer the questions (see --help) for a real recommendation."
        )
    pro = [r for r in advice.reasons if r.margin > 0]
    con = [r for r in advice.reasons if r.margin < 0]
    if pro:
        lines.append("Why:")
        lines += [f"  [green]+[/green] {escape(r.because)}" for r in pro]
    even = [r for r in advice.reasons if r.margin == 0]
    if even:
        lines.append(f"Counted alike for {winner.value} and {runner_up.value}:")
        lines += [f"  [dim]=[/dim] {escape(r.because)}" for r in even]
    if con:
        lines.append("Against it:")
        lines += [f"  [red]-[/red] {escape(r.because)} (favours {runner_up.value})" for r in con]
    lines.append(
        f"Runner-up: {runner_up.value} "
        f"({advice.scores[runner_up]:+d} against {advice.scores[winner]:+d})"
    )
    if advice.flips:
        lines.append("What would change the verdict:")
        lines += [
            f"  {escape(flag_for(flip.criterion, flip.answer))} → {flip.architecture.value}"
            + _scope(flip.criterion, flip.answer)
            for flip in advice.flips
        ]
    else:
        lines.append("No single different answer would change the verdict.")
    if not CATALOG[winner].complete:
        lines.append(f"[yellow]Note:[/yellow] the {winner.value} template is {SKELETON_NOTE}.")
    return lines


def _scope(criterion: Criterion, answer: str) -> str:
    scope = answer_scope(criterion, answer)
    return f" [dim]({escape(scope)})[/dim]" if scope else ""


def show_recommendation(advice: Recommendation) -> None:
    """Part of the interactive `new` flow: goes to stderr, beside the prompts."""
    for line in recommendation_lines(advice):
        stderr().print(line)


def update_summary(result: UpdateResult, out: Console) -> None:
    from scaffold.merge import Outcome

    change = f"{result.from_version} -> {result.to_version}"
    if result.from_architecture != result.to_architecture:
        change += f", {result.from_architecture} -> {result.to_architecture}"
    if result.files:
        verb = "Would update" if result.dry_run else "Updated"
        out.print(f"[bold]{verb} {escape(result.path.name)}[/bold] ({change})")
    sections = [
        (Outcome.updated, "updated cleanly", "green"),
        (Outcome.merged, "merged with your edits", "green"),
        (Outcome.added, "added", "green"),
        (Outcome.removed, "removed", "yellow"),
        (
            Outcome.kept_deleted,
            "changed by the template but deleted by you (left deleted)",
            "yellow",
        ),
        (Outcome.conflict, "in conflict (markers left in place)", "red"),
    ]
    for outcome, title, colour in sections:
        _path_list(out, title, colour, result.by_outcome(outcome))
    if not result.files:
        out.print(
            f"Nothing to change: the project is on template {result.to_version} and keeps "
            "all of its own edits."
        )
    if result.env_added:
        stderr().print(
            f"Added to .env (git-ignored), with fresh values: {', '.join(result.env_added)}"
        )
    if result.env_to_set:
        stderr().print(
            f"[yellow].env.example has settings your .env lacks[/yellow]: "
            f"{escape(', '.join(result.env_to_set))} (see README.md)"
        )
    if result.conflicts and not result.dry_run:
        stderr().print(
            "[red]Resolve the conflicts[/red] (search for <<<<<<<), then "
            "`git add` the files; review everything with `git diff HEAD`."
        )
    elif result.files and not result.dry_run:
        stderr().print("Review with `git diff`, run the tests, then commit.")


def _path_list(out: Console, title: str, colour: str, paths: list[str]) -> None:
    if paths:
        out.print(f"[{colour}]{title}[/{colour}] ({len(paths)}):")
        for path in paths:
            out.print(f"  {escape(path)}")


def check_summary(result: CheckResult) -> None:
    out = stdout()
    name = escape(result.path.name)
    if result.up_to_date:
        out.print(f"{name} is on the newest template version ({result.current}).")
        return
    if result.versions_behind:
        count = len(result.versions_behind)
        out.print(
            f"{name} is behind: template {result.current}, newest {result.latest} "
            f"({count} version{'s' if count > 1 else ''}: {', '.join(result.versions_behind)})."
        )
    else:
        out.print(
            f"{name} records a template version this scaffold stores under another name "
            f"({result.current}); `scaffold update` records it."
        )
    changes = result.changes
    out.print("An update would change these files of the project:")
    _path_list(out, "added", "green", changes.added)
    _path_list(out, "changed", "green", [p for p in changes.changed if p not in changes.conflicts])
    _path_list(out, "changed where your edits overlap (conflicts)", "red", changes.conflicts)
    _path_list(out, "removed", "yellow", changes.removed)
    _path_list(
        out,
        "dropped by the template but edited by you (the update stops; see --force)",
        "red",
        changes.edited_removed,
    )
    for note in result.notes:
        out.print(f"[bold]Release notes {escape(note.heading)}[/bold]")
        for line in note.text.splitlines():
            out.print(f"  {escape(line)}" if line else "")
    out.print("Run `scaffold update` to bring it up to date.")
