"""The console entry point.

Signal handlers go in before anything heavy is imported: loading the command line takes
a few hundred milliseconds, and a SIGTERM or Ctrl-C in that time must end the run the
same clean way as one that arrives later.
"""

from __future__ import annotations

import signal
import sys

EXIT_INTERRUPTED = 130  # as scaffold.errors says; not imported, to stay light


def _interrupt(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt(signal.Signals(signum).name)


def main() -> None:
    # A closed terminal or `kill` cleans up like Ctrl-C: staging folders are removed.
    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), _interrupt)
    if sys.argv[1:] in (["version"], ["--version"]):
        # Typer costs a few hundred milliseconds to load; the answer needs none of it.
        from importlib.metadata import version

        print(f"scaffold {version('scaffold')}")
        return
    try:
        from scaffold.cli import main as run_cli
    except KeyboardInterrupt:
        sys.stderr.write("\ninterrupted before starting: nothing was changed\n")
        raise SystemExit(EXIT_INTERRUPTED) from None
    run_cli()
