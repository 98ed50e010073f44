"""The Powertools logger, metrics and tracer every function shares, and the quieting of noisy libraries.

Powertools reads ``POWERTOOLS_SERVICE_NAME`` and ``POWERTOOLS_LOG_LEVEL`` (template.yaml's
``Globals``). Events are logged only at DEBUG; no credential, signature or token is ever put
in a log line: the domain client logs method, path and status only.

Metrics are CloudWatch embedded-metric-format lines on stdout (no API call, no permission):
namespace ``SnapshotSentinel``, one dimension ``domain`` (Powertools' default ``service``
dimension is left out, so the alarm and dashboard name a metric by the domain alone). Restore and
drills add their own metric names through the same :data:`metrics`.

When tracing is on, :data:`tracer` records each handler as an X-Ray subsegment and patches every
library the X-Ray SDK supports, ``requests`` and ``botocore`` among them (every call to the domain
and to SNS shows in the trace): it is then
Powertools' ``Tracer``, built when the handler module is imported, as it always was. Tracing is on
by Powertools' own rule (:func:`tracing_enabled`): in Lambda, unless ``POWERTOOLS_TRACE_DISABLED``
is true (template.yaml sets it from the ``Tracing`` parameter) or under ``sam local``. When it is
off, as in tests, the command line and a stack deployed with ``Tracing=PassThrough``, the handler
runs undecorated and neither Powertools' Tracer nor the X-Ray SDK (nor botocore's session and
client modules, which the SDK imports) is ever loaded: that was most of a handler's cold start
(README, "Measured", "Cold start").

**What each step tells CloudWatch about a run**: metric names and values, from facts it already has
(:func:`snapshot_metrics`, :func:`retention_metrics`: pure, they only shape numbers), written by
:func:`publish_metrics`. ``NoRecentBackupAlarm`` watches ``SnapshotSucceeded`` with the dimension
``domain`` alone; the dashboard shows the rest.

**Only a full backup writes the alarm's metric.** A snapshot the backup state machine took that is
not a full backup of this stack (:func:`snapshot_sentinel.ownership.backup_scope`: a subset run, or a
run under a name of the caller's choosing) writes the same metric names with a second dimension,
``scope`` (``subset`` or ``named``): CloudWatch matches an alarm's metric by its whole dimension set,
so those data points are another metric the alarm never reads, and the dashboard can still show
them. A restore's safety snapshot writes no snapshot metric at all (the restore reports it).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from aws_lambda_powertools.logging import Logger
from aws_lambda_powertools.metrics import Metrics
from aws_lambda_powertools.shared.functions import strtobool

from snapshot_sentinel.ownership import SCOPE_FULL

if TYPE_CHECKING:
    from aws_lambda_powertools.tracing import Tracer

SERVICE = "snapshot-sentinel"
METRICS_NAMESPACE = "SnapshotSentinel"
DOMAIN_DIMENSION = "domain"

logger = Logger(service=SERVICE)
metrics = Metrics(namespace=METRICS_NAMESPACE, service="")
Handler = TypeVar("Handler", bound=Callable[..., Any])


def tracing_enabled(environ: Mapping[str, str]) -> bool:
    """Whether Powertools' Tracer would trace here: its own rule (``Tracer._is_tracer_disabled``, which
    a unit test keeps this in step with). Off when ``POWERTOOLS_TRACE_DISABLED`` is true (a value that
    is not a boolean raises ``ValueError``, as the Tracer does), outside Lambda (no
    ``LAMBDA_TASK_ROOT``), and under ``sam local`` or Chalice's local mode, where no X-Ray daemon
    listens. Whether this invocation is sampled (``_X_AMZN_TRACE_ID``) is not part of it: that is
    decided per request, after the import."""
    if strtobool(environ.get("POWERTOOLS_TRACE_DISABLED", "false")):
        return False
    return bool(environ.get("LAMBDA_TASK_ROOT")) and not (
        environ.get("AWS_SAM_LOCAL") or environ.get("AWS_CHALICE_CLI_MODE")
    )


class LazyTracer:
    """Powertools' Tracer, imported and built only where it traces.

    Handlers decorate themselves with ``@tracer.capture_lambda_handler(capture_response=False)`` as
    with the real Tracer. The decision is taken once, when the handler module is imported (the
    Lambda's init phase, where the Tracer was always built): tracing on, the handler is wrapped by
    the real ``Tracer.capture_lambda_handler``; off, it is returned as it is.
    """

    def __init__(self, service: str) -> None:
        self.service = service
        self._tracer: Tracer | None = None

    @property
    def real(self) -> Tracer:
        """The one Powertools Tracer, built on first use (it patches ``requests``, ``botocore``...)."""
        if self._tracer is None:
            from aws_lambda_powertools.tracing import Tracer

            self._tracer = Tracer(service=self.service)
        return self._tracer

    def capture_lambda_handler(
        self, *, capture_response: bool | None = None, capture_error: bool | None = None
    ) -> Callable[[Handler], Handler]:
        def decorate(handler: Handler) -> Handler:
            if not tracing_enabled(os.environ):
                return handler
            traced = self.real.capture_lambda_handler(
                handler, capture_response=capture_response, capture_error=capture_error
            )
            return cast(Handler, traced)

        return decorate


tracer = LazyTracer(SERVICE)

for noisy in ("urllib3", "botocore", "requests_aws4auth"):
    logging.getLogger(noisy).setLevel(logging.WARNING)


def write_metrics_line(line: str) -> None:
    """Where an EMF line goes: stdout, which Lambda ships to CloudWatch Logs, where CloudWatch
    extracts the metrics. (The test harness collects these lines instead of printing them.)"""
    print(line, flush=True)  # noqa: T201 the EMF line must be stdout alone, not a log record


def publish_metrics(
    domain: str, values: Mapping[str, tuple[float, str]], dimensions: Mapping[str, str] | None = None
) -> None:
    """Write ``values`` ({name: (value, unit)}) for ``domain`` (and any further ``dimensions``) now,
    as one EMF line.

    Flushed at once rather than at the end of the handler, so a step that raises afterwards
    still counts, and nothing is left for the next invocation of a warm container. A metric
    that cannot be written is logged, never raised: metrics must not fail a backup.
    """
    if not values:
        return
    try:
        metrics.add_dimension(name=DOMAIN_DIMENSION, value=domain or "unknown")
        for dimension, label in (dimensions or {}).items():
            metrics.add_dimension(name=dimension, value=label)
        for name, (value, unit) in values.items():
            metrics.add_metric(name=name, unit=unit, value=value)
        document = metrics.serialize_metric_set()
        if os.environ.get("POWERTOOLS_METRICS_DISABLED", "").lower() not in ("1", "true"):
            write_metrics_line(json.dumps(document, separators=(",", ":")))
    except Exception as exc:  # noqa: BLE001 metrics must not fail a backup
        logger.warning("metrics not written", extra={"error": f"{type(exc).__name__}: {exc}"})
    finally:
        metrics.clear_metrics()


COUNT = "Count"
SECONDS = "Seconds"

SNAPSHOT_SUCCEEDED = "SnapshotSucceeded"
SNAPSHOT_PARTIAL = "SnapshotPartial"
SNAPSHOT_FAILED = "SnapshotFailed"
SNAPSHOT_DURATION_SECONDS = "SnapshotDurationSeconds"
SHARDS_FAILED = "ShardsFailed"
SNAPSHOTS_PRUNED = "SnapshotsPruned"
RETENTION_DEFERRED = "RetentionDeferred"

SCOPE_DIMENSION = "scope"

Metric = tuple[float, str]
"""A value and its CloudWatch unit."""

FINAL_STATES = frozenset({"SUCCESS", "PARTIAL", "FAILED", "INCOMPATIBLE"})

BACKUP_PURPOSE = "backup"
"""The ``purpose`` of a check of the backup state machine's snapshot (the restore's safety snapshot
is checked with ``safety_snapshot``)."""


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def snapshot_metrics(facts: Mapping[str, Any], *, purpose: str = BACKUP_PURPOSE) -> dict[str, Metric]:
    """The metrics of a backup's snapshot that reached a final state; nothing while it still runs,
    and nothing for a snapshot of another ``purpose`` (a restore's safety snapshot: the restore
    reports it).

    Every final state emits all three outcome counters (1 for its own, 0 for the others), so a
    night's outcome is one data point in each and ``Sum`` over any window counts nights.
    """
    state = str(facts.get("state", ""))
    if purpose != BACKUP_PURPOSE or state not in FINAL_STATES:
        return {}
    metrics: dict[str, Metric] = {
        SNAPSHOT_SUCCEEDED: (1.0 if state == "SUCCESS" else 0.0, COUNT),
        SNAPSHOT_PARTIAL: (1.0 if state == "PARTIAL" else 0.0, COUNT),
        SNAPSHOT_FAILED: (1.0 if state in ("FAILED", "INCOMPATIBLE") else 0.0, COUNT),
    }
    duration = _number(facts.get("duration_seconds"))
    if duration is not None and duration >= 0:
        metrics[SNAPSHOT_DURATION_SECONDS] = (duration, SECONDS)
    shards = facts.get("shards")
    failed = _number(shards.get("failed")) if isinstance(shards, Mapping) else None
    metrics[SHARDS_FAILED] = (failed if failed is not None else 0.0, COUNT)
    return metrics


def snapshot_dimensions(scope: str) -> dict[str, str]:
    """Dimensions beside ``domain`` for a snapshot of ``scope``: none for a full backup (the alarm's
    metric), ``scope`` for any other, so it never counts as a backup."""
    return {} if scope == SCOPE_FULL else {SCOPE_DIMENSION: scope}


def retention_metrics(totals: Mapping[str, Any], *, dry_run: bool) -> dict[str, Metric]:
    """Snapshots deleted and deletes deferred by one retention pass (a dry run deletes nothing)."""
    deleted = _number(totals.get("deleted")) or 0.0
    deferred = _number(totals.get("deferred")) or 0.0
    return {
        SNAPSHOTS_PRUNED: (0.0 if dry_run else deleted, COUNT),
        RETENTION_DEFERRED: (deferred, COUNT),
    }
