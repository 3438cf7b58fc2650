"""Each architecture renders from the one template root (pytest-copie, working tree)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import yaml
from pytest_copie.plugin import Copie

from tests.conftest import TEMPLATES

ARCHITECTURES = ["django", "fastapi", "hybrid"]
# Copier or Jinja syntax that must never reach a generated file (Django's own HTML
# templates legitimately hold `{{ }}` and `{% %}`, so only non-HTML files are scanned for those).
JINJA = re.compile(r"\{\{|\{%|\{#")
TEXT_SUFFIXES = {".py", ".toml", ".md", ".yml", ".yaml", ".cfg", ".ini", ".txt", ".example"}


def render(copie: Copie, architecture: str, **answers: str) -> Path:
    result = copie.copy(
        extra_answers={"architecture": architecture, "project_name": "Corner Shop", **answers},
        template_dir=TEMPLATES,
    )
    assert result.exit_code == 0, result.exception
    assert result.project_dir is not None
    return result.project_dir


@pytest.mark.parametrize("architecture", ARCHITECTURES)
def test_each_architecture_renders_its_own_files(copie: Copie, architecture: str) -> None:
    project = render(copie, architecture)
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    assert pyproject["project"]["name"] == "corner-shop"
    assert pyproject["project"]["requires-python"] == ">=3.12"
    assert (project / "README.md").read_text().startswith("# Corner Shop")
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["architecture"] == architecture
    assert answers["package_name"] == "corner_shop"
    # Nothing from outside the architecture's folder leaks into the project.
    assert not (project / "copier.yml").exists()
    assert not (project / "_shared").exists()
    for other in set(ARCHITECTURES) - {architecture}:
        assert not (project / other).exists()


@pytest.mark.parametrize("architecture", ARCHITECTURES)
def test_no_template_syntax_is_left_behind(copie: Copie, architecture: str) -> None:
    project = render(copie, architecture, python_version="3.13")
    files = [p for p in project.rglob("*") if p.is_file() and ".git" not in p.parts]
    assert files
    assert not [p for p in files if p.suffix == ".jinja"]
    for path in files:
        if path.suffix in TEXT_SUFFIXES or path.name.startswith("."):
            text = path.read_text(errors="replace")
            assert not JINJA.search(text), f"template syntax left in {path.relative_to(project)}"
            assert "_copier_" not in text.replace("_copier_conf", "")


def test_answers_flow_into_the_files(copie: Copie) -> None:
    project = render(
        copie,
        "fastapi",
        description='Sells "good" coffee \\ tea',
        author_name="Ada Lovelace",
        author_email="ada@example.org",
        python_version="3.13",
    )
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())["project"]
    assert pyproject["description"] == 'Sells "good" coffee \\ tea'
    assert pyproject["authors"] == [{"name": "Ada Lovelace", "email": "ada@example.org"}]
    assert pyproject["requires-python"] == ">=3.13"
