"""The vault copy, the real VaultCopyStateMachine in moto with its real handlers: after a nightly SUCCESS
the vault holds the snapshot's files and index.latest, and a copy killed after a batch converges when
started again, the vault restorable (a whole generation) at every point."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from snapshot_sentinel.vault.steps import read_blob
from snapshot_sentinel.vault.verify import verify_vault
from tests.emulator import SnapshotProgress
from tests.support.repository import RepositoryWriter
from tests.support.stack import REHEARSAL_BUCKET

VAULT = "sentinel-vault"
VAULT_REGION = "us-west-2"
COPY = "VaultCopyStateMachine"


@pytest.fixture
def parameters() -> dict[str, object]:
    return {"VaultBucketName": VAULT, "VaultRegion": VAULT_REGION}


@pytest.fixture
def buckets(stack: Any) -> tuple[Any, Any]:
    source = boto3.client("s3", region_name="us-east-1")
    source.create_bucket(Bucket=REHEARSAL_BUCKET)
    vault = boto3.client("s3", region_name=VAULT_REGION)
    vault.create_bucket(Bucket=VAULT, CreateBucketConfiguration={"LocationConstraint": VAULT_REGION})
    return source, vault


def vault_keys(vault: Any) -> set[str]:
    pages = vault.get_paginator("list_objects_v2").paginate(Bucket=VAULT, Prefix="")
    return {item["Key"] for page in pages for item in page.get("Contents", [])}


def vault_generation(vault: Any) -> int | None:
    """The generation the vault would restore (verified whole), or None when it holds none yet."""
    keys = vault_keys(vault)
    if "index.latest" not in keys:
        return None
    return verify_vault(lambda key: read_blob(vault, VAULT, "", key), keys).generation


def metric_values(lines: list[str], name: str) -> list[float]:
    values = [json.loads(line)[name] for line in lines if name in json.loads(line)]
    return [v for value in values for v in (value if isinstance(value, list) else [value])]


def test_a_nightly_success_is_followed_by_a_copy_that_leaves_the_vault_a_whole_repository(stack, domain, buckets):
    source, vault = buckets
    domain.progress = SnapshotProgress(polls=1, outcome="SUCCESS")
    backup = stack.run({})
    assert backup.status == "SUCCEEDED", backup.cause
    repository = RepositoryWriter(source, REHEARSAL_BUCKET)
    repository.snapshot("nightly-2026-11-28t02-00-00z", {"logs-2026.11.28": 2, ".kibana_1": 1})

    copy = stack.run({}, state_machine=COPY)

    assert copy.status == "SUCCEEDED", copy.cause
    assert vault_keys(vault) == repository.keys()
    assert read_blob(vault, VAULT, "", "index.latest") == (0).to_bytes(8, "big")
    assert copy.output["verified"]["newest_snapshots"] == ["nightly-2026-11-28t02-00-00z"]
    assert metric_values(stack.metric_lines, "VaultCopySucceeded") == [1.0]
    assert copy.largest_payload_bytes < 4096


def test_a_copy_killed_after_a_batch_keeps_the_previous_generation_and_converges_when_started_again(stack, buckets):
    source, vault = buckets
    repository = RepositoryWriter(source, REHEARSAL_BUCKET)
    repository.snapshot("nightly-2026-11-27t02-00-00z", {"logs": 2})
    assert stack.run({}, state_machine=COPY).status == "SUCCEEDED"
    repository.snapshot("nightly-2026-11-28t02-00-00z", {"logs": 3, "orders": 2})
    stack._environments["PlanVaultCopyFunction"]["VAULT_BATCH_OBJECTS"] = "2"
    copy_batch = stack.handler("CopyVaultBatchFunction")
    generations_seen: list[int | None] = []

    def killed_after_three_batches(event: Any, context: Any) -> Any:
        if len(generations_seen) == 3:
            raise RuntimeError("the copy is killed")
        result = copy_batch(event, context)
        generations_seen.append(vault_generation(vault))
        return result

    stack.replace_handler("CopyVaultBatchFunction", killed_after_three_batches)
    killed = stack.run({}, state_machine=COPY)

    # A batch that fails after its retries fails its tier's map (ToleratedFailureCount 0): no later tier runs.
    assert killed.status == "FAILED"
    assert killed.error == "VaultBatchFailedError"
    assert generations_seen == [0, 0, 0]
    assert vault_generation(vault) == 0

    stack.replace_handler("CopyVaultBatchFunction", copy_batch)
    resumed = stack.run({}, state_machine=COPY)

    assert resumed.status == "SUCCEEDED", resumed.cause
    assert vault_keys(vault) == repository.keys()
    assert vault_generation(vault) == 1


def the_ending_event(stack: Any, run: Any) -> dict[str, Any]:
    """The status-change event EventBridge hands the last-resort rule for this execution's end."""
    return {
        "detail-type": "Step Functions Execution Status Change",
        "source": "aws.states",
        "detail": {
            "executionArn": run.arn,
            "stateMachineArn": stack.state_machine_arns[COPY],
            "status": run.status,
            "error": run.error,
            "cause": run.cause,
        },
    }


