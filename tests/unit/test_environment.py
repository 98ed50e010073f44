"""The layer reads its settings from the mapping a handler passes in, as its package docstring says:
a module that read ``os.environ`` itself could not be tested with a given environment, and two
functions of one family could read different values."""

from __future__ import annotations

import ast
from pathlib import Path

import snapshot_sentinel

LAYER = Path(snapshot_sentinel.__file__).parent
READS_POWERTOOLS_SWITCHES = {"observability.py"}
"""Powertools' own switches (POWERTOOLS_TRACE_DISABLED, POWERTOOLS_METRICS_DISABLED), read where Powertools is."""


def process_environment_reads(path: Path) -> list[int]:
    """Lines of ``path`` that read the process environment (``os.environ``, ``os.getenv``, ``from os import``)."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        reads = (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "os"
            and node.attr in ("environ", "getenv", "environb")
        ) or (isinstance(node, ast.ImportFrom) and node.module == "os")
        if reads:
            lines.append(node.lineno)
    return lines


def test_only_observability_reads_the_process_environment() -> None:
    readers = {
        str(path.relative_to(LAYER)): lines
        for path in sorted(LAYER.rglob("*.py"))
        if (lines := process_environment_reads(path))
    }
    assert set(readers) <= READS_POWERTOOLS_SWITCHES, readers
