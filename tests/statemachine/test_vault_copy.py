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
from tests.support.asl import run_history
from tests.support.aws_limits import MAX_HISTORY_EVENTS, MAX_PAYLOAD_BYTES
from tests.support.constants import BUCKET
from tests.support.repository import RepositoryWriter
from tests.support.stack import VAULT_MANIFEST_BUCKET
from tests.support.template import ROOT

VAULT = "sentinel-vault"
VAULT_REGION = "us-west-2"
COPY = "VaultCopyStateMachine"
PLANNERS = ("PlanVaultCopyFunction", "PlanVaultPrefixFunction", "GatherVaultPlanFunction")


@pytest.fixture
def parameters() -> dict[str, object]:
    return {"VaultBucketName": VAULT, "VaultRegion": VAULT_REGION}


@pytest.fixture
def buckets(stack: Any) -> tuple[Any, Any]:
    source = boto3.client("s3", region_name="us-east-1")
    source.create_bucket(Bucket=BUCKET)
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


def batch_file(key: str) -> dict[str, Any]:
    manifests = boto3.client("s3", region_name="us-east-1")
    batch: dict[str, Any] = json.loads(manifests.get_object(Bucket=VAULT_MANIFEST_BUCKET, Key=key)["Body"].read())
    return batch


def keys_of(item: dict[str, Any]) -> list[str]:
    """The repository keys one copy item (of a tier's manifest) names, through its batch files."""
    return [key for batch_key in item["batch_keys"] for key in batch_file(batch_key)["keys"]]


def without(item: dict[str, Any], dropped: Any) -> dict[str, Any]:
    """The copy item with the keys ``dropped(key)`` picks left out of its batch files (written anew)."""
    manifests = boto3.client("s3", region_name="us-east-1")
    kept = []
    for batch_key in item["batch_keys"]:
        batch = batch_file(batch_key)
        pairs = [(k, s) for k, s in zip(batch["keys"], batch["sizes"], strict=True) if not dropped(k)]
        body = json.dumps({"keys": [k for k, _ in pairs], "sizes": [s for _, s in pairs]})
        manifests.put_object(Bucket=VAULT_MANIFEST_BUCKET, Key=f"{batch_key}.kept", Body=body.encode())
        kept.append(f"{batch_key}.kept")
    return {**item, "batch_keys": kept}


def small_batches(stack: Any, *, objects: int) -> None:
    """Every function that plans batches cuts them at ``objects`` (VAULT_BATCH_OBJECTS)."""
    for function in PLANNERS:
        stack._environments[function]["VAULT_BATCH_OBJECTS"] = str(objects)


def metric_values(lines: list[str], name: str) -> list[float]:
    values = [json.loads(line)[name] for line in lines if name in json.loads(line)]
    return [v for value in values for v in (value if isinstance(value, list) else [value])]


def test_a_nightly_success_is_followed_by_a_copy_that_leaves_the_vault_a_whole_repository(stack, domain, buckets):
    source, vault = buckets
    domain.progress = SnapshotProgress(polls=1, outcome="SUCCESS")
    backup = stack.run({})
    assert backup.status == "SUCCEEDED", backup.cause
    repository = RepositoryWriter(source, BUCKET)
    repository.snapshot("nightly-2026-11-28t02-00-00z", {"logs-2026.11.28": 2, ".kibana_1": 1})

    copy = stack.run({}, state_machine=COPY)

    assert copy.status == "SUCCEEDED", copy.cause
    assert vault_keys(vault) == repository.keys()
    assert read_blob(vault, VAULT, "", "index.latest") == (0).to_bytes(8, "big")
    assert copy.output["verified"]["newest_snapshots"] == ["nightly-2026-11-28t02-00-00z"]
    assert sorted(call.event["prefix"] for call in copy.calls("PlanVaultPrefixFunction")) == [
        "indices/I-.kibana_1/",
        "indices/I-logs-2026.11.28/",
    ]
    assert metric_values(stack.metric_lines, "VaultCopySucceeded") == [1.0]
    assert copy.largest_payload_bytes < 4096


def test_a_copy_killed_after_a_batch_keeps_the_previous_generation_and_converges_when_started_again(stack, buckets):
    source, vault = buckets
    repository = RepositoryWriter(source, BUCKET)
    repository.snapshot("nightly-2026-11-27t02-00-00z", {"logs": 2})
    assert stack.run({}, state_machine=COPY).status == "SUCCEEDED"
    repository.snapshot("nightly-2026-11-28t02-00-00z", {"logs": 3, "orders": 2})
    small_batches(stack, objects=2)
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


