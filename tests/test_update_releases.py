"""Every released template version updates cleanly to the current one (CI runs this)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from scaffold.architectures import CATALOG
from scaffold.cli import app
from scaffold.template_store import open_store

runner = CliRunner()


@pytest.mark.slow
def test_every_release_updates_to_the_current_one(workdir: Path) -> None:
    store = open_store()
    older = store.versions[:-1]
    if not older:
        pytest.skip(f"only one template release so far ({store.latest}): nothing to update from")
    for version in older:
        for architecture in (a for a, info in CATALOG.items() if info.complete):
            name = f"{architecture.value}-{version}".replace(".", "-")
            made = runner.invoke(
                app, ["new", name, "-a", architecture.value, "--yes", "--template-version", version]
            )
            assert made.exit_code == 0, made.output
            updated = runner.invoke(app, ["update", name])
            assert updated.exit_code == 0, f"{name}: {updated.output}"
            checked = runner.invoke(app, ["check", name])
            assert checked.exit_code == 0, checked.output
