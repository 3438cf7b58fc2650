"""What a smoke run found: one row per (variant, check), and the printed table."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from scaffold.errors import EXIT_FAILURE, EXIT_OK


class Status(StrEnum):
    passed = "pass"
    failed = "fail"
    skipped = "skip"


@dataclass(frozen=True)
class Outcome:
    """What one check function returns; the runner adds the name and the timing."""

    status: Status
    reason: str = ""  # why it failed or was skipped, one line
    output: str = ""  # the tool's output; only its tail is kept, and only on failure

    @classmethod
    def ok(cls, reason: str = "") -> Outcome:
        return cls(Status.passed, reason)

    @classmethod
    def fail(cls, reason: str, output: str = "") -> Outcome:
        return cls(Status.failed, reason, output)

    @classmethod
    def skip(cls, reason: str) -> Outcome:
        return cls(Status.skipped, reason)


TAIL_LINES = 40
TAIL_CHARS = 4000


def tail(text: str, lines: int = TAIL_LINES, chars: int = TAIL_CHARS) -> str:
    """The last `lines` lines of `text`, at most `chars` characters."""
    kept = "\n".join(text.rstrip().splitlines()[-lines:])
    return kept[-chars:]


@dataclass(frozen=True)
class CheckResult:
    variant: str  # e.g. "django (python 3.12)"
    architecture: str
    check: str
    status: Status
    seconds: float
    reason: str = ""
    output_tail: str = ""

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "variant": self.variant,
            "architecture": self.architecture,
            "check": self.check,
            "status": self.status.value,
            "seconds": round(self.seconds, 2),
            "reason": self.reason,
            "output_tail": self.output_tail,
        }


@dataclass(frozen=True)
class VariantInfo:
    name: str
    architecture: str
    data: Mapping[str, str]
    project: Path | None  # where it was rendered; None once removed (no --keep)

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "architecture": self.architecture,
            "data": dict(self.data),
            "project": str(self.project) if self.project else None,
        }


@dataclass
class SmokeReport:
    results: list[CheckResult] = field(default_factory=list)
    variants: list[VariantInfo] = field(default_factory=list)
    template_source: str = ""
    postgres: str = ""  # the server used, or why none was
    seconds: float = 0.0

    @property
    def failed(self) -> bool:
        return any(result.status is Status.failed for result in self.results)

    @property
    def exit_code(self) -> int:
        return EXIT_FAILURE if self.failed else EXIT_OK

    def counts(self) -> dict[str, int]:
        return {
            status.value: sum(1 for r in self.results if r.status is status) for status in Status
        }

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "ok": not self.failed,
            "exit_code": self.exit_code,
            "template_source": self.template_source,
            "postgres": self.postgres,
            "seconds": round(self.seconds, 2),
            "counts": self.counts(),
            "variants": [variant.to_json_dict() for variant in self.variants],
            "results": [result.to_json_dict() for result in self.results],
        }


def report_lines(report: SmokeReport) -> list[str]:
    """The human report as plain text: a table, then each failure's reason and output tail."""
    header = ("variant", "check", "status", "seconds")
    rows = [
        (r.variant, r.check, r.status.value, f"{r.seconds:.1f}")
        + ((r.reason,) if r.status is Status.skipped and r.reason else ())
        for r in report.results
    ]
    widths = [max([len(header[i])] + [len(row[i]) for row in rows]) for i in range(len(header))]

    def line(cells: tuple[str, ...]) -> str:
        parts = [
            cell.rjust(widths[i]) if i == 3 else cell.ljust(widths[i])
            for i, cell in enumerate(cells[:4])
        ]
        extra = f"  ({cells[4]})" if len(cells) > 4 else ""
        return "  ".join(parts).rstrip() + extra

    lines = [line(header), "  ".join("-" * w for w in widths)]
    lines += [line(row) for row in rows]
    counts = report.counts()
    verdict = "FAILED" if report.failed else "OK"
    lines.append("")
    lines.append(
        f"{verdict}: {counts['pass']} passed, {counts['fail']} failed, "
        f"{counts['skip']} skipped in {report.seconds:.1f}s"
    )
    if report.postgres:
        lines.append(f"PostgreSQL: {report.postgres}")
    for result in report.results:
        if result.status is not Status.failed:
            continue
        lines.append("")
        lines.append(f"--- {result.variant} / {result.check}: {result.reason}")
        if result.output_tail:
            lines.extend("    " + text for text in result.output_tail.splitlines())
    kept = [v for v in report.variants if v.project is not None]
    if kept:
        lines.append("")
        lines.append("Kept rendered projects:")
        lines.extend(f"  {v.name}: {v.project}" for v in kept)
    return lines


def print_report(report: SmokeReport, echo: Callable[[str], None] = print) -> None:
    """Print the human table (and failing output tails) one line at a time through `echo`."""
    for text in report_lines(report):
        echo(text)
