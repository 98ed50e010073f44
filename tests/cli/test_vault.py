"""`sentinel vault`: the vault's newest snapshot, its lag and its retention, after a real copy."""

from __future__ import annotations

from datetime import timedelta

import boto3
import pytest

from tests.support.cli import publish_stack
from tests.support.constants import BUCKET, NIGHTLY_START
from tests.support.repository import RepositoryWriter

VAULT = "sentinel-vault"
VAULT_REGION = "us-west-2"


@pytest.fixture
def parameters() -> dict[str, object]:
    return {"VaultBucketName": VAULT, "VaultRegion": VAULT_REGION}


@pytest.fixture
def copied(stack):
    """A repository of two nightly snapshots, copied into a locked vault by the real VaultCopyStateMachine."""
    source = boto3.client("s3", region_name="us-east-1")
    source.create_bucket(Bucket=BUCKET)
    vault = boto3.client("s3", region_name=VAULT_REGION)
    vault.create_bucket(
        Bucket=VAULT, CreateBucketConfiguration={"LocationConstraint": VAULT_REGION}, ObjectLockEnabledForBucket=True
    )
    repository = RepositoryWriter(source, BUCKET)
    for night in (2, 1):
        started = NIGHTLY_START - timedelta(days=night - 1, hours=1)
        repository.snapshot(f"nightly-night-{night}", {"logs": 2}, started_millis=int(started.timestamp() * 1000))
    run = stack.run({}, state_machine="VaultCopyStateMachine")
    assert run.status == "SUCCEEDED", run.cause
    # The default retention is given to moto's bucket after the copy: moto refuses a CopyObject into a
    # bucket with one unless it carries Content-MD5 or x-amz-sdk-checksum-algorithm, which a copy request
    # does not send, and it refuses the configuration on a bucket that is not empty (whether AWS asks the
    # same of CopyObject is not settled here; the copy sends x-amz-checksum-algorithm).
    from moto.s3.models import s3_backends

    locked = s3_backends["123456789012"]["aws"].buckets[VAULT]
    locked.default_lock_mode, locked.default_lock_days = "GOVERNANCE", 35
    return vault


def test_vault_shows_the_newest_snapshot_its_lag_and_retention(sentinel, copied):
    code, report = sentinel.json("vault")

    assert code == 0
    assert report["newest_snapshot"] == "nightly-night-1"
    assert report["snapshots"] == 2
    assert report["referenced_files"] == 8  # snap-, meta- of 2 snapshots, 2 index metadata, 2 shard generations
    assert report["lag_hours"] == pytest.approx(59 / 60, abs=0.01)
    assert (report["retention_mode"], report["retention_days"]) == ("GOVERNANCE", 35)
    assert (report["bucket"], report["region"]) == (VAULT, VAULT_REGION)


def test_a_vault_missing_a_file_its_index_latest_reaches_exits_1_naming_it(sentinel, copied):
    copied.delete_object(Bucket=VAULT, Key="snap-U2ht-1.dat")

    code, report = sentinel.json("vault")

    assert code == 1
    assert "VaultIncompleteError" in report["problem"] and "snap-U2ht-1.dat" in report["problem"]


def test_vault_on_a_stack_without_one_exits_2_and_says_how_to_set_one_up(sentinel, stack):
    stack.parameters["VaultBucketName"] = ""
    publish_stack(stack, update=True)

    result = sentinel("vault")

    assert result.exit_code == 2
    assert "VaultBucketName is empty" in result.output
