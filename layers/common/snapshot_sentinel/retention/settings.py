"""ApplyRetentionFunction's settings: the domain, whose snapshots are managed, the policy, and the time budget."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from snapshot_sentinel.retention.plan import RetentionPolicy
from snapshot_sentinel.settings import DomainSettings, read_number, read_stack_name, read_text


@dataclass(frozen=True)
class RetentionSettings:
    domain: DomainSettings
    prefix: str
    stack_name: str
    days: int
    min_count: int
    max_count: int
    time_budget_seconds: int

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> RetentionSettings:
        return cls(
            domain=DomainSettings.from_env(environ),
            prefix=read_text(environ, "SNAPSHOT_PREFIX"),
            stack_name=read_stack_name(environ),
            days=read_number(environ, "RETENTION_DAYS", 14, minimum=1),
            min_count=read_number(environ, "RETENTION_MIN_COUNT", 7, minimum=1),
            max_count=read_number(environ, "RETENTION_MAX_COUNT", 0),
            time_budget_seconds=read_number(environ, "RETENTION_TIME_BUDGET_SECONDS", 600, minimum=10),
        )

    @property
    def policy(self) -> RetentionPolicy:
        """RetentionDays, RetentionMinCount and RetentionMaxCount as the planner reads them."""
        return RetentionPolicy(
            prefix=self.prefix,
            stack_name=self.stack_name,
            days=self.days,
            min_count=self.min_count,
            max_count=self.max_count,
        )
