"""The one error hierarchy. `cli.run_command` turns these into a message and an exit code."""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class ScaffoldError(Exception):
    """A failure the user can act on: shown as a message, never as a traceback."""

    exit_code = EXIT_FAILURE

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class UsageError(ScaffoldError):
    """Bad input: a wrong flag value, a bad name, a target that cannot be used."""

    exit_code = EXIT_USAGE


class InteractiveSessionRequired(UsageError):
    """An answer is missing and there is no terminal to ask it on."""


class TemplateStoreError(ScaffoldError):
    """The template history is missing or cannot be read."""


class RenderError(ScaffoldError):
    """Copier failed while rendering a project."""


class GitError(ScaffoldError):
    """A git command that scaffold runs on the user's behalf failed."""
