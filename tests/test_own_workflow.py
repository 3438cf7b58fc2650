"""scaffold's own GitHub workflow passes the checks the smoke runner applies to projects."""

from __future__ import annotations

import subprocess

import pytest
import yaml

from scaffold.smoke.tools import ToolMissing, find_tool
from tests.conftest import REPO_ROOT

WORKFLOW = REPO_ROOT / ".github" / "workflows" / "ci.yml"


def test_smoke_runs_per_architecture_as_a_matrix_with_postgres() -> None:
    workflow = yaml.safe_load(WORKFLOW.read_text())
    smoke = workflow["jobs"]["smoke"]
    assert smoke["strategy"]["matrix"]["architecture"] == ["django", "fastapi", "hybrid"]
    assert "postgres" in smoke["services"]
    assert any("scaffold smoke" in str(step.get("run", "")) for step in smoke["steps"])


def test_workflow_is_actionlint_clean() -> None:
    try:
        tool = find_tool("actionlint")
    except ToolMissing:
        pytest.skip("actionlint is not installed (scripts/install-tools.sh installs it)")
    relative = WORKFLOW.relative_to(REPO_ROOT).as_posix()
    done = subprocess.run(
        [str(tool), relative], cwd=REPO_ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip() == ""
