"""Which indices of a snapshot a restore takes, and under which names.

Pure and deterministic: the same snapshot and input always select the same source -> target
pairs, so the step that watches a restore recomputes its targets instead of carrying 10,000
names through Step Functions state.

The rules:

- ``indices`` works like the snapshot API: a comma list of names and ``*`` patterns, applied in
  order; an entry starting with ``-`` removes what it matches from the entries before it (a
  leading exclusion starts from every index). No ``indices`` means every index.
- System indices (every index whose name starts with ``.``: ``.kibana*``, ``.opendistro*``,
  ``.opensearch*``, ``.plugins*``, ``.ql-datasources``, ``.security*``, ``.tasks``...) are
  restored only when named exactly; a pattern never brings one in. The security plugin's own
  index is never restored over a live domain: Amazon refuses it and it would lock users out.
- A rename (``rename_prefix``, or the engine's ``rename_pattern``/``rename_replacement`` pair,
  Java regex semantics: every match replaced, ``$1`` group references) maps each source to its
  target. A target that is not a valid index name, or that two sources share, blocks the restore.
- Indices with failed shards in a PARTIAL snapshot are skipped (the plan names an older
  snapshot that holds them).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

INVALID_INDEX_CHARACTERS = frozenset('\\/*?"<>| ,#:')
MAX_INDEX_NAME_BYTES = 255

SECURITY_INDICES = re.compile(r"^\.(opendistro_security|opensearch_security|security)(-.*|_.*|\d*)$")

_KNOWN_SYSTEM = (
    (".kibana", "Dashboards/Kibana saved objects"),
    (".opendistro", "a plugin's state (alerting, ISM, security...)"),
    (".opensearch", "a plugin's state"),
    (".plugins", "a plugin's state"),
    (".ql-datasources", "SQL/PPL data sources"),
    (".security", "security configuration"),
    (".tasks", "task results"),
)


class SkipReason(StrEnum):
    SYSTEM_INDEX = "system_index"
    FAILED_SHARDS = "failed_shards"


@dataclass(frozen=True)
class Skip:
    index: str
    code: SkipReason
    reason: str


def index_name_problem(name: str) -> str | None:
    """Why the engine would reject ``name`` as an index name (MetadataCreateIndexService), or None."""
    if not name:
        return "an index name cannot be empty"
    if name in (".", ".."):
        return f"an index name cannot be {name!r}"
    if name != name.lower():
        return f"index name [{name}] must be lowercase"
    if name[0] in "_-+":
        return f"index name [{name}] must not start with '_', '-' or '+'"
    bad = sorted(INVALID_INDEX_CHARACTERS & set(name))
    if bad:
        return f"index name [{name}] must not contain {' '.join(repr(ch) for ch in bad)}"
    if len(name.encode()) > MAX_INDEX_NAME_BYTES:
        return f"index name [{name[:40]}...] is longer than {MAX_INDEX_NAME_BYTES} bytes"
    return None


def is_system_index(name: str) -> bool:
    return name.startswith(".")


def system_reason(name: str) -> str:
    what = next((text for prefix, text in _KNOWN_SYSTEM if name.startswith(prefix)), "a dot-index")
    return f"system index ({what}): restored only when named exactly in 'indices'"


# ------------------------------------------------------------------------------------ renaming


def _java_pattern(pattern: str) -> str:
    """Java's named groups ``(?<name>...)`` in Python's spelling; everything else is shared."""
    return re.sub(r"\(\?<(?![=!])", "(?P<", pattern)


def _parse_replacement(replacement: str, groups: int, named: Iterable[str]) -> list[tuple[bool, str | int]]:
    """Java's Matcher.appendReplacement rules: ``$n`` (longest valid group number), ``${name}``,
    ``\\x`` for a literal x. Raises ValueError where Java throws IllegalArgumentException."""
    tokens: list[tuple[bool, str | int]] = []
    names = set(named)
    literal: list[str] = []
    i = 0
    while i < len(replacement):
        ch = replacement[i]
        if ch == "\\":
            if i + 1 >= len(replacement):
                raise ValueError("character to be escaped is missing (a trailing '\\')")
            literal.append(replacement[i + 1])
            i += 2
            continue
        if ch != "$":
            literal.append(ch)
            i += 1
            continue
        if i + 1 >= len(replacement):
            raise ValueError("illegal group reference: '$' at the end")
        if literal:
            tokens.append((False, "".join(literal)))
            literal = []
        nxt = replacement[i + 1]
        if nxt == "{":
            end = replacement.find("}", i + 2)
            name = replacement[i + 2 : end] if end > 0 else ""
            if not name or name not in names:
                raise ValueError(f"no group named {name!r} in rename_pattern")
            tokens.append((True, name))
            i = end + 1
            continue
        if not nxt.isdigit():
            raise ValueError(f"illegal group reference '${nxt}' (use \\$ for a literal dollar)")
        number = int(nxt)
        if number > groups:
            raise ValueError(f"no group {number} in rename_pattern (it has {groups})")
        i += 2
        while i < len(replacement) and replacement[i].isdigit() and number * 10 + int(replacement[i]) <= groups:
            number = number * 10 + int(replacement[i])
            i += 1
        tokens.append((True, number))
    if literal:
        tokens.append((False, "".join(literal)))
    return tokens


@dataclass(frozen=True)
class Rename:
    """The engine's rename: ``index.replaceAll(pattern, replacement)`` (Java regex semantics)."""

    pattern: str
    replacement: str

    @classmethod
    def with_prefix(cls, prefix: str) -> Rename:
        escaped = prefix.replace("\\", "\\\\").replace("$", "\\$")
        return cls("^(.+)$", f"{escaped}$1")

    def problem(self) -> str | None:
        try:
            self._compiled()
        except (re.error, ValueError) as exc:
            return str(exc)
        return None

    def _compiled(self) -> tuple[re.Pattern[str], list[tuple[bool, str | int]]]:
        compiled = re.compile(_java_pattern(self.pattern))
        tokens = _parse_replacement(self.replacement, compiled.groups, compiled.groupindex)
        return compiled, tokens

    def function(self) -> Callable[[str], str]:
        compiled, tokens = self._compiled()

        def expand(match: re.Match[str]) -> str:
            return "".join((match.group(tok) or "") if is_group else str(tok) for is_group, tok in tokens)

        return lambda name: compiled.sub(expand, name)


