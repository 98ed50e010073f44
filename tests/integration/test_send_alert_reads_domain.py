"""SendAlert reads the snapshot from the (emulated) domain itself: the state carries only a sample
of the failures, the alert lists every one that fits in SNS's 256 KB and names the latest full backup."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from moto import mock_aws

from functions.send_alert import app
from snapshot_sentinel.alerts import ALERTED_CAUSE_SUFFIX, FACTS_SEPARATOR, SNS_MESSAGE_MAX_BYTES
from snapshot_sentinel.ownership import TAKEN_BY
from snapshot_sentinel.wiring import sns_client
from tests.emulator import PARTIAL, SUCCESS, EmulatedDomain, EmulatorCredentials, serve
from tests.support.constants import REGION
from tests.support.lambda_runtime import FakeLambdaContext

REPO = "nightly-backups"
STACK = "prod-backups"
TONIGHT = "nightly-2026-11-28t02-00-00z"
EXECUTION = "arn:aws:states:us-east-1:123456789012:execution:BackupStateMachine-Xq2Pz7cVb1Lk:3f1c9a7e"
NOW = datetime(2026, 11, 28, 4, 0, tzinfo=UTC)
FAILED_SHARDS = 5_000


def metadata(scope: str) -> dict[str, str]:
    return {"taken_by": TAKEN_BY, "stack": STACK, "execution_id": f"{EXECUTION}-{scope}", "scope": scope}


def failure(number: int) -> dict[str, Any]:
    """One failed shard of a 10,000-index domain: index names of 40 characters, real-sized reasons."""
    return {
        "index": f"application-logs-{number // 2:05d}-eu-west-1-prod"[:40],
        "shard_id": number % 2,
        "reason": "IndexShardSnapshotFailedException[Failed to snapshot shard]; nested: "
        f"NoSuchFileException[/usr/share/opensearch/data/nodes/0/indices/{number:022d}/0/index/_4f.si]",
        "node_id": "YdJikE_RQraQ-rsvbMezXg",
        "status": "INTERNAL_SERVER_ERROR",
    }


@pytest.fixture
def domain() -> EmulatedDomain:
    emulated = EmulatedDomain(
        engine="opensearch",
        version="2.11.0",
        region=REGION,
        credentials=EmulatorCredentials.testing(),
        indices=[f"application-logs-{n:05d}-eu-west-1-prod"[:40] for n in range(FAILED_SHARDS // 2)],
    )
    emulated.register_repository(REPO, bucket="sentinel-backups")
    emulated.add_snapshot(
        REPO,
        "nightly-2026-11-26t02-00-00z",
        state=SUCCESS,
        start_time=NOW - timedelta(days=2),
        metadata=metadata("full"),
    )
    emulated.add_snapshot(
        REPO,
        "nightly-2026-11-27t02-00-00z",
        state=SUCCESS,
        start_time=NOW - timedelta(days=1),
        metadata=metadata("full"),
    )
    # A newer manual run of one index: a SUCCESS, but no full backup.
    emulated.add_snapshot(
        REPO,
        "nightly-2026-11-27t15-00-00z",
        state=SUCCESS,
        start_time=NOW - timedelta(hours=13),
        metadata=metadata("subset"),
    )
    emulated.add_snapshot(
        REPO,
        TONIGHT,
        state=PARTIAL,
        start_time=NOW - timedelta(hours=2),
        metadata=metadata("full"),
        failures=[failure(n) for n in range(FAILED_SHARDS)],
        shards_total=2 * FAILED_SHARDS,
    )
    return emulated


@pytest.fixture
def published(
    domain: EmulatedDomain, handler_env: Callable[..., dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> Iterator[list[dict[str, Any]]]:
    """Every Publish call SendAlert makes (moto keeps the topic), against the emulated domain."""
    with serve(domain, port=0) as server, mock_aws():
        handler_env(
            endpoint=server.endpoint,
            region=REGION,
            REPOSITORY_NAME=REPO,
            SNAPSHOT_PREFIX="nightly",
            STACK_NAME=STACK,
            ALERT_READS_DOMAIN="true",
        )
        sns_client.cache_clear()
        client = sns_client(REGION)
        monkeypatch.setenv("ALERT_TOPIC_ARN", client.create_topic(Name="AlertTopic")["TopicArn"])
        calls: list[dict[str, Any]] = []
        real_publish = client.publish

        def observe(**kwargs: Any) -> Any:
            calls.append(kwargs)
            return real_publish(**kwargs)

        monkeypatch.setattr(client, "publish", observe)
        yield calls
    sns_client.cache_clear()


def bounded_event() -> dict[str, Any]:
    """What the state machine carries: counts and a sample of ten failures."""
    return {
        "run": {
            "input": {},
            "config": {
                "snapshot_name": TONIGHT,
                "execution_id": EXECUTION,
                "execution_start_time": "2026-11-28T02:00:00Z",
            },
            "snapshot": {
                "name": TONIGHT,
                "state": "PARTIAL",
                "shards": {"total": 2 * FAILED_SHARDS, "successful": FAILED_SHARDS, "failed": FAILED_SHARDS},
                "indices_count": FAILED_SHARDS // 2,
                "failures_count": FAILED_SHARDS,
                "failures": [failure(n) for n in range(10)],
                "deadline": "2026-11-28T10:00:00.000Z",
                "deadline_passed": False,
                "polls": 40,
            },
        },
        "execution_id": EXECUTION,
    }


def test_five_thousand_failed_shards_are_listed_as_far_as_sns_allows(
    lambda_context: FakeLambdaContext, published: list[dict[str, Any]]
) -> None:
    # When SendAlert handles a PARTIAL run whose state carried ten of its 5,000 failures
    result = app.lambda_handler(bounded_event(), lambda_context)

    # Then one message within SNS's limits went out
    [call] = published
    assert len(call["Subject"]) < 100
    assert len(call["Message"].encode()) < SNS_MESSAGE_MAX_BYTES
    message = json.loads(call["Message"])
    facts = json.loads(message["default"])
    text = message["email"].split(FACTS_SEPARATOR)[0]
    # And it lists far more than the run's sample, read from the domain, then counts the rest
    listed = len(facts["failures"])
    assert facts["failures_source"] == "domain"
    assert 100 < listed < FAILED_SHARDS
    assert facts["failures_total"] == FAILED_SHARDS
    assert f"{listed}. {failure(listed - 1)['index']} shard {(listed - 1) % 2}: " in text
    assert f"... and {FAILED_SHARDS - listed} more. To see them all: awscurl --service es" in text
    assert facts["failures_command"].startswith("awscurl --service es --region us-east-1 ")
    # And the execution's cause says the same in one line
    assert result["error"] == "PartialSnapshotError"
    assert result["cause"] == (
        f"PartialSnapshotError: {TONIGHT} PARTIAL, 5000 shards failed of 10000. {ALERTED_CAUSE_SUFFIX}"
    )


def test_the_latest_good_backup_is_the_newest_full_one_not_a_newer_subset(
    lambda_context: FakeLambdaContext, published: list[dict[str, Any]]
) -> None:
    app.lambda_handler(bounded_event(), lambda_context)

    [call] = published
    message = json.loads(call["Message"])
    facts = json.loads(message["default"])
    assert facts["latest_full_backup"]["name"] == "nightly-2026-11-27t02-00-00z"
    assert "Your latest good backup is nightly-2026-11-27t02-00-00z (SUCCESS, all indices, started " in message["email"]
    assert "nightly-2026-11-27t15-00-00z" not in message["email"]


def test_a_domain_that_cannot_be_read_still_gets_its_alert_from_the_sample(
    lambda_context: FakeLambdaContext, published: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the domain does not answer (nothing listens on the port)
    monkeypatch.setenv("DOMAIN_ENDPOINT", "http://127.0.0.1:9")

    # When SendAlert handles the run
    result = app.lambda_handler(bounded_event(), lambda_context)

    # Then the alert lists the run's sample, counts the rest, and says why it could not read more
    [call] = published
    message = json.loads(call["Message"])
    facts = json.loads(message["default"])
    assert facts["failures_source"] == "run"
    assert len(facts["failures"]) == 10
    assert f"... and {FAILED_SHARDS - 10} more. To see them all: " in message["email"]
    assert "EndpointRefusedError" in facts["domain_read_problem"]
    assert "(these are the failures the run recorded: reading GET _snapshot/" in message["email"]
    assert result["cause"].endswith(ALERTED_CAUSE_SUFFIX)
