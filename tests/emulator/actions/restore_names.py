"""Which indices a restore takes and what it names them: OpenSearch's SnapshotUtils.filterIndices over the
snapshot's indices, and the ``rename_pattern``/``rename_replacement`` pair applied as Java's ``replaceAll``."""

from __future__ import annotations

import re
from fnmatch import fnmatchcase
from typing import Any

from tests.emulator.engine import Cluster
from tests.emulator.responses import engine_error


def filter_indices(
    available: list[str], selected: list[str], *, ignore_unavailable: bool, allow_no_indices: bool
) -> list[str]:
    """SnapshotUtils.filterIndices: ``-`` patterns sort last; a lone ``-x`` starts from every index."""
    selected = [s for s in selected if s]
    if not selected or selected in (["_all"], ["*"]):
        return list(available)
    selected.sort(key=lambda s: (s.startswith("-"), s))
    result: list[str] | None = None
    for position, token in enumerate(selected):
        add = True
        if token in available:
            result = (result or []) + ([token] if token not in (result or []) else [])
            continue
        if token.startswith("+"):
            token = token[1:]
            if position == 0:
                result = []
        elif token.startswith("-"):
            if position == 0 and len(selected) == 1:
                result = list(available)
            add = False
            token = token[1:]
        if not token or "*" not in token:
            if token not in available:
                if not ignore_unavailable:
                    raise Cluster.index_missing(token)
                if result is None:
                    result = list(available[:position])
            elif result is not None:
                if add and token not in result:
                    result.append(token)
                elif not add and token in result:
                    result.remove(token)
            continue
        if result is None:
            result = list(available[:position])
        matched = [i for i in available if fnmatchcase(i, token)]
        for index in matched:
            if add and index not in result:
                result.append(index)
            elif not add and index in result:
                result.remove(index)
        if not matched and not allow_no_indices:
            raise Cluster.index_missing(token)
    if result is None:  # only exclusions of literal names: the engine keeps the tokens; none is an index
        return [s for s in selected if s in available]
    return [i for i in available if i in result]


def rename(name: str, pattern: Any, replacement: Any) -> str:
    """Java's ``name.replaceAll(pattern, replacement)``: ``$1``/``${g}`` groups, ``\\`` escapes."""
    if not isinstance(pattern, str) or not isinstance(replacement, str):
        return name

    def substitute(match: re.Match[str]) -> str:
        out: list[str] = []
        i = 0
        while i < len(replacement):
            char = replacement[i]
            if char == "\\" and i + 1 < len(replacement):
                out.append(replacement[i + 1])
                i += 2
            elif char == "$" and i + 1 < len(replacement) and replacement[i + 1] == "{":
                end = replacement.index("}", i)
                out.append(match.group(replacement[i + 2 : end]) or "")
                i = end + 1
            elif char == "$":
                j = i + 1
                while (
                    j < len(replacement)
                    and replacement[j].isdigit()
                    and int(replacement[i + 1 : j + 1]) <= (match.re.groups)
                ):
                    j += 1
                if j == i + 1:
                    raise engine_error(500, "illegal_argument_exception", "Illegal group reference")
                out.append(match.group(int(replacement[i + 1 : j])) or "")
                i = j
            else:
                out.append(char)
                i += 1
        return "".join(out)

    python_pattern = re.sub(r"\(\?<([A-Za-z][A-Za-z0-9]*)>", r"(?P<\1>", pattern)  # Java's named groups
    try:
        return re.sub(python_pattern, substitute, name)
    except re.error as error:
        raise engine_error(400, "pattern_syntax_exception", f"{error.msg} near index {error.pos}") from None
