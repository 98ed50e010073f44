"""A repository that heals itself: before a run uses the stack's repository, make sure the domain
still holds it, and register it again when it is gone.

A registration vanishes for ordinary reasons (someone ran ``DELETE _snapshot/<repo>``, or the
domain was replaced by a new one under the same name), and a plain redeploy does not bring it
back: nothing in the SnapshotRepository resource changed, so CloudFormation sends no request.
So the nightly backup (and a drill, on the drill domain) starts with one ``GET _snapshot/<repo>``:

- registered where this stack keeps its snapshots: nothing to do;
- registered elsewhere (another bucket or base path, another type): never re-pointed, whatever
  the domain holds there; :class:`RepositoryElsewhereError` stops the run before it writes;
- not registered: registered again by :func:`.steps.register`, the custom resource's own
  code, with the settings the custom resource sends (the same type, bucket, base path, region,
  role, read-only flag, server-side encryption, then ``_verify``), and the run says so.

The state machine waits and retries here, not this module: the registration gets no patience
(a deadline that has already passed), so a transient error reaches the Task's Retry at once.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from snapshot_sentinel import errors
from snapshot_sentinel.client import DomainClient
from snapshot_sentinel.observability import logger
from snapshot_sentinel.repository.input import RepositoryRegistration
from snapshot_sentinel.repository.patience import Deadline
from snapshot_sentinel.repository.settings import HealSettings
from snapshot_sentinel.repository.steps import register


@dataclass(frozen=True)
class Ensured:
    """What the step found and did; ``registered_again`` routes the state machine to its message."""

    target: str
    domain: str
    endpoint: str
    registration: RepositoryRegistration
    registered_again: bool
    verified_nodes: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "domain": self.domain,
            "endpoint": self.endpoint,
            "repository": self.registration.repository,
            "location": self.registration.where(),
            "registered_again": self.registered_again,
            "settings": {"type": "s3", **self.registration.settings()} if self.registered_again else None,
            "verified_nodes": self.verified_nodes,
        }


def ensure_registered(client: DomainClient, settings: HealSettings) -> Ensured:
    """One GET; registers the repository again only when the domain does not hold it at all."""
    registration = settings.registration
    name = registration.repository
    found = Ensured(settings.target, settings.domain.name, settings.domain.endpoint, registration, False)
    current = client.get_repository(name)
    if current is not None:
        elsewhere = registration.elsewhere(current)
        if elsewhere is not None:
            raise errors.RepositoryElsewhereError(
                f"repository {name} on {settings.domain.name} is registered with {elsewhere}, not with this "
                f"stack's {registration.where()}. The run never re-points a registration (the snapshots at "
                f"{elsewhere} would vanish from the domain's view), so it stopped before writing anything"
            )
        return found
    logger.warning(
        "the repository is not registered: registering it again as the stack does",
        extra={"settings": registration.settings()},
    )
    now = time.monotonic()
    try:
        # claiming: should a registration appear between the GET and now, a misplaced one is still refused.
        outcome = register(client, registration, deadline=Deadline(time.monotonic, now), claiming=True)
    except errors.UNANSWERED:
        # The PUT may have landed before the answer was lost (a 504, a reset): the Retry's GET would
        # then find the repository and never say it was registered again. Look once, and say so now.
        if not _landed(client, registration):
            raise
        logger.warning("registered again; the domain's answer was lost, so it is not verified")
        return Ensured(found.target, found.domain, found.endpoint, registration, True, verified_nodes=0)
    return Ensured(
        found.target,
        found.domain,
        found.endpoint,
        registration,
        registered_again=outcome.changed,
        verified_nodes=outcome.verified_nodes,
    )


def _landed(client: DomainClient, registration: RepositoryRegistration) -> bool:
    try:
        return registration.matches(client.get_repository(registration.repository))
    except errors.DomainError:
        return False
