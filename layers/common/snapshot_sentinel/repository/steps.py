"""Registering the repository on a domain: read what it holds, PUT only when that differs, then
verify. The custom resource and the run's own check (:mod:`.healing`) both register through
:func:`register`."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from snapshot_sentinel import errors
from snapshot_sentinel.client import DomainClient
from snapshot_sentinel.observability import logger
from snapshot_sentinel.repository.input import RepositoryRegistration
from snapshot_sentinel.repository.patience import DEFAULT_PATIENCE, Deadline, Patience, patiently

T = TypeVar("T")


@dataclass(frozen=True)
class RegistrationOutcome:
    repository: str
    changed: bool
    verified_nodes: int

    def summary(self, registration: RepositoryRegistration) -> str:
        where = registration.where()
        mode = " (readonly)" if registration.read_only else ""
        done = "registered" if self.changed else "already registered with these settings"
        return f"Repository {self.repository}{mode} on {where}: {done}; verified on {self.verified_nodes} node(s)."

    def data(self) -> dict[str, str]:
        return {"RepositoryName": self.repository, "Changed": str(self.changed).lower()}


def register(
    client: DomainClient,
    registration: RepositoryRegistration,
    *,
    deadline: Deadline,
    patience: Patience = DEFAULT_PATIENCE,
    sleep: Callable[[float], None] = time.sleep,
    claiming: bool = False,
) -> RegistrationOutcome:
    """Make the domain hold ``registration``, verified; PUT only when its settings differ.

    ``claiming`` (a Create, or an Update to another RepositoryName): a repository of that name that
    keeps its snapshots elsewhere (another bucket or base path) is refused, never re-pointed: its
    snapshots would vanish from the domain's view. An Update of the stack's own repository may move it.
    """
    name = registration.repository

    def attempt(action: Callable[[], T], what: str) -> T:
        return patiently(action, what, deadline=deadline, patience=patience, sleep=sleep)

    current = attempt(lambda: client.get_repository(name), "read the registration")
    elsewhere = registration.elsewhere(current) if claiming else None
    if elsewhere is not None:
        raise errors.RepositoryElsewhereError(
            f"repository {name} is already registered on the domain with {elsewhere}; this stack would point it at "
            f"{registration.where()}, and the snapshots at {elsewhere} would vanish from the domain's view. Choose "
            "another RepositoryName, or, to use that repository, set SnapshotBucketName and SnapshotBasePath to its "
            "bucket and base path"
        )
    changed = not registration.matches(current)
    if changed:
        logger.info("registering the repository", extra={"settings": registration.settings(), "was": current})
        # Verified separately, so an S3 problem reads as one and not as a failed registration.
        attempt(lambda: client.put_repository(name, registration.body(), verify=False), "register")
    verification = attempt(lambda: client.verify_repository(name), "verify")
    return RegistrationOutcome(name, changed, len(verification.get("nodes") or {}))
