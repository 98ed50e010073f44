"""A drill's clean-up: delete exactly the indices this drill created, on success and failure alike.

The rule that decides what is the drill's own is pure (:func:`own_indices`, :func:`restored_from`),
so the property tests prove it never names anything else.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from snapshot_sentinel.client import DomainClient
from snapshot_sentinel.drills.plan import is_drill_index
from snapshot_sentinel.drills.steps import targets
from snapshot_sentinel.naming import counted
from snapshot_sentinel.restore.cluster import RestoreDomain


def own_indices(picked: Sequence[str], present: Iterable[str], prefix: str) -> list[str]:
    """The indices a drill's clean-up may delete: in its own picks AND carrying its own execution's
    prefix AND existing now. Pure, so the property tests prove it never names anything else."""
    live = set(present)
    return [n for n in dict.fromkeys(picked) if n in live and is_drill_index(n, prefix)]


def restored_from(recoveries: Mapping[str, Sequence[Mapping[str, Any]]], repository: str, snapshot: str) -> list[str]:
    """The indices whose every primary was recovered from ``repository:snapshot`` (``_recovery``
    type SNAPSHOT with that source): what a restore of this snapshot created, never an index made
    any other way. Pure."""
    found = []
    for name, shards in recoveries.items():
        primaries = [shard for shard in shards if shard.get("primary", True)]
        if primaries and all(
            shard.get("type") == "SNAPSHOT"
            and (shard.get("source") or {}).get("repository") == repository
            and (shard.get("source") or {}).get("snapshot") == snapshot
            for shard in primaries
        ):
            found.append(name)
    return found


REFUSED_BEFORE_SENDING = frozenset({"DrillTargetExistsError"})
"""Errors of the start step raised before its ``POST _restore``: the drill restored nothing."""


def clean_up(client: DomainClient, state: Mapping[str, Any] | None, repository: str) -> dict[str, Any]:
    """Delete exactly this drill's indices: a name in its own picks, carrying its own execution's
    prefix (no other drill plans such a name), existing now, and only when this drill sent its
    restore (before that, a held name is someone else's). ``keep_restored`` leaves them and says so.

    When the start step itself failed after it may have sent the restore (a Lambda service error or
    a timeout after its POST), an own-named index counts as this drill's only if ``_recovery`` also
    shows every primary restored from this very snapshot; a start that refused before sending
    (``DrillTargetExistsError``) restored nothing, so nothing is deleted."""
    state = state or {}
    plan = state.get("plan") or {}
    names = targets(plan)
    prefix = str(plan.get("name_prefix") or "")
    restore = state.get("restore")
    error = state.get("error")
    refused = isinstance(error, Mapping) and error.get("Error") in REFUSED_BEFORE_SENDING
    start_failed = restore is None and bool(error) and not refused
    if not names or not prefix or not ((restore or {}).get("sent") or start_failed):
        return {"deleted": [], "note": "this drill restored nothing, so it deletes nothing"}
    domain = RestoreDomain(client)
    own = own_indices(names, domain.existing_indices(), prefix)
    note = ""
    if start_failed:
        own = restored_from(domain.recoveries(own), repository, str(plan["snapshot_name"])) if own else []
        note = (
            "the start step failed after planning, so only indices restored from this snapshot count as the drill's; "
        )
    if plan.get("keep_restored"):
        return {"deleted": [], "kept": own, "note": note + "keep_restored: the drill indices are left for a person"}
    if own:
        domain.delete_indices(own)
    return {"deleted": own, "note": note + f"deleted the drill's {counted(len(own), 'index')}"}
