"""The engine's state: one single-node cluster with its repositories, snapshots and indices.

``Cluster`` holds what an OpenSearch (or Elasticsearch) cluster behind an Amazon domain knows, the
engine's features per version, and the state operations the REST handlers share (resolving index
expressions, finishing a snapshot, the engine's errors about repositories and snapshots). It knows
nothing of HTTP. Every caller holds ``lock`` while it reads or changes the state.
"""

from __future__ import annotations

import copy
import re
import threading
import uuid as uuid_module
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from fnmatch import fnmatchcase
from typing import Any

from tests.emulator import allocation
from tests.emulator.formats import as_setting, is_pattern, now, resolve_date_math
from tests.emulator.indices import CLOSE, OPEN, IndexRecord, IndexSnapshot, RecoveryProgress
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
from tests.emulator.responses import ApiError, cause, engine_error

Clock = Callable[[], datetime]

DEFAULT_INDICES = ("logs-2026.11.27", "logs-2026.11.28", ".kibana_1")
ACCOUNT_ID = "123456789012"
CONCURRENT_LIMIT = 1000
MAX_METADATA_BYTES = 1024
DEFAULT_MAX_SHARDS_PER_NODE = 1000
INVALID_FILENAME_CHARS = '[ , ", *, \\, <, |, ,, >, /, ?]'
INVALID_NAME_CHARS = set('\\/*?"<>| ,')


