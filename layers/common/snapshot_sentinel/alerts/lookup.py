"""What the alert function reads from the domain itself before it writes the alert.

The state machine carries only a bounded sample of a snapshot's failures (a PARTIAL snapshot of
a large domain can fail thousands of shards, far past Step Functions' 256 KB), so the alert
function asks the domain for the whole snapshot, and for the newest SUCCESS snapshot of the full
set of indices (the "latest good backup"). Reading is best effort: the alert must go out whatever
the domain does, so any failure becomes a sentence in the alert and the run's own sample is used.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from snapshot_sentinel.alerts.facts import VALIDATING_INPUT, Domain, DomainRead
from snapshot_sentinel.alerts.input import read_facts
from snapshot_sentinel.alerts.sns import render_alert
from snapshot_sentinel.alerts.text import Alert
from snapshot_sentinel.client import DomainClient
from snapshot_sentinel.models import SUCCESS, SnapshotInfo
from snapshot_sentinel.ownership import is_full_backup

IN_VPC = (
    "the domain is in a VPC and the alert function runs outside it, so that an alert never depends on "
    "a NAT gateway or a VPC endpoint to reach SNS"
)


def read_domain(client: DomainClient, repository: str, snapshot: str | None, *, prefix: str, stack: str) -> DomainRead:
    """The run's snapshot as the domain describes it now, and the latest full backup; never raises."""
    found: SnapshotInfo | None = None
    problem: str | None = None
    if snapshot:
        try:
            found = client.get_snapshot(repository, snapshot)
        except Exception as exc:  # noqa: BLE001 the alert goes out with the run's own facts
            problem = f"reading GET _snapshot/{repository}/{snapshot} failed ({type(exc).__name__}: {exc})"
    try:
        latest = latest_full_backup(client.list_snapshots(repository, f"{prefix}-*"), prefix=prefix, stack=stack)
    except Exception:  # noqa: BLE001 the alert then says how to find it by hand
        latest = None
    return DomainRead(snapshot=found, latest_full_backup=latest, problem=problem)


def latest_full_backup(snapshots: Iterable[SnapshotInfo], *, prefix: str, stack: str) -> SnapshotInfo | None:
    """The newest SUCCESS full backup of this stack (:func:`snapshot_sentinel.ownership.is_full_backup`).

    Managed by the ownership rule (the exact managed name, metadata naming this stack; the name
    alone on an engine that stores no metadata) and not ``"scope": "subset"``; a snapshot from
    before scopes were recorded counts as full, as retention counts it. A look-alike taken by hand,
    by another stack or under another name is never named.
    """
    full = [
        snapshot
        for snapshot in snapshots
        if snapshot.state == SUCCESS and snapshot.start_time is not None and is_full_backup(snapshot, prefix, stack)
    ]
    return max(full, key=lambda snapshot: snapshot.start_time or 0, default=None)


def alert_for(
    event: Any,
    *,
    domain: Domain,
    client: DomainClient | None,
    prefix: str,
    stack: str,
) -> Alert:
    """The alert for ``event``, completed with what ``client`` reads (None: the domain is out of reach).

    A run stopped by its input never touched the domain, and its alert does not either.
    """
    facts = read_facts(event, domain)
    if facts.phase == VALIDATING_INPUT:
        found = DomainRead()
    elif client is None:
        found = DomainRead(problem=IN_VPC)
    else:
        found = read_domain(client, domain.repository, facts.snapshot, prefix=prefix, stack=stack)
    return render_alert(
        event,
        domain_name=domain.name,
        endpoint=domain.endpoint,
        repository=domain.repository,
        region=domain.region,
        found=found,
    )
