"""The suite's own shape: a test module imports shared fixtures, builders and constants from
tests/support (its fixtures reach every test as the plugin tests/support/fixtures.py), never from
another test module or a conftest, and the test folders hold tests only.

Importing a test module runs it a second time under another name, pulls its fixtures into the importer,
and makes a helper's home depend on which test happened to write it first; a conftest is pytest's to
load, not a module to import.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TESTS = ROOT / "tests"
TEST_FOLDERS = ("unit", "integration", "statemachine", "cli")
"""Folders of tests only: what they share lives in tests/support."""


def python_files() -> list[Path]:
    return sorted(path for path in TESTS.rglob("*.py") if "__pycache__" not in path.parts)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """Every module ``path`` imports, absolute, with the line: ``from a import b`` counts as ``a`` and
    ``a.b`` (``b`` may be a module), relative imports are resolved against the file's package."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *(node.module.split(".") if node.module else [])])
            found.append((node.lineno, module))
            found += [(node.lineno, f"{module}.{alias.name}") for alias in node.names]
    return found


def is_test_module(module: str) -> bool:
    parts = module.split(".")
    return parts[0] == "tests" and (parts[-1] == "conftest" or parts[-1].startswith("test_"))


def test_no_module_of_the_suite_imports_a_test_module_or_a_conftest() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in python_files()
        for line, module in imported_modules(path)
        if is_test_module(module) and module != module_name(path)
    ]
    assert offenders == [], (
        "move what is shared into tests/support (a builder or constant: a module there; a fixture: "
        "tests/support/fixtures.py, which every test reaches by name):\n" + "\n".join(offenders)
    )


def test_the_test_folders_hold_tests_only() -> None:
    allowed = {"__init__.py", "conftest.py"}
    strays = [
        str(path.relative_to(ROOT))
        for folder in TEST_FOLDERS
        for path in (TESTS / folder).rglob("*.py")
        if "__pycache__" not in path.parts and path.name not in allowed and not path.name.startswith("test_")
    ]
    assert strays == [], "a helper the tests share belongs in tests/support: " + ", ".join(strays)
