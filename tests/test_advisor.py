"""The decision model: the articles' verdicts, and the shape of the table itself."""

from __future__ import annotations

import pytest

from scaffold.advisor import (
    ALTERNATIVES,
    RULES,
    Answers,
    Architecture,
    Serves,
    TeamKnows,
    Workload,
    band_range,
    flag_for,
    recommend,
    score,
    team_size_band,
)

D, F, H = Architecture.django, Architecture.fastapi, Architecture.hybrid

# (what the project is, answers, expected) — each a verdict stated in the source articles.
SCENARIOS = [
    (
        "MVP with accounts, billing and a UI",
        Answers(serves=Serves.pages, admin=True, workload=Workload.crud, team_size=3),
        D,
    ),
    (
        "internal API serving ML models",
        Answers(serves=Serves.api, admin=False, workload=Workload.ml, team_size=4),
        F,
    ),
    (
        "admin/content side plus a high-concurrency public API, team of 25",
        Answers(serves=Serves.both, admin=True, workload=Workload.io_bound, team_size=25),
        H,
    ),
    (
        "public API consumed by mobile apps",
        Answers(serves=Serves.api, admin=False, workload=Workload.crud, team_size=4),
        F,
    ),
    (
        "side project to ship today",
        Answers(serves=Serves.pages, team_size=1),
        D,
    ),
    (
        "API-first SaaS that needs an admin panel in the first 30 days",
        Answers(serves=Serves.api, admin=True, workload=Workload.crud, team_size=3),
        D,
    ),
    (
        "pages and an API but a team of three: start with Django, add FastAPI later",
        Answers(serves=Serves.both, admin=True, workload=Workload.io_bound, team_size=3),
        D,
    ),
    (
        "aggregating upstream services for a large team without an admin",
        Answers(serves=Serves.api, admin=False, workload=Workload.io_bound, team_size=30),
        F,
    ),
    (
        "CMS with admin, large team, ordinary CRUD: a second service buys nothing",
        Answers(serves=Serves.both, admin=True, workload=Workload.crud, team_size=25),
        D,
    ),
    (
        "a JSON service for a team that already knows Django",
        Answers(
            serves=Serves.api, workload=Workload.crud, team_size=5, team_knows=TeamKnows.django
        ),
        D,
    ),
    (
        "a JSON service for a team that knows FastAPI",
        Answers(
            serves=Serves.api, workload=Workload.crud, team_size=5, team_knows=TeamKnows.fastapi
        ),
        F,
    ),
]


@pytest.mark.parametrize(
    ("answers", "expected"), [(a, e) for _, a, e in SCENARIOS], ids=[s[0] for s in SCENARIOS]
)
def test_scenarios_follow_the_articles(answers: Answers, expected: Architecture) -> None:
    assert recommend(answers).architecture == expected


def test_no_answers_is_a_neutral_tie_won_by_the_simplest_stack() -> None:
    advice = recommend(Answers())
    assert advice.scores == {D: 0, F: 0, H: 0}
    assert advice.reasons == []
    assert advice.architecture == D
    assert advice.runner_up == F


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        (Answers(serves=Serves.api), F),
        (Answers(admin=True), D),
        (Answers(workload=Workload.ml), F),
    ],
)
def test_a_single_answer_decides_when_it_is_the_only_one(
    answers: Answers, expected: Architecture
) -> None:
    assert recommend(answers).architecture == expected


def test_hybrid_needs_a_team_that_can_run_two_services() -> None:
    base = {"serves": Serves.both, "admin": True, "workload": Workload.io_bound}
    assert recommend(Answers(**base, team_size=25)).architecture == H
    assert recommend(Answers(**base, team_size=2)).architecture != H


def test_scores_are_the_sum_of_the_matching_rows() -> None:
    answers = Answers(serves=Serves.pages, admin=True, workload=Workload.crud, team_size=3)
    facts = answers.facts()
    expected = {a: sum(r.score(a) for r in RULES if r.applies_to(facts)) for a in Architecture}
    assert score(facts) == expected
    assert recommend(answers).scores == expected


