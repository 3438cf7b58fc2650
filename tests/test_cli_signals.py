"""Signals at the very start of a run: the entry point handles them before loading anything."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest


def _catches(pid: int, signum: int) -> bool:
    """Whether the process has a handler installed for `signum` (Linux /proc)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    caught = next(line for line in status.splitlines() if line.startswith("SigCgt:"))
    return bool(int(caught.split()[1], 16) & (1 << (signum - 1)))


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_sigterm_while_the_cli_loads_is_a_clean_interrupt(tmp_path: Path) -> None:
    scaffold = Path(sys.executable).with_name("scaffold")
    process = subprocess.Popen(
        [str(scaffold), "recommend", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "HOME": str(tmp_path)},
    )
    deadline = time.monotonic() + 10
    while not _catches(process.pid, signal.SIGTERM):
        assert process.poll() is None, "scaffold ended before installing its handler"
        assert time.monotonic() < deadline, "no SIGTERM handler after 10 s"
        time.sleep(0.001)
    process.send_signal(signal.SIGTERM)  # the command line is still being imported
    _, err = process.communicate(timeout=30)
    assert process.returncode == 130, err
    assert "interrupted" in err
    assert "Traceback" not in err


def test_the_handler_is_in_place_before_the_command_line_is_imported(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import importlib.abc

    from scaffold import entry

    seen: list[object] = []

    class SignalArrivesWhileImporting(importlib.abc.MetaPathFinder):
        def find_spec(self, name: str, *_args: object, **_kwargs: object) -> None:
            if name == "scaffold.cli":
                seen.append(signal.getsignal(signal.SIGTERM))
                entry._interrupt(signal.SIGTERM, None)  # what the handler does on SIGTERM

    previous = signal.getsignal(signal.SIGTERM)
    monkeypatch.delitem(sys.modules, "scaffold.cli", raising=False)
    monkeypatch.setattr(sys, "meta_path", [SignalArrivesWhileImporting(), *sys.meta_path])
    try:
        with pytest.raises(SystemExit) as stopped:
            entry.main()
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert seen == [entry._interrupt]
    assert stopped.value.code == 130
    assert "interrupted before starting: nothing was changed" in capsys.readouterr().err


def test_version_answers_without_loading_the_cli_or_the_templates(tmp_path: Path) -> None:
    from importlib.metadata import version

    scaffold = Path(sys.executable).with_name("scaffold")
    for args in (["version"], ["--version"]):
        done = subprocess.run(
            [str(scaffold), *args],
            env={**os.environ, "HOME": str(tmp_path), "PYTHONPROFILEIMPORTTIME": "1"},
            capture_output=True,
            text=True,
            check=True,
        )
        assert done.stdout == f"scaffold {version('scaffold')}\n"
        assert "typer" not in done.stderr  # the import-time log names every module loaded
    assert not (tmp_path / ".scaffold").exists()
