"""The Powertools logger, metrics and tracer every function shares, and the quieting of noisy libraries.

Powertools reads ``POWERTOOLS_SERVICE_NAME`` and ``POWERTOOLS_LOG_LEVEL`` (template.yaml's
``Globals``). Events are logged only at DEBUG; no credential, signature or token is ever put
in a log line: the domain client logs method, path and status only.

Metrics are CloudWatch embedded-metric-format lines on stdout (no API call, no permission):
namespace ``SnapshotSentinel``, one dimension ``domain`` (Powertools' default ``service``
dimension is left out, so the alarm and dashboard name a metric by the domain alone). Restore and
drills add their own metric names through the same :data:`metrics`.

The tracer records each handler as an X-Ray subsegment and patches ``requests`` and ``botocore``
(every call to the domain and to SNS shows in the trace); outside Lambda it is off by itself.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping

from aws_lambda_powertools.logging import Logger
from aws_lambda_powertools.metrics import Metrics
from aws_lambda_powertools.tracing import Tracer

SERVICE = "snapshot-sentinel"
METRICS_NAMESPACE = "SnapshotSentinel"
DOMAIN_DIMENSION = "domain"

logger = Logger(service=SERVICE)
metrics = Metrics(namespace=METRICS_NAMESPACE, service="")
tracer = Tracer(service=SERVICE)

for noisy in ("urllib3", "botocore", "requests_aws4auth"):
    logging.getLogger(noisy).setLevel(logging.WARNING)


def write_metrics_line(line: str) -> None:
    """Where an EMF line goes: stdout, which Lambda ships to CloudWatch Logs, where CloudWatch
    extracts the metrics. (The test harness collects these lines instead of printing them.)"""
    print(line, flush=True)


def publish_metrics(domain: str, values: Mapping[str, tuple[float, str]]) -> None:
    """Write ``values`` ({name: (value, unit)}) for ``domain`` now, as one EMF line.

    Flushed at once rather than at the end of the handler, so a step that raises afterwards
    still counts, and nothing is left for the next invocation of a warm container. A metric
    that cannot be written is logged, never raised: metrics must not fail a backup.
    """
    if not values:
        return
    try:
        metrics.add_dimension(name=DOMAIN_DIMENSION, value=domain or "unknown")
        for name, (value, unit) in values.items():
            metrics.add_metric(name=name, unit=unit, value=value)
        document = metrics.serialize_metric_set()
        if os.environ.get("POWERTOOLS_METRICS_DISABLED", "").lower() not in ("1", "true"):
            write_metrics_line(json.dumps(document, separators=(",", ":")))
    except Exception as exc:
        logger.warning("metrics not written", extra={"error": f"{type(exc).__name__}: {exc}"})
    finally:
        metrics.clear_metrics()
