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
from tests.support.repository import RepositoryWriter
from tests.support.stack import REHEARSAL_BUCKET
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
    repository = RepositoryWriter(source, REHEARSAL_BUCKET)
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
    repository = RepositoryWriter(source, REHEARSAL_BUCKET)
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

    # AWS fails the Distributed Map on the first failed batch (ToleratedFailurePercentage 0); moto's map
    # tolerates it and goes on, so here the verify step is what fails the copy: the vault is behind.
    assert killed.status == "FAILED"
    assert killed.error == "VaultIncompleteError"
    assert generations_seen == [0, 0, 0]
    assert vault_generation(vault) == 0

    stack.replace_handler("CopyVaultBatchFunction", copy_batch)
    resumed = stack.run({}, state_machine=COPY)

    assert resumed.status == "SUCCEEDED", resumed.cause
    assert vault_keys(vault) == repository.keys()
    assert vault_generation(vault) == 1


def test_a_copy_records_the_history_its_shape_computes_and_ten_million_objects_stay_within_the_quotas(stack, buckets):
    source, _ = buckets
    repository = RepositoryWriter(source, REHEARSAL_BUCKET)
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
