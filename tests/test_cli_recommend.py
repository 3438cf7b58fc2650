"""`scaffold recommend` as other tools call it."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from scaffold.cli import app

runner = CliRunner()


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        (["--serves", "pages", "--admin", "--workload", "crud", "--team-size", "3"], "django"),
        (["--serves", "api", "--no-admin", "--workload", "ml", "--team-size", "4"], "fastapi"),
        (["--serves", "both", "--admin", "--workload", "io-bound", "--team-size", "25"], "hybrid"),
    ],
)
def test_json_verdicts_of_the_issue(flags: list[str], expected: str) -> None:
    result = runner.invoke(app, ["recommend", *flags, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)  # exactly one JSON object, nothing else on stdout
    assert data["architecture"] == expected
    assert set(data) == {"architecture", "scores", "reasons", "runner_up", "next_steps"}
    assert data["runner_up"] != expected
    assert max(data["scores"], key=data["scores"].get) == expected
    assert all(set(r) == {"criterion", "favours", "because"} for r in data["reasons"])


def test_human_output_explains_the_verdict() -> None:
    result = runner.invoke(
        app,
        ["recommend", "--serves", "both", "--admin", "--workload", "io-bound", "--team-size", "25"],
    )
    assert result.exit_code == 0
    out = result.stdout
    assert "Recommended: hybrid" in out
    assert "Why:" in out
    assert "a team of 20 or more can own two services" in out
    assert "Runner-up: django" in out
    assert "What would change the verdict:" in out
    assert "--team-size 1 → django (a team of 1-5)" in out
    assert "scaffold new my-project --architecture hybrid" in out


def test_without_answers_it_says_the_verdict_is_a_tie() -> None:
    result = runner.invoke(app, ["recommend"])
    assert result.exit_code == 0
    assert "No answers given" in result.stdout


@pytest.mark.parametrize(
    ("flags", "complaint"),
    [
        (["--serves", "desktop"], "--serves"),
        (["--workload", "batch"], "--workload"),
        (["--team-size", "0"], "--team-size"),
        (["--team-size", "many"], "--team-size"),
        (["--team-knows", "rails"], "--team-knows"),
    ],
)
def test_bad_values_are_usage_errors(flags: list[str], complaint: str) -> None:
    result = runner.invoke(app, ["recommend", *flags, "--json"])
    assert result.exit_code == 2
    assert complaint in result.stderr
    assert result.stdout == ""  # nothing a caller could mistake for a recommendation


def test_human_output_lists_what_argued_against_the_winner() -> None:
    result = runner.invoke(
        app,
        ["recommend", "--serves", "pages", "--admin", "--workload", "io-bound", "--team-size", "3"],
    )
    assert "Recommended: django" in result.stdout
    why, against = result.stdout.split("Against it:")
    assert "Django ships templates" in why
    assert "native async pays off" in against.split("Runner-up")[0]


def test_rows_that_do_not_separate_winner_and_runner_up_are_shown_as_alike() -> None:
    result = runner.invoke(
        app,
        ["recommend", "--serves", "both", "--admin", "--workload", "io-bound", "--team-size", "25"],
    )
    alike = result.stdout.split("Counted alike for hybrid and django:")[1].split("Runner-up")[0]
    assert "the hybrid keeps it" in alike
    assert "Against it:" not in result.stdout


def test_every_flag_the_hints_print_is_accepted() -> None:
    import shlex

    from scaffold.advisor import ALTERNATIVES, flag_for

    for criterion, answers in ALTERNATIVES.items():
        for answer in answers:
            hint = flag_for(criterion, answer)
            result = runner.invoke(app, ["recommend", "--json", *shlex.split(hint)])
            assert result.exit_code == 0, f"{hint}: {result.output}"


def test_without_a_terminal_it_says_which_answers_count_as_neutral() -> None:
    result = runner.invoke(app, ["recommend", "--serves", "api", "--team-size", "3"])
    assert result.exit_code == 0
    assert (
        "not asked (no terminal), so counted as neutral: --admin/--no-admin, --workload, "
        "--team-knows" in result.stderr
    )
