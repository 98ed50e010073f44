"""The snapshot functions' settings: the domain, the managed name's prefix, and how long and how
often a snapshot is watched. The restore and drill functions read the same variables for their
safety snapshots and their own polling."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from snapshot_sentinel.settings import DomainSettings, read_flag, read_number, read_text


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
            stack_name=read_text(environ, "STACK_NAME", "snapshot-sentinel"),
            poll_interval_seconds=read_number(environ, "POLL_INTERVAL_SECONDS", 60, minimum=1),
            max_wait_minutes=read_number(environ, "MAX_WAIT_MINUTES", 480, minimum=1),
            read_only=read_flag(environ, "REPOSITORY_READ_ONLY"),
            catalog_table=read_text(environ, "CATALOG_TABLE_NAME", ""),
        )
