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
reached and the next run, listing afresh, continues. The handler sizes the budget so that one
more request (the client's read timeout) still ends before the Lambda's timeout.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote

from snapshot_sentinel import errors
from snapshot_sentinel.client import DomainClient
from snapshot_sentinel.models import EngineVersion, iso
from snapshot_sentinel.observability import logger
from snapshot_sentinel.retention_plan import Decision, RetentionPlan, RetentionPolicy, Rule, plan_retention

MAX_NAMES_CHARS = 3_000
"""Characters of comma-joined, URL-encoded names per delete: the URL stays well under 4 KB."""

MAX_LIST_BYTES = 3_000
"""JSON bytes each list of the report may take; the rest are counted in ``omitted``.

The report lands in the state and the execution's output (Step Functions caps a state's data at
256 KB; this project keeps every state under 32 KB). At most five lists are written, so with
100,000 snapshots the report is a sample of about 15 KB; ``totals`` and ``by_rule`` still count
every snapshot, and ``see_all`` says how to list them all.
"""

_UNCLEAR: tuple[type[errors.SentinelError], ...] = (*errors.TRANSIENT_ERRORS, errors.SnapshotMissingError)
"""Delete failures after which the snapshots may be gone: look before deciding."""

_BACK_OFF = (errors.ThrottledError, errors.DomainUnavailableError)
"""Transient delete failures that say the domain is struggling: look, then leave the rest to the next run.
After any other transient failure (no answer) the run looks and goes on."""


@dataclass(frozen=True)
class Deferred:
    """A deletion the plan wanted and this run did not do, and why the next run will."""

    decision: Decision
    why: str


@dataclass
class RetentionReport:
    """What a retention run decided and did: the execution's ``retention`` output."""

    repository: str
    plan: RetentionPlan
    dry_run: bool
    protected: frozenset[str]
    engine: EngineVersion | None = None
    deleted: list[Decision] = field(default_factory=list)
    deferred: list[Deferred] = field(default_factory=list)
    not_reached: list[Decision] = field(default_factory=list)
    delete_requests: int = 0
    lookups: int = 0
    stopped_because: str | None = None

    def totals(self) -> dict[str, int]:
        plan = self.plan
        to_delete = len(plan.to_delete)
        return {
            "listed": len(plan.decisions),
            "managed": len(plan.decisions) - len(plan.not_managed),
            "not_managed": len(plan.not_managed),
            "kept": len(plan.to_keep),
            "to_delete": to_delete,
            "deleted": len(self.deleted),
            "deferred": len(self.deferred),
            "not_reached": len(self.not_reached),
            "delete_requests": self.delete_requests,
            "lookups": self.lookups,
        }

    def to_dict(self, max_list_bytes: int = MAX_LIST_BYTES) -> dict[str, Any]:
        """JSON-ready and bounded: every list is cut at ``max_list_bytes``, ``omitted`` counts the rest."""
        by_rule: dict[str, int] = {}
        for decision in self.plan.decisions:
            by_rule[decision.rule.value] = by_rule.get(decision.rule.value, 0) + 1
        lists: dict[str, list[dict[str, Any]]] = {}
        omitted: dict[str, int] = {}

        def add(key: str, entries: Iterator[dict[str, Any]], total: int) -> None:
            shown = _bounded(entries, max_list_bytes)
            lists[key] = shown
            if total > len(shown):
                omitted[key] = total - len(shown)

        if self.dry_run:
            add("would_delete", (_entry(d) for d in self.plan.to_delete), len(self.plan.to_delete))
        else:
            add("deleted", (_entry(d) for d in self.deleted), len(self.deleted))
            add("deferred", (_entry(d.decision, why=d.why) for d in self.deferred), len(self.deferred))
            add("not_reached", (_entry(d) for d in self.not_reached), len(self.not_reached))
        kept_newest_first = self.plan.to_keep[::-1]
        add("kept", (_entry(d) for d in kept_newest_first), len(kept_newest_first))
        add("not_managed", (_entry(d) for d in self.plan.not_managed), len(self.plan.not_managed))
        policy = self.plan.policy
        return {
            "repository": self.repository,
            "dry_run": self.dry_run,
            "planned_at": iso(self.plan.now),
            "policy": policy.to_dict(),
            "protected": sorted(self.protected),
            "engine": None
            if self.engine is None
            else {
                "distribution": self.engine.distribution,
                "version": self.engine.number,
                "multi_delete": self.engine.supports_multi_delete,
            },
            "totals": self.totals(),
            "stopped_because": self.stopped_because,
            "by_rule": dict(sorted(by_rule.items())),
            "rules": {code: policy.sentence(Rule(code)) for code in sorted(by_rule)},
            **lists,
            "omitted": omitted,
            "see_all": f"GET _cat/snapshots/{self.repository}?v&s=start_epoch lists every snapshot of the repository; "
            "a run with retention_dry_run: true reports what retention would delete",
        }


def _entry(decision: Decision, **extra: str) -> dict[str, Any]:
    return {
        "name": decision.name,
        "state": decision.state,
        "start_time": iso(decision.start_time),
        "rule": decision.rule.value,
        **extra,
    }


def _bounded(entries: Iterator[dict[str, Any]], max_bytes: int) -> list[dict[str, Any]]:
    shown: list[dict[str, Any]] = []
    used = 0
    for entry in entries:
        used += len(json.dumps(entry)) + 2
        if used > max_bytes:
            break
        shown.append(entry)
    return shown


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
