"""The template history ships inside the sdist and the wheel, and works from them alone."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO_ROOT, git

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """sdist and wheel built the way a release is built (the wheel from the sdist)."""
    uv = shutil.which("uv")
    if uv is None:
        pytest.skip("uv is not installed: it builds the sdist and wheel")
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [uv, "build", "--quiet", "--out-dir", str(out), str(REPO_ROOT)],
        check=True,
        capture_output=True,
        env={**os.environ, "UV_PYTHON_DOWNLOADS": "never"},
    )
    return out


def _bundle_heads(bundle: bytes, where: Path) -> str:
    path = where / "probe.bundle"
    path.write_bytes(bundle)
    return git(where, "bundle", "list-heads", str(path))


def test_sdist_and_wheel_carry_the_same_bundle(dist: Path, tmp_path: Path) -> None:
    (sdist,) = dist.glob("*.tar.gz")
    (wheel,) = dist.glob("*.whl")
    with tarfile.open(sdist) as archive:
        member = next(
            m for m in archive.getmembers() if m.name.endswith("src/scaffold/templates.bundle")
        )
        extracted = archive.extractfile(member)
        assert extracted is not None
        from_sdist = extracted.read()
    with zipfile.ZipFile(wheel) as archive:
        from_wheel = archive.read("scaffold/templates.bundle")
    assert from_sdist == from_wheel
    heads = _bundle_heads(from_wheel, tmp_path)
    assert "refs/tags/v" in heads


def _run_scaffold(
    site: Path, home: Path, cwd: Path, *args: str
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "HOME": str(home),
        "PYTHONPATH": str(site),
        "GIT_CONFIG_GLOBAL": str(home / ".gitconfig"),
    }
    return subprocess.run(
        [sys.executable, "-c", "from scaffold.cli import main; main()", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_an_installed_wheel_works_under_any_home_directory(dist: Path, tmp_path: Path) -> None:
    (wheel,) = dist.glob("*.whl")
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)  # an install without a checkout anywhere near it
    first_home, second_home = tmp_path / "alice", tmp_path / "bob"
    for home in (first_home, second_home):
        home.mkdir()
        (home / ".gitconfig").write_text("[user]\n\tname = A\n\temail = a@example.com\n")

    made = _run_scaffold(
        site, first_home, tmp_path, "new", "shop", "-a", "fastapi", "--yes", "--json"
    )
    assert made.returncode == 0, made.stderr
    version = json.loads(made.stdout)["template_version"]
    answers = yaml.safe_load((tmp_path / "shop" / ".copier-answers.yml").read_text())
    assert answers["_src_path"] == "~/.scaffold/templates.bundle"
    assert answers["_commit"] == f"v{version}"

    # Another person, another home: scaffold materializes its bundle there on first use,
    # and Copier resolves the recorded `~` to it.
    assert not (second_home / ".scaffold").exists()
    shown = _run_scaffold(site, second_home, tmp_path, "check", "shop", "--json")
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["latest_version"] == version
    copier = Path(sys.executable).with_name("copier")
    checked = subprocess.run(
        [str(copier), "check-update", "--output-format", "json"],
        cwd=tmp_path / "shop",
        env={**os.environ, "HOME": str(second_home), "GIT_ALLOW_PROTOCOL": "file"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr
    assert json.loads(checked.stdout)["update_available"] is False


def test_the_wheel_carries_the_release_notes_check_prints(dist: Path, tmp_path: Path) -> None:
    (wheel,) = dist.glob("*.whl")
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        assert "scaffold/CHANGELOG.md" in archive.namelist()
        archive.extractall(site)
    home = tmp_path / "home"
    home.mkdir()
    (home / ".gitconfig").write_text("[user]\n\tname = A\n\temail = a@example.com\n")
    made = _run_scaffold(
        site, home, tmp_path, "new", "old", "-a", "django", "--yes", "--template-version", "0.2.1"
    )
    assert made.returncode == 0, made.stderr
    checked = _run_scaffold(site, home, tmp_path, "check", "old", "--json")
    assert checked.returncode == 1, checked.stderr
    notes = json.loads(checked.stdout)["release_notes"]
    assert "0.3.0" in [note["version"] for note in notes]
    assert "GUNICORN_THREADS" in next(n["notes"] for n in notes if n["version"] == "0.3.0")
