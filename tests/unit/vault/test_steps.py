"""The vault copy's S3 steps in moto: a listing relative to the base path, server-side copies (multipart)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from moto import mock_aws

from snapshot_sentinel.errors import InvalidInputError
from snapshot_sentinel.vault import input as vault_input
from snapshot_sentinel.vault import steps
from snapshot_sentinel.vault.errors import VaultIncompleteError, VaultPlanIncompleteError
from snapshot_sentinel.vault.listing import Manifests, gather_plan, plan_prefix, plan_root
from snapshot_sentinel.vault.plan import plan_copy
from snapshot_sentinel.vault.settings import VaultSettings
from snapshot_sentinel.vault.steps import Location, copy_batch, list_repository, read_blob, verify_copy
from tests.support.repository import RepositoryWriter


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


def listing_calls(s3: Any) -> list[dict[str, Any]]:
    """Every ListObjectsV2 request the client makes from now on (its parameters)."""
    calls: list[dict[str, Any]] = []
    s3.meta.events.register("provide-client-params.s3.ListObjectsV2", lambda params, **_: calls.append(dict(params)))
    return calls


def test_the_fanned_out_plan_lists_no_prefix_wider_than_one_index_and_plans_what_one_listing_would(s3: Any) -> None:
    s3.create_bucket(Bucket="manifests")
    repository = RepositoryWriter(s3, "source", "repo")
    repository.snapshot("nightly-1", {"logs": 3, "orders": 2, "users": 1})
    s3.put_object(Bucket="source", Key="repo/tests-kW2c/master.dat", Body=b"scratch")
    copy_batch(s3, Location("source", "repo"), Location("vault", "dr"), ["indices/I-logs/0/__U1ly-1-0"], [1])
    copy_batch(s3, Location("source", "repo"), Location("vault", "dr"), ["indices/I-logs/meta-MU1ly-1logs.dat"], [1])
    bounds = {"max_batch_objects": 2, "max_batch_bytes": 10**9}
    manifests = Manifests(s3, "manifests", "run-1")
    calls = listing_calls(s3)

    listing = plan_root(s3, s3, manifests, Location("source", "repo"), Location("vault", "dr"), bounds)
    jobs = json.loads(s3.get_object(Bucket="manifests", Key=listing["listings_key"])["Body"].read())
    for job in jobs:
        plan_prefix(
            s3, s3, manifests, Location("source", "repo"), Location("vault", "dr"), job["job"], job["prefix"], bounds
        )
    plan = gather_plan(manifests, listing, bounds)
    wide = [c for c in calls if "Delimiter" not in c and c["Prefix"].count("/") < 3]

    assert wide == [], "a listing of the whole repository or of indices/"
    assert [job["prefix"] for job in jobs] == ["indices/I-logs/", "indices/I-orders/", "indices/I-users/"]
    whole = [o for o in list_repository(s3, "source", "repo") if not o.key.startswith("tests-")]
    vault = {o.key: o for o in list_repository(s3, "vault", "dr")}
    expected = plan_copy(whole, vault, **bounds)
    planned: dict[int, set[str]] = {}
    for tier in plan["tiers"]:
        for item in json.loads(s3.get_object(Bucket="manifests", Key=tier["manifest_key"])["Body"].read()):
            assert item["objects"] <= 2 and item["tier"] == tier["tier"]
            for batch_key in item["batch_keys"]:
                batch = json.loads(s3.get_object(Bucket="manifests", Key=batch_key)["Body"].read())
                planned.setdefault(tier["tier"], set()).update(batch["keys"])
    assert planned == {int(t[0].tier): {k for b in t for k in b.keys} for t in expected.tiers()}
    assert (plan["objects"], plan["already_in_vault"]) == (expected.objects, 2)
    assert [t["tier"] for t in plan["tiers"]] == [0, 1, 2, 3, 4, 5]


def test_a_listing_job_that_wrote_no_plan_stops_the_copy_naming_its_index(s3: Any) -> None:
    s3.create_bucket(Bucket="manifests")
    RepositoryWriter(s3, "source").snapshot("nightly-1", {"logs": 1, "orders": 1})
    manifests = Manifests(s3, "manifests", "run-1")
    bounds = {"max_batch_objects": 1000, "max_batch_bytes": 10**9}
    listing = plan_root(s3, s3, manifests, Location("source", ""), Location("vault", ""), bounds)
    plan_prefix(s3, s3, manifests, Location("source", ""), Location("vault", ""), "000000", "indices/I-logs/", bounds)

    with pytest.raises(VaultPlanIncompleteError, match=r"1 listing job.*indices/I-orders/.*nothing was copied"):
        gather_plan(manifests, listing, bounds)


def test_verifying_a_vault_reads_its_root_and_asks_about_metadata_never_listing_its_data(s3: Any) -> None:
    repository = RepositoryWriter(s3, "vault", "dr")
    repository.snapshot("nightly-1", {"logs": 2})
    calls = listing_calls(s3)

    verified = verify_copy(s3, Location("vault", "dr"), datetime.now(UTC))

    assert verified["generation"] == 0
    assert [(c["Prefix"], c.get("Delimiter")) for c in calls] == [("dr/", "/")]
    s3.delete_object(Bucket="vault", Key="dr/indices/I-logs/1/index-GU1ly-1-1")
    with pytest.raises(VaultIncompleteError, match="indices/I-logs/1/index-GU1ly-1-1"):
        verify_copy(s3, Location("vault", "dr"), datetime.now(UTC))


@pytest.mark.parametrize(
    ("step", "event", "named"),
    [
        ("plan_copy_run", {}, "'run'"),
        ("plan_listing_job", {"run": "r", "job": "000001"}, "'prefix'"),
        ("gather_copy_plan", {"listing": None}, "'listing'"),
        ("copy_manifest_item", {"keys": ["index-1"]}, "'batch_keys'"),
    ],
)
def test_an_event_the_state_machine_would_never_send_is_refused_naming_what_is_missing(
    s3: Any, step: str, event: dict[str, Any], named: str
) -> None:
    settings = VaultSettings("source", "", "vault", "us-east-1", "manifests", "us-east-1", "d", 1000, 10**9)
    clients = {"plan_copy_run": 2, "plan_listing_job": 2, "gather_copy_plan": 1, "copy_manifest_item": 2}[step]

    with pytest.raises(InvalidInputError, match=named):
        getattr(vault_input, step)(*[s3] * clients, settings, event)

    assert s3.list_objects_v2(Bucket="vault").get("KeyCount") == 0
