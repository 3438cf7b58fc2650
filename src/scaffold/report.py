"""Human-readable output. Status goes to stderr, data to stdout; rich honours NO_COLOR."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from scaffold.advisor import Recommendation, flag_for
from scaffold.architectures import CATALOG
from scaffold.choices import Architecture

if TYPE_CHECKING:
    from rich.console import Console


@cache
def stderr() -> Console:
    from rich.console import Console

    return Console(stderr=True, highlight=False)


@cache
def stdout() -> Console:
    from rich.console import Console

    return Console(highlight=False)


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
            for flip in advice.flips
        ]
    else:
        lines.append("No single different answer would change the verdict.")
    return lines


def show_recommendation(advice: Recommendation) -> None:
    """Part of the interactive `new` flow: goes to stderr, beside the prompts."""
    for line in recommendation_lines(advice):
        stderr().print(line)
