"""Which snapshots are this stack's: the ownership rule, the metadata the take step writes, and scope.

Pure: it imports only other pure modules, so the retention planner can use it without pulling in
the HTTP client.

The metadata the take step writes on every snapshot::

    {"taken_by": "snapshot-sentinel", "stack": <stack name>, "execution_id": <execution ARN>,
     "scope": "full" | "subset"}

``scope`` is ``full`` when the run snapshots the default set of indices and ``subset`` when its
caller gave ``indices``. Only a full snapshot is a backup of the domain: a subset one never counts
toward RetentionMinCount or RetentionMaxCount, is never "the newest SUCCESS", and is never the
alert's "latest good backup". Snapshots taken before scope was recorded carry no ``scope`` and
count as full, as they were counted then.
"""

from __future__ import annotations

from typing import Any

from snapshot_sentinel.models import SnapshotInfo
from snapshot_sentinel.naming import SUBSET_SUFFIX, is_managed_name

TAKEN_BY = "snapshot-sentinel"
SCOPE_FULL = "full"
SCOPE_SUBSET = "subset"
SCOPE_NAMED = "named"

OWNERSHIP_RULE = (
    "A snapshot is managed (only a managed snapshot is ever deleted) if and only if its name is exactly "
    "<SnapshotPrefix>-<UTC timestamp> in this stack's format, such as nightly-2026-11-28t02-00-00z, and its "
    "metadata names this stack; for a snapshot taken by an engine that stores no snapshot metadata "
    "(Elasticsearch before 7.3), the exact name alone. Everything else is never deleted, whatever its prefix."
)
"""The one statement of the rule. README.md, template.yaml (its Description and SnapshotPrefix's) and
the planner's docstring carry it word for word; a test holds them to it."""


def snapshot_metadata(stack_name: str, execution_id: str, *, subset: bool) -> dict[str, Any]:
    """The metadata the take step writes (well under the engine's 1 KB limit)."""
    return {
        "taken_by": TAKEN_BY,
        "stack": stack_name,
        "execution_id": execution_id,
        "scope": SCOPE_SUBSET if subset else SCOPE_FULL,
    }


def names_stack(metadata: dict[str, Any], stack_name: str) -> bool:
    """Whether ``metadata`` says this project's take step of stack ``stack_name`` wrote it."""
    return metadata.get("taken_by") == TAKEN_BY and metadata.get("stack") == stack_name


def not_managed_because(snapshot: SnapshotInfo, prefix: str, stack_name: str) -> str | None:
    """:data:`OWNERSHIP_RULE` applied to one snapshot: None when it is managed, else why not.

    ``foreign_name``: the name is not exactly the managed format; ``other_owner``: its metadata does
    not name this stack; ``no_metadata``: it has none, and the engine that took it stores metadata.
    """
    if not is_managed_name(prefix, snapshot.name):
        return "foreign_name"
    if snapshot.metadata:
        return None if names_stack(snapshot.metadata, stack_name) else "other_owner"
    return "no_metadata" if snapshot.engine_stores_metadata else None


def is_managed(snapshot: SnapshotInfo, prefix: str, stack_name: str) -> bool:
    return not_managed_because(snapshot, prefix, stack_name) is None


def is_subset(snapshot: SnapshotInfo) -> bool:
    """Whether the snapshot's metadata records that it covers a caller's subset of indices."""
    return snapshot.metadata.get("scope") == SCOPE_SUBSET


def is_full_backup(snapshot: SnapshotInfo, prefix: str, stack_name: str | None) -> bool:
    """A backup of the whole domain by this stack: managed by :data:`OWNERSHIP_RULE` and not a subset.

    The one notion of "a full managed backup" behind retention's counts, a restore's and a drill's
    default snapshot and the alert's "latest good backup" (whatever its state: callers filter SUCCESS).
    ``stack_name`` None is a read-only stack reading the repository another stack writes
    (RepositoryReadOnly): there the metadata must name a stack of this project, any one.
    """
    owner = stack_name if stack_name is not None else str(snapshot.metadata.get("stack", ""))
    return is_managed(snapshot, prefix, owner) and not is_subset(snapshot)


def backup_scope(snapshot: SnapshotInfo, prefix: str, stack_name: str | None) -> str:
    """What a snapshot the backup state machine took counts as, for the run's metrics.

    ``full``: :func:`is_full_backup`, the only scope ``NoRecentBackupAlarm`` counts (the snapshot a
    restore or a drill picks by default); ``subset``: a caller's subset of indices (its metadata says
    so, or its derived name ends ``-subset`` on an engine that keeps no metadata); ``named``: any
    other, such as a full run under a ``snapshot_name`` of the caller's choosing, which retention,
    restores and drills never pick by default either.
    """
    if is_full_backup(snapshot, prefix, stack_name):
        return SCOPE_FULL
    if is_subset(snapshot) or snapshot.name.endswith(SUBSET_SUFFIX):
        return SCOPE_SUBSET
    return SCOPE_NAMED
