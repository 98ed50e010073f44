"""The vault copy's figures: its lag, and the metrics each ending publishes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

VAULT_COPY_SUCCEEDED = "VaultCopySucceeded"
VAULT_LAG_HOURS = "VaultLagHours"


def lag_hours(newest_end_millis: int | None, now: datetime) -> float | None:
    """Hours since the newest snapshot the vault holds ended, or None when the repository data has no time."""
    if newest_end_millis is None:
        return None
    ended = datetime.fromtimestamp(newest_end_millis / 1000, tz=UTC)
    return round(max(0.0, (now - ended).total_seconds() / 3600), 2)


def vault_metrics(plan: dict[str, Any], verified: dict[str, Any]) -> dict[str, tuple[float, str]]:
    """A verified copy: it succeeded, and the vault's lag when known (what it copied is in the
    execution's output, ``$.plan``: two metrics, not four, since each costs every month)."""
    values: dict[str, tuple[float, str]] = {VAULT_COPY_SUCCEEDED: (1.0, "Count")}
    if verified.get("lag_hours") is not None:
        values[VAULT_LAG_HOURS] = (float(verified["lag_hours"]), "None")
    return values
