"""Carrying out a retention plan on the domain, within a time budget, and reporting every outcome.

**One listing request.** ``GET _snapshot/<repo>/<prefix>-*?ignore_unavailable=true&filter_path=...``.
The alternatives were measured against what the engine does (OpenSearch
``TransportGetSnapshotsAction``):

- ``verbose=false`` reads only the repository index, but returns name, uuid, indices and state:
  no start time and no metadata, so it can neither age a snapshot nor tell another stack's apart.
- ``_cat/snapshots`` runs a verbose ``_all`` get internally (every snapshot of the repository is
  read, ours or not) and has no metadata column.
- A verbose get resolves the wildcard against the repository index first, then reads only the
  matching snapshots' SnapshotInfo blobs: the cost is one small S3 read per *managed* snapshot,
  nothing for other prefixes. ``filter_path`` trims the answer to name, uuid, state, start time,
  metadata and version id (whether the engine that took it stores metadata: the ownership rule
  needs it): 5,000 snapshots carrying our metadata answer about 1.8 MB instead of 3.7 MB (emulator
  figures; ``verbose=false`` would be 0.86 MB and ``_cat`` 1.24 MB, both unusable as said). The
  metadata stays whole: filtering it to ``stack``/``taken_by`` would make a snapshot whose
  metadata names neither look like one without metadata.
  ``ignore_unavailable`` makes an empty match ``{"snapshots":[]}`` instead of a 404, and skips an
  unreadable snapshot, which is then simply not deleted.

**Deleting.** Only what the plan marked ``delete``, oldest first. ``GET /`` decides the batching:
OpenSearch and Elasticsearch 7.8+ take comma-separated names, cut so that no request carries more
than :data:`MAX_NAMES_CHARS` characters of (URL-encoded) names; older engines get one name per
request. A delete is synchronous and may outlive the gateway, so after a 504, a read timeout or
a reset the executor looks the batch up again (a GET of those names): gone means done, present
means deferred to the next run, and a batch is never sent twice. A delete refused because
another snapshot operation runs (Elasticsearch before 7.9 refuses deletes while Amazon's hourly
snapshot runs) is deferred, and so is everything after it: the condition is domain-wide.
Throttling and unavailability end the run's deletions the same way after looking. Errors that
are not transient (missing repository, authorization, ...) propagate as their typed exceptions.

**Time budget.** No delete starts once the budget is spent; what is left is reported as not
reached and the next run, listing afresh, continues. :func:`apply_run_retention` sizes the budget so that one
more request (the client's read timeout) still ends before the Lambda's timeout.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote

from snapshot_sentinel import errors
from snapshot_sentinel.client import DomainClient
from snapshot_sentinel.observability import logger
from snapshot_sentinel.retention.input import RetentionRequest
from snapshot_sentinel.retention.plan import Decision, RetentionPolicy, plan_retention
from snapshot_sentinel.retention.report import Deferred, RetentionReport
from snapshot_sentinel.retention.settings import RetentionSettings

RESERVE_SECONDS = 120
"""Time kept back from the Lambda's timeout. A delete started just before the budget ends may
take the client's 55 s (connect + read) timeout, and the look-up after a failed delete one more
(the client sends each request once); the report must still be returned: 110 s, and a margin."""

MAX_NAMES_CHARS = 3_000
"""Characters of comma-joined, URL-encoded names per delete: the URL stays well under 4 KB."""

_UNCLEAR: tuple[type[errors.SentinelError], ...] = (*errors.TRANSIENT_ERRORS, errors.SnapshotMissingError)
"""Delete failures after which the snapshots may be gone: look before deciding."""

_BACK_OFF = (errors.ThrottledError, errors.DomainUnavailableError)
"""Transient delete failures that say the domain is struggling: look, then leave the rest to the next run.
After any other transient failure (no answer) the run looks and goes on."""


def delete_batches(
    decisions: Sequence[Decision], *, multi_delete: bool, max_chars: int = MAX_NAMES_CHARS
) -> list[list[Decision]]:
    """Consecutive groups of ``decisions`` whose URL-encoded, comma-joined names fit in ``max_chars``.

    Without multi-delete every name is its own request; a single name longer than ``max_chars``
    still goes, alone.
    """
    if not multi_delete:
        return [[decision] for decision in decisions]
    batches: list[list[Decision]] = []
    current: list[Decision] = []
    used = 0
    for decision in decisions:
        size = len(quote(decision.name, safe="")) + (1 if current else 0)
        if current and used + size > max_chars:
            batches.append(current)
            current, used, size = [], 0, size - 1
        current.append(decision)
        used += size
    if current:
        batches.append(current)
    return batches


def apply_run_retention(
    client: DomainClient,
    settings: RetentionSettings,
    state: Mapping[str, Any],
    *,
    now: datetime,
    seconds_left: float,
) -> dict[str, Any]:
    """The backup state machine's retention step: :func:`apply_retention` of the stack's policy,
    protecting the snapshot this run took, within RetentionTimeBudgetSeconds or what the Lambda has
    left less :data:`RESERVE_SECONDS`, whichever ends first. Returns the bounded report."""
    request = RetentionRequest.from_state(state)
    report = apply_retention(
        client,
        settings.domain.repository,
        settings.policy,
        now=now,
        protect=request.protect,
        dry_run=request.dry_run,
        budget_seconds=max(0.0, min(settings.time_budget_seconds, seconds_left - RESERVE_SECONDS)),
    )
    return report.to_dict()


def apply_retention(
    client: DomainClient,
    repository: str,
    policy: RetentionPolicy,
    *,
    now: datetime,
    protect: frozenset[str],
    dry_run: bool,
    budget_seconds: float,
    monotonic: Callable[[], float] = time.monotonic,
    max_names_chars: int = MAX_NAMES_CHARS,
) -> RetentionReport:
    """List once, plan, and (unless ``dry_run``) delete what the plan says within ``budget_seconds``."""
    deadline = monotonic() + budget_seconds
    snapshots = client.list_snapshots(repository, pattern=f"{policy.name_prefix}*")
    plan = plan_retention(snapshots, policy, now, protect)
    report = RetentionReport(repository=repository, plan=plan, dry_run=dry_run, protected=protect)
    logger.info(
        "retention planned",
        extra={"listed": len(plan.decisions), "to_delete": len(plan.to_delete), "dry_run": dry_run},
    )
    if dry_run or not plan.to_delete:
        return report

    report.engine = client.engine_version()
    batches = delete_batches(
        plan.to_delete, multi_delete=report.engine.supports_multi_delete, max_chars=max_names_chars
    )
    for position, batch in enumerate(batches):
        if monotonic() >= deadline:
            report.stopped_because = (
                f"the time budget of {budget_seconds:.0f} s was spent; the next run continues with the rest"
            )
            report.not_reached.extend(d for rest in batches[position:] for d in rest)
            break
        stop = _delete(client, repository, batch, report, deadline=deadline, monotonic=monotonic)
        if stop is not None:
            report.stopped_because = stop
            why = f"not attempted: {stop}"
            report.deferred.extend(Deferred(d, why) for rest in batches[position + 1 :] for d in rest)
            break
    logger.info("retention applied", extra=report.totals())
    return report


def _delete(
    client: DomainClient,
    repository: str,
    batch: list[Decision],
    report: RetentionReport,
    *,
    deadline: float,
    monotonic: Callable[[], float],
) -> str | None:
    """Delete one batch and record its outcome; a sentence when the run must stop deleting."""
    names = [d.name for d in batch]
    report.delete_requests += 1
    try:
        client.delete_snapshots(repository, names)
    except errors.ConcurrentSnapshotError as exc:
        why = f"the domain refused the delete while another snapshot operation runs ({exc.reason})"
        report.deferred.extend(Deferred(d, f"{why}; the next run retries") for d in batch)
        logger.warning("retention delete refused", extra={"snapshots": len(batch), "reason": exc.reason})
        return why
    except _UNCLEAR as exc:
        logger.warning("retention delete unanswered", extra={"snapshots": len(batch), "error": str(exc)})
        if monotonic() >= deadline:
            why = f"the delete failed ({exc}) and the time budget left no time to look again"
            report.deferred.extend(Deferred(d, f"{why}; the next run's listing tells") for d in batch)
            return why
        unconfirmed = _look_again(client, repository, batch, report, cause=exc)
        if unconfirmed is not None:
            return unconfirmed
        if isinstance(exc, _BACK_OFF):
            return f"the domain asked to back off ({exc})"
        return None
    report.deleted.extend(batch)
    logger.info("retention deleted", extra={"snapshots": len(batch), "first": names[0], "last": names[-1]})
    return None


def _look_again(
    client: DomainClient,
    repository: str,
    batch: list[Decision],
    report: RetentionReport,
    *,
    cause: errors.SentinelError,
) -> str | None:
    """After an unclear delete: gone is deleted, present is deferred; a sentence if we cannot tell."""
    report.lookups += 1
    try:
        present = {s.name for s in client.list_snapshots(repository, pattern=",".join(d.name for d in batch))}
    except errors.TRANSIENT_ERRORS as exc:
        why = f"the delete failed ({cause}) and looking again failed too ({exc})"
        report.deferred.extend(Deferred(d, f"{why}; the next run's listing tells") for d in batch)
        return why
    for decision in batch:
        if decision.name in present:
            report.deferred.append(
                Deferred(
                    decision,
                    f"still present after the delete failed ({cause}); it may still be deleting, "
                    "the next run looks again",
                )
            )
        else:
            report.deleted.append(decision)
    return None
