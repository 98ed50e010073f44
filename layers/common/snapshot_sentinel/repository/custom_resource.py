"""The SnapshotRepository custom resource, from CloudFormation's request to its answer.

Create and Update register the repository (:func:`.steps.register`: ``PUT _snapshot/<repo>`` unless
the domain already holds exactly these settings, since a re-PUT fails while a snapshot runs in the
repository, then ``POST _snapshot/<repo>/_verify``). Delete leaves the repository registered and its
data untouched. Every request gets an answer, success or failure, in words a person can act on
(:mod:`.advice`), before the function's own timeout: the work waits out what passes on its own
(:mod:`.patience`) only within the time the Lambda has left, and a watchdog answers FAILED if the
work has not answered shortly before the Lambda would be killed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import requests

from snapshot_sentinel import errors
from snapshot_sentinel.client import DomainClient
from snapshot_sentinel.observability import logger
from snapshot_sentinel.repository.advice import DRILL_NAMES, StackNames, explain
from snapshot_sentinel.repository.cfn_response import FAILED, SUCCESS, CustomResourceRequest, Responder
from snapshot_sentinel.repository.input import RepositoryRegistration
from snapshot_sentinel.repository.patience import DEFAULT_PATIENCE, Deadline, Patience
from snapshot_sentinel.repository.settings import RegistrationSettings
from snapshot_sentinel.repository.steps import register
from snapshot_sentinel.settings import DomainSettings

# The watchdog answers FAILED this long before the Lambda would be killed mid-work...
WATCHDOG_MARGIN_SECONDS = 5.0
# ...and no new attempt starts with less than this left, so the work normally answers first.
WORK_MARGIN_SECONDS = 20.0
DRILL_RESOURCE = "DrillSnapshotRepository"


def serve(
    event: Mapping[str, Any],
    settings: RegistrationSettings,
    *,
    client_for: Callable[[DomainSettings], DomainClient],
    remaining_seconds: Callable[[], float],
    session: requests.Session,
    logs_hint: str = "",
) -> dict[str, Any]:
    """RegisterRepositoryFunction's request: register on the domain the resource names (the stack's
    domain, or the drill domain read-only), and give the resource the ``DomainName`` attribute."""
    properties = dict(event.get("ResourceProperties") or {})

    def connect() -> DomainClient:
        domain = settings.domain_for(properties)
        logger.append_keys(domain=domain.name)
        return client_for(domain)

    return handle_request(
        event,
        connect=connect,
        remaining_seconds=remaining_seconds,
        session=session,
        logs_hint=logs_hint,
        attributes={"DomainName": settings.domain_name_for(properties)},
    )


def _requested_name(request: CustomResourceRequest) -> str:
    return str(request.properties.get("RepositoryName", "")).strip()


def handle_request(
    event: Mapping[str, Any],
    *,
    connect: Callable[[], DomainClient],
    remaining_seconds: Callable[[], float],
    session: requests.Session,
    logs_hint: str = "",
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    patience: Patience = DEFAULT_PATIENCE,
    attributes: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Serve one custom resource request and answer CloudFormation; returns the answer sent.

    ``attributes`` are added to every SUCCESS answer's ``Data`` (``Fn::GetAtt`` of the resource),
    for values the stack needs but CloudFormation cannot compute, such as the domain's short name.

    A watchdog answers FAILED shortly before the Lambda's timeout if the work has not answered
    by then, so a stack never waits on an answer that will not come.
    """
    request = CustomResourceRequest.from_event(event)
    responder = Responder(request, session, sleep=sleep)
    logger.append_keys(request_type=request.request_type, repository=_requested_name(request) or None)
    hint = f" {logs_hint}" if logs_hint else ""
    names = DRILL_NAMES if request.logical_resource_id == DRILL_RESOURCE else StackNames()
    failed_id = (
        request.physical_resource_id
        or _requested_name(request)
        or f"{request.logical_resource_id or 'SnapshotRepository'}-{request.request_id[:8]}"
    )

    def give_up() -> None:
        logger.error("out of time; answering FAILED before the function times out")
        responder.answer(
            FAILED,
            "The domain did not answer before the registration function's timeout (its last request is still "
            f"waiting); check that {names.endpoint} is reachable from the function and deploy again.{hint}",
            failed_id,
        )

    watchdog = threading.Timer(max(0.0, remaining_seconds() - WATCHDOG_MARGIN_SECONDS), give_up)
    watchdog.daemon = True
    watchdog.start()
    try:
        if request.request_type == "Delete":
            name = request.physical_resource_id or failed_id
            return responder.answer(
                SUCCESS,
                f"Left repository {name} registered and its snapshots untouched: deleting the stack never deletes "
                f"backups. To unregister it yourself: DELETE _snapshot/{name} (the bucket keeps the data).",
                name,
                {"RepositoryName": name, **(attributes or {})},
            )
        registration: RepositoryRegistration | None = None
        endpoint = "the domain"
        try:
            registration = RepositoryRegistration.from_properties(request.properties)
            client = connect()
            endpoint = client.endpoint
            deadline = Deadline(clock, clock() + remaining_seconds() - WORK_MARGIN_SECONDS)
            # A Create, or an Update to a new name (its physical ID is the name), claims the name.
            claiming = request.request_type == "Create" or request.physical_resource_id != registration.repository
            outcome = register(
                client, registration, deadline=deadline, patience=patience, sleep=sleep, claiming=claiming
            )
        except errors.SentinelError as exc:
            logger.warning("registration failed", extra={"error_class": type(exc).__name__, "error": str(exc)})
            return responder.answer(FAILED, explain(exc, registration, endpoint, names) + hint, failed_id)
        except Exception as exc:  # noqa: BLE001 CloudFormation must get an answer, or the stack waits out its timeout
            logger.exception("unexpected failure while registering")
            return responder.answer(
                FAILED, f"Unexpected {type(exc).__name__} while registering the repository: {exc}.{hint}", failed_id
            )
        logger.info("repository ready", extra={"changed": outcome.changed, "nodes": outcome.verified_nodes})
        return responder.answer(
            SUCCESS, outcome.summary(registration), registration.repository, {**outcome.data(), **(attributes or {})}
        )
    finally:
        watchdog.cancel()
