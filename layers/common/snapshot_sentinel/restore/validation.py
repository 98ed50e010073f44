"""RestoreStateMachine's input, checked before anything touches the domain.

Every key is optional; unknown keys are rejected naming the key, because a misspelt option
(``on_conflct``) silently ignored is a restore that does not do what its operator asked. Each
error names the field and the fix.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from snapshot_sentinel.errors import InvalidInputError
from snapshot_sentinel.inputs import (
    MAX_POLL_SECONDS,
    MIN_POLL_SECONDS,
    index_parts,
    input_object,
    poll_interval,
)
from snapshot_sentinel.naming import name_problem
from snapshot_sentinel.restore.selection import Rename, index_name_problem

ON_CONFLICT = ("fail", "delete")

UNMODIFIABLE_SETTINGS = frozenset(
    {"index.number_of_shards", "index.version.created", "index.uuid", "index.creation_date", "index.history.uuid"}
)
"""Settings the engine refuses to change on restore (RestoreService's UNMODIFIABLE_SETTINGS)."""

INPUT_KEYS: dict[str, str] = {
    "snapshot_name": "the snapshot to restore (default: the newest SUCCESS full snapshot of this stack)",
    "repository": "the registered repository to read it from (default: RepositoryName; cs-automated allowed)",
    "indices": 'indices to restore, a comma string or a list with wildcards and - exclusions, e.g. "logs-*,-logs-old"',
    "rename_prefix": 'restore each index x as <prefix>x, e.g. "restored-"',
    "rename_pattern": "the engine's regex for renaming (with rename_replacement; not with rename_prefix)",
    "rename_replacement": 'the engine\'s replacement for rename_pattern, e.g. "restored-$1"',
    "on_conflict": '"fail" (default) refuses when a target index exists; "delete" (replace) snapshots, closes and '
    "restores over exactly those",
    "include_aliases": "true to restore the indices' aliases, except any moved to other indices since (default: true "
    "without renaming, false with it)",
    "index_settings": 'settings applied to the restored indices, e.g. {"index.number_of_replicas": 0}',
    "dry_run": "true to plan and report without changing anything",
    "poll_interval_seconds": f"seconds between progress checks, {MIN_POLL_SECONDS} to {MAX_POLL_SECONDS}",
}


@dataclass(frozen=True)
class RestoreConfig:
    """What one restore does, decided once at its start."""

    snapshot_name: str | None
    repository: str
    indices: tuple[str, ...] | None
    rename_prefix: str | None
    rename_pattern: str | None
    rename_replacement: str | None
    on_conflict: str
    include_aliases: bool
    index_settings: dict[str, Any] | None
    dry_run: bool
    poll_interval_seconds: int
    execution_id: str
    execution_start_time: str

    @property
    def rename(self) -> Rename | None:
        if self.rename_prefix is not None:
            return Rename.with_prefix(self.rename_prefix)
        if self.rename_pattern is not None and self.rename_replacement is not None:
            return Rename(self.rename_pattern, self.rename_replacement)
        return None

    @property
    def replicas_override(self) -> int | None:
        value = (self.index_settings or {}).get("index.number_of_replicas")
        if value is None:
            value = ((self.index_settings or {}).get("index") or {}).get("number_of_replicas")
        try:
            return None if value is None else int(value)
        except (TypeError, ValueError):
            return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "snapshot_name": self.snapshot_name,
            "repository": self.repository,
            "indices": list(self.indices) if self.indices is not None else None,
            "rename_prefix": self.rename_prefix,
            "rename_pattern": self.rename_pattern,
            "rename_replacement": self.rename_replacement,
            "on_conflict": self.on_conflict,
            "include_aliases": self.include_aliases,
            "index_settings": self.index_settings,
            "dry_run": self.dry_run,
            "poll_interval_seconds": self.poll_interval_seconds,
            "execution_id": self.execution_id,
            "execution_start_time": self.execution_start_time,
        }

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> RestoreConfig:
        """The config as the state machine carries it (``to_dict``'s output)."""
        indices = doc.get("indices")
        return cls(
            snapshot_name=doc.get("snapshot_name"),
            repository=str(doc["repository"]),
            indices=tuple(indices) if indices is not None else None,
            rename_prefix=doc.get("rename_prefix"),
            rename_pattern=doc.get("rename_pattern"),
            rename_replacement=doc.get("rename_replacement"),
            on_conflict=str(doc.get("on_conflict", "fail")),
            include_aliases=bool(doc.get("include_aliases", True)),
            index_settings=doc.get("index_settings"),
            dry_run=bool(doc.get("dry_run", False)),
            poll_interval_seconds=int(doc.get("poll_interval_seconds", 60)),
            execution_id=str(doc.get("execution_id", "")),
            execution_start_time=str(doc.get("execution_start_time", "")),
        )


