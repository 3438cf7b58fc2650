"""The hybrid's schema contract test: green as generated, red when one side drifts."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from pytest_copie.plugin import Copie

from scaffold.smoke.tools import ToolMissing, clean_env, find_python, find_tool
from tests.conftest import TEMPLATES

pytestmark = pytest.mark.slow


@pytest.fixture
def hybrid(copie: Copie) -> tuple[Path, list[str], dict[str, str]]:
    python = find_python("3.12")
    try:
        uv = find_tool("uv")
    except ToolMissing:
        pytest.skip("uv is not installed: it installs the generated project")
    if python is None:
        pytest.skip("no Python 3.12 interpreter for the generated project")
    result = copie.copy(
        extra_answers={"architecture": "hybrid", "project_name": "Contract Shop"},
        template_dir=TEMPLATES,
    )
    assert result.exit_code == 0, result.exception
    assert result.project_dir is not None
    env = clean_env() | {"UV_PYTHON": str(python)}
    subprocess.run(
        [str(uv), "sync", "--locked", "--quiet"], cwd=result.project_dir, env=env, check=True
    )
    return result.project_dir, [str(uv), "run", "--locked", "pytest", "-q", "--no-cov"], env


def contract(
    project: Path, command: list[str], env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*command, "tests/test_api_contract.py"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_contract_holds_as_generated_and_fails_on_one_sided_changes(
    hybrid: tuple[Path, list[str], dict[str, str]],
) -> None:
    project, command, env = hybrid
    passing = contract(project, command, env)
    assert passing.returncode == 0, passing.stdout[-3000:]

    # The API narrows a column Django owns: the contract names the difference.
    models = project / "api" / "api" / "models.py"
    original = models.read_text()
    narrowed, count = re.subn(r"String\(200\)", "String(100)", original, count=1)
    assert count == 1
    models.write_text(narrowed)
    failing = contract(project, command, env)
    assert failing.returncode == 1, failing.stdout[-3000:]
    assert "notes_note.title" in failing.stdout
    assert "VARCHAR(100)" in failing.stdout

    # The API forgets a column Django has.
    models.write_text(original)
    without_body = re.sub(r"\n\s*body: .*\n", "\n", original, count=1)
    assert without_body != original
    models.write_text(without_body)
    missing = contract(project, command, env)
    assert missing.returncode == 1, missing.stdout[-3000:]
    assert "body" in missing.stdout
