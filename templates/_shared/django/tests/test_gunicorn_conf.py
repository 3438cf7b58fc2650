"""The image's gunicorn settings, read from gunicorn.conf.py as gunicorn reads them."""

import runpy
from pathlib import Path

import pytest

CONFIG = str(Path(__file__).resolve().parent.parent / "gunicorn.conf.py")


def test_threaded_workers_of_four_unless_the_environment_says(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("GUNICORN_THREADS", raising=False)
    settings = runpy.run_path(CONFIG)
    assert (settings["worker_class"], settings["threads"]) == ("gthread", 4)
    # compose passes an empty value when the variable is not set.
    monkeypatch.setenv("GUNICORN_THREADS", "")
    assert runpy.run_path(CONFIG)["threads"] == 4
    monkeypatch.setenv("GUNICORN_THREADS", "8")
    assert runpy.run_path(CONFIG)["threads"] == 8


@pytest.mark.parametrize("value", ["0", "four", "-2", "2.5", "²"])
def test_a_bad_thread_count_stops_start_up_and_says_which_variable(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("GUNICORN_THREADS", value)
    with pytest.raises(SystemExit, match=f"GUNICORN_THREADS must be .* not '{value}'"):
        runpy.run_path(CONFIG)