def _optional_string(data: Mapping[str, Any], key: str, example: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise InvalidInputError(f"input field {key!r} must be a non-empty string such as {example}, got {value!r}")
    return value


def _bool(data: Mapping[str, Any], key: str, default: bool) -> bool:
    value = data.get(key, default)
    if not isinstance(value, bool):
        raise InvalidInputError(f"input field {key!r} must be true or false (JSON boolean), got {value!r}")
    return value


def _snapshot_name(data: Mapping[str, Any]) -> str | None:
    value = _optional_string(data, "snapshot_name", '"nightly-2026-11-28t02-00-00z"')
    if value is None:
        return None
    problem = name_problem(value)
    if problem:
        raise InvalidInputError(f"input field 'snapshot_name' {value!r} is not a valid snapshot name: it {problem}")
    return value


def _repository(data: Mapping[str, Any], default: str) -> str:
    value = _optional_string(data, "repository", '"cs-automated"')
    if value is None:
        return default
    if not re.fullmatch(r"[a-z0-9][a-z0-9._-]*", value) or len(value) > 255:
        raise InvalidInputError(
            f"input field 'repository' {value!r} is not a repository name: use lowercase letters, digits, '.', '_' "
            "and '-' as in GET _snapshot (e.g. \"cs-automated-enc\")"
        )
    return value


def _indices(data: Mapping[str, Any]) -> tuple[str, ...] | None:
    value = data.get("indices")
    if value is None:
        return None
    parts = index_parts(value, example="logs-*,-logs-old")
    if not parts or any(not part or part == "-" or any(ch.isspace() for ch in part) for part in parts):
        raise InvalidInputError(
            f"input field 'indices' must name at least one index or pattern, with no empty or spaced entries, "
            f"got {value!r}"
        )
    return tuple(parts)


def _rename(data: Mapping[str, Any]) -> tuple[str | None, str | None, str | None]:
    prefix = _optional_string(data, "rename_prefix", '"restored-"')
    pattern = _optional_string(data, "rename_pattern", '"logs-(.+)"')
    replacement = data.get("rename_replacement")
    if replacement is not None and not isinstance(replacement, str):
        raise InvalidInputError(
            f"input field 'rename_replacement' must be a string such as \"restored-$1\", got {replacement!r}"
        )
    if prefix is not None and (pattern is not None or replacement is not None):
        raise InvalidInputError(
            "input field 'rename_prefix' cannot be combined with 'rename_pattern'/'rename_replacement'; use one form"
        )
    if prefix is not None:
        problem = index_name_problem(prefix + "x")
        if problem:
            raise InvalidInputError(f"input field 'rename_prefix' {prefix!r} would make invalid index names: {problem}")
        return prefix, None, None
    if (pattern is None) != (replacement is None):
        missing = "rename_replacement" if replacement is None else "rename_pattern"
        raise InvalidInputError(f"input field {missing!r} is required with the other; give both or use rename_prefix")
    if pattern is not None and replacement is not None:
        problem = Rename(pattern, replacement).problem()
        if problem:
            raise InvalidInputError(f"input fields 'rename_pattern'/'rename_replacement' do not work: {problem}")
    return None, pattern, replacement


def _index_settings(data: Mapping[str, Any]) -> dict[str, Any] | None:
    value = data.get("index_settings")
    if value is None:
        return None
    if not isinstance(value, dict) or not value:
        raise InvalidInputError(
            "input field 'index_settings' must be a JSON object such as "
            f'{{"index.number_of_replicas": 0}}, got {value!r}'
        )
    flat = set(_flatten(value))
    refused = sorted(key for key in flat if key in UNMODIFIABLE_SETTINGS or f"index.{key}" in UNMODIFIABLE_SETTINGS)
    if refused:
        raise InvalidInputError(
            f"input field 'index_settings' sets {', '.join(refused)}, which the engine cannot change on restore; "
            "remove it"
        )
    return value


def _flatten(doc: Mapping[str, Any], prefix: str = "") -> list[str]:
    keys: list[str] = []
    for key, item in doc.items():
        name = f"{prefix}{key}"
        keys.extend(_flatten(item, name + ".") if isinstance(item, Mapping) else [name])
    return keys


def validate_restore_input(
    data: Any,
    *,
    default_repository: str,
    default_poll_seconds: int,
    execution_id: str,
    execution_start_time: str,
) -> RestoreConfig:
    """Check a restore's input; raise InvalidInputError naming the field and the fix."""
    data = input_object(data, "restore", '{} or {"indices": "orders", "dry_run": true}', INPUT_KEYS)
    on_conflict = data.get("on_conflict", "fail")
    if on_conflict not in ON_CONFLICT:
        raise InvalidInputError(f'input field \'on_conflict\' must be "fail" or "delete", got {on_conflict!r}')
    prefix, pattern, replacement = _rename(data)
    renamed = prefix is not None or pattern is not None
    include_aliases = _bool(data, "include_aliases", not renamed)
    if renamed and include_aliases:
        raise InvalidInputError(
            "input field 'include_aliases' cannot be true with a rename: a renamed copy must never join the live "
            "index's aliases; remove include_aliases"
        )
    return RestoreConfig(
        snapshot_name=_snapshot_name(data),
        repository=_repository(data, default_repository),
        indices=_indices(data),
        rename_prefix=prefix,
        rename_pattern=pattern,
        rename_replacement=replacement,
        on_conflict=str(on_conflict),
        include_aliases=include_aliases,
        index_settings=_index_settings(data),
        dry_run=_bool(data, "dry_run", False),
        poll_interval_seconds=poll_interval(data, default_poll_seconds),
        execution_id=execution_id,
        execution_start_time=execution_start_time,
    )
