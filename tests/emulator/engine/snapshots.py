"""Snapshots: seeding and reading them, what one holds of each index, choosing them by name, pattern
or ``_current``, how a running one progresses and finishes, the engine's snapshot name rules and its
errors (missing, concurrent operations)."""

from __future__ import annotations

import copy
import uuid as uuid_module
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from fnmatch import fnmatchcase
from typing import Any

from tests.emulator.engine.expressions import ExpressionArea
from tests.emulator.engine.indices import INVALID_FILENAME_CHARS, INVALID_NAME_CHARS
from tests.emulator.formats import is_pattern, resolve_date_math
from tests.emulator.indices import IndexSnapshot
from tests.emulator.model import (
    FAILED,
    IN_PROGRESS,
    PARTIAL,
    STATES,
    SUCCESS,
    ShardFailureRecord,
    SnapshotProgress,
    SnapshotRecord,
    new_uuid,
)
from tests.emulator.responses import ApiError, engine_error

CONCURRENT_LIMIT = 1000
MAX_METADATA_BYTES = 1024


class SnapshotArea(ExpressionArea):
    """Snapshots, on the cluster's state."""

    # ------------------------------------------------------------------ seeding and inspection

    def add_snapshot(
        self,
        repository: str,
        name: str,
        *,
        state: str = SUCCESS,
        start_time: datetime | None = None,
        end_time: datetime | None = None,
        metadata: Mapping[str, Any] | None = None,
        failures: Iterable[Mapping[str, Any]] = (),
        shards_total: int | None = None,
        indices: Iterable[str] | None = None,
        reason: str | None = None,
        uuid: str | None = None,
        include_global_state: bool = True,
    ) -> SnapshotRecord:
        """Seed a snapshot in any state (IN_PROGRESS ones stay running until completed or deleted)."""
        if state not in STATES:
            raise ValueError(f"state must be one of {STATES}")
        with self.lock:
            if repository not in self.repositories:
                raise KeyError(f"repository {repository!r} is not registered")
            chosen = list(indices) if indices is not None else self.all_indices()
            start = start_time or self.clock()
            if state != IN_PROGRESS and end_time is None:
                end_time = start + timedelta(minutes=1)
            record = SnapshotRecord(
                repository=repository,
                name=name,
                uuid=uuid or new_uuid(),
                state=state,
                indices=chosen,
                start_time=start,
                end_time=None if state == IN_PROGRESS else end_time,
                include_global_state=include_global_state,
                metadata=dict(metadata) if metadata is not None else None,
                failures=self.failure_records(failures, chosen, state),
                shards_total=shards_total if shards_total is not None else self.shard_count(chosen),
                reason=reason if reason is not None else (self.failed_reason(chosen) if state == FAILED else None),
                version=self.version,
                engine=self.engine,
                contents=self.capture(chosen, shards_total),
            )
            self.snapshots_by_repo[repository][name] = record
            return replace(record)

    def complete_snapshot(
        self,
        repository: str,
        name: str,
        *,
        state: str = SUCCESS,
        failures: Iterable[Mapping[str, Any]] = (),
        reason: str | None = None,
    ) -> None:
        """Finish a running snapshot now with the given outcome."""
        with self.lock:
            record = self.snapshots_by_repo[repository][name]
            record.planned = SnapshotProgress(outcome=state, failures=tuple(failures), reason=reason)
            self.finish(record)

    def start_automated_snapshot(self) -> str:
        """Start Amazon's hourly snapshot in the service repository; returns its name."""
        if not self.automated_repository:
            raise RuntimeError("this domain has no automated snapshot repository")
        now = self.clock()
        name = now.strftime("%Y-%m-%dt%H-%M-%S") + "." + str(uuid_module.uuid4())
        self.add_snapshot(self.automated_repository, name, state=IN_PROGRESS, start_time=now)
        self.automated_snapshot = name
        return name

    def finish_automated_snapshot(self, state: str = SUCCESS) -> None:
        if self.automated_repository and self.automated_snapshot:
            with self.lock:
                if self.automated_snapshot in self.snapshots_by_repo[self.automated_repository]:
                    self.complete_snapshot(self.automated_repository, self.automated_snapshot, state=state)
                self.automated_snapshot = None

    def snapshots(self, repository: str) -> list[SnapshotRecord]:
        """Copies of the repository's snapshot records, oldest first."""
        with self.lock:
            records = self.snapshots_by_repo.get(repository, {}).values()
            return [copy.deepcopy(r) for r in sorted(records, key=lambda r: (r.start_time, r.name))]

    def snapshot(self, repository: str, name: str) -> SnapshotRecord | None:
        with self.lock:
            record = self.snapshots_by_repo.get(repository, {}).get(name)
            return copy.deepcopy(record) if record else None

    def capture(self, names: Iterable[str], shards_total: int | None = None) -> dict[str, IndexSnapshot]:
        """What a snapshot of these indices holds: each existing index as it is now; a name the cluster
        does not have (seeded snapshots of other domains) as an empty index of its share of ``shards_total``."""
        names = list(names)
        missing = [n for n in names if n not in self.indices]
        total_missing = (
            (shards_total - self.shard_count([n for n in names if n in self.indices])) if shards_total else 0
        )
        base, extra = divmod(max(total_missing, len(missing)), max(len(missing), 1))
        contents: dict[str, IndexSnapshot] = {}
        for name in names:
            if name in self.indices:
                contents[name] = self.indices[name].snapshot()
                continue
            share = base + (1 if missing.index(name) < extra else 0)
            contents[name] = IndexSnapshot(
                name=name,
                uuid=new_uuid(),
                shards=max(1, share),
                replicas=1,
                doc_count=0,
                documents=[],
                mapping={},
                settings={},
                aliases={},
                store_bytes=0,
                created=self.clock(),
            )
        return contents

    # ------------------------------------------------------------------ choosing snapshots and indices

    def all_indices(self) -> list[str]:
        return list(self.indices)

    def shard_count(self, indices: Iterable[str]) -> int:
        return sum(self.indices[index].shards if index in self.indices else 1 for index in indices)

    def select(self, repo: str, names: list[str], ignore_unavailable: bool) -> list[SnapshotRecord]:
        stored = self.snapshots_by_repo[repo]
        if not names or names == ["_all"]:
            return list(stored.values())
        current_only = len(names) == 1 and names[0].lower() == "_current"
        chosen: dict[str, SnapshotRecord] = {}
        for name in names:
            if name.lower() == "_current":
                chosen.update({r.name: r for r in stored.values() if r.running})
            elif not is_pattern(name):
                if name in stored:
                    chosen[name] = stored[name]
                elif not ignore_unavailable:
                    raise self.snapshot_missing(repo, name)
            else:
                chosen.update({r.name: r for r in stored.values() if fnmatchcase(r.name, name)})
        if not chosen and not ignore_unavailable and not current_only:
            raise self.snapshot_missing(repo, names[0])
        return list(chosen.values())

    @staticmethod
    def snapshot_missing(repo: str, name: str) -> ApiError:
        return engine_error(404, "snapshot_missing_exception", f"[{repo}:{name}] is missing")

    def resolve_date_math_name(self, name: str) -> str:
        if not (name.startswith("<") and name.endswith(">")) or not self.at_least_es(6, 4):
            return name
        return resolve_date_math(name[1:-1], self.clock())

    def invalid_name(self, repo: str, name: str, why: str) -> ApiError:
        return engine_error(
            400, "invalid_snapshot_name_exception", f"[{repo}:{name}] Invalid snapshot name [{name}], {why}"
        )

    def validate_snapshot_name(self, repo: str, name: str) -> None:
        checks = (
            (not name, "cannot be empty"),
            (" " in name, "must not contain whitespace"),
            ("," in name, "must not contain ','"),
            ("#" in name, "must not contain '#'"),
            (name.startswith("_"), "must not start with '_'"),
            (name.lower() != name, "must be lowercase"),
            (
                any(ch in INVALID_NAME_CHARS for ch in name),
                f"must not contain the following characters {INVALID_FILENAME_CHARS}",
            ),
        )
        for failed, why in checks:
            if failed:
                raise self.invalid_name(repo, name, why)

    def resolve_indices(self, spec: Any, ignore_unavailable: bool) -> list[str]:
        if spec is None:
            tokens = ["_all"]
        elif isinstance(spec, str):
            tokens = [t.strip() for t in spec.split(",") if t.strip()]
        elif isinstance(spec, list) and all(isinstance(t, str) for t in spec):
            tokens = list(spec)
        else:
            raise engine_error(
                400, "illegal_argument_exception", "malformed indices section, should be an array of strings"
            )
        if not tokens or tokens in (["_all"], ["*"]):
            return self.all_indices()
        chosen: list[str] = []
        wildcard_seen = False
        for token in tokens:
            if token.startswith("-") and wildcard_seen:
                chosen = [i for i in chosen if not fnmatchcase(i, token[1:])]
            elif token == "_all":
                chosen += [i for i in self.indices if i not in chosen]
            elif is_pattern(token):
                wildcard_seen = True
                chosen += [i for i in self.indices if fnmatchcase(i, token) and i not in chosen]
            elif token in self.indices:
                if token not in chosen:
                    chosen.append(token)
            elif not ignore_unavailable:
                raise self.index_missing(token)
        return chosen

    # ------------------------------------------------------------------ progress and outcome

    @staticmethod
    def failed_reason(indices: list[str]) -> str:
        return f"Indices don't have primary shards [{', '.join(indices[:1]) or 'unknown'}]"

    def failure_records(
        self, failures: Iterable[Mapping[str, Any]], indices: list[str], state: str
    ) -> list[ShardFailureRecord]:
        records = [
            ShardFailureRecord(
                index=str(f.get("index", indices[0] if indices else "unknown")),
                shard_id=int(f.get("shard_id", 0)),
                reason=str(f.get("reason", "IndexShardSnapshotFailedException[Failed to snapshot]")),
                node_id=str(f.get("node_id", self.node_id)),
                status=str(f.get("status", "INTERNAL_SERVER_ERROR")),
            )
            for f in failures
        ]
        if state == PARTIAL and not records:
            records.append(
                ShardFailureRecord(
                    index=indices[0] if indices else "unknown",
                    shard_id=0,
                    reason="IndexShardSnapshotFailedException[Failed to snapshot]",
                    node_id=self.node_id,
                )
            )
        return records

    def running(self) -> list[SnapshotRecord]:
        return [r for repo in self.snapshots_by_repo.values() for r in repo.values() if r.running]

    def progress_of(self, record: SnapshotRecord) -> float:
        """How much of a running snapshot is done: the time elapsed over its planned duration
        (0 for a poll-counted plan, which has no notion of time)."""
        plan = record.planned
        if plan is None or plan.duration_seconds is None:
            return 0.0
        if plan.duration_seconds == 0:
            return 1.0
        elapsed = (self.clock() - record.start_time).total_seconds()
        return min(1.0, max(0.0, elapsed / plan.duration_seconds))

    def advance(self, record: SnapshotRecord) -> None:
        """An exact GET of a running snapshot: count the poll, or finish it when its polls are spent."""
        if record.planned is None:
            return
        self.write_documents(record.planned.writes_per_poll)
        if record.planned.duration_seconds is not None:
            if self.progress_of(record) >= 1:
                self.finish(record)
            return
        if record.polls_remaining <= 0:
            self.finish(record)
        else:
            record.polls_remaining -= 1

    def write_documents(self, counts: Mapping[str, int]) -> None:
        """Index ``counts[index]`` more documents into each (existing) index."""
        for name, count in counts.items():
            record = self.indices.get(name)
            if record is not None:
                record.add_generated(count)

    def finish(self, record: SnapshotRecord) -> None:
        plan = record.planned or SnapshotProgress()
        record.state = plan.outcome
        record.end_time = self.clock()
        record.failures = self.failure_records(plan.failures, record.indices, plan.outcome)
        record.reason = plan.reason or (self.failed_reason(record.indices) if plan.outcome == FAILED else None)
        record.polls_remaining = 0
        record.planned = None

    def concurrent(self, repo: str, snap: str, message: str) -> ApiError:
        return engine_error(
            self.concurrency_status, "concurrent_snapshot_execution_exception", f"[{repo}:{snap}] {message}"
        )

    def concurrent_create(self, repo: str, snap: str, *, fault_only: bool = False) -> ApiError:
        if not self.supports_concurrent_snapshots:
            return self.concurrent(repo, snap, " a snapshot is already running")
        running = CONCURRENT_LIMIT if fault_only else len(self.running())
        return self.concurrent(
            repo,
            snap,
            f"Cannot start another operation, already running [{running}] operations and the current limit for "
            f"concurrent snapshot operations is set to [{CONCURRENT_LIMIT}]",
        )

    def concurrent_delete(self, repo: str, snap: str) -> ApiError:
        record = self.snapshots_by_repo.get(repo, {}).get(snap)
        uuid = record.uuid if record else "_na_"
        return engine_error(
            self.concurrency_status,
            "concurrent_snapshot_execution_exception",
            f"[{repo}:[{snap}/{uuid}]] another snapshot is currently running cannot delete",
        )
