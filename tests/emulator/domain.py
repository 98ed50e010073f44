"""An emulated Amazon OpenSearch Service domain, assembled from its three layers.

- front end (frontend.py): Amazon's SigV4 checks, then injected faults, then the engine; every
  request recorded;
- REST routing (routing.py, and the actions/ package: one module of handlers per area of the API):
  routes, 400 ``no handler found``, 405, 406, unknown parameters, ``filter_path``, ``pretty``;
- engine state (engine.py): the cluster's repositories, snapshots and indices, and the operations the
  handlers share.

``EmulatedDomain`` wires them and is what tests use: ``handle`` answers one raw HTTP request
(server.py calls it), and the seeding and inspection methods change or read the state without HTTP.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from tests.emulator.actions.cat import CatActions
from tests.emulator.actions.repositories import RepositoryActions
from tests.emulator.actions.root import RootActions
from tests.emulator.actions.snapshots import SnapshotActions
from tests.emulator.engine import DEFAULT_INDICES, Clock, Cluster
from tests.emulator.frontend import FrontEnd
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
    ) -> None:
        self.cluster = Cluster(
            engine=engine,
            version=version,
            indices=indices,
            clock=clock,
            domain_name=domain_name,
            automated_repository=automated_repository,
            progress=progress,
        )
        areas = (RootActions, RepositoryActions, SnapshotActions, CatActions)
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