class S3Store:
    """The buckets behind repositories. Domains given the same store see, in a repository registered on
    the same bucket and base_path, the snapshots any of them wrote (a migration or a drill domain
    reading production's repository); by default each domain has a store of its own."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self._prefixes: dict[tuple[str, str, str], dict[str, SnapshotRecord]] = {}

    def snapshots(self, kind: str, container: str, base_path: str) -> dict[str, SnapshotRecord]:
        return self._prefixes.setdefault((kind, container, base_path.strip("/")), {})


class Cluster:
    """The engine's state and the operations its REST handlers share."""

    def __init__(
        self,
        *,
        engine: str = "opensearch",
        version: str = "2.11.0",
        indices: Iterable[str] | Mapping[str, int] = DEFAULT_INDICES,
        clock: Clock | None = None,
        domain_name: str = "emulated-domain",
        automated_repository: str | None = "cs-automated-enc",
        progress: SnapshotProgress | None = None,
        data_nodes: int = 2,
        recovery: RecoveryProgress | None = None,
        s3: S3Store | None = None,
    ) -> None:
        if engine not in ("opensearch", "elasticsearch"):
            raise ValueError("engine must be 'opensearch' or 'elasticsearch'")
        self.engine = engine
        self.version = version
        major, minor, patch = ([int(p) for p in re.findall(r"\d+", version)[:3]] + [0, 0, 0])[:3]
        self.version_tuple = (major, minor, patch)
        self.clock: Clock = clock or now
        self.domain_name = domain_name
        self.progress = progress or SnapshotProgress()
        self.automated_repository = automated_repository
        self.node_id = new_uuid()
        self.node_name = new_uuid().replace("-", "").replace("_", "")[:32].lower()
        self.cluster_uuid = new_uuid()
        if data_nodes < 1:
            raise ValueError("a domain has at least one data node")
        self.nodes = [(self.node_id, self.node_name)] + [
            (new_uuid(), new_uuid().replace("-", "").replace("_", "")[:32].lower()) for _ in range(data_nodes - 1)
        ]
        self.recovery = recovery or RecoveryProgress()
        self.persistent_settings: dict[str, str] = {}
        self.transient_settings: dict[str, str] = {}
        self.pending_recovery_failures: dict[tuple[str, int], str | None] = {}
        self.indices: dict[str, IndexRecord] = {}
        shards = dict(indices) if isinstance(indices, Mapping) else dict.fromkeys(indices, 1)
        for name, count in shards.items():
            self.create_index(name, shards=count)
        self.s3 = s3 or S3Store()
        self.lock = self.s3.lock  # domains sharing buckets share one lock
        self.repositories: dict[str, dict[str, Any]] = {}
        self.snapshots_by_repo: dict[str, dict[str, SnapshotRecord]] = {}
        self.verification_failure: tuple[str, str] | None = None
        self.verification_failures_left: int | None = None
        self.automated_snapshot: str | None = None
        if automated_repository:
            self.repositories[automated_repository] = {"type": "s3", "settings": None, "readonly": True}
            self.snapshots_by_repo[automated_repository] = {}

    # ------------------------------------------------------------------ engine features by version

    @property
    def is_opensearch(self) -> bool:
        return self.engine == "opensearch"

    def at_least_es(self, major: int, minor: int) -> bool:
        return self.is_opensearch or self.version_tuple[:2] >= (major, minor)

    @property
    def supports_multi_delete(self) -> bool:
        return self.at_least_es(7, 8)

    @property
    def supports_concurrent_snapshots(self) -> bool:
        return self.at_least_es(7, 9)

    @property
    def concurrency_status(self) -> int:
        return 409 if self.is_opensearch and self.version_tuple[0] >= 3 else 503

    @property
    def version_id(self) -> int:
        major, minor, patch = self.version_tuple
        raw = major * 1_000_000 + minor * 10_000 + patch * 100 + 99
        return raw ^ 0x08000000 if self.is_opensearch else raw

    @property
    def cluster_manager(self) -> str:
        return "cluster-manager" if self.is_opensearch and self.version_tuple[0] >= 2 else "master"

    @property
    def timeout_params(self) -> frozenset[str]:
        """``master_timeout``, and ``cluster_manager_timeout`` where the engine has the new name."""
        return frozenset(
            {"master_timeout"} | ({"cluster_manager_timeout"} if self.cluster_manager != "master" else set())
        )

    # ------------------------------------------------------------------ seeding and inspection

    def register_repository(
        self,
        name: str,
        *,
        bucket: str | None = None,
        readonly: bool = False,
        type: str = "s3",
        **settings: Any,
    ) -> None:
        """Register a repository directly (no HTTP); settings are stored as the API echoes them."""
        all_settings = dict(settings)
        if bucket is not None:
            all_settings["bucket"] = bucket
        if readonly:
            all_settings["readonly"] = True
        if type == "s3" and "bucket" not in all_settings:
            raise ValueError("an s3 repository needs a bucket")
        with self.lock:
            self.repositories[name] = {
                "type": type,
                "settings": {k: as_setting(v) for k, v in all_settings.items()},
                "readonly": readonly,
            }
            self.bind_repository(name)

    def bind_repository(self, name: str) -> None:
        """Point a (re-)registered repository at its bucket and base_path in the S3 store."""
        registration = self.repositories[name]
        settings = registration.get("settings") or {}
        container = settings.get("bucket") if registration["type"] == "s3" else settings.get("location")
        if container:
            self.snapshots_by_repo[name] = self.s3.snapshots(
                registration["type"], container, settings.get("base_path", "")
            )
        else:
            self.snapshots_by_repo.setdefault(name, {})

    def delete_repository(self, name: str) -> None:
        """Unregister a repository directly (no HTTP); its snapshots are forgotten with it."""
        with self.lock:
            self.repositories.pop(name, None)
            self.snapshots_by_repo.pop(name, None)

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

    def fail_repository_verification(
        self, reason: str | None, *, cause_type: str = "amazon_s3_exception", times: int | None = None
    ) -> None:
        """Make repository verification fail with ``reason`` as the S3/STS cause.

        Every verification fails (``PUT _snapshot/<repo>`` with verify, ``POST .../_verify``), like a
        bucket the role cannot reach, until ``times`` verifications failed or ``reason`` is None.
        """
        with self.lock:
            self.verification_failure = (cause_type, reason) if reason else None
            self.verification_failures_left = times

    def snapshots(self, repository: str) -> list[SnapshotRecord]:
        """Copies of the repository's snapshot records, oldest first."""
        with self.lock:
            records = self.snapshots_by_repo.get(repository, {}).values()
            return [copy.deepcopy(r) for r in sorted(records, key=lambda r: (r.start_time, r.name))]

    def snapshot(self, repository: str, name: str) -> SnapshotRecord | None:
        with self.lock:
            record = self.snapshots_by_repo.get(repository, {}).get(name)
            return copy.deepcopy(record) if record else None

    def repository(self, name: str) -> dict[str, Any] | None:
        """The registration as ``GET _snapshot/<name>`` shows it, or None."""
        with self.lock:
            registration = self.repositories.get(name)
            return self.repository_view(registration) if registration else None

    # ------------------------------------------------------------------ repositories

    @staticmethod
    def repository_view(registration: dict[str, Any]) -> dict[str, Any]:
        view: dict[str, Any] = {"type": registration["type"]}
        if registration["settings"] is not None:
            view["settings"] = dict(registration["settings"])
        return view

    @staticmethod
    def repository_missing(name: str) -> ApiError:
        return engine_error(404, "repository_missing_exception", f"[{name}] missing")

    def require_repository(self, name: str) -> dict[str, Any]:
        registration = self.repositories.get(name)
        if registration is None:
            raise self.repository_missing(name)
        return registration

    def repository_in_use(self, name: str) -> bool:
        return any(r.running for r in self.snapshots_by_repo.get(name, {}).values())

    @staticmethod
    def in_use() -> ApiError:
        return engine_error(
            500,
            "illegal_state_exception",
            "trying to modify or unregister repository that is currently used ",
        )

    def verify(self, name: str) -> None:
        if self.verification_failure is None:
            return
        cause_type, reason = self.verification_failure
        if self.verification_failures_left is not None:
            self.verification_failures_left -= 1
            if self.verification_failures_left <= 0:
                self.verification_failure = None
        settings = self.repositories[name]["settings"] or {}
        base_path = "".join(f"[{part}]" for part in settings.get("base_path", "").split("/") if part)
        prefix = settings.get("base_path", "").strip("/")
        blob = f"{prefix}/tests-{new_uuid()}/master.dat" if prefix else f"tests-{new_uuid()}/master.dat"
        inner = cause(
            "i_o_exception", f"Unable to upload object [{blob}] using a single upload", cause(cause_type, reason)
        )
        raise engine_error(
            500,
            "repository_verification_exception",
            f"[{name}] path {base_path} is not accessible on {self.cluster_manager} node",
            caused_by=inner,
        )

    # ------------------------------------------------------------------ snapshots: helpers

    def all_indices(self) -> list[str]:
        return list(self.indices)

    def shard_count(self, indices: Iterable[str]) -> int:
        return sum(self.indices[index].shards if index in self.indices else 1 for index in indices)

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

    def resolve_date_math_name(self, name: str) -> str:
        if not (name.startswith("<") and name.endswith(">")) or not self.at_least_es(6, 4):
            return name
        return resolve_date_math(name[1:-1], self.clock())

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

    # ------------------------------------------------------------------ indices

    @property
    def data_nodes(self) -> int:
        return len(self.nodes)

    def setting(self, key: str) -> str | None:
        """A cluster setting as in force: transient over persistent, else None (the default)."""
        return self.transient_settings.get(key, self.persistent_settings.get(key))

    @property
    def max_shards_per_node(self) -> int:
        return int(self.setting("cluster.max_shards_per_node") or DEFAULT_MAX_SHARDS_PER_NODE)

    def open_shards(self) -> int:
        """Metadata.getTotalOpenIndexShards: primaries x (1 + replicas) of every open index."""
        return sum(i.total_shards for i in self.indices.values() if i.is_open)

    def shard_limit_error(self, name: str, shards: int, replicas: int) -> ApiError | None:
        """ShardLimitValidator.validateShardLimit (system dot-indices are exempt)."""
        if name.startswith("."):
            return None
        adding = shards * (1 + replicas)
        current = self.open_shards()
        limit = self.max_shards_per_node * self.data_nodes
        if current + adding <= limit:
            return None
        message = (
            f"this action would add [{adding}] total shards, but this cluster currently has "
            f"[{current}]/[{limit}] maximum shards open"
        )
        return engine_error(400, "validation_exception", f"Validation Failed: 1: {message};")

    @staticmethod
    def invalid_index_name(name: str, why: str) -> ApiError:
        return engine_error(
            400, "invalid_index_name_exception", f"Invalid index name [{name}], {why}", index_uuid="_na_", index=name
        )

    def validate_index_name(self, name: str) -> None:
        """MetadataCreateIndexService.validateIndexName, in the engine's order."""
        if any(ch in INVALID_NAME_CHARS for ch in name):
            raise self.invalid_index_name(name, f"must not contain the following characters {INVALID_FILENAME_CHARS}")
        if "#" in name:
            raise self.invalid_index_name(name, "must not contain '#'")
        if ":" in name:
            raise self.invalid_index_name(name, "must not contain ':'")
        if name[:1] in ("_", "-", "+"):
            raise self.invalid_index_name(name, "must not start with '_', '-', or '+'")
        size = len(name.encode())
        if size > 255:
            raise self.invalid_index_name(name, f"index name is too long, ({size} > 255)")
        if name in (".", ".."):
            raise self.invalid_index_name(name, "must not be '.' or '..'")
        if name.lower() != name:
            raise self.invalid_index_name(name, "must be lowercase")
        if name in self.indices:
            record = self.indices[name]
            raise engine_error(
                400,
                "resource_already_exists_exception",
                f"index [{name}/{record.uuid}] already exists",
                index_uuid=record.uuid,
                index=name,
            )
        if self.alias_exists(name):
            raise self.invalid_index_name(name, "already exists as alias")

    def create_index(
        self,
        name: str,
        *,
        shards: int = 1,
        replicas: int = 1,
        docs: int = 0,
        doc_bytes: int | None = None,
        documents: Iterable[Mapping[str, Any]] = (),
        mapping: Mapping[str, Any] | None = None,
        aliases: Iterable[str] | Mapping[str, Mapping[str, Any]] = (),
        settings: Mapping[str, Any] | None = None,
        state: str = OPEN,
    ) -> IndexRecord:
        """Create an index whose shards are all active (seeding, ``PUT /<index>``); no checks here."""
        record = IndexRecord(name=name, shards=shards, replicas=replicas, created=self.clock(), state=state)
        if doc_bytes is not None:
            record.doc_bytes = doc_bytes
        record.mapping = copy.deepcopy(dict(mapping)) if mapping else {}
        record.settings = {k: as_setting(v) for k, v in (settings or {}).items()}
        if isinstance(aliases, Mapping):
            record.aliases = {alias: dict(spec) for alias, spec in aliases.items()}
        else:
            record.aliases = {alias: {} for alias in aliases}
        for doc in documents:
            source = dict(doc)
            doc_id = source.pop("_id", None)
            record.add_document(source, None if doc_id is None else str(doc_id))
        record.add_generated(max(0, docs - record.doc_count))
        self.indices[name] = record
        allocation.allocate(
            record, self.nodes, self.clock(), recovery_type="EMPTY_STORE", source={}, polls=0, reason="INDEX_CREATED"
        )
        required = record.settings.get("index.routing.allocation.require._name")
        if required is not None and required not in {name for _, name in self.nodes}:
            allocation.unassign(record, self.clock(), reason="INDEX_CREATED")
        self.settle(record)
        return record

    def poll(self, records: Iterable[IndexRecord]) -> None:
        """One look at these indices: every recovering shard copy moves one step (see RecoveryProgress)."""
        for record in records:
            allocation.step(record, self.nodes, self.clock(), self.recovery.replica_polls)

    def settle(self, record: IndexRecord) -> None:
        """Let every recovery that can end, end (``wait_for_completion``, ``polls=0``)."""
        allocation.settle(record, self.nodes, self.clock())

    def node_name_of(self, node: str | None) -> str:
        return allocation.node_name(self.nodes, node)

    # ------------------------------------------------------------------ index expressions and aliases

    def alias_exists(self, name: str) -> bool:
        return any(name in record.aliases for record in self.indices.values())

    def aliases(self) -> dict[str, list[str]]:
        """Alias -> the indices it points at."""
        found: dict[str, list[str]] = {}
        for record in self.indices.values():
            for alias in record.aliases:
                found.setdefault(alias, []).append(record.name)
        return found

    @staticmethod
    def index_missing(name: str) -> ApiError:
        extra: dict[str, Any] = {
            "resource.type": "index_or_alias",
            "resource.id": name,
            "index_uuid": "_na_",
            "index": name,
        }
        return engine_error(404, "index_not_found_exception", f"no such index [{name}]", **extra)

    def resolve(
        self,
        expression: str | None,
        *,
        ignore_unavailable: bool = False,
        allow_no_indices: bool = True,
        expand: str = "open",
        aliases: bool = True,
    ) -> list[IndexRecord]:
        """IndexNameExpressionResolver: names, aliases, ``*`` wildcards, ``_all``, ``-`` exclusions after a wildcard.

        ``expand`` is what wildcards reach: "open", "closed" or "all" (``expand_wildcards``).
        """
        tokens = [t for t in (expression or "_all").split(",") if t]
        states = {"open": {OPEN}, "closed": {CLOSE}, "all": {OPEN, CLOSE}, "none": set()}.get(expand, {OPEN, CLOSE})
        alias_map = self.aliases() if aliases else {}
        chosen: list[str] = []
        wildcard_seen = False
        for token in tokens or ["_all"]:
            if token.startswith("-") and wildcard_seen:
                excluded = token[1:]
                chosen = [i for i in chosen if not fnmatchcase(i, excluded)]
            elif token in ("_all", "*") or is_pattern(token):
                wildcard_seen = True
                everything = token in ("_all", "*")
                matched = [
                    r.name
                    for r in self.indices.values()
                    if r.state in states and (everything or fnmatchcase(r.name, token))
                ]
                for alias, members in alias_map.items():
                    if not everything and fnmatchcase(alias, token):
                        matched += [m for m in members if self.indices[m].state in states]
                if chosen:
                    seen = set(chosen)
                    chosen += [m for m in dict.fromkeys(matched) if m not in seen]
                else:
                    chosen = list(dict.fromkeys(matched))
                if not matched and not allow_no_indices:
                    raise self.index_missing(token)
            elif token in self.indices:
                if token not in chosen:
                    chosen.append(token)
            elif token in alias_map:
                chosen += [m for m in alias_map[token] if m not in chosen]
            elif not ignore_unavailable:
                raise self.index_missing(token)
        return [self.indices[name] for name in chosen]

    def index_closed(self, record: IndexRecord) -> ApiError:
        return engine_error(400, "index_closed_exception", "closed", index_uuid=record.uuid, index=record.name)

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