def test_a_copy_records_the_history_its_shape_computes_and_ten_million_objects_stay_within_the_quotas(stack, buckets):
    source, _ = buckets
    repository = RepositoryWriter(source, BUCKET)
    repository.snapshot("nightly-2026-11-28t02-00-00z", {f"logs-{n}": 2 for n in range(12)})
    small_batches(stack, objects=3)
    definition = json.loads((ROOT / "statemachine" / "vault_copy.asl.json").read_text())

    copy = stack.run({}, state_machine=COPY)

    # Given the shape measured against moto's history (every tier present, no retry taken)
    assert copy.status == "SUCCEEDED", copy.cause
    assert [t["tier"] for t in copy.output["plan"]["tiers"]] == [0, 1, 2, 3, 4, 5]
    assert len(copy.events) == run_history(definition, iterations={"Copy each tier in order": 6}).events
    assert len(copy.calls("PlanVaultPrefixFunction")) == 12
    # Then a first copy of 10 million objects (10,000 indices, 50 TB) at its worst, every retry taken:
    # the copy's own history does not grow with the repository, and each child's is a few events
    worst = run_history(definition, iterations={"Copy each tier in order": 6}, worst=True)
    assert worst.events < 200 < MAX_HISTORY_EVENTS
    assert max(worst.child_events.values()) < 30
    # and the Distributed Maps' results (3 bytes a child, {} and a comma) stay below 256 KB: 10,000
    # listing jobs, and ~10,500 copy items in tier 0 (10 million objects in batches of 1,000 or 20 GiB)
    objects, terabytes, batch_bytes = 10_000_000, 50, 20 * 1024**3
    largest_map = max(10_000, objects // 1000 + terabytes * 10**12 // batch_bytes)
    assert 3 * largest_map < MAX_PAYLOAD_BYTES
    assert copy.largest_payload_bytes < 8192


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
    repository = RepositoryWriter(source, BUCKET)
    repository.snapshot("nightly-2026-11-27t02-00-00z", {"logs": 2})
    assert stack.run({}, state_machine=COPY).status == "SUCCEEDED"
    stack.read_alerts()
    repository.snapshot("nightly-2026-11-28t02-00-00z", {"logs": 3, "orders": 2})
    small_batches(stack, objects=2)
    copy_batch = stack.handler("CopyVaultBatchFunction")

    def a_data_batch_is_refused(event: Any, context: Any) -> Any:
        if event["tier"] == 0 and any(key.startswith("indices/I-orders/1/") for key in keys_of(event)):
            raise RuntimeError("AccessDenied: the vault refused the copy")
        return copy_batch(event, context)

    stack.replace_handler("CopyVaultBatchFunction", a_data_batch_is_refused)
    copy = stack.run({}, state_machine=COPY)

    # Every other batch copied, index-N and index.latest included, would leave a vault whose newest generation
    # names data it lacks and still verifies (verification reads metadata, not every data blob).
    assert copy.status == "FAILED"
    [refused] = [keys_of(call.event) for call in copy.calls("CopyVaultBatchFunction") if call.error]
    assert "indices/I-orders/1/__U2-00z-1" in refused
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
    repository = RepositoryWriter(source, BUCKET)
    repository.snapshot("nightly-2026-11-28t02-00-00z", {"logs": 1})
    copy_batch = stack.handler("CopyVaultBatchFunction")

    def the_snapshot_info_never_arrives(event: Any, context: Any) -> Any:
        return copy_batch(without(event, lambda key: key.startswith("snap-")), context)

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


def test_a_listing_job_that_fails_stops_the_copy_before_any_file_is_copied_and_the_next_copy_converges(stack, buckets):
    source, vault = buckets
    repository = RepositoryWriter(source, BUCKET)
    repository.snapshot("nightly-2026-11-28t02-00-00z", {"logs": 2, "orders": 1})
    plan_prefix = stack.handler("PlanVaultPrefixFunction")

    def the_orders_directory_cannot_be_listed(event: Any, context: Any) -> Any:
        if event["prefix"] == "indices/I-orders/":
            raise RuntimeError("AccessDenied: ListObjectsV2 on indices/I-orders/")
        return plan_prefix(event, context)

    stack.replace_handler("PlanVaultPrefixFunction", the_orders_directory_cannot_be_listed)
    copy = stack.run({}, state_machine=COPY)

    assert copy.status == "FAILED"
    assert copy.error == "VaultListingFailedError"
    assert copy.cause.endswith("Alert sent to AlertTopic.")
    assert not copy.calls("CopyVaultBatchFunction") and vault_keys(vault) == set()
    [alert] = copy.alerts
    assert alert["subject"] == "[VAULT COPY FAILED] 127.0.0.1: VaultListingFailedError"
    assert "while listing an index directory" in alert["email"]
    assert "nothing was copied" in alert["email"]
    assert stack.invoke("LastResortAlertFunction", the_ending_event(stack, copy))["published"] is False

    stack.replace_handler("PlanVaultPrefixFunction", plan_prefix)
    resumed = stack.run({}, state_machine=COPY)

    assert resumed.status == "SUCCEEDED", resumed.cause
    assert vault_keys(vault) == repository.keys()
    assert vault_generation(vault) == 0


def test_a_repository_whose_snapshots_hold_no_index_copies_its_root_alone(stack, buckets):
    source, vault = buckets
    repository = RepositoryWriter(source, BUCKET)
    repository.snapshot("nightly-2026-11-28t02-00-00z", {})

    copy = stack.run({}, state_machine=COPY)

    assert copy.status == "SUCCEEDED", copy.cause
    assert not copy.calls("PlanVaultPrefixFunction")
    assert vault_keys(vault) == repository.keys()
