"""The answers the command line accepts, kept free of heavy imports so `--help` stays fast."""

from __future__ import annotations

from enum import StrEnum


class Architecture(StrEnum):
    django = "django"
    fastapi = "fastapi"
    hybrid = "hybrid"


class Serves(StrEnum):
    pages = "pages"
    api = "api"
    both = "both"


class Workload(StrEnum):
    crud = "crud"
    io_bound = "io-bound"
    ml = "ml"


class TeamKnows(StrEnum):
    django = "django"
    fastapi = "fastapi"
    both = "both"
    neither = "neither"


MAX_TEAM_SIZE = 100_000
