"""The steps of DrillStateMachine: plan, start the restore, check, verify, clean up.

They reuse the restore layer's cluster access (:class:`RestoreDomain`) and snapshot choice, but
not RestoreStateMachine as a nested execution: a drill needs its own names, settings and, above
all, a clean-up state reached from every failure, which a nested execution would hide behind one
Task (and moto's ``.sync`` integration, the harness every test runs on, is not reliable).

Each step carries only the bounded plan (the caps bound the picks) and its own small facts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from snapshot_sentinel import errors
from snapshot_sentinel.client import DomainClient
from snapshot_sentinel.clock import DRILL, Progress, parse_timestamp, wait_facts
from snapshot_sentinel.drills.catalog import Catalog, live_counts, stored_sizes
from snapshot_sentinel.drills.counts import count_rule
from snapshot_sentinel.drills.errors import (
    DrillDeadlineError,
    DrillNothingToRestoreError,
    DrillShardFailedError,
    DrillTargetExistsError,
)
from snapshot_sentinel.drills.plan import (
    DrillCaps,
    IndexCandidate,
    drill_prefix,
    is_drill_index,
    sample_indices,
)
from snapshot_sentinel.errors import UNANSWERED, InvalidInputError
from snapshot_sentinel.inputs import input_size
from snapshot_sentinel.models import SUCCESS, iso
from snapshot_sentinel.naming import counted
from snapshot_sentinel.observability import logger
from snapshot_sentinel.restore.cluster import RestoreDomain, allocation_reason
from snapshot_sentinel.restore.plan import choose_default_snapshot

INPUT_KEYS = ("snapshot_name", "indices", "keep_restored")
WAITING_SAMPLE = 10
EXPLAINS_PER_CHECK = 3


@dataclass(frozen=True)
class DrillSettings:
    repository: str
    prefix: str
    stack_name: str
    indices: str
    max_shards: int
    max_gigabytes: float
    max_wait: timedelta
    poll_interval_seconds: int = 60

    @property
    def caps(self) -> DrillCaps:
        return DrillCaps.from_gigabytes(self.max_shards, self.max_gigabytes)


def _patterns(value: Any, field: str) -> list[str] | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return [p.strip() for p in value.split(",") if p.strip()] or None
    if isinstance(value, list) and all(isinstance(v, str) and v for v in value):
        return list(value)
    raise InvalidInputError(f"{field} must be a comma-separated string or a list of index names/patterns")


def validate_drill_input(raw: Any) -> dict[str, Any]:
    """``{"snapshot_name", "indices", "keep_restored"}``, all optional; anything else is refused."""
    if raw is None:
        raw = {}
    input_size(raw, "drill")
    if not isinstance(raw, Mapping):
        raise InvalidInputError('the drill input must be a JSON object such as {"keep_restored": false}')
    unknown = sorted(set(raw) - set(INPUT_KEYS))
    if unknown:
        raise InvalidInputError(
            f"unknown input key {unknown[0]!r}; a drill accepts only {', '.join(INPUT_KEYS)} (remove {unknown[0]!r})"
        )
    name = raw.get("snapshot_name")
    if name is not None and (not isinstance(name, str) or not name):
        raise InvalidInputError("snapshot_name must be a non-empty string (a snapshot of the repository)")
    keep = raw.get("keep_restored", False)
    if not isinstance(keep, bool):
        raise InvalidInputError("keep_restored must be true or false")
    return {"snapshot_name": name, "indices": _patterns(raw.get("indices"), "indices"), "keep_restored": keep}


def plan_drill(
    client: DomainClient,
    catalog: Catalog,
    settings: DrillSettings,
    raw_input: Any,
    *,
    now: datetime,
    execution_id: str,
    target: DomainClient | None = None,
    target_name: str | None = None,
) -> dict[str, Any]:
    """Choose the snapshot and the sample; changes nothing.

    ``client`` is the backed-up domain (its snapshots, its live indices' sizes); ``target`` is where
    the drill restores, a separate drill domain (``target_name``) or, by default, the same one: its
    existing indices are the names a drill may not take. Every name carries a token of
    ``execution_id``, so no other drill, of this snapshot or another, plans the same names."""
    config = validate_drill_input(raw_input)
    if config["snapshot_name"]:
        snapshot = client.get_snapshot(settings.repository, config["snapshot_name"])
        why = "named in the input"
        if snapshot.state != SUCCESS:
            raise DrillNothingToRestoreError(f"snapshot [{snapshot.name}] is {snapshot.state}; a drill needs SUCCESS")
    else:
        chosen, why = choose_default_snapshot(
            client.list_snapshots(settings.repository),
            managed=True,
            prefix=settings.prefix,
            stack_name=settings.stack_name,
        )
        if chosen is None:
            raise DrillNothingToRestoreError(why)
        snapshot = client.get_snapshot(settings.repository, chosen.name)
    if snapshot.start_time is None:
        raise DrillNothingToRestoreError(f"snapshot [{snapshot.name}] has no start time")
    catalog_note = "recorded"
    try:
        recorded = catalog.read(snapshot.name)
    except Exception as exc:  # noqa: BLE001 an unreadable catalog costs the count check, never the drill
        recorded, catalog_note = {}, f"unreadable ({type(exc).__name__}): counts not checked"
    if not recorded and catalog_note == "recorded":
        catalog_note = "missing"
    live = {c.name: c for c in live_counts(client)}
    candidates: list[IndexCandidate] = []
    unknown: list[str] = []
    for name in snapshot.indices:
        if name in recorded:
            r = recorded[name]
            writes = count_rule(r.docs_before or 0, r.docs_after, r.ops_before, r.ops_after).writes
            candidates.append(IndexCandidate(name, r.primaries, r.size_bytes, r.docs_before, r.docs_after, writes))
        elif name in live:
            candidates.append(IndexCandidate(name, live[name].primaries, live[name].size_bytes))
        elif not name.startswith("."):
            unknown.append(name)
    unknown_why = "size unknown: not in the catalog and not live"
    if unknown:
        try:
            stored = stored_sizes(client, settings.repository, snapshot.name)
        except errors.DomainError as exc:
            stored, unknown_why = {}, f"{unknown_why}, and the snapshot's _status failed ({type(exc).__name__})"
        candidates += [IndexCandidate(name, *stored[name]) for name in unknown if name in stored]
        unknown = [name for name in unknown if name not in stored]
    patterns = config["indices"] or _patterns(settings.indices, "DrillIndices")
    prefix = drill_prefix(snapshot.start_time, execution_id)
    sample = sample_indices(
        candidates,
        settings.caps,
        prefix=prefix,
        patterns=patterns,
        existing=RestoreDomain(target or client).existing_indices(),
    )
    picks, left_out = [], [{"index": o.name, "reason": o.reason} for o in sample.left_out]
    left_out += [{"index": n, "reason": unknown_why} for n in unknown]
    for pick in sample.picks:
        if pick.target != f"{prefix}{pick.source}":
            left_out.append({"index": pick.source, "reason": "name too long for the drill's rename pattern"})
            continue
        entry = pick.to_dict()
        counted = recorded.get(pick.source)
        entry["docs_before"] = counted.docs_before if counted else None
        entry["docs_after"] = counted.docs_after if counted else None
        entry["ops_before"] = counted.ops_before if counted else None
        entry["ops_after"] = counted.ops_after if counted else None
        picks.append(entry)
    if not picks:
        shown = "; ".join(f"{o['index']}: {o['reason']}" for o in left_out[:5])
        raise DrillNothingToRestoreError(
            f"no index of snapshot [{snapshot.name}] fits the drill's caps and pattern ({shown or 'no indices'})"
        )
    return {
        "snapshot_name": snapshot.name,
        "snapshot_start": iso(snapshot.start_time),
        "snapshot_why": why,
        "name_prefix": prefix,
        "keep_restored": config["keep_restored"],
        "drill_domain": target_name if target is not None else None,
        "catalog": catalog_note,
        "picks": picks,
        "shards": sum(p["primaries"] for p in picks),
        "size_bytes": sum(p["size_bytes"] for p in picks),
        "left_out_count": len(left_out),
        "left_out_sample": left_out[:20],
        "planned_at": iso(now),
        "deadline": iso(now + settings.max_wait),
        "poll_interval_seconds": settings.poll_interval_seconds,
        "min_wait_seconds": DRILL.minimum_wait_seconds(
            settings.poll_interval_seconds, settings.max_wait.total_seconds()
        ),
    }


def targets(plan: Mapping[str, Any]) -> list[str]:
    return [str(p["target"]) for p in plan.get("picks") or []]


def restore_body(plan: Mapping[str, Any]) -> dict[str, Any]:
    """Exactly the picks, renamed to ``drill-<snapshot start>-<run>-<index>``, no replicas, no aliases."""
    return {
        "indices": ",".join(str(p["source"]) for p in plan["picks"]),
        "ignore_unavailable": False,
        "include_global_state": False,
        "include_aliases": False,
        "partial": False,
        "rename_pattern": "(.+)",
        "rename_replacement": f"{plan['name_prefix']}$1",
        "index_settings": {"index.number_of_replicas": 0},
    }


def start_drill(client: DomainClient, repository: str, plan: Mapping[str, Any], *, now: datetime) -> dict[str, Any]:
    """Send the restore once, only when no drill name is held; after no answer, the targets that
    exist are this drill's own (none existed before the request)."""
    domain = RestoreDomain(client)
    names = targets(plan)
    held = [n for n in names if n in domain.existing_indices()]
    if held:
        raise DrillTargetExistsError(
            f"{len(held)} drill name(s) are held by live indices (first: {', '.join(held[:5])}); nothing was "
            "restored and the clean-up leaves them alone"
        )
    facts = {
        "sent": True,
        "answered": True,
        "started_at": iso(now),
        "polls": 0,
        **wait_facts(None, started=now, now=now, deadline=_deadline(plan), floor_seconds=_floor(plan)),
    }
    try:
        domain.restore(repository, str(plan["snapshot_name"]), restore_body(plan))
    except UNANSWERED:
        facts["answered"] = False
    return facts


def _floor(plan: Mapping[str, Any]) -> int:
    """The plan's wait floor; a plan made before the upgrade to one polling rule has only the interval."""
    return int(plan.get("min_wait_seconds") or plan.get("poll_interval_seconds") or 60)


def _deadline(plan: Mapping[str, Any]) -> datetime:
    return parse_timestamp(str(plan["deadline"]))


def _recovery_progress(domain: RestoreDomain, names: Sequence[str]) -> Progress | None:
    """Bytes recovered so far, from ``_recovery``: a hint for the next wait, so a failed read costs
    only the estimate (the floor is the wait then)."""
    try:
        return Progress.from_recoveries(domain.recoveries(names))
    except errors.DomainError as exc:
        logger.warning("no progress from _recovery; waiting the minimum", extra={"error": str(exc)})
        return None


def check_drill(
    client: DomainClient, plan: Mapping[str, Any], progress: Mapping[str, Any], *, now: datetime
) -> dict[str, Any]:
    """One check: every target's primaries active (replicas are 0)? A primary that cannot be
    allocated fails the drill at once; the deadline fails it too. While it runs, ``_recovery``'s
    bytes give the next wait (:mod:`snapshot_sentinel.clock`)."""
    domain = RestoreDomain(client)
    names = targets(plan)
    health = domain.index_health(names)
    waiting: list[dict[str, Any]] = []
    unassigned: list[tuple[str, int]] = []
    for name in names:
        entry = health.get(name)
        if entry is None:
            waiting.append({"index": name, "status": "missing"})
            continue
        primaries = int(entry.get("number_of_shards") or 0)
        active = int(entry.get("active_primary_shards") or 0)
        for shard_id, shard in (entry.get("shards") or {}).items():
            if not shard.get("primary_active") and not int(shard.get("initializing_shards") or 0):
                unassigned.append((name, int(shard_id)))
        if active < primaries or primaries == 0:
            waiting.append({"index": name, "status": entry.get("status"), "active": active, "primaries": primaries})
    for index, shard in unassigned[:EXPLAINS_PER_CHECK]:
        try:
            decisive, reason = allocation_reason(domain.primary_allocation(index, shard))
        except errors.DomainError as exc:
            decisive, reason = False, f"allocation explain failed: {exc}"
        if decisive:
            raise DrillShardFailedError(f"drill index [{index}] primary shard [{shard}] cannot be allocated: {reason}")
    done = not waiting
    if not done and now >= _deadline(plan):
        first = waiting[0]
        raise DrillDeadlineError(
            f"{len(waiting)} of {counted(len(names), 'drill index')} still not active at the deadline "
            f"(MaxWaitMinutes); first: [{first['index']}] is {first['status']}"
        )
    return {
        **{k: progress.get(k) for k in ("sent", "answered", "started_at")},
        "polls": int(progress.get("polls") or 0) + 1,
        "done": done,
        "waiting_count": len(waiting),
        "waiting_sample": waiting[:WAITING_SAMPLE],
        "finished_at": iso(now) if done else None,
        **wait_facts(
            None if done else _recovery_progress(domain, names),
            started=parse_timestamp(str(progress["started_at"])) if progress.get("started_at") else None,
            now=now,
            deadline=_deadline(plan),
            floor_seconds=_floor(plan),
        ),
    }


def _fields(mapping: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    found: dict[str, str] = {}
    for name, spec in (mapping.get("properties") or {}).items():
        path = f"{prefix}{name}"
        found[path] = str(spec.get("type") or "object")
        found.update(_fields(spec, f"{path}."))
    return found


def _mapping_of(client: DomainClient, index: str) -> dict[str, str]:
    doc = client.read(f"/{quote(index, safe='')}/_mapping") or {}
    entry: Mapping[str, Any] = next(iter(doc.values()), {}) if doc else {}
    return _fields((entry or {}).get("mappings") or {})


def verify_drill(
    client: DomainClient, plan: Mapping[str, Any], source_domain: DomainClient | None = None
) -> dict[str, Any]:
    """Counts against the catalog, mapping against the source, a sample search; never raises for
    a bad result (the report does), so the clean-up always has the facts. ``client`` is where the
    drill restored; ``source_domain`` the backed-up domain, when that is another one."""
    domain = RestoreDomain(client)
    origin = source_domain or client
    names = targets(plan)
    stats = domain.index_stats(names)
    live = RestoreDomain(origin).existing_indices()
    results, problems = [], []
    restored_bytes = 0
    for pick in plan["picks"]:
        source, target = str(pick["source"]), str(pick["target"])
        stat = stats.get(target) or {}
        docs = int(stat.get("docs") or 0)
        restored_bytes += int(stat.get("size_bytes") or 0)
        result: dict[str, Any] = {"index": source, "target": target, "docs": docs}
        before, after = pick.get("docs_before"), pick.get("docs_after")
        if stat.get("health") == "red":
            problems.append(f"[{source}] restored red: a shard failed")
        if before is None:
            result["count"] = "skipped: the catalog holds no count for this snapshot"
        else:
            rule = count_rule(int(before), after, pick.get("ops_before"), pick.get("ops_after"))
            basis = rule.basis(int(before), int(after if after is not None else before))
            if rule.holds(docs):
                result["count"] = f"ok: {docs} within [{rule.low}, {rule.high}]"
            else:
                result["count"] = f"FAILED: {docs} outside [{rule.low}, {rule.high}]"
                problems.append(
                    f"[{source}] restored {docs} documents; the catalog recorded {rule.low}..{rule.high} ({basis})"
                )
        if source in live:
            restored, current = _mapping_of(client, target), _mapping_of(origin, source)
            differ = sorted(f for f, kind in restored.items() if current.get(f) != kind)
            if differ:
                result["mapping"] = f"FAILED: {counted(len(differ), 'field')} differ from the source, first {differ[0]}"
                problems.append(f"[{source}] mapping differs from the live source at {', '.join(differ[:3])}")
            else:
                result["mapping"] = f"ok: {counted(len(restored), 'field')} as in the source"
        else:
            result["mapping"] = "skipped: the source index no longer exists to compare with"
        if docs:
            found = client.read(f"/{quote(target, safe='')}/_search", {"size": "1"}) or {}
            hits = (found.get("hits") or {}).get("hits") or []
            result["search"] = "ok" if hits else "FAILED: no document returned"
            if not hits:
                problems.append(f"[{source}] a sample search returned no document")
        else:
            result["search"] = "skipped: no documents"
        results.append(result)
    return {"passed": not problems, "problems": problems[:20], "indices": results, "restored_bytes": restored_bytes}


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


def clean_up(client: DomainClient, state: Mapping[str, Any], repository: str) -> dict[str, Any]:
    """Delete exactly this drill's indices: a name in its own picks, carrying its own execution's
    prefix (no other drill plans such a name), existing now, and only when this drill sent its
    restore (before that, a held name is someone else's). ``keep_restored`` leaves them and says so.

    When the start step itself failed after it may have sent the restore (a Lambda service error or
    a timeout after its POST), an own-named index counts as this drill's only if ``_recovery`` also
    shows every primary restored from this very snapshot; a start that refused before sending
    (``DrillTargetExistsError``) restored nothing, so nothing is deleted."""
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


def drill_settings(
    environ: Mapping[str, str], repository: str, prefix: str, stack: str, max_wait: int, poll_seconds: int = 60
) -> DrillSettings:
    return DrillSettings(
        repository=repository,
        prefix=prefix,
        stack_name=stack,
        indices=environ.get("DRILL_INDICES", ""),
        max_shards=int(environ.get("DRILL_MAX_SHARDS", "20")),
        max_gigabytes=float(environ.get("DRILL_MAX_GIGABYTES", "20")),
        max_wait=timedelta(minutes=max_wait),
        poll_interval_seconds=poll_seconds,
    )
