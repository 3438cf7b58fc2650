"""Where scaffold's templates come from, and which versions it can render.

Copier can only record and update a template version when the template source is a git
repository root or a git bundle. scaffold ships its template history as a bundle (built
from its own git history, see `template_history`) and materializes it at a stable
per-user path, `~/.scaffold/templates.bundle`. Projects record that path with a literal
`~`, so a project keeps updating on another machine, or under another home directory,
with only a newer scaffold installed.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version

from scaffold.errors import TemplateStoreError, UsageError
from scaffold.template_history import HistoryError, build_bundle

BUNDLE_SOURCE = "~/.scaffold/templates.bundle"
"""The template source every generated project records, `~` kept literally."""

_PACKAGED_BUNDLE = "templates.bundle"
_SOURCE_ROOT = Path(__file__).resolve().parents[2]


def scaffold_home() -> Path:
    return Path("~/.scaffold").expanduser()


@dataclass(frozen=True)
class TemplateStore:
    """An installed bundle and the template versions it holds."""

    bundle: Path
    tags: tuple[str, ...]

    @property
    def src_path(self) -> str:
        return BUNDLE_SOURCE

    @cached_property
    def versions(self) -> tuple[str, ...]:
        """Released versions, oldest first (tags without the leading `v`)."""
        parsed = []
        for tag in self.tags:
            try:
                parsed.append((Version(tag.removeprefix("v")), tag.removeprefix("v")))
            except InvalidVersion:
                continue
        return tuple(text for _, text in sorted(parsed))

    @property
    def latest(self) -> str:
        if not self.versions:
            raise TemplateStoreError(
                f"{self.bundle} holds no template version",
                hint=f"delete {self.bundle.parent} and run scaffold again to reinstall it",
            )
        return self.versions[-1]

    @contextmanager
    def _clone(self) -> Iterator[Callable[..., str]]:
        """A throwaway bare clone of the bundle; yields a function that runs git in it."""
        with tempfile.TemporaryDirectory(prefix="scaffold-read-") as scratch:
            clone = Path(scratch) / "t.git"

            def run(*args: str) -> str:
                done = subprocess.run(
                    ["git", "--git-dir", str(clone), *args],
                    capture_output=True,
                    text=True,
                    check=False,
                )
                if done.returncode != 0:
                    raise TemplateStoreError(
                        f"cannot read the template history in {self.bundle}: {done.stderr.strip()}",
                        hint=f"delete {self.bundle.parent} and run scaffold again to reinstall it",
                    )
                return done.stdout

            run("clone", "--quiet", "--bare", str(self.bundle), str(clone))
            yield run

    def questions(self, tag: str) -> dict[str, dict[str, Any]]:
        """The questions `copier.yml` asks at `tag`, by name (cached per commit)."""
        import yaml

        sha = _heads(self.bundle).get(tag, "")
        cached = self.bundle.parent / "cache" / f"questions-{sha}.json"
        if sha and cached.is_file():
            loaded: dict[str, dict[str, Any]] = json.loads(cached.read_text())
            return loaded
        with self._clone() as git:
            config = yaml.safe_load(git("show", f"{tag}:copier.yml")) or {}
        found = {
            str(name): spec if isinstance(spec, dict) else {"default": spec}
            for name, spec in config.items()
            if not str(name).startswith("_")
        }
        try:
            serialized = json.dumps(found)
        except TypeError:  # a value JSON cannot hold: skip the cache, the answer stands
            return found
        if sha:
            cached.parent.mkdir(exist_ok=True)
            partial = cached.with_name(cached.name + ".partial")
            partial.write_text(serialized)
            partial.replace(cached)
        return found

    def changed_files(self, old: str, new: str, architecture: str) -> list[str]:
        """Template files of `architecture` (and the shared parts) that differ between tags."""
        with self._clone() as git:
            listing = git(
                "diff", "--name-status", self.tag_for(old), self.tag_for(new), "--",
                architecture, "_shared", "copier.yml",
            )  # fmt: skip
        return [" ".join(line.split("\t")) for line in listing.splitlines() if line.strip()]

    def tag_for(self, version: str) -> str:
        """The tag of a version the user asked for; unknown versions are a usage error."""
        try:
            wanted = Version(version.removeprefix("v"))
        except InvalidVersion:
            wanted = None
        for known in self.versions:
            if wanted is not None and Version(known) == wanted:
                return f"v{known}"
        raise UsageError(
            f"template version {version} is not in this scaffold's template history",
            hint=f"known versions: {', '.join(self.versions)}",
        )


def source_checkout() -> Path | None:
    """The scaffold git checkout this code runs from, if it runs from one."""
    if (_SOURCE_ROOT / "templates" / "copier.yml").is_file() and (_SOURCE_ROOT / ".git").exists():
        return _SOURCE_ROOT
    return None


def _heads(bundle: Path) -> dict[str, str]:
    try:
        listing = subprocess.run(
            ["git", "bundle", "list-heads", str(bundle)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return {}
    heads: dict[str, str] = {}
    for line in listing.splitlines():
        sha, _, ref = line.partition(" ")
        if ref.startswith("refs/tags/"):
            heads[ref.removeprefix("refs/tags/")] = sha
    return heads


def _checkout_key(repo: Path) -> str:
    """Changes whenever the checkout's history, version or working-tree templates change."""
    digest = hashlib.sha256()
    for args in (
        ["rev-parse", "HEAD"],
        ["diff", "HEAD", "--binary", "--", "templates", "pyproject.toml"],
    ):
        done = subprocess.run(["git", *args], cwd=repo, capture_output=True, check=False)
        digest.update(done.stdout)
    for name in subprocess.run(
        ["git", "ls-files", "-z", "--others", "--exclude-standard", "--", "templates"],
        cwd=repo,
        capture_output=True,
        check=False,
    ).stdout.split(b"\0"):
        if name:
            path = repo / name.decode()
            if path.is_file():
                digest.update(name + path.read_bytes())
    return "checkout:" + digest.hexdigest()


