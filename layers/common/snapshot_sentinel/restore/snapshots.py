"""Which snapshot a restore or a drill takes when the input names none, and, for an index a PARTIAL
snapshot failed, which older SUCCESS snapshot still holds it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from snapshot_sentinel.models import SUCCESS, SnapshotInfo
from snapshot_sentinel.ownership import is_full_backup

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _unscoped(snapshot: SnapshotInfo) -> bool:
    """Taken before the take step recorded ``scope`` (metadata without it): counted as full, as
    retention counts it, but the plan's indices deserve a look."""
    return bool(snapshot.metadata) and "scope" not in snapshot.metadata


def choose_default_snapshot(
    snapshots: Sequence[SnapshotInfo], *, managed: bool, prefix: str, stack_name: str | None
) -> tuple[SnapshotInfo | None, str]:
    """The newest SUCCESS snapshot a restore takes when no snapshot_name is given, and why.

    In the stack's own repository (``managed``) only full backups of this stack count
    (:func:`snapshot_sentinel.ownership.is_full_backup`: managed by the ownership rule, not a subset;
    ``stack_name`` None accepts any stack of this project); in any other repository
    (``cs-automated``...) the newest SUCCESS snapshot does. PARTIAL and FAILED never do. A managed
    snapshot from before the ``scope`` metadata counts as full, and the reason says so.
    """
    succeeded = [s for s in snapshots if s.state == SUCCESS]
    if not managed:
        candidates, what = succeeded, "snapshot in the repository"
    else:
        candidates = [s for s in succeeded if is_full_backup(s, prefix, stack_name)]
        what = "full snapshot of this stack"
    if not candidates:
        return None, f"no SUCCESS {'full snapshot taken by this stack' if managed else 'snapshot'} in the repository"
    newest = max(candidates, key=lambda s: (s.start_time or _EPOCH, s.name))
    if managed and _unscoped(newest):
        what = "managed snapshot of this stack (taken before the scope was recorded: check the plan's indices)"
    return newest, f"the newest SUCCESS {what} (default)"


def older_holders(snapshot: SnapshotInfo, older: Sequence[SnapshotInfo]) -> Callable[[str], str | None]:
    """For an index, the newest SUCCESS snapshot started before ``snapshot`` that holds it."""
    started = snapshot.start_time or _EPOCH
    candidates = sorted(
        (s for s in older if s.state == SUCCESS and s.name != snapshot.name and (s.start_time or _EPOCH) < started),
        key=lambda s: (s.start_time or _EPOCH, s.name),
        reverse=True,
    )
    contents = [(s.name, frozenset(s.indices)) for s in candidates]

    def holder(index: str) -> str | None:
        return next((name for name, indices in contents if index in indices), None)

    return holder
