"""Builders for the snapshots a repository holds: the name and start of a nightly run some days ago,
and the names a repository holds now.

The name is written out here (``nightly-2026-11-28t02-00-00z``), not taken from the product's naming
module, so a test that seeds nightlies checks the product against the documented format.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from tests.support.constants import REPOSITORY


def nightly(now: datetime, days_ago: float, *, hour: int = 2) -> tuple[str, datetime]:
    """The managed name and start time of the nightly run ``days_ago`` days before ``now``, started at
    ``hour``:00 UTC: ``nightly(now, 3) == ("nightly-2026-11-25t02-00-00z", datetime(2026, 11, 25, 2))``."""
    start = (now - timedelta(days=days_ago)).replace(hour=hour, minute=0, second=0, microsecond=0)
    return f"nightly-{start:%Y-%m-%dt%H-%M-%Sz}", start


def names(domain: Any, repository: str = REPOSITORY) -> set[str]:
    """The names of the snapshots ``repository`` on the emulated ``domain`` holds."""
    return {snapshot.name for snapshot in domain.snapshots(repository)}
