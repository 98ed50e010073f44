"""Builders the drill scenarios share: a nightly backup through the real BackupStateMachine, and the
drill indices a domain holds."""

from __future__ import annotations

from typing import Any

from tests.emulator import SnapshotProgress

REPOSITORY = "nightly-backups"


def backed_up(stack: Any, domain: Any) -> Any:
    """A nightly run of the real BackupStateMachine (catalog counts recorded); returns its snapshot."""
    domain.progress = SnapshotProgress(polls=1, outcome="SUCCESS")
    run = stack.run({})
    assert run.status == "SUCCEEDED", run.cause
    [snapshot] = domain.snapshots(REPOSITORY)
    domain.clear_requests()
    return snapshot


def drill_indices(domain: Any) -> list[str]:
    """The domain's indices under the drill- prefix, sorted."""
    return sorted(name for name in domain.index_names() if name.startswith("drill-"))
