"""The vault copy's S3 steps in moto: a listing relative to the base path, server-side copies (multipart)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from snapshot_sentinel.vault import steps
from snapshot_sentinel.vault.plan import plan_copy
from snapshot_sentinel.vault.steps import Location, copy_batch, list_repository, read_blob


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket="source")
        client.create_bucket(Bucket="vault")
        yield client


def test_a_whole_repository_copies_into_the_vault_under_its_base_path(s3: Any) -> None:
    repository = {
        "index.latest": (3).to_bytes(8, "big"),
        "index-3": b'{"snapshots": []}',
        "snap-S.dat": b"snapshot",
        "indices/I/0/__blob": b"d" * 1000,
    }
    for key, body in repository.items():
        s3.put_object(Bucket="source", Key=f"repo/{key}", Body=body)
    s3.put_object(Bucket="source", Key="elsewhere/index.latest", Body=b"not ours")

    plan = plan_copy(list_repository(s3, "source", "repo"), {o.key: o for o in list_repository(s3, "vault", "dr")})
    copied = [
        copy_batch(s3, Location("source", "repo"), Location("vault", "dr"), b.keys, b.sizes) for b in plan.batches
    ]

    assert sum(c.objects for c in copied) == 4
    assert {o.key for o in list_repository(s3, "vault", "dr/")} == set(repository)
    assert read_blob(s3, "vault", "dr", "index.latest") == (3).to_bytes(8, "big")
    assert read_blob(s3, "vault", "dr", "index-4") is None


def test_a_blob_above_the_single_copy_limit_is_copied_in_parts_byte_for_byte(
    s3: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(steps, "SINGLE_COPY_LIMIT", 6 * 1024**2)
    monkeypatch.setattr(steps, "PART_SIZE", 5 * 1024**2)
    body = bytes(range(256)) * (12 * 1024**2 // 256 + 7)
    s3.put_object(Bucket="source", Key="indices/I/0/__big", Body=body)

    copy_batch(s3, Location("source", ""), Location("vault", ""), ["indices/I/0/__big"], [len(body)])

    assert read_blob(s3, "vault", "", "indices/I/0/__big") == body
    assert s3.list_multipart_uploads(Bucket="vault").get("Uploads", []) == []
