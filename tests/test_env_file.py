"""`.env` beside a project: written once by new, topped up by update."""

from __future__ import annotations

from pathlib import Path

from scaffold.env_file import add_missing_settings, write_env_file


def test_an_update_adds_the_new_secrets_and_names_the_other_new_settings(tmp_path: Path) -> None:
    (tmp_path / ".env.example").write_text("SECRET_KEY=\nDEBUG=true\n")
    written = write_env_file(tmp_path)
    assert written is not None
    (tmp_path / ".env").write_text(written.read_text() + "DEBUG=false\n")  # the user's own
    before = (tmp_path / ".env").read_text()

    (tmp_path / ".env.example").write_text(
        "SECRET_KEY=\nDEBUG=true\n# A comment=not a key\nAPI_SECRET_KEY=\nREDIS_URL=\n"
    )
    added, to_set = add_missing_settings(tmp_path)
    assert (added, to_set) == (["API_SECRET_KEY"], ["REDIS_URL"])
    after = (tmp_path / ".env").read_text()
    assert after.startswith(before)  # nothing the user had is changed
    values = dict(line.split("=", 1) for line in after.splitlines() if "=" in line)
    assert len(values["API_SECRET_KEY"]) >= 50
    assert "REDIS_URL" not in values

    assert add_missing_settings(tmp_path) == ([], ["REDIS_URL"])  # nothing added twice


def test_no_env_file_is_left_alone(tmp_path: Path) -> None:
    (tmp_path / ".env.example").write_text("SECRET_KEY=\n")
    assert add_missing_settings(tmp_path) == ([], [])
    assert not (tmp_path / ".env").exists()
