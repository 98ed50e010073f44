"""Snapshots: create, get, delete, status (``_snapshot/{repository}/{snapshot}``)."""

from __future__ import annotations

import json
from dataclasses import replace
from fnmatch import fnmatchcase
from typing import Any

from tests.emulator.actions import endpoint
from tests.emulator.engine import Cluster
from tests.emulator.engine.snapshots import CONCURRENT_LIMIT, MAX_METADATA_BYTES
from tests.emulator.formats import is_pattern, iso, millis, time_value, truthy, version_id
from tests.emulator.indices import STARTED
from tests.emulator.model import FAILED, IN_PROGRESS, PARTIAL, SUCCESS, SnapshotRecord, new_uuid
from tests.emulator.responses import Reply, engine_error, validation_error
from tests.emulator.routing import Call, Route


class SnapshotActions:
    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster

    def routes(self) -> list[Route]:
        c = self.cluster
        return [
            Route("/_snapshot/_status", {"GET": endpoint(c, self._status, "ignore_unavailable")}),
            Route("/_snapshot/{repository}/_status", {"GET": endpoint(c, self._status, "ignore_unavailable")}),
            Route(
                "/_snapshot/{repository}/{snapshot}",
                {
                    "GET": endpoint(c, self._get_snapshots, "ignore_unavailable", "verbose"),
                    "PUT": endpoint(c, self._create_snapshot, "wait_for_completion", body=True),
                    "POST": endpoint(c, self._create_snapshot, "wait_for_completion", body=True),
                    "DELETE": endpoint(c, self._delete_snapshots),
                },
            ),
            Route(
                "/_snapshot/{repository}/{snapshot}/_status",
                {"GET": endpoint(c, self._status, "ignore_unavailable")},
            ),
        ]

    # ------------------------------------------------------------------ create

    def _create_snapshot(self, call: Call) -> Reply:
        repo = call.params["repository"]
        body = call.body if call.body is not None else {}
        if not isinstance(body, dict):
            raise engine_error(400, "parse_exception", "Failed to derive xcontent")
        metadata = body.get("metadata") if self.cluster.at_least_es(7, 3) else None
        if metadata is not None and not isinstance(metadata, dict):
            raise engine_error(400, "illegal_argument_exception", "malformed metadata, should be an object")
        if metadata is not None:
            size = len(json.dumps(metadata, separators=(",", ":")).encode())
            if size > MAX_METADATA_BYTES:
                raise validation_error(f"metadata must be smaller than {MAX_METADATA_BYTES} bytes, but was [{size}]")
        name = self.cluster.resolve_date_math_name(call.params["snapshot"])
        self.cluster.validate_snapshot_name(repo, name)
        registration = self.cluster.require_repository(repo)
        if registration["readonly"]:
            raise engine_error(500, "repository_exception", f"[{repo}] cannot create snapshot in a readonly repository")
        existing = self.cluster.snapshots_by_repo[repo].get(name)
        if existing is not None and not existing.running:
            raise self.cluster.invalid_name(repo, name, "snapshot with the same name already exists")
        if not self.cluster.supports_concurrent_snapshots and self.cluster.running():
            raise self.cluster.concurrent_create(repo, name)
        if existing is not None:
            raise self.cluster.invalid_name(repo, name, "snapshot with the same name is already in-progress")
        if len(self.cluster.running()) >= CONCURRENT_LIMIT:
            raise self.cluster.concurrent_create(repo, name)
        wait = call.flag("wait_for_completion", False)
        indices = self.cluster.resolve_indices(body.get("indices"), truthy(body.get("ignore_unavailable")))
        plan = self.cluster.progress
        uuid = new_uuid()
        unallocated = [
            (index, copy_.shard)
            for index in indices
            if index in self.cluster.indices
            for copy_ in self.cluster.indices[index].copies
            if copy_.primary and copy_.state != STARTED
        ]
        if unallocated:
            # SnapshotsService: a primary that is not active fails the request, or the shard with partial
            if not truthy(body.get("partial")):
                listed = ", ".join(dict.fromkeys(index for index, _ in unallocated))
                raise engine_error(
                    500, "snapshot_exception", f"[{repo}:{name}/{uuid}] Indices don't have primary shards [{listed}]"
                )
            missing = tuple(
                {"index": index, "shard_id": shard, "reason": "primary shard is not allocated"}
                for index, shard in unallocated
            )
            plan = replace(
                plan, outcome=PARTIAL if plan.outcome == SUCCESS else plan.outcome, failures=(*plan.failures, *missing)
            )
        record = SnapshotRecord(
            repository=repo,
            name=name,
            uuid=uuid,
            state=IN_PROGRESS,
            indices=indices,
            start_time=self.cluster.clock(),
            include_global_state=body.get("include_global_state", True) is not False
            and body.get("include_global_state") != "false",
            metadata=dict(metadata) if metadata is not None else None,
            shards_total=self.cluster.shard_count(indices),
            contents=self.cluster.capture(indices),
            version=self.cluster.version,
            engine=self.cluster.engine,
            polls_remaining=plan.polls,
            planned=plan,
        )
        self.cluster.snapshots_by_repo[repo][name] = record
        if wait or (plan.polls == 0 if plan.duration_seconds is None else plan.duration_seconds == 0):
            self.cluster.finish(record)
        if wait:
            return Reply.json(200, {"snapshot": self._snapshot_info(record, verbose=True, human=False)})
        return Reply.json(200, {"accepted": True})

    # ------------------------------------------------------------------ get

    def _snapshot_info(self, record: SnapshotRecord, *, verbose: bool, human: bool) -> dict[str, Any]:
        data_streams = self.cluster.at_least_es(7, 9)
        if not verbose:
            basic: dict[str, Any] = {"snapshot": record.name, "uuid": record.uuid, "indices": sorted(record.indices)}
            if data_streams:
                basic["data_streams"] = []
            basic["state"] = record.state
            return basic
        info: dict[str, Any] = {"snapshot": record.name, "uuid": record.uuid}
        info["version_id"] = version_id(self.cluster.engine, record.version or self.cluster.version)
        info["version"] = record.version or self.cluster.version
        if self.cluster.is_opensearch and self.cluster.version_tuple[:2] >= (2, 9):
            info["remote_store_index_shallow_copy"] = False
        info["indices"] = list(record.indices)
        if data_streams:
            info["data_streams"] = []
        info["include_global_state"] = record.include_global_state
        if record.metadata is not None:
            info["metadata"] = record.metadata
        info["state"] = record.state
        if record.reason is not None:
            info["reason"] = record.reason
        start = millis(record.start_time)
        end = 0 if record.running else millis(record.end_time)
        info["start_time"] = iso(record.start_time)
        info["start_time_in_millis"] = start
        info["end_time"] = iso(None if record.running else record.end_time)
        info["end_time_in_millis"] = end
        if human:
            info["duration"] = time_value(max(0, end - start) if end else 0)
        info["duration_in_millis"] = max(0, end - start) if end else 0
        if record.running:
            info["failures"] = []
            info["shards"] = {"total": 0, "failed": 0, "successful": 0}
        else:
            info["failures"] = [f.to_api() for f in record.failures]
            info["shards"] = {
                "total": record.shards_total,
                "failed": record.shards_failed,
                "successful": record.shards_successful,
            }
        return info

    def _get_snapshots(self, call: Call) -> Reply:
        repo = call.params["repository"]
        self.cluster.require_repository(repo)
        ignore_unavailable = call.flag("ignore_unavailable", False)
        verbose = call.flag("verbose", True)
        human = call.flag("human", False)
        names = [n for n in call.params["snapshot"].split(",") if n]
        stored = self.cluster.snapshots_by_repo[repo]
        if len(names) == 1 and names[0] in stored and stored[names[0]].running:
            self.cluster.advance(stored[names[0]])
        chosen = self.cluster.select(repo, names, ignore_unavailable)
        if verbose:
            chosen.sort(key=lambda r: (millis(r.start_time), r.name, r.uuid))
        else:
            chosen.sort(key=lambda r: (r.name, r.uuid))
        return Reply.json(200, {"snapshots": [self._snapshot_info(r, verbose=verbose, human=human) for r in chosen]})

    # ------------------------------------------------------------------ delete

    def _delete_snapshots(self, call: Call) -> Reply:
        repo = call.params["repository"]
        requested = call.params["snapshot"]
        registration = self.cluster.require_repository(repo)
        stored = self.cluster.snapshots_by_repo[repo]
        if self.cluster.supports_multi_delete:
            names = [n for n in requested.split(",") if n]
            targets: dict[str, SnapshotRecord] = {}
            for name in names:
                if is_pattern(name) or name == "_all":
                    targets.update({r.name: r for r in stored.values() if name == "_all" or fnmatchcase(r.name, name)})
                elif name in stored:
                    targets[name] = stored[name]
                else:
                    raise self.cluster.snapshot_missing(repo, name)
        else:
            if requested not in stored:
                raise self.cluster.snapshot_missing(repo, requested)
            targets = {requested: stored[requested]}
        if registration["readonly"] and targets:
            raise engine_error(
                500, "repository_exception", f"[{repo}] cannot delete snapshot from a readonly repository"
            )
        if not self.cluster.supports_concurrent_snapshots:
            others = [r for r in self.cluster.running() if (r.repository, r.name) not in {(repo, n) for n in targets}]
            if others and targets:
                first = next(iter(targets.values()))
                raise self.cluster.concurrent_delete(repo, first.name)
        for name in targets:
            del stored[name]
        return Reply.json(200, {"acknowledged": True})

    # ------------------------------------------------------------------ status

    def _status(self, call: Call) -> Reply:
        repo = call.params.get("repository")
        snapshot = call.params.get("snapshot")
        ignore_unavailable = call.flag("ignore_unavailable", False)
        if repo is None:
            records = self.cluster.running()
        elif snapshot is None:
            self.cluster.require_repository(repo)
            records = [r for r in self.cluster.snapshots_by_repo[repo].values() if r.running]
        else:
            self.cluster.require_repository(repo)
            records = []
            for name in [n for n in snapshot.split(",") if n]:
                if name.lower() == "_current":
                    records += [r for r in self.cluster.snapshots_by_repo[repo].values() if r.running]
                elif name in self.cluster.snapshots_by_repo[repo]:
                    records.append(self.cluster.snapshots_by_repo[repo][name])
                elif not ignore_unavailable:
                    raise self.cluster.snapshot_missing(repo, name)
        records.sort(key=lambda r: (r.start_time, r.name))
        return Reply.json(200, {"snapshots": [self._status_entry(r) for r in records]})

    def _status_entry(self, record: SnapshotRecord) -> dict[str, Any]:
        if record.running and record.planned is not None and record.planned.duration_seconds is not None:
            self.cluster.advance(record)
        if record.running:
            state = "STARTED"
        elif record.state == FAILED:
            state = "FAILED"
        elif record.state == PARTIAL and self.cluster.is_opensearch and self.cluster.version_tuple[:2] >= (2, 14):
            state = "PARTIAL"
        else:
            state = "SUCCESS"
        failed = {(f.index, f.shard_id): f for f in record.failures}
        shard_counts = _distribute(record.shards_total, record.indices)
        contents = record.contents
        known = contents and all(i in contents for i in record.indices)
        if known and sum(contents[i].shards for i in record.indices) == record.shards_total:
            shard_counts = {i: contents[i].shards for i in record.indices}
        # bytes per shard: the index's size in the snapshot when it has documents, else 4 MiB
        shard_bytes = {
            i: (contents[i].store_bytes // max(count, 1) if i in contents and contents[i].store_bytes else SHARD_BYTES)
            for i, count in shard_counts.items()
        }
        start = millis(record.start_time)
        elapsed = (millis(self.cluster.clock()) if record.running else millis(record.end_time)) - start
        indices: dict[str, Any] = {}
        totals = {"initializing": 0, "started": 0, "finalizing": 0, "done": 0, "failed": 0, "total": 0}
        # A running snapshot copies its shards one after another: shard k of n is done once the
        # progress passes (k + 1) / n, and the one being copied is partly processed.
        shards_done = self.cluster.progress_of(record) * sum(shard_counts.values()) if record.running else 0.0
        ordinal = 0
        for index, count in shard_counts.items():
            index_stats = dict.fromkeys(totals, 0)
            shards: dict[str, Any] = {}
            index_processed = 0.0
            for shard_id in range(count):
                failure = failed.get((index, shard_id))
                processed = min(1.0, max(0.0, shards_done - ordinal)) if record.running else 1.0
                ordinal += 1
                index_processed += processed
                if record.running and processed >= 1.0:
                    stage, bucket = "DONE", "done"
                elif record.running:
                    stage, bucket = "STARTED", "started"
                elif failure is not None:
                    stage, bucket = "FAILURE", "failed"
                else:
                    stage, bucket = "DONE", "done"
                index_stats[bucket] += 1
                index_stats["total"] += 1
                shard: dict[str, Any] = {
                    "stage": stage,
                    "stats": _stats(1, start, max(0, elapsed), shard_bytes[index], processed),
                }
                if failure is not None:
                    shard["reason"] = failure.reason
                shard["node"] = self.cluster.node_id
                shards[str(shard_id)] = shard
            for key in totals:
                totals[key] += index_stats[key]
            indices[index] = {
                "shards_stats": index_stats,
                "stats": _stats(count, start, max(0, elapsed), shard_bytes[index], index_processed),
                "shards": shards,
            }
        return {
            "snapshot": record.name,
            "repository": record.repository,
            "uuid": record.uuid,
            "state": state,
            "include_global_state": record.include_global_state,
            "shards_stats": totals,
            "stats": _sum_stats([indices[i]["stats"] for i in indices], start, max(0, elapsed)),
            "indices": indices,
        }


def _distribute(total: int, indices: list[str]) -> dict[str, int]:
    if not indices:
        return {}
    base, extra = divmod(total, len(indices))
    return {index: base + (1 if i < extra else 0) for i, index in enumerate(indices)}


SHARD_BYTES = 4_194_304
FILES_PER_SHARD = 12


def _stats(
    shards: int, start_millis: int, elapsed: int, shard_bytes: int = SHARD_BYTES, processed_shards: float | None = None
) -> dict[str, Any]:
    """SnapshotStats as the engine writes it: ``processed`` appears only while its file count
    differs from ``incremental`` (OpenSearch ``SnapshotStats.toXContent``)."""
    files = {"file_count": FILES_PER_SHARD * shards, "size_in_bytes": shard_bytes * shards}
    stats: dict[str, Any] = {"incremental": files}
    if processed_shards is not None:
        processed = {
            "file_count": int(FILES_PER_SHARD * processed_shards),
            "size_in_bytes": int(shard_bytes * processed_shards),
        }
        if processed["file_count"] != files["file_count"]:
            stats["processed"] = processed
    stats.update(total=dict(files), start_time_in_millis=start_millis, time_in_millis=elapsed)
    return stats


def _sum_stats(parts: list[dict[str, Any]], start_millis: int, elapsed: int) -> dict[str, Any]:
    files = {
        "file_count": sum(p["total"]["file_count"] for p in parts),
        "size_in_bytes": sum(p["total"]["size_in_bytes"] for p in parts),
    }
    stats: dict[str, Any] = {"incremental": files}
    processed = {
        "file_count": sum(p.get("processed", p["incremental"])["file_count"] for p in parts),
        "size_in_bytes": sum(p.get("processed", p["incremental"])["size_in_bytes"] for p in parts),
    }
    if processed["file_count"] != files["file_count"]:
        stats["processed"] = processed
    stats.update(total=dict(files), start_time_in_millis=start_millis, time_in_millis=elapsed)
    return stats
