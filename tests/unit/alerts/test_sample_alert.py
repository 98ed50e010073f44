"""The sample alert in docs/operations.md is what the code renders for that night, word for word.

The facts are the PARTIAL night of ``make demo`` as a deployed stack would see them (its endpoint
and ARNs); the alert function's own read of the domain supplies every failure and the latest full
backup. Any change to the alert's wording must show in the document a reader learns it from.
"""

from __future__ import annotations

import re

from snapshot_sentinel.alerts import DomainRead
from snapshot_sentinel.alerts.sns import FACTS_SEPARATOR, render_alert
from snapshot_sentinel.models import SnapshotInfo
from tests.support.template import ROOT

OPERATIONS = ROOT / "docs" / "operations.md"
ENDPOINT = "https://search-my-domain-abcdefghijklmnopqrstuvwxyz.us-east-1.es.amazonaws.com"
EXECUTION = "arn:aws:states:us-east-1:123456789012:execution:BackupStateMachine-Xq2Pz7cVb1Lk:night-two"
SNAPSHOT = "nightly-2026-11-29t02-00-00z"
FAILURE = {
    "index": "orders",
    "shard_id": 1,
    "reason": "IndexShardSnapshotFailedException[[orders][1] failed to snapshot: node left the cluster]",
    "node_id": "KbohODGpSVaNUFh-Xb5pUg",
    "status": "INTERNAL_SERVER_ERROR",
}
NIGHT_TWO = {
    "run": {
        "input": {},
        "config": {
            "snapshot_name": SNAPSHOT,
            "poll_interval_seconds": 60,
            "skip_retention": False,
            "retention_dry_run": False,
            "retention_only": False,
            "execution_id": EXECUTION,
            "execution_start_time": "2026-11-29T02:00:00.000Z",
        },
        "snapshot": {
            "name": SNAPSHOT,
            "state": "PARTIAL",
            "start_time": "2026-11-29T02:00:00.000Z",
            "end_time": "2026-11-29T02:04:00.000Z",
            "duration_seconds": 240,
            "indices_count": 4,
            "shards": {"total": 6, "successful": 5, "failed": 1},
            "failures_count": 1,
            "failures": [FAILURE],
            "polls": 4,
        },
    }
}
MILLIS_NIGHT_ONE = 1795831200000  # 2026-11-28T02:00:00Z
MILLIS_NIGHT_TWO = MILLIS_NIGHT_ONE + 86_400_000


def domain_read() -> DomainRead:
    snapshot = {
        "snapshot": SNAPSHOT,
        "state": "PARTIAL",
        "start_time_in_millis": MILLIS_NIGHT_TWO,
        "end_time_in_millis": MILLIS_NIGHT_TWO + 240_000,
        "shards": {"total": 6, "successful": 5, "failed": 1},
        "failures": [FAILURE],
    }
    latest = {
        "snapshot": "nightly-2026-11-28t02-00-00z",
        "state": "SUCCESS",
        "start_time_in_millis": MILLIS_NIGHT_ONE,
        "end_time_in_millis": MILLIS_NIGHT_ONE + 300_000,
        "shards": {"total": 6, "successful": 6, "failed": 0},
    }
    return DomainRead(snapshot=SnapshotInfo.from_api(snapshot), latest_full_backup=SnapshotInfo.from_api(latest))


def documented_alert() -> str:
    text = OPERATIONS.read_text()
    block = re.search(r"```\n(Subject: .*?)\n```", text, re.DOTALL)
    assert block, "docs/operations.md has no sample alert"
    return block.group(1).split(FACTS_SEPARATOR)[0].rstrip()


def test_the_documented_alert_is_what_the_code_renders():
    # Given the PARTIAL night as the alert function sees it
    alert = render_alert(
        NIGHT_TWO,
        domain_name="my-domain",
        endpoint=ENDPOINT,
        repository="nightly-backups",
        region="us-east-1",
        found=domain_read(),
    )

    # Then the document shows exactly the email it sends, up to the JSON facts
    assert documented_alert() == f"Subject: {alert.subject}\n\n{alert.text.rstrip()}"
