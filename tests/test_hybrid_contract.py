"""The hybrid's schema contract test: green as generated, red when one side drifts."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from pytest_copie.plugin import Copie

from tests.conftest import TEMPLATES, ProjectTools, project_tools

pytestmark = pytest.mark.slow


@pytest.fixture
def hybrid(copie: Copie) -> tuple[Path, ProjectTools]:
    tools = project_tools()
    result = copie.copy(
        extra_answers={"architecture": "hybrid", "project_name": "Contract Shop"},
        template_dir=TEMPLATES,
    )
    assert result.exit_code == 0, result.exception
    assert result.project_dir is not None
    synced = tools.run(result.project_dir, "sync", "--locked", "--quiet")
    assert synced.returncode == 0, synced.stderr[-3000:]
    return result.project_dir, tools


def contract(project: Path, tools: ProjectTools) -> subprocess.CompletedProcess[str]:
    # Only the contract test runs, so the project's coverage floor does not apply.
    return tools.run(
        project, "run", "--locked", "pytest", "-q", "--no-cov", "tests/test_api_contract.py"
    )


def test_contract_holds_as_generated_and_fails_on_one_sided_changes(
    hybrid: tuple[Path, ProjectTools],
) -> None:
    project, tools = hybrid
    passing = contract(project, tools)
    assert passing.returncode == 0, passing.stdout[-3000:]

    # The API narrows a column Django owns: the contract names the difference.
    models = project / "api" / "api" / "models.py"
    original = models.read_text()
    narrowed, count = re.subn(r"String\(200\)", "String(100)", original, count=1)
    assert count == 1
    models.write_text(narrowed)
    failing = contract(project, tools)
    assert failing.returncode == 1, failing.stdout[-3000:]
    assert "notes_note.title" in failing.stdout
    assert "VARCHAR(100)" in failing.stdout

    # The API forgets a column Django has.
    models.write_text(original)
    without_body = re.sub(r"\n\s*body: .*\n", "\n", original, count=1)
    assert without_body != original
    models.write_text(without_body)
    missing = contract(project, tools)
    assert missing.returncode == 1, missing.stdout[-3000:]
    assert "body" in missing.stdout
