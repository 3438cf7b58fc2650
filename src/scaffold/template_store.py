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
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version

from scaffold.errors import TemplateStoreError, UsageError
from scaffold.template_history import (
    HistoryError,
    TemplateVersion,
    build_bundle,
    is_final_version,
    snapshot_tree,
)

BUNDLE_SOURCE = "~/.scaffold/templates.bundle"
"""The template source every generated project records, `~` kept literally."""

_PACKAGED_BUNDLE = "templates.bundle"
_SOURCE_ROOT = Path(__file__).resolve().parents[2]


def scaffold_home() -> Path:
    return Path("~/.scaffold").expanduser()


@dataclass(frozen=True)
class TemplateStore:
    """An installed bundle and the template versions it holds, oldest first."""

    bundle: Path
    entries: tuple[TemplateVersion, ...]  # oldest first

    @property
    def src_path(self) -> str:
        return BUNDLE_SOURCE

    @cached_property
    def versions(self) -> tuple[str, ...]:
        """Every version (releases and development snapshots), oldest first."""
        return tuple(e.version for e in self.entries if _sort_key(e.version)[0])

    @property
    def releases(self) -> tuple[str, ...]:
        return tuple(v for v in self.versions if is_final_version(v))

    @property
    def latest(self) -> str:
        if not self.versions:
            raise TemplateStoreError(
                f"{self.bundle} holds no template version",
                hint=f"delete {self.bundle.parent} and run scaffold again to reinstall it",
            )
        return self.versions[-1]

    def entry(self, version: str) -> TemplateVersion | None:
        return next((e for e in self.entries if e.version == version), None)

    def with_tree(self, tree_prefix: str) -> TemplateVersion | None:
        """The newest version whose templates are exactly the tree the prefix names."""
        matches = [e for e in self.entries if e.tree.startswith(tree_prefix)]
        return max(matches, key=lambda e: Version(e.version)) if matches else None

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

    def _cached(self, tag: str, name: str, read: Callable[[], str]) -> str:
        """`read()` for a file of version `tag`, cached per template tree (trees never change)."""
        entry = self.entry(tag.removeprefix("v"))
        cached = self.bundle.parent / "cache" / f"{name}-{entry.tree}" if entry else None
        if cached is not None and cached.is_file():
            return cached.read_text(encoding="utf-8")
        text = read()
        if cached is not None:
            cached.parent.mkdir(exist_ok=True)
            partial = cached.with_name(cached.name + ".partial")
            partial.write_text(text, encoding="utf-8")
            partial.replace(cached)
        return text

    def read_file(self, tag: str, path: str) -> str | None:
        """A file of the template root at `tag` (e.g. copier.yml), or None if it has none."""

        def read() -> str:
            with self._clone() as git:
                listed = git("ls-tree", "--name-only", tag, "--", path).strip()
                return "\0absent" if not listed else git("show", f"{tag}:{path}")

        text = self._cached(tag, path.replace("/", "_"), read)
        return None if text == "\0absent" else text

    def questions(self, tag: str) -> dict[str, dict[str, Any]]:
        """The questions `copier.yml` asks at `tag`, by name."""
        import yaml

        text = self.read_file(tag, "copier.yml")
        config = yaml.safe_load(text or "") or {}
        return {
            str(name): spec if isinstance(spec, dict) else {"default": spec}
            for name, spec in config.items()
            if not str(name).startswith("_")
        }

    def tag_for(self, version: str) -> str:
        """The tag of a version the user asked for, spelled in full; else a usage error."""
        wanted = version.strip().removeprefix("v")
        if wanted in self.versions:
            return f"v{wanted}"
        tree = snapshot_tree(wanted)
        same_tree = self.with_tree(tree) if tree else None
        if same_tree is not None:
            return same_tree.tag
        near = [v for v in self.releases if v.startswith(wanted + ".")] if wanted else []
        hint = (
            f"give the full version: {' or '.join(near)}"
            if near
            else f"released versions: {', '.join(self.releases) or 'none'}; newest: {self.latest}"
        )
        raise UsageError(
            f"template version {version} is not in this scaffold's template history", hint=hint
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


def _read_entries(bundle: Path) -> list[TemplateVersion]:
    """Every tagged version in a bundle with its template tree, date and source commit."""
    store = TemplateStore(bundle, ())
    with store._clone() as git:
        listing = git(
            "for-each-ref",
            "--format=%(refname:lstrip=2)%00%(tree)%00%(committerdate:iso-strict)%00%(body)%00",
            "refs/tags",
        )
    fields = listing.split("\0")
    entries = []
    for start in range(0, len(fields) - 4, 4):
        tag, tree, date, body = (field.strip() for field in fields[start : start + 4])
        source = re.search(r"^source commit ([0-9a-f]+)$", body, re.MULTILINE)
        entries.append(
            TemplateVersion(tag.removeprefix("v"), source.group(1) if source else "", tree, date)
        )
    return sorted(entries, key=lambda entry: _sort_key(entry.version))


def _sort_key(version: str) -> tuple[int, Version]:
    try:
        return 1, Version(version)
    except InvalidVersion:  # not ours; keep it out of the way
        return 0, Version("0")


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


def _write_stamp(stamp: Path, key: str, entries: list[TemplateVersion]) -> None:
    partial = stamp.with_name(stamp.name + ".partial")
    partial.write_text(json.dumps({"key": key, "versions": [asdict(e) for e in entries]}))
    partial.replace(stamp)


def _read_stamp(stamp: Path) -> tuple[str, list[TemplateVersion]] | None:
    try:
        data = json.loads(stamp.read_text())
        return str(data["key"]), [TemplateVersion(**entry) for entry in data["versions"]]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _installed(target: Path, stamp: Path, key: str) -> TemplateStore:
    """Describe the bundle at `target` and remember it under `key`."""
    entries = _read_entries(target)
    _write_stamp(stamp, key, entries)
    return TemplateStore(target, tuple(entries))


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
            return _installed(target, stamp, key)

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
        build_bundle(checkout, target, include_working_tree=True)
    except HistoryError as exc:
        raise TemplateStoreError(str(exc)) from exc
    return _installed(target, stamp, key)
