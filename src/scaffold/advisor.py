"""The decision model: answers -> scores -> a recommendation with its reasons.

The model is the `RULES` table: each row says which answers it applies to, how many
points it gives each architecture, why (shown to the user), and which claim of the source
articles it encodes. Scores are plain sums, so every verdict can be traced to rows; there
is no other logic. Unanswered criteria match no row and so are neutral.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from scaffold.choices import MAX_TEAM_SIZE, Architecture, Serves, TeamKnows, Workload

Criterion = Literal["serves", "admin", "workload", "team_size", "team_knows"]

# Ties go to the simpler stack: one framework before two, and Django (which needs the
# fewest extra decisions) first.
TIE_BREAK: tuple[Architecture, ...] = (
    Architecture.django,
    Architecture.fastapi,
    Architecture.hybrid,
)

# Team sizes are judged in bands: (smallest size, band name).
TEAM_SIZE_BANDS: tuple[tuple[int, str], ...] = ((1, "small"), (6, "medium"), (20, "large"))


class Answers(BaseModel):
    """What the user told us; None means not answered (neutral)."""

    model_config = ConfigDict(frozen=True)

    serves: Serves | None = None
    admin: bool | None = None
    workload: Workload | None = None
    team_size: int | None = Field(default=None, ge=1, le=MAX_TEAM_SIZE)
    team_knows: TeamKnows | None = None

    def facts(self) -> dict[Criterion, str]:
        """Each answered criterion as the word the rules match on."""
        found: dict[Criterion, str] = {}
        if self.serves is not None:
            found["serves"] = self.serves.value
        if self.admin is not None:
            found["admin"] = "yes" if self.admin else "no"
        if self.workload is not None:
            found["workload"] = self.workload.value
        if self.team_size is not None:
            found["team_size"] = team_size_band(self.team_size)
        if self.team_knows is not None:
            found["team_knows"] = self.team_knows.value
        return found


def team_size_band(size: int) -> str:
    band = TEAM_SIZE_BANDS[0][1]
    for smallest, name in TEAM_SIZE_BANDS:
        if size >= smallest:
            band = name
    return band


@dataclass(frozen=True)
class Rule:
    when: Mapping[Criterion, str]
    points: Mapping[Architecture, int]
    because: str
    claim: str  # the source articles' claim this row encodes

    def applies_to(self, facts: Mapping[Criterion, str]) -> bool:
        return all(facts.get(criterion) == value for criterion, value in self.when.items())

    def score(self, architecture: Architecture) -> int:
        return self.points.get(architecture, 0)


D, F, H = Architecture.django, Architecture.fastapi, Architecture.hybrid

# What benchmarks/bench_io.py measured on our machine (an endpoint making one 50 ms upstream
# call with httpx, one server process each), cited instead of the articles' "3-5x".
MEASURED_IO_ADVANTAGE = (
    "measured here: about 4x the requests/s of Django's sync views at 16 concurrent "
    "50 ms upstream calls, 6.5x at 64, 1.6x at 256, where the HTTP client's own CPU is "
    "the limit"
)


RULES: tuple[Rule, ...] = (
    # --- who consumes the project
    Rule(
        {"serves": "pages"},
        {D: 3, F: -2, H: -1},
        "people use it in a browser: Django ships templates, forms, sessions and auth together",
        "Anything with a UI and user accounts is Django's home turf; building it on FastAPI "
        "means rebuilding what Django gives for free.",
    ),
    Rule(
        {"serves": "api"},
        {D: -1, F: 3},
        "programs consume JSON: FastAPI gives validation and OpenAPI docs from type hints",
        "For a pure JSON API (SPA, mobile or other services) FastAPI is the natural choice; "
        "choosing Django for a pure API because it feels safer is a common mistake.",
    ),
    Rule(
        {"serves": "both"},
        {D: 1, F: -1, H: 3},
        "it serves pages and a public API: the common pattern is Django for the site and "
        "FastAPI for the API, on one database",
        "Many production systems run Django for the main app and FastAPI for the public API, "
        "sharing one PostgreSQL database.",
    ),
    # --- admin panel in the first month
    Rule(
        {"admin": "yes"},
        {D: 3, F: -3, H: 3},
        "staff need an admin panel soon: Django's admin comes free (the hybrid keeps it), "
        "FastAPI has none",
        "Need an admin panel in the first 30 days: use Django; building one for FastAPI costs "
        "two to four weeks.",
    ),
    Rule(
        {"admin": "no"},
        {F: 1, H: -2},
        "no admin panel is needed, which removes Django's biggest head start",
        "A service that only speaks JSON does not need Django's admin or templates; the "
        "hybrid's Django side exists mostly for the admin.",
    ),
    # --- workload
    Rule(
        {"workload": "crud"},
        {D: 2, H: -2},
        "ordinary database-backed requests: framework speed rarely matters below large "
        "traffic, so a second service buys nothing",
        "CRUD-heavy work is fastest to build in Django; the performance difference rarely "
        "matters for products under about 100,000 daily users.",
    ),
    Rule(
        {"workload": "io-bound"},
        {D: -1, F: 3, H: 2},
        "high-concurrency I/O (fan-out, websockets, streaming) is where native async pays off"
        f" ({MEASURED_IO_ADVANTAGE})",
        "For I/O-bound work FastAPI makes better use of a single process; Django's ORM is "
        "still synchronous.",
    ),
    Rule(
        {"workload": "ml"},
        {D: -1, F: 3, H: 1},
        "serving ML models: FastAPI is the usual choice for model endpoints",
        "FastAPI is the default choice for serving machine-learning models as web endpoints.",
    ),
    # --- team size: can the team run two services?
    Rule(
        {"team_size": "small"},
        {D: 1, H: -4},
        "a small team cannot carry two services; Django's defaults save it decisions",
        "The hybrid is not for a small team (the operational overhead is real); small teams "
        "ship fastest on Django's conventions.",
    ),
    Rule(
        {"team_size": "medium"},
        {H: -2},
        "a mid-sized team can run two services, but it costs",
        "Start with both only when the team has the operational maturity to manage two services.",
    ),
    Rule(
        {"team_size": "large"},
        {H: 2},
        "a team of 20 or more can own two services",
        "For a team of 20+ running Django and FastAPI side by side is often the pragmatic answer.",
    ),
    # --- what the team knows
    Rule(
        {"team_knows": "django"},
        {D: 2, F: -1},
        "the team knows Django: use what it knows",
        "Is your team more familiar with one framework? Use what they know.",
    ),
    Rule(
        {"team_knows": "fastapi"},
        {D: -1, F: 2},
        "the team knows FastAPI: use what it knows",
        "Is your team more familiar with one framework? Use what they know.",
    ),
    Rule(
        {"team_knows": "both"},
        {H: 2},
        "the team knows both frameworks, which the hybrid needs",
        "Running both frameworks asks the team to be fluent in each.",
    ),
    Rule(
        {"team_knows": "neither"},
        {D: 1, H: -1},
        "the team knows neither: Django's conventions and sync model are the gentler path, "
        "and one framework is easier to learn than two",
        "FastAPI is the wrong choice for teams unfamiliar with async patterns; Django tells "
        "you where things go.",
    ),
)

# The alternatives tried when looking for an answer that would change the verdict.
ALTERNATIVES: dict[Criterion, tuple[str, ...]] = {
    "serves": tuple(s.value for s in Serves),
    "admin": ("yes", "no"),
    "workload": tuple(w.value for w in Workload),
    "team_size": tuple(name for _, name in TEAM_SIZE_BANDS),
    "team_knows": tuple(t.value for t in TeamKnows),
}


class Reason(BaseModel):
    criterion: Criterion
    favours: Architecture
    because: str
    # Points this row put between the winner and the runner-up (negative: it argued
    # for the runner-up). Shown as "why" or "against"; not part of the JSON contract.
    margin: int = Field(default=0, exclude=True)


class Flip(BaseModel):
    """An answer that, alone, would change the recommendation."""

    criterion: Criterion
    answer: str
    architecture: Architecture


class Recommendation(BaseModel):
    architecture: Architecture
    scores: dict[Architecture, int]
    reasons: list[Reason]
    runner_up: Architecture
    next_steps: list[str]
    flips: list[Flip] = Field(default_factory=list, exclude=True)

    def to_json_dict(self) -> dict[str, object]:
        return self.model_dump(mode="json")


def score(facts: Mapping[Criterion, str]) -> dict[Architecture, int]:
    totals = dict.fromkeys(Architecture, 0)
    for rule in RULES:
        if rule.applies_to(facts):
            for architecture in Architecture:
                totals[architecture] += rule.score(architecture)
    return totals


def rank(totals: Mapping[Architecture, int]) -> list[Architecture]:
    return sorted(Architecture, key=lambda a: (-totals[a], TIE_BREAK.index(a)))


def _favours(rule: Rule, winner: Architecture) -> Architecture:
    best = max(rule.score(a) for a in Architecture)
    tied = [a for a in TIE_BREAK if rule.score(a) == best]
    return winner if winner in tied else tied[0]


def _flips(facts: Mapping[Criterion, str], current: Architecture) -> list[Flip]:
    flips: list[Flip] = []
    for criterion, options in ALTERNATIVES.items():
        for option in options:
            if facts.get(criterion) == option:
                continue
            verdict = rank(score({**facts, criterion: option}))[0]
            if verdict != current:
                flips.append(Flip(criterion=criterion, answer=option, architecture=verdict))
    return flips


def recommend(answers: Answers) -> Recommendation:
    facts = answers.facts()
    totals = score(facts)
    winner, runner_up, _ = rank(totals)
    matched = [rule for rule in RULES if rule.applies_to(facts)]
    # The rows that separated the winner from the runner-up most come first.
    matched.sort(key=lambda r: r.score(runner_up) - r.score(winner))
    reasons = [
        Reason(
            criterion=next(iter(rule.when)),
            favours=_favours(rule, winner),
            because=rule.because,
            margin=rule.score(winner) - rule.score(runner_up),
        )
        for rule in matched
    ]
    return Recommendation(
        architecture=winner,
        scores=totals,
        reasons=reasons,
        runner_up=runner_up,
        next_steps=[
            f"scaffold new my-project --architecture {winner.value}",
            f"scaffold new my-project --architecture {runner_up.value}  # the runner-up",
        ],
        flips=_flips(facts, winner),
    )


def band_range(band: str) -> str:
    """A band as a range of sizes, e.g. `6-19` or `20+`."""
    starts = [smallest for smallest, _ in TEAM_SIZE_BANDS]
    index = [name for _, name in TEAM_SIZE_BANDS].index(band)
    if index + 1 == len(starts):
        return f"{starts[index]}+"
    return f"{starts[index]}-{starts[index + 1] - 1}"


def flag_for(criterion: Criterion, answer: str) -> str:
    """The command-line flag that gives this answer, as the flag accepts it.

    A team-size band is given by its smallest size (`answer_scope` names the band).
    """
    if criterion == "admin":
        return "--admin" if answer == "yes" else "--no-admin"
    if criterion == "team_size":
        smallest = {name: size for size, name in TEAM_SIZE_BANDS}[answer]
        return f"--team-size {smallest}"
    return f"--{criterion.replace('_', '-')} {answer}"


def answer_scope(criterion: Criterion, answer: str) -> str:
    """What else gives the same answer as `flag_for`'s flag, e.g. `a team of 6-19`."""
    return f"a team of {band_range(answer)}" if criterion == "team_size" else ""
