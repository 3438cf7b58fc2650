"""Each architecture renders from the one template root (pytest-copie, working tree)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from pytest_copie.plugin import Copie

from tests.conftest import TEMPLATES

ARCHITECTURES = ["django", "fastapi", "hybrid"]
# Copier or Jinja syntax that must never reach a generated file (Django's own HTML
# templates legitimately hold `{{ }}` and `{% %}`, so only non-HTML files are scanned for those).
# `${{ ... }}` is a GitHub Actions expression (the workflow needs them for its secrets).
JINJA = re.compile(r"(?<!\$)\{\{|\{%|\{#")
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


@pytest.mark.parametrize("architecture", ARCHITECTURES)
@pytest.mark.parametrize("package_name", ["aa", "zz"])
def test_imports_are_in_order_whatever_the_package_is_called(
    copie: Copie, architecture: str, package_name: str
) -> None:
    # "aa" sorts before every app and "tests", "zz" after them: the import blocks must
    # not depend on where the name falls.
    project = render(copie, architecture, package_name=package_name)
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    assert ruff is not None, "ruff is a dev dependency of scaffold"
    for folder in [project, *([project / "api"] if architecture == "hybrid" else [])]:
        checked = subprocess.run(
            [ruff, "check", "--select", "I", "--output-format", "concise", "."],
            cwd=folder,
            capture_output=True,
            text=True,
            check=False,
        )
        assert checked.returncode == 0, checked.stdout + checked.stderr


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


# An exact version (major.minor for PostgreSQL, whose releases have two parts; three for
# everything else), then at most a variant such as -slim-trixie or -alpine.
EXACT_TAG = {
    "postgres": re.compile(r"^\d+\.\d+(-[a-z0-9.]+)*$"),
    "axllent/mailpit": re.compile(r"^v\d+\.\d+\.\d+$"),
    "*": re.compile(r"^\d+\.\d+\.\d+(-[a-z0-9.]+)*$"),
}


@pytest.mark.parametrize("architecture", ARCHITECTURES)
def test_every_base_image_is_pinned_to_an_exact_version(copie: Copie, architecture: str) -> None:
    project = render(copie, architecture, python_version="3.13")
    images: list[str] = []
    for dockerfile in project.rglob("Dockerfile"):
        images += re.findall(r"^FROM (\S+)", dockerfile.read_text(), re.MULTILINE)
        images += re.findall(r"--from=(\S+/\S+)", dockerfile.read_text())
    for compose_file in [project / "compose.yml", *project.glob(".github/workflows/*.yml")]:
        for services in _services_of(yaml.safe_load(compose_file.read_text())):
            images += [s["image"] for s in services.values() if "image" in s and "build" not in s]
    assert {image.partition(":")[0] for image in images} >= {"python", "postgres"}
    for image in images:
        name, _, tag = image.partition(":")
        exact = EXACT_TAG.get(name, EXACT_TAG["*"])
        assert exact.match(tag), f"{image} is not pinned to an exact version"


def _services_of(document: dict[str, object]) -> list[dict[str, dict[str, str]]]:
    """The services of a compose file, or of each job of a GitHub workflow."""
    if "services" in document:
        return [document["services"]]  # type: ignore[list-item]
    jobs = document.get("jobs", {})
    assert isinstance(jobs, dict)
    return [job["services"] for job in jobs.values() if "services" in job]


@pytest.mark.parametrize("architecture", ARCHITECTURES)
def test_compose_has_no_default_database_password(copie: Copie, architecture: str) -> None:
    from scaffold.smoke import compose

    project = render(copie, architecture)
    compose_file = project / "compose.yml"
    keys = {"SECRET_KEY": "key", "API_SECRET_KEY": "api-key"}
    with pytest.raises(compose.ComposeError, match=r"set POSTGRES_PASSWORD in \.env"):
        compose.services(compose_file, keys)

    services = compose.services(compose_file, {**keys, "POSTGRES_PASSWORD": "Pw_from-env"})
    by_name = {service.name: service for service in services}
    assert by_name["db"].environment["POSTGRES_PASSWORD"] == "Pw_from-env"
    urls = [s.environment["DATABASE_URL"] for s in services if "DATABASE_URL" in s.environment]
    assert len(urls) >= 2  # migrate and the app (and the hybrid's API)
    assert {urlsplit(url).password for url in urls} == {"Pw_from-env"}
    # `scaffold new` fills the empty line in .env with a random password.
    assert "POSTGRES_PASSWORD=" in (project / ".env.example").read_text().splitlines()