# ------------------------------------------------------------------------------------ patterns


def _matcher(pattern: str) -> Callable[[str], bool]:
    if pattern in ("*", "_all"):
        return lambda name: True
    if "*" not in pattern:
        return lambda name: name == pattern
    regex = re.compile("^" + ".*".join(re.escape(part) for part in pattern.split("*")) + "$", re.DOTALL)
    return lambda name: regex.match(name) is not None


@dataclass(frozen=True)
class Selection:
    """The outcome of selecting: what will be restored under which name, and what was left out."""

    pairs: tuple[tuple[str, str], ...]
    skipped: tuple[Skip, ...] = ()
    problems: tuple[str, ...] = ()
    named_exactly: frozenset[str] = field(default_factory=frozenset)

    @property
    def targets(self) -> tuple[str, ...]:
        return tuple(target for _, target in self.pairs)

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(source for source, _ in self.pairs)


def resolve_patterns(available: Sequence[str], patterns: Sequence[str] | None) -> tuple[list[str], set[str], list[str]]:
    """Apply ``patterns`` to ``available`` like the snapshot API.

    Returns (chosen in snapshot order, names given exactly, concrete names the snapshot lacks).
    A dot-index is chosen only when named exactly.
    """
    if not patterns:
        return [name for name in available if not is_system_index(name)], set(), []
    chosen: set[str] = set()
    exact: set[str] = set()
    missing: list[str] = []
    present = set(available)
    for position, entry in enumerate(patterns):
        if entry.startswith("-") and len(entry) > 1:
            if position == 0:
                chosen = {name for name in available if not is_system_index(name)}
            match = _matcher(entry[1:])
            chosen = {name for name in chosen if not match(name)}
            exact.discard(entry[1:])
            continue
        if "*" in entry or entry == "_all":
            match = _matcher(entry)
            chosen.update(name for name in available if match(name) and not is_system_index(name))
        elif entry in present:
            chosen.add(entry)
            exact.add(entry)
        else:
            missing.append(entry)
    ordered = [name for name in available if name in chosen]
    return ordered, exact & chosen, missing


def select(
    available: Sequence[str],
    patterns: Sequence[str] | None,
    rename: Rename | None,
    *,
    failed: Iterable[str] = (),
) -> Selection:
    """The source -> target pairs of a restore of ``available`` (the snapshot's indices)."""
    chosen, exact, missing = resolve_patterns(available, patterns)
    problems = [f"the snapshot holds no index [{name}]" for name in missing]
    skipped: list[Skip] = []
    if patterns:
        includes = [_matcher(p) for p in patterns if not p.startswith("-")]
        skipped.extend(
            Skip(name, SkipReason.SYSTEM_INDEX, system_reason(name))
            for name in available
            if is_system_index(name) and name not in exact and any(match(name) for match in includes)
        )
    else:
        skipped.extend(Skip(n, SkipReason.SYSTEM_INDEX, system_reason(n)) for n in available if is_system_index(n))
    failed_set = set(failed)
    renamer = rename.function() if rename else None
    pairs: list[tuple[str, str]] = []
    owners: dict[str, str] = {}
    for source in chosen:
        if SECURITY_INDICES.match(source):
            problems.append(
                f"[{source}] is the security plugin's configuration: Amazon refuses to restore it over a live domain "
                "and doing so would lock users out; restore the other indices and apply its configuration with "
                "securityadmin instead"
            )
            continue
        if source in failed_set:
            skipped.append(Skip(source, SkipReason.FAILED_SHARDS, "has failed shards in this PARTIAL snapshot"))
            continue
        target = renamer(source) if renamer else source
        problem = index_name_problem(target)
        if problem:
            problems.append(f"renaming [{source}] gives an invalid name: {problem}")
            continue
        if target in owners:
            problems.append(f"[{owners[target]}] and [{source}] would both be restored as [{target}]")
            continue
        owners[target] = source
        pairs.append((source, target))
    return Selection(tuple(pairs), tuple(skipped), tuple(problems), frozenset(exact))
