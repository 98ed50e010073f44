"""Builders the drill scenarios share: a nightly backup through the real BackupStateMachine, a run of
the real DrillStateMachine, and what a drill leaves on a domain (its indices, its restore requests)."""

from __future__ import annotations

from typing import Any

from tests.emulator import SnapshotProgress
from tests.support.constants import REPOSITORY

DRILL = "DrillStateMachine"


def backed_up(stack: Any, domain: Any) -> Any:
    """A nightly run of the real BackupStateMachine (catalog counts recorded); returns its snapshot."""
    domain.progress = SnapshotProgress(polls=1, outcome="SUCCESS")
    run = stack.run({})
    assert run.status == "SUCCEEDED", run.cause
    [snapshot] = domain.snapshots(REPOSITORY)
    domain.clear_requests()
    return snapshot


def drill(stack: Any, run_input: dict[str, Any] | None = None, *, name: str | None = None) -> Any:
    """A run of the real DrillStateMachine (named ``name`` when given)."""
    return stack.run(run_input or {}, state_machine=DRILL, name=name)


def drill_indices(domain: Any) -> list[str]:
    """The domain's indices under the drill- prefix, sorted."""
    return sorted(name for name in domain.index_names() if name.startswith("drill-"))


def restore_bodies(domain: Any) -> list[Any]:
    """The bodies of the restore requests the domain received, in order."""
    return [r.body for r in domain.requests if r.method == "POST" and r.path.endswith("/_restore")]
