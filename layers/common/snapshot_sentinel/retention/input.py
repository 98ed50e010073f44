"""The retention step's input, checked before anything touches the domain.

BackupStateMachine passes ``{"snapshot_name": <the name this run took, or null for a retention-only
run>, "dry_run": <bool>}``; anything else is refused, naming the shape it expects.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from snapshot_sentinel.errors import InvalidInputError


@dataclass(frozen=True)
class RetentionRequest:
    taken: str | None
    """The snapshot this run just took: never deleted by this run, whatever its age."""
    dry_run: bool

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> RetentionRequest:
        taken = state.get("snapshot_name")
        dry_run = state.get("dry_run", False)
        if not (taken is None or isinstance(taken, str)) or not isinstance(dry_run, bool):
            raise InvalidInputError(f"expected {{'snapshot_name': str or null, 'dry_run': bool}}, got {dict(state)!r}")
        return cls(taken=taken, dry_run=dry_run)

    @property
    def protect(self) -> frozenset[str]:
        return frozenset({self.taken}) if self.taken else frozenset()