def test_every_rule_is_documented_and_matches_a_known_answer() -> None:
    for rule in RULES:
        assert rule.because.strip()
        assert len(rule.claim) > 20
        for criterion, value in rule.when.items():
            assert value in ALTERNATIVES[criterion]


def test_reasons_put_the_deciding_rows_first_and_name_what_they_favour() -> None:
    advice = recommend(
        Answers(serves=Serves.pages, admin=True, workload=Workload.io_bound, team_size=3)
    )
    assert advice.architecture == D
    assert {r.criterion for r in advice.reasons} == {"serves", "admin", "workload", "team_size"}
    assert advice.reasons[0].favours == D
    io_reason = next(r for r in advice.reasons if r.criterion == "workload")
    assert io_reason.favours == F
    assert advice.reasons[-1] == io_reason  # the one that argued against the winner comes last


def test_flips_are_answers_that_really_change_the_verdict() -> None:
    answers = Answers(serves=Serves.both, admin=True, workload=Workload.io_bound, team_size=25)
    advice = recommend(answers)
    assert advice.flips
    for flip in advice.flips:
        changed = answers.facts() | {flip.criterion: flip.answer}
        totals = score(changed)
        assert max(totals, key=lambda a: totals[a]) == flip.architecture != advice.architecture
    assert any(f.criterion == "team_size" and f.answer == "small" for f in advice.flips)


def test_json_has_exactly_the_contract_keys() -> None:
    data = recommend(Answers(serves=Serves.api)).to_json_dict()
    assert set(data) == {"architecture", "scores", "reasons", "runner_up", "next_steps"}
    assert set(data["scores"]) == {"django", "fastapi", "hybrid"}  # type: ignore[arg-type]
    assert data["reasons"] == [
        {"criterion": "serves", "favours": "fastapi", "because": RULES[1].because}
    ]
    assert data["next_steps"][0] == "scaffold new my-project --architecture fastapi"  # type: ignore[index]


@pytest.mark.parametrize(
    ("size", "band"), [(1, "small"), (5, "small"), (6, "medium"), (19, "medium"), (20, "large")]
)
def test_team_size_bands(size: int, band: str) -> None:
    assert team_size_band(size) == band


def test_flags_render_as_the_cli_spells_them() -> None:
    assert flag_for("admin", "no") == "--no-admin"
    assert band_range("large") == "20+"
    assert flag_for("team_size", "large") == "--team-size 20"
    assert flag_for("team_size", "medium") == "--team-size 6"
    assert flag_for("team_size", "small") == "--team-size 1"
    assert flag_for("team_knows", "both") == "--team-knows both"


def test_team_size_must_be_positive() -> None:
    with pytest.raises(ValueError, match="greater than or equal to 1"):
        Answers(team_size=0)


def test_margins_say_which_rows_argued_for_the_runner_up() -> None:
    advice = recommend(
        Answers(serves=Serves.both, admin=True, workload=Workload.io_bound, team_size=25)
    )
    assert (advice.architecture, advice.runner_up) == (H, D)
    by_criterion = {r.criterion: r for r in advice.reasons}
    # io-bound favours FastAPI most, yet it separates the hybrid from Django: a "why".
    assert by_criterion["workload"].favours == F
    assert by_criterion["workload"].margin > 0
    # The hybrid keeps Django's admin: the admin panel counts alike for both.
    assert by_criterion["admin"].margin == 0
    assert sum(r.margin for r in advice.reasons) == advice.scores[H] - advice.scores[D]
    assert "margin" not in advice.to_json_dict()["reasons"][0]  # type: ignore[index]


def test_the_io_reason_cites_what_was_measured_here_not_the_articles() -> None:
    from scaffold.advisor import MEASURED_IO_ADVANTAGE

    advice = recommend(Answers(workload="io-bound"))
    [reason] = [r for r in advice.reasons if r.criterion == "workload"]
    assert MEASURED_IO_ADVANTAGE in reason.because
    assert "3-5" not in reason.because
    assert "bench_io" not in reason.because  # the user reads the figure, not our file names
