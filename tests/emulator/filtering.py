"""``filter_path`` as the engine applies it to a response body.

Comma-separated dotted paths; ``*`` matches within a key, ``**`` any depth; arrays are
transparent; a leading ``-`` excludes. Objects and arrays left empty are dropped, so a filter
that matches nothing yields ``{}``.
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Any

_DROP = object()


def filter_path(document: Any, expression: str) -> Any:
    includes = [p.split(".") for p in expression.split(",") if p and not p.startswith("-")]
    excludes = [p[1:].split(".") for p in expression.split(",") if p.startswith("-") and len(p) > 1]
    result = document
    if includes:
        result = _include(document, includes)
        if result is _DROP:
            result = {} if isinstance(document, dict) else []
    if excludes:
        result = _exclude(result, excludes)
        if result is _DROP:
            result = {} if isinstance(document, dict) else []
    return result


def _advance(paths: list[list[str]], key: str) -> tuple[bool, list[list[str]]]:
    """Whether some path ends at ``key`` and the remaining paths to apply below it."""
    complete = False
    below: list[list[str]] = []
    for path in paths:
        head, rest = path[0], path[1:]
        if head == "**":
            if not rest:
                complete = True
                continue
            below.append(path)
            done, deeper = _advance([rest], key)
            complete = complete or done
            below.extend(deeper)
        elif fnmatchcase(key, head):
            if rest:
                below.append(rest)
            else:
                complete = True
    return complete, below


def _include(value: Any, paths: list[list[str]]) -> Any:
    if isinstance(value, list):
        kept = [item for item in (_include(v, paths) for v in value) if item is not _DROP]
        return kept or _DROP
    if not isinstance(value, dict):
        return _DROP
    kept_doc: dict[str, Any] = {}
    for key, child in value.items():
        complete, below = _advance(paths, key)
        if complete:
            kept_doc[key] = child
        elif below:
            filtered = _include(child, below)
            if filtered is not _DROP:
                kept_doc[key] = filtered
    return kept_doc or _DROP


def _exclude(value: Any, paths: list[list[str]]) -> Any:
    if isinstance(value, list):
        return [item for item in (_exclude(v, paths) for v in value) if item is not _DROP]
    if not isinstance(value, dict):
        return value
    kept_doc: dict[str, Any] = {}
    for key, child in value.items():
        complete, below = _advance(paths, key)
        if complete:
            continue
        kept_doc[key] = _exclude(child, below) if below else child
    return kept_doc
