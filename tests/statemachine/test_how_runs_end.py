"""How an execution ends says why: the Fail state carries the real error and a one-line cause
as every state machine does, the alert says the same in full, and an alert that could not be sent says so."""

from __future__ import annotations

import json

import boto3

from snapshot_sentinel.alerts import ALERTED_CAUSE_SUFFIX, FACTS_SEPARATOR
from tests.emulator import SnapshotProgress
from tests.support.constants import REGION


def facts_of(alert: dict) -> dict:
    return json.loads(alert["message"])


def test_invalid_input_ends_with_invalid_input_error_naming_the_key(stack, domain):
    # When a manual run misspells a key
    run = stack.run({"snapshot_nmae": "before-upgrade"})

    # Then describe-execution tells the person at the console what was wrong
    assert run.status == "FAILED"
    assert run.error == "InvalidInputError"
    assert run.cause.startswith("InvalidInputError: unknown input field(s) 'snapshot_nmae'")
    assert run.cause.endswith(f" {ALERTED_CAUSE_SUFFIX}")
    # And the alert says the same, in full
    [alert] = run.alerts
    facts = facts_of(alert)
    assert facts["execution"]["error"] == run.error
    assert facts["execution"]["cause"] == run.cause
    assert "unknown input field(s) 'snapshot_nmae'; the allowed fields are" in alert["email"]


def test_a_partial_snapshot_ends_with_partial_snapshot_error_and_its_failed_shards(stack, domain):
    # Given tonight's snapshot ends PARTIAL with three failed shards
    failures = tuple(
        {"index": "logs-2026.11.27", "shard_id": shard, "reason": "IndexShardSnapshotFailedException[Aborted]"}
        for shard in range(3)
    )
    domain.progress = SnapshotProgress(polls=2, outcome="PARTIAL", failures=failures)

    # When the nightly run watches it to its end
    run = stack.run({})

    # Then the execution ends with the snapshot's own error and a one-line count
    assert run.status == "FAILED"
    assert run.error == "PartialSnapshotError"
    [name] = [s.name for s in domain.snapshots("nightly-backups")]
    assert run.cause.startswith(f"PartialSnapshotError: {name} PARTIAL, 3 shards failed of ")
    assert run.cause.endswith(f" {ALERTED_CAUSE_SUFFIX}")
    # And the alert lists the three failures it read
    [alert] = run.alerts
    text = alert["email"].split(FACTS_SEPARATOR)[0]
    assert "Shard failures (3)" in text
    assert "3. logs-2026.11.27 shard 2: IndexShardSnapshotFailedException[Aborted]" in text
    assert facts_of(alert)["execution"]["cause"] == run.cause


def test_an_alert_that_cannot_be_published_ends_with_alert_not_sent_error(stack, domain):
    # Given AlertTopic is gone (deleted by hand, or its key policy broken)
    boto3.client("sns", region_name=REGION).delete_topic(TopicArn=stack.topic_arn)
    domain.progress = SnapshotProgress(polls=1, outcome="FAILED")

    # When a run fails
    run = stack.run({})

    # Then the execution does not claim an alert went out: its error says the alert was not sent
    assert run.status == "FAILED"
    assert run.error == "AlertNotSentError"
    assert run.cause.startswith("The run failed and its alert could not be published to AlertTopic (AlertNotSentError)")
    assert "NotFound" in run.cause
    assert not run.cause.endswith(ALERTED_CAUSE_SUFFIX)
    assert [c.error for c in run.calls("SendAlertFunction")] == ["AlertNotSentError"] * 4


def test_an_index_whose_primary_cannot_be_allocated_leaves_the_others_backed_up_and_pages_naming_it(stack, domain):
    # Given an index whose only primary cannot be allocated anywhere (the cluster is red)
    domain.create_index("stuck", settings={"index.routing.allocation.require._name": "no-such-node"})

    # When the nightly run takes its snapshot
    run = stack.run({})

    # Then every other index is in tonight's snapshot, which ends PARTIAL rather than not at all
    [snapshot] = domain.snapshots("nightly-backups")
    assert snapshot.state == "PARTIAL"
    assert set(snapshot.indices) > {"stuck"}
    assert run.status == "FAILED"
    assert run.error == "PartialSnapshotError"
    # And the alert names the index whose primary is not allocated
    [alert] = run.alerts
    text = alert["email"].split(FACTS_SEPARATOR)[0]
    assert "stuck shard 0: primary shard is not allocated" in text
