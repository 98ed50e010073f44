"""Vault copy figures: planning cost at repository scale, and objects and bytes per minute through the
copy's own code (plan, manifests, server-side copies, verify) against moto's S3 in one process.

Run: ``python -m tests.bench.bench_vault [--objects 2000] [--kib 64] [--indices 20] [--plan-objects 1000000]``.
Prints figures; asserts nothing. The plan runs as the state machine runs it (the root, one listing job
per index directory, the gather), the jobs one after another. moto lists and copies in memory, so the
rates are the code's overhead per object (the ceiling the harness can show), not S3's:
docs/figures.md computes the AWS time and cost from stated per-request assumptions.
"""

from __future__ import annotations

import argparse
import json
import os
import time
import tracemalloc
from datetime import UTC, datetime

import boto3
from moto import mock_aws

from snapshot_sentinel.vault.listing import Manifests, gather_plan, plan_prefix, plan_root
from snapshot_sentinel.vault.plan import StoredObject, plan_copy
from snapshot_sentinel.vault.steps import Location, copy_item, verify_copy
from tests.bench import vault_model
from tests.support.repository import RepositoryWriter


def synthetic_listing(objects: int) -> list[StoredObject]:
    """A repository listing of ``objects`` keys in the engine's layout: mostly data blobs."""
    listing = []
    for n in range(objects):
        index, shard = n % 500, n % 7
        if n % 20 == 0:
            listing.append(StoredObject(f"indices/I{index:04}/{shard}/snap-S{n:09}.dat", 2_000))
        else:
            listing.append(StoredObject(f"indices/I{index:04}/{shard}/__B{n:09}", 5_000_000))
    return [*listing, StoredObject("index-1", 1_000_000), StoredObject("index.latest", 8, "e")]


def bench_plan(objects: int) -> None:
    listing = synthetic_listing(objects)
    started = time.perf_counter()
    plan = plan_copy(listing, {})
    seconds = time.perf_counter() - started
    tracemalloc.start()
    plan_copy(listing, {})
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"plan_copy over {objects:,} keys: {seconds:.2f} s, peak {peak / 1e6:.0f} MB beyond the listing, "
        f"{len(plan.batches):,} batches"
    )


def bench_copy(objects: int, kib: int, indices: int) -> None:
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="source")
        s3.create_bucket(Bucket="vault")
        s3.create_bucket(Bucket="manifests")
        repository = RepositoryWriter(s3, "source")
        repository.snapshot("nightly-1", {f"logs-{n}": 2 for n in range(indices)})
        body = os.urandom(kib * 1024)
        for n in range(objects):
            s3.put_object(Bucket="source", Key=f"indices/I-logs-{n % indices}/{n % 2}/__bench{n:07}", Body=body)
        source, vault = Location("source", ""), Location("vault", "")
        manifests = Manifests(s3, "manifests", "bench")
        bounds = {"max_batch_objects": 100, "max_batch_bytes": 2**34}
        started = time.perf_counter()
        listing = plan_root(s3, s3, manifests, source, vault, bounds)
        rooted = time.perf_counter()
        jobs = json.loads(s3.get_object(Bucket="manifests", Key=listing["listings_key"])["Body"].read())
        listed = sum(
            plan_prefix(s3, s3, manifests, source, vault, job["job"], job["prefix"], bounds)["objects"] for job in jobs
        )
        prefixed = time.perf_counter()
        plan = gather_plan(manifests, listing, bounds)
        planned = time.perf_counter()
        copied = total = 0
        for tier in plan["tiers"]:
            for item in json.loads(s3.get_object(Bucket="manifests", Key=tier["manifest_key"])["Body"].read()):
                result = copy_item(
                    s3, s3, "manifests", source, vault, item["batch_keys"], latest_etag=item["latest_etag"]
                )
                copied += result.objects
                total += result.bytes
        done = time.perf_counter()
        verify_copy(s3, vault, datetime.now(UTC))
        verified = time.perf_counter()
    minutes = (done - planned) / 60
    print(
        f"plan of {plan['objects']:,} objects in {len(jobs)} index directories (moto, one process): root "
        f"{rooted - started:.2f} s, listing jobs {prefixed - rooted:.2f} s ({listed / (prefixed - rooted):,.0f} "
        f"objects/s listed on both sides and planned, one job at a time), gather {planned - prefixed:.2f} s"
    )
    print(
        f"copy of {copied:,} objects ({total / 1e6:.0f} MB, {kib} KiB blobs) in {plan['batches']} items: "
        f"copy {done - planned:.2f} s, verify {verified - done:.2f} s: "
        f"{copied / minutes:,.0f} objects/min, {total / 1e6 / minutes:,.0f} MB/min"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--objects", type=int, default=2000)
    parser.add_argument("--kib", type=int, default=64)
    parser.add_argument("--indices", type=int, default=20)
    parser.add_argument("--plan-objects", type=int, default=1_000_000)
    args = parser.parse_args()
    bench_plan(args.plan_objects)
    bench_copy(args.objects, args.kib, args.indices)
    print("on AWS, by calculation (tests.bench.vault_model), a first copy of 10 million objects, 50 TB:")
    vault_model.main()


if __name__ == "__main__":
    main()
