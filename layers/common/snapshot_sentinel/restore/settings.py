"""RestoreStateMachine's functions' settings: one frozen class, read from the environment mapping the
handler passes in (template.yaml sets the variables from the stack's parameters); a missing or
malformed variable raises :class:`ConfigurationError` naming it, before anything touches the domain.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from snapshot_sentinel.settings import (
    DomainSettings,
    read_flag,
    read_max_wait_minutes,
    read_poll_seconds,
    read_stack_name,
    read_text,
)


@dataclass(frozen=True)
class RestoreSettings:
    """The domain restored on (its own repository holds the safety snapshots), the stack's managed
    names, how long a restore may take and how often it is checked."""

    domain: DomainSettings
    prefix: str
    stack_name: str
    poll_interval_seconds: int
    max_wait: timedelta
    read_only: bool
    """REPOSITORY_READ_ONLY: the stack's repository is registered read-only here (no safety snapshot)."""
    catalog_table: str = ""
    """The drill catalog's table (the steps that read what the backup recorded); "" for none."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> RestoreSettings:
        return cls(
            domain=DomainSettings.from_env(environ),
            prefix=read_text(environ, "SNAPSHOT_PREFIX"),
            stack_name=read_stack_name(environ),
            poll_interval_seconds=read_poll_seconds(environ),
            max_wait=timedelta(minutes=read_max_wait_minutes(environ)),
            read_only=read_flag(environ, "REPOSITORY_READ_ONLY"),
            catalog_table=read_text(environ, "CATALOG_TABLE_NAME", ""),
        )
