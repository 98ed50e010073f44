"""The drill family's settings, read from the environment mapping the handler passes in (template.yaml
sets the variables from the stack's parameters): :class:`DrillSettings` for DrillStateMachine's
functions, :class:`CatalogSettings` for the function that records the catalog during a backup, and
:class:`DrillFreshnessSettings` for the hourly freshness metric.

A missing or malformed variable raises :class:`ConfigurationError` naming it, before anything
touches a domain. Every drill function reads the same class; the variables a function's
environment does not hold (the caps, outside PlanDrillFunction) take the parameters' defaults.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from snapshot_sentinel.drills.plan import DrillCaps
from snapshot_sentinel.errors import ConfigurationError
from snapshot_sentinel.settings import (
    DomainSettings,
    drill_domain_settings,
    read_max_wait_minutes,
    read_number,
    read_poll_seconds,
    read_stack_name,
    read_text,
)

DEFAULT_MAX_SHARDS = 20
DEFAULT_MAX_GIGABYTES = 20.0


def _gigabytes(environ: Mapping[str, str], name: str, default: float) -> float:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigurationError(f"environment variable {name} must be a number of gigabytes, got {raw!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise ConfigurationError(f"environment variable {name} must be a number of gigabytes above 0, got {raw!r}")
    return value


@dataclass(frozen=True)
class DrillSettings:
    """Where a drill reads (``domain``, the backed-up one) and restores (``target``: the drill domain,
    or the backed-up domain itself when DrillDomainEndpoint is empty), and the sample's caps."""

    domain: DomainSettings
    target: DomainSettings
    prefix: str
    stack_name: str
    max_wait: timedelta
    poll_interval_seconds: int = 60
    indices: str = ""
    """DrillIndices: comma-separated index names or patterns the sample is drawn from ("" for all)."""
    max_shards: int = DEFAULT_MAX_SHARDS
    max_gigabytes: float = DEFAULT_MAX_GIGABYTES
    catalog_table: str = ""
    """The drill catalog's table (PlanDrillFunction reads it); "" where a function has none."""

    @property
    def repository(self) -> str:
        return self.domain.repository

    @property
    def caps(self) -> DrillCaps:
        return DrillCaps.from_gigabytes(self.max_shards, self.max_gigabytes)

    @property
    def elsewhere(self) -> bool:
        """Whether drills restore on a separate drill domain."""
        return self.target != self.domain

    def required_catalog_table(self) -> str:
        """The catalog's table, for PlanDrillFunction, whose environment must name it."""
        if not self.catalog_table:
            raise ConfigurationError("environment variable CATALOG_TABLE_NAME is not set; template.yaml sets it")
        return self.catalog_table

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> DrillSettings:
        domain = DomainSettings.from_env(environ)
        return cls(
            domain=domain,
            target=drill_domain_settings(domain, environ),
            prefix=read_text(environ, "SNAPSHOT_PREFIX"),
            stack_name=read_stack_name(environ),
            max_wait=timedelta(minutes=read_max_wait_minutes(environ)),
            poll_interval_seconds=read_poll_seconds(environ),
            indices=environ.get("DRILL_INDICES", "").strip(),
            max_shards=read_number(environ, "DRILL_MAX_SHARDS", DEFAULT_MAX_SHARDS, minimum=1),
            max_gigabytes=_gigabytes(environ, "DRILL_MAX_GIGABYTES", DEFAULT_MAX_GIGABYTES),
            catalog_table=environ.get("CATALOG_TABLE_NAME", "").strip(),
        )


@dataclass(frozen=True)
class CatalogSettings:
    domain: DomainSettings
    table_name: str

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> CatalogSettings:
        return cls(domain=DomainSettings.from_env(environ), table_name=read_text(environ, "CATALOG_TABLE_NAME"))


@dataclass(frozen=True)
class DrillFreshnessSettings:
    """PublishDrillFreshnessFunction: whose drills to age, and the alarm's threshold (for its log and result)."""

    domain: DomainSettings
    state_machine_arn: str
    stale_days: int

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> DrillFreshnessSettings:
        arn = read_text(environ, "DRILL_STATE_MACHINE_ARN")
        if not re.fullmatch(r"arn:aws[a-z-]*:states:[a-z0-9-]+:[0-9]{12}:stateMachine:[^\s:]+", arn):
            raise ConfigurationError(
                f"DRILL_STATE_MACHINE_ARN must be a state machine ARN (arn:aws:states:<region>:<account>:"
                f"stateMachine:<name>), got {arn!r}"
            )
        return cls(
            domain=DomainSettings.from_env(environ),
            state_machine_arn=arn,
            stale_days=read_number(environ, "DRILL_STALE_DAYS", 8, minimum=1),
        )