def test_one_failed_data_batch_fails_the_copy_with_its_own_alert_and_the_last_resort_stays_quiet(stack, buckets):
    source, vault = buckets
    repository = RepositoryWriter(source, REHEARSAL_BUCKET)
    repository.snapshot("nightly-2026-11-27t02-00-00z", {"logs": 2})
    assert stack.run({}, state_machine=COPY).status == "SUCCEEDED"
    stack.read_alerts()
    repository.snapshot("nightly-2026-11-28t02-00-00z", {"logs": 3, "orders": 2})
    stack._environments["PlanVaultCopyFunction"]["VAULT_BATCH_OBJECTS"] = "2"
    copy_batch = stack.handler("CopyVaultBatchFunction")

    def a_data_batch_is_refused(event: Any, context: Any) -> Any:
        if event["tier"] == 0 and any(key.startswith("indices/I-orders/1/") for key in event["keys"]):
            raise RuntimeError("AccessDenied: the vault refused the copy")
        return copy_batch(event, context)

    stack.replace_handler("CopyVaultBatchFunction", a_data_batch_is_refused)
    copy = stack.run({}, state_machine=COPY)

    # Every other batch copied, index-N and index.latest included, would leave a vault whose newest generation
    # names data it lacks and still verifies (verification reads metadata, not every data blob).
    assert copy.status == "FAILED"
    refused = [call.event["keys"] for call in copy.calls("CopyVaultBatchFunction") if call.error]
    assert refused == [["indices/I-orders/1/__U2-00z-1"]]
    assert copy.error == "VaultBatchFailedError"
    assert copy.cause.startswith("VaultBatchFailedError: States.ExceedToleratedFailureThreshold: ")
    assert copy.cause.endswith("Alert sent to AlertTopic.")
    assert vault_generation(vault) == 0, "the vault still restores the generation it had"
    assert not copy.calls("VerifyVaultFunction")
    [alert] = copy.alerts
    assert alert["subject"] == "[VAULT COPY FAILED] 127.0.0.1: VaultBatchFailedError"
    assert "while copying a tier's batches" in alert["email"]
    assert f"Vault:       s3://{VAULT} ({VAULT_REGION})" in alert["email"]
    assert "start VaultCopyStateMachine again" in alert["email"]
    assert alert["attributes"]["kind"]["Value"] == "vault_copy_failed"
    assert json.loads(alert["message"])["plan"]["generation"] == 1

    assert stack.invoke("LastResortAlertFunction", the_ending_event(stack, copy))["published"] is False
    assert stack.read_alerts() == []


def test_a_vault_missing_a_file_fails_the_copy_with_an_alert_naming_the_file(stack, buckets):
    source, _ = buckets
    repository = RepositoryWriter(source, REHEARSAL_BUCKET)
    repository.snapshot("nightly-2026-11-28t02-00-00z", {"logs": 1})
    copy_batch = stack.handler("CopyVaultBatchFunction")

    def the_snapshot_info_never_arrives(event: Any, context: Any) -> Any:
        kept = [(k, s) for k, s in zip(event["keys"], event["sizes"], strict=True) if not k.startswith("snap-")]
        return copy_batch({**event, "keys": [k for k, _ in kept], "sizes": [s for _, s in kept]}, context)

    stack.replace_handler("CopyVaultBatchFunction", the_snapshot_info_never_arrives)
    copy = stack.run({}, state_machine=COPY)

    assert copy.status == "FAILED"
    assert copy.error == "VaultIncompleteError"
    [alert] = copy.alerts
    assert alert["subject"] == "[VAULT COPY FAILED] 127.0.0.1: VaultIncompleteError"
    [missing] = [key for key in repository.keys() if key.startswith("snap-")]  # noqa: SIM118 (not a dict)
    assert missing in alert["email"], "the alert names the file the vault lacks"
    assert "while verifying" in alert["email"]
    assert stack.invoke("LastResortAlertFunction", the_ending_event(stack, copy))["published"] is False
