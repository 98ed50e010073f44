"""The snapshot functions' settings: the domain, the managed name's prefix, and how long and how
often a snapshot is watched. The restore and drill functions read the same variables for their
safety snapshots and their own polling."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from snapshot_sentinel.settings import (
    DomainSettings,
    read_flag,
    read_max_wait_minutes,
    read_poll_seconds,
    read_stack_name,
    read_text,
)


@dataclass(frozen=True)
class SnapshotSettings:
    domain: DomainSettings
    prefix: str
    stack_name: str
    poll_interval_seconds: int
    max_wait_minutes: int
    read_only: bool
    catalog_table: str = ""
    """The drill catalog's table (restore functions that read what the backup recorded); "" for none."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> SnapshotSettings:
        return cls(
            domain=DomainSettings.from_env(environ),
            prefix=read_text(environ, "SNAPSHOT_PREFIX"),
            stack_name=read_stack_name(environ),
            poll_interval_seconds=read_poll_seconds(environ),
            max_wait_minutes=read_max_wait_minutes(environ),
            read_only=read_flag(environ, "REPOSITORY_READ_ONLY"),
            catalog_table=read_text(environ, "CATALOG_TABLE_NAME", ""),
        )
