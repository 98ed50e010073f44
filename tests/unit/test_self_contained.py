"""A fresh clone works anywhere: no tracked file refers to a path outside the repository.

A test, a document or a script that reads an absolute path of the build machine, a sibling folder or a path
climbing above the checkout works on the machine it was written on and nowhere else. The repository
carries its own copies (for example tests/emulator/opensearch-api/ and tests/emulator/SNAPSHOT_API.md).
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Without git (the copy .ci/run tests, an exported tarball): skip what .gitignore lists.
SKIPPED_DIRS = {".git", ".venv", ".tools", ".aws-sam", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache"}
SKIPPED_DIRS |= {".hypothesis", "build"}

# Absolute paths into someone's machine: the build machine's /work, home folders, mounts.
ABSOLUTE = re.compile(r"(?<![\w.~/-])/(?:work|home|Users|root|mnt|srv)/[\w.-]+")
# The team's reference shelf, by its folder and document names.
SHELF = re.compile(r"(?<![\w/.-])shared/(?:spec|SNAPSHOT_API|ARCHITECTURE|STYLE|hooks)\b")
# Relative paths that climb (``../``); they must resolve inside the repository.
CLIMB = re.compile(r"(?<![\w.])(?:\.\./)+[\w.-]*")
# A merge conflict landed unresolved (``make`` refuses a Makefile holding one).
CONFLICT = re.compile(r"^(?:<{7}|>{7})(?: |$)|^={7}$", re.MULTILINE)
# ``Path(__file__)...parents[N]`` in Python: N must not go above the repository root.
PARENTS = re.compile(r"__file__\)(?:\.resolve\(\))?\.parents\[(\d+)\]")


def tracked_files() -> list[Path]:
    """The files git tracks; without git (an exported tarball), every file outside tool folders."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, text=True
        ).stdout.split("\0")
        return [ROOT / name for name in listed if name and (ROOT / name).is_file()]
    except (OSError, subprocess.CalledProcessError):
        found: list[Path] = []
        for folder, subfolders, names in os.walk(ROOT):
            subfolders[:] = [d for d in subfolders if d not in SKIPPED_DIRS and not d.endswith(".egg-info")]
            found += [Path(folder) / name for name in names]
        return found


def outside_references(path: Path, text: str) -> list[str]:
    """Every place in ``text`` (the content of ``path``) that points outside the repository."""
    found = [f"absolute path {m.group(0)!r}" for m in ABSOLUTE.finditer(text)]
    found += [f"reference shelf {m.group(0)!r}" for m in SHELF.finditer(text)]
    for match in CLIMB.finditer(text):
        target = (path.parent / match.group(0)).resolve()
        if not target.is_relative_to(ROOT):
            found.append(f"relative path {match.group(0)!r} leaves the repository")
    if path.suffix == ".py":
        root_index = len(path.relative_to(ROOT).parts) - 1  # Path(__file__).parents[root_index] is the root
        for match in PARENTS.finditer(text):
            if int(match.group(1)) > root_index:
                found.append(f"Path(__file__).parents[{match.group(1)}] is above the repository")
    return found


def test_no_tracked_file_holds_an_unresolved_merge_conflict() -> None:
    conflicted = []
    for path in tracked_files():
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        if CONFLICT.search(text):
            conflicted.append(str(path.relative_to(ROOT)))
    assert conflicted == [], f"resolve the merge conflict markers in: {conflicted}"


@pytest.mark.parametrize("marker", ["<" * 7 + " HEAD", "=" * 7, ">" * 7 + " main"])
def test_the_conflict_scan_sees_each_marker(marker: str) -> None:
    assert CONFLICT.search(f"bench:\n{marker}\n\tpython -m x\n")


def test_without_git_the_scan_walks_the_tree_but_not_tool_folders(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_git(*args: object, **kwargs: object) -> None:
        raise FileNotFoundError("git")

    monkeypatch.setattr(subprocess, "run", no_git)
    found = {path.relative_to(ROOT).as_posix() for path in tracked_files()}
    assert {"README.md", "tests/unit/test_self_contained.py", "tests/emulator/SNAPSHOT_API.md"} <= found
    assert not [path for path in found if path.startswith((".venv/", ".git/", ".tools/")) or "__pycache__" in path]


def test_no_tracked_file_refers_to_a_path_outside_the_repository() -> None:
    offenders: list[str] = []
    files = tracked_files()
    assert len(files) > 50, "the scan found suspiciously few files"
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue  # binary files hold no paths worth checking
        offenders += [f"{path.relative_to(ROOT)}: {what}" for what in outside_references(path, text)]
    assert offenders == [], "copy what is needed into the repository instead:\n" + "\n".join(offenders)


@pytest.mark.parametrize(
    ("relative", "text"),
    [
        ("tests/integration/test_x.py", 'STORIES = Path("/' + 'work/shared/spec/opensearch-api")'),
        ("tests/emulator/README.md", "see `/" + "home/me/notes.md`"),
        ("README.md", "the " + "shared/" + "SNAPSHOT_API.md notes"),
        ("tests/emulator/README.md", "[notes](" + "../" * 3 + "shared/notes.md)"),
        ("tests/unit/test_x.py", "ROOT = Path(__file__).resolve().parents[" + "3]"),
    ],
)
def test_the_scan_catches_each_kind_of_outside_reference(relative: str, text: str) -> None:
    assert outside_references(ROOT / relative, text) != []


@pytest.mark.parametrize(
    ("relative", "text"),
    [
        ("tests/emulator/opensearch-api/README.md", "Cross-check against `../SNAPSHOT_API.md`"),
        ("tests/emulator/domain.py", "``POST .../_verify``"),
        ("tests/unit/test_x.py", "ROOT = Path(__file__).resolve().parents[2]"),
        ("tests/emulator/tests/test_x.py", 'api.put("/_snapshot/shared/snap")'),
        ("README.md", "curl http://127.0.0.1:9200/_snapshot/nightly-backups/_all"),
    ],
)
def test_paths_inside_the_repository_pass(relative: str, text: str) -> None:
    assert outside_references(ROOT / relative, text) == []
