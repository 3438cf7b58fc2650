"""The template history: releases found in a repository's own history, bundled and tagged."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from scaffold.template_history import (
    HistoryError,
    build_bundle,
    find_releases,
    find_versions,
    is_final_version,
    snapshot_tree,
    snapshot_version,
)
from tests.conftest import git


def commit(repo: Path, version: str, copier_yml: str | None, message: str) -> str:
    (repo / "pyproject.toml").write_text(f'[project]\nname = "x"\nversion = "{version}"\n')
    if copier_yml is not None:
        (repo / "templates").mkdir(exist_ok=True)
        (repo / "templates" / "copier.yml").write_text(copier_yml)
    git(repo, "add", "-A")
    git(repo, "commit", "--quiet", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()


@pytest.fixture
def source(tmp_path: Path) -> Path:
    """A repository whose history has: no templates, a dev version, two releases, a fix."""
    repo = tmp_path / "source"
    repo.mkdir()
    git(repo, "init", "--quiet")
    commit(repo, "0.0.1", None, "before any template")  # final version, but no templates
    commit(repo, "0.1.0.dev0", "q: 1\n", "templates begin")  # not a final version
    commit(repo, "0.1.0", "q: 2\n", "release 0.1.0")
    commit(repo, "0.1.0", "q: 3\n", "unreleased template change")
    commit(repo, "0.2.0", "q: 4\n", "release 0.2.0")
    return repo


def show(bundle: Path, tmp_path: Path, ref: str, path: str) -> str:
    clone = tmp_path / f"clone-{ref}"
    if not clone.exists():
        git(tmp_path, "clone", "--quiet", str(bundle), str(clone))
    return git(clone, "show", f"{ref}:{path}")


@pytest.mark.parametrize(
    ("version", "final"),
    [("1.0", True), ("0.2.0", True), ("0.1.0.dev0", False), ("1.0rc1", False), ("2.0a1", False)],
)
def test_final_versions(version: str, final: bool) -> None:
    assert is_final_version(version) is final


def test_a_release_is_a_commit_that_sets_a_new_final_version(source: Path) -> None:
    releases = find_releases(source)
    assert [r.version for r in releases] == ["0.1.0", "0.2.0"]
    subjects = [git(source, "log", "-1", "--format=%s", r.source_commit).strip() for r in releases]
    assert subjects == ["release 0.1.0", "release 0.2.0"]


def tree_of(repo: Path, commit: str) -> str:
    return git(repo, "rev-parse", f"{commit}:templates").strip()[:12]


def test_development_commits_between_releases_are_snapshots_named_by_their_tree(
    source: Path,
) -> None:
    versions = find_versions(source)
    dev = git(source, "rev-list", "--reverse", "HEAD").split()[1]  # "templates begin"
    assert [v.version for v in versions] == [
        f"0.1.0.dev2+t{tree_of(source, dev)}",  # the second commit of a history with no release
        "0.1.0",
        "0.2.0",
    ]
    assert snapshot_tree(versions[0].version) == tree_of(source, dev)
    assert versions[0].source_commit == git(source, "rev-parse", dev).strip()


def test_a_snapshot_counts_the_commits_since_the_last_release(source: Path) -> None:
    commit(source, "0.3.0.dev0", "q: 4\n", "start 0.3.0: templates unchanged")
    first = commit(source, "0.3.0.dev0", "q: 5\n", "a template change")
    git(source, "commit", "--quiet", "--allow-empty", "-m", "no template change")
    second = commit(source, "0.3.0.dev0", "q: 6\n", "another template change")
    snapshots = [v.version for v in find_versions(source) if not v.is_release]
    assert snapshots[1:] == [
        f"0.3.0.dev2+t{tree_of(source, first)}",
        f"0.3.0.dev4+t{tree_of(source, second)}",
    ]


@pytest.mark.parametrize(
    ("source_version", "expected"),
    [
        ("0.3.0.dev0", "0.3.0.dev7+tabcdef012345"),
        ("1.0.dev3", "1.0.dev7+tabcdef012345"),
        ("1.0rc1", None),  # not a form that sorts right: no snapshot
        ("1.0", None),
    ],
)
def test_snapshot_versions(source_version: str, expected: str | None) -> None:
    assert snapshot_version(source_version, 7, "abcdef0123456789") == expected


def test_a_snapshot_that_would_sort_before_the_last_release_is_left_out(source: Path) -> None:
    commit(source, "0.2.0.dev1", "q: 9\n", "a dev version below the released 0.2.0")
    assert [v.version for v in find_versions(source)][-1] == "0.2.0"


def test_the_bundle_holds_each_release_as_it_stood(source: Path, tmp_path: Path) -> None:
    bundle = tmp_path / "t.bundle"
    tags = build_bundle(source, bundle)
    assert tags[1:] == ["v0.1.0", "v0.2.0"]
    assert show(bundle, tmp_path, "v0.1.0", "copier.yml") == "q: 2\n"
    assert show(bundle, tmp_path, "v0.2.0", "copier.yml") == "q: 4\n"
    assert show(bundle, tmp_path, tags[0], "copier.yml") == "q: 1\n"
    clone = tmp_path / "clone-v0.1.0"
    assert git(clone, "describe", "--tags", "v0.2.0").strip() == "v0.2.0"
    assert git(clone, "rev-list", "--count", "v0.2.0").strip() == "3"  # one commit a version


def test_the_same_history_gives_the_same_commits(source: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "a.bundle", tmp_path / "b.bundle"
    build_bundle(source, first)
    build_bundle(source, second)

    def heads(path: Path) -> str:
        return git(tmp_path, "bundle", "list-heads", str(path))

    assert heads(first) == heads(second)


def test_uncommitted_templates_are_one_more_snapshot_on_top(source: Path, tmp_path: Path) -> None:
    (source / "pyproject.toml").write_text('[project]\nname = "x"\nversion = "0.3.0.dev0"\n')
    (source / "templates" / "copier.yml").write_text("q: working tree\n")
    (source / "templates" / "new.txt.jinja").write_text("untracked but not ignored\n")
    bundle = tmp_path / "t.bundle"
    tags = build_bundle(source, bundle, include_working_tree=True)
    top = tags[-1]
    assert tags[-2] == "v0.2.0"
    assert top.startswith("v0.3.0.dev1+t")  # one past HEAD, the 0.2.0 release
    assert show(bundle, tmp_path, top, "copier.yml") == "q: working tree\n"
    assert show(bundle, tmp_path, top, "new.txt.jinja") == "untracked but not ignored\n"
    assert git(source, "status", "--porcelain")  # the source checkout was not touched
    assert git(source, "tag") == ""

    # Committed as they are, the same templates get the same name: nothing is orphaned.
    git(source, "add", "-A")
    git(source, "commit", "--quiet", "-m", "commit the working tree")
    assert [v.tag for v in find_versions(source)][-1] == top


def test_a_working_tree_like_the_newest_version_adds_nothing(source: Path, tmp_path: Path) -> None:
    (source / "pyproject.toml").write_text('[project]\nname = "x"\nversion = "0.3.0.dev0"\n')
    tags = build_bundle(source, tmp_path / "t.bundle", include_working_tree=True)
    assert tags[-1] == "v0.2.0"


def test_a_released_working_tree_version_adds_nothing(source: Path, tmp_path: Path) -> None:
    tags = build_bundle(source, tmp_path / "t.bundle", include_working_tree=True)
    assert tags[1:] == ["v0.1.0", "v0.2.0"]


def test_a_history_without_templates_is_an_error_that_says_what_a_release_is(
    tmp_path: Path,
) -> None:
    repo = tmp_path / "empty"
    repo.mkdir()
    git(repo, "init", "--quiet")
    commit(repo, "0.1.0", None, "no templates yet")
    with pytest.raises(HistoryError, match="a release is a commit that sets a final"):
        build_bundle(repo, tmp_path / "t.bundle")


def test_a_shallow_clone_is_refused(source: Path, tmp_path: Path) -> None:
    shallow = tmp_path / "shallow"
    subprocess.run(
        ["git", "clone", "--quiet", "--depth", "1", f"file://{source}", str(shallow)],
        check=True,
        capture_output=True,
    )
    with pytest.raises(HistoryError, match="shallow clone"):
        find_releases(shallow)
