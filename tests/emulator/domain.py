"""An emulated Amazon OpenSearch Service domain, assembled from its three layers.

- front end (frontend.py): Amazon's SigV4 checks, then injected faults, then the engine; every
  request recorded;
- REST routing (routing.py, and the actions/ package: one module of handlers per area of the API):
  routes, 400 ``no handler found``, 405, 406, unknown parameters, ``filter_path``, ``pretty``;
- engine state (the engine/ package): one ``Cluster`` with the cluster's repositories, snapshots and
  indices, one lock, and the operations the handlers share, written by area.

``EmulatedDomain`` wires them and is what tests use: ``handle`` answers one raw HTTP request
(server.py calls it), and the seeding and inspection methods change or read the state without HTTP.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from tests.emulator.actions.aliases import AliasActions
from tests.emulator.actions.allocation import AllocationActions
from tests.emulator.actions.cat import CatActions
from tests.emulator.actions.documents import DocumentActions
from tests.emulator.actions.health import HealthActions
from tests.emulator.actions.indices import IndexActions
from tests.emulator.actions.nodes import NodeActions
from tests.emulator.actions.recovery import RecoveryActions
from tests.emulator.actions.repositories import RepositoryActions
from tests.emulator.actions.restore import RestoreActions
from tests.emulator.actions.root import RootActions
from tests.emulator.actions.settings import SettingsActions
from tests.emulator.actions.snapshots import SnapshotActions
from tests.emulator.engine import Clock, Cluster, S3Store
from tests.emulator.engine.cluster import DEFAULT_INDICES
from tests.emulator.frontend import FrontEnd
from tests.emulator.indices import CLOSE, OPEN, IndexRecord, IndexSnapshot, RecoveryProgress
from tests.emulator.model import SUCCESS, Fault, RecordedRequest, SnapshotProgress, SnapshotRecord
from tests.emulator.responses import Reply
from tests.emulator.routing import Router
from tests.emulator.sigv4 import EmulatorCredentials


class EmulatedDomain:
    """The emulated domain (see tests/emulator/README.md)."""

    def __init__(
        self,
        *,
        engine: str = "opensearch",
        version: str = "2.11.0",
        region: str = "us-east-1",
        credentials: EmulatorCredentials | None = None,
        indices: Iterable[str] | Mapping[str, int] = DEFAULT_INDICES,
        clock: Clock | None = None,
        domain_name: str = "emulated-domain",
        automated_repository: str | None = "cs-automated-enc",
        progress: SnapshotProgress | None = None,
        data_nodes: int = 2,
        recovery: RecoveryProgress | None = None,
        s3: S3Store | None = None,
    ) -> None:
        self.cluster = Cluster(
            engine=engine,
            version=version,
            indices=indices,
            clock=clock,
            domain_name=domain_name,
            automated_repository=automated_repository,
            progress=progress,
            data_nodes=data_nodes,
            recovery=recovery,
            s3=s3,
        )
        areas = (
            RootActions,
            RepositoryActions,
            SnapshotActions,
            RestoreActions,
            CatActions,
            IndexActions,
            AliasActions,
            DocumentActions,
            HealthActions,
            RecoveryActions,
            SettingsActions,
            NodeActions,
            AllocationActions,
        )
        router = Router([route for area in areas for route in area(self.cluster).routes()])
        self.front_end = FrontEnd(self.cluster, router, credentials=credentials, region=region)

    # ------------------------------------------------------------------ identity

    @property
    def engine(self) -> str:
        return self.cluster.engine

    @property
    def version(self) -> str:
        return self.cluster.version

    @property
    def region(self) -> str:
        return self.front_end.region

    @property
    def credentials(self) -> EmulatorCredentials | None:
        return self.front_end.credentials

    @property
    def node_id(self) -> str:
        return self.cluster.node_id

    @property
    def clock(self) -> Clock:
        return self.cluster.clock

    @property
    def progress(self) -> SnapshotProgress:
        return self.cluster.progress

    @progress.setter
    def progress(self, plan: SnapshotProgress) -> None:
        with self.cluster.lock:
            self.cluster.progress = plan

    @property
    def recovery(self) -> RecoveryProgress:
        return self.cluster.recovery

    @recovery.setter
    def recovery(self, plan: RecoveryProgress) -> None:
        with self.cluster.lock:
            self.cluster.recovery = plan

    # ------------------------------------------------------------------ HTTP

    def handle(self, method: str, target: str, headers: Mapping[str, str], body: bytes) -> Reply:
        """Answer one raw HTTP request; thread-safe."""
        return self.front_end.handle(method, target, headers, body)

    def inject(self, fault: Fault) -> None:
        with self.cluster.lock:
            self.front_end.faults.append(fault)

    @property
    def pending_faults(self) -> list[Fault]:
        with self.cluster.lock:
            return list(self.front_end.faults)

    @property
    def requests(self) -> list[RecordedRequest]:
        with self.cluster.lock:
            return list(self.front_end.requests)

    def clear_requests(self) -> None:
        with self.cluster.lock:
            self.front_end.requests.clear()

    # ------------------------------------------------------------------ repositories and snapshots

    def register_repository(
        self, name: str, *, bucket: str | None = None, readonly: bool = False, type: str = "s3", **settings: Any
    ) -> None:
        """Register a repository directly (no HTTP); settings are stored as the API echoes them."""
        self.cluster.register_repository(name, bucket=bucket, readonly=readonly, type=type, **settings)

    def delete_repository(self, name: str) -> None:
        """Unregister a repository directly (no HTTP); its snapshots are forgotten with it."""
        self.cluster.delete_repository(name)

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
        return self.cluster.add_snapshot(
            repository,
            name,
            state=state,
            start_time=start_time,
            end_time=end_time,
            metadata=metadata,
            failures=failures,
            shards_total=shards_total,
            indices=indices,
            reason=reason,
            uuid=uuid,
            include_global_state=include_global_state,
        )

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
        self.cluster.complete_snapshot(repository, name, state=state, failures=failures, reason=reason)

    def start_automated_snapshot(self) -> str:
        """Start Amazon's hourly snapshot in the service repository; returns its name."""
        return self.cluster.start_automated_snapshot()

    def finish_automated_snapshot(self, state: str = SUCCESS) -> None:
        self.cluster.finish_automated_snapshot(state)

    def fail_repository_verification(
        self, reason: str | None, *, cause_type: str = "amazon_s3_exception", times: int | None = None
    ) -> None:
        """Make repository verification fail with ``reason`` as the S3/STS cause (see Cluster)."""
        self.cluster.fail_repository_verification(reason, cause_type=cause_type, times=times)

    def snapshots(self, repository: str) -> list[SnapshotRecord]:
        """Copies of the repository's snapshot records, oldest first."""
        return self.cluster.snapshots(repository)

    def snapshot(self, repository: str, name: str) -> SnapshotRecord | None:
        return self.cluster.snapshot(repository, name)

    def repository(self, name: str) -> dict[str, Any] | None:
        """The registration as ``GET _snapshot/<name>`` shows it, or None."""
        return self.cluster.repository(name)

    # ------------------------------------------------------------------ indices and documents

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
        closed: bool = False,
    ) -> IndexRecord:
        """Create an index whose shards are all active, with ``docs`` generated documents (ids
        ``<name>-<n>``, ``{"message", "n"}``) after the given ``documents``; ``doc_bytes`` sizes each one
        (``store.size`` = docs x doc_bytes per copy). Replaces an index of that name."""
        with self.cluster.lock:
            self.cluster.indices.pop(name, None)
            self.cluster.create_index(
                name,
                shards=shards,
                replicas=replicas,
                docs=docs,
                doc_bytes=doc_bytes,
                documents=documents,
                mapping=mapping,
                aliases=aliases,
                settings=settings,
                state=CLOSE if closed else OPEN,
            )
            return copy.deepcopy(self.cluster.indices[name])

    def delete_index(self, name: str) -> None:
        with self.cluster.lock:
            self.cluster.indices.pop(name, None)

    def add_documents(self, index: str, count: int = 1, *, documents: Iterable[Mapping[str, Any]] = ()) -> int:
        """Index ``documents`` then ``count`` generated ones (also while a snapshot runs: it keeps the
        count it started with); returns the index's new count."""
        with self.cluster.lock:
            record = self.cluster.indices[index]
            for doc in documents:
                source = dict(doc)
                doc_id = source.pop("_id", None)
                record.add_document(source, None if doc_id is None else str(doc_id))
            record.add_generated(count)
            return record.doc_count

    def delete_documents(self, index: str, count: int) -> int:
        """Delete ``count`` documents of ``index`` (a queue consumer, a TTL clean-up), also while a
        snapshot runs (it keeps what it started with); returns the index's new count."""
        with self.cluster.lock:
            record = self.cluster.indices[index]
            record.delete_documents(count)
            return record.doc_count

    def index(self, name: str) -> IndexRecord | None:
        """A copy of the index (metadata, count, sample, shard copies and recoveries), or None."""
        with self.cluster.lock:
            record = self.cluster.indices.get(name)
            return copy.deepcopy(record) if record is not None else None

    def index_names(self) -> list[str]:
        with self.cluster.lock:
            return sorted(self.cluster.indices)

    def set_cluster_setting(self, key: str, value: Any, *, transient: bool = False) -> None:
        """Set (or with None, reset) a cluster setting, e.g. ``cluster.max_shards_per_node``."""
        with self.cluster.lock:
            store = self.cluster.transient_settings if transient else self.cluster.persistent_settings
            if value is None:
                store.pop(key, None)
            else:
                store[key] = str(value).lower() if isinstance(value, bool) else str(value)

    # ------------------------------------------------------------------ restore faults

    def fail_shard_recovery(self, index: str, shard: int = 0, *, reason: str | None = None) -> None:
        """The next restore that creates ``index`` cannot recover that shard's primary: it recovers for
        the usual polls, then stays UNASSIGNED (reason ALLOCATION_FAILED, ``reason`` as the details, or the
        engine's failed-recovery text) and drops out of ``_recovery``; the index stays red."""
        with self.cluster.lock:
            self.cluster.pending_recovery_failures[(index, shard)] = reason

    def lose_documents(self, repository: str, snapshot: str, index: str, *, docs: int) -> None:
        """Make the snapshot's copy of ``index`` hold ``docs`` documents (a snapshot that lost documents):
        a restore brings back that count."""
        with self.cluster.lock:
            contents = self.cluster.snapshots_by_repo[repository][snapshot].contents[index]
            contents.doc_count = docs
            contents.documents = contents.documents[:docs]

    def snapshot_contents(self, repository: str, snapshot: str) -> dict[str, IndexSnapshot]:
        """What the snapshot holds of each index (count, sample, mapping, settings, aliases), copied."""
        with self.cluster.lock:
            return copy.deepcopy(self.cluster.snapshots_by_repo[repository][snapshot].contents)