def _write_stamp(stamp: Path, key: str, tags: list[str]) -> None:
    partial = stamp.with_name(stamp.name + ".partial")
    partial.write_text(json.dumps({"key": key, "tags": tags}))
    partial.replace(stamp)


def _read_stamp(stamp: Path) -> tuple[str, list[str]] | None:
    try:
        data = json.loads(stamp.read_text())
        return str(data["key"]), [str(tag) for tag in data["tags"]]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def open_store() -> TemplateStore:
    """Make sure `~/.scaffold/templates.bundle` holds this scaffold's versions; describe it."""
    if shutil.which("git") is None:
        raise TemplateStoreError(
            "git is not installed: scaffold keeps its template versions in git",
            hint="install git (e.g. apt-get install git) and run this again",
        )
    home = scaffold_home()
    target = home / "templates.bundle"
    stamp = home / "templates.stamp.json"
    try:
        home.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise TemplateStoreError(
            f"cannot create {home}: {exc.strerror}",
            hint="check that your home directory is writable",
        ) from exc

    packaged = resources.files("scaffold").joinpath(_PACKAGED_BUNDLE)
    if packaged.is_file():
        with resources.as_file(packaged) as packaged_path:
            key = "packaged:" + hashlib.sha256(packaged_path.read_bytes()).hexdigest()
            recorded = _read_stamp(stamp)
            if recorded and recorded[0] == key and target.is_file():
                return TemplateStore(target, tuple(recorded[1]))
            ours = _heads(packaged_path)
            theirs = _heads(target) if target.is_file() else {}
            # A newer scaffold may have installed a longer history; keep it when it holds ours.
            if not ours.items() <= theirs.items():
                partial = target.with_name(target.name + ".partial")
                shutil.copyfile(packaged_path, partial)
                partial.replace(target)
                theirs = ours
            tags = sorted(theirs)
            _write_stamp(stamp, key, tags)
            return TemplateStore(target, tuple(tags))

    checkout = source_checkout()
    if checkout is None:
        raise TemplateStoreError(
            "this scaffold installation has no template history (templates.bundle is missing)",
            hint="reinstall scaffold from a wheel or sdist, or run it from a git checkout",
        )
    key = _checkout_key(checkout)
    recorded = _read_stamp(stamp)
    if recorded and recorded[0] == key and target.is_file():
        return TemplateStore(target, tuple(recorded[1]))
    try:
        tags = build_bundle(checkout, target, include_working_tree=True)
    except HistoryError as exc:
        raise TemplateStoreError(str(exc)) from exc
    _write_stamp(stamp, key, tags)
    return TemplateStore(target, tuple(tags))
