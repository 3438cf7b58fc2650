"""`scaffold smoke`: render every template and prove each generated project works.

Public surface: `run_smoke` (returns a `SmokeReport`; `report.failed`, `report.exit_code`,
`report.to_json_dict()`), and `print_report` / `report_lines` for the human table.
"""

from __future__ import annotations

from scaffold.smoke.report import (
    CheckResult,
    SmokeReport,
    Status,
    VariantInfo,
    print_report,
    report_lines,
)
from scaffold.smoke.runner import run_smoke

__all__ = [
    "CheckResult",
    "SmokeReport",
    "Status",
    "VariantInfo",
    "print_report",
    "report_lines",
    "run_smoke",
]
