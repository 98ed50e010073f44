"""The plan's I/O, fanned out over the repository's layout so that no step lists all of it: the root
step (the generation pin, the root's own files, one listing job per index directory), a listing job
(one index directory on both sides), and the gather (every job's batch files packed per tier), with
the manifests they write to the stack's manifest bucket. S3 clients are injected; the planning itself
is :mod:`snapshot_sentinel.vault.plan`'s, pure.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from snapshot_sentinel.errors import InvalidInputError
from snapshot_sentinel.vault.errors import VaultPlanIncompleteError, VaultUnreadableError
from snapshot_sentinel.vault.plan import (
    INDEX_LATEST,
    INDICES_DIR,
    BatchFile,
    CopyPlan,
    Tier,
    listing_prefixes,
    pack_batches,
    plan_copy,
    tier_of,
)
from snapshot_sentinel.vault.steps import GATHER_THREADS, Location, list_level, list_repository
from snapshot_sentinel.vault.verify import MISSING_SAMPLE, read_generation

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

INDICES_PREFIX = f"{INDICES_DIR}/"
ROOT_JOB = "root"
LISTINGS = "listings.json"
PLAN_COUNTS = ("objects", "bytes", "already_in_vault", "skipped")


@dataclass(frozen=True)
class Manifests:
    """The copy's own files in the stack's manifest bucket, under the run's name (never the repository's
    prefix): the listing jobs (``listings.json``), each job's batch files and plan, and one manifest of
    copy items per tier (what each tier's Distributed Map reads)."""

    s3: S3Client
    bucket: str
    run: str

    def put(self, key: str, value: Any) -> str:
        full = f"{self.run}/{key}"
        body = json.dumps(value).encode()
        self.s3.put_object(Bucket=self.bucket, Key=full, Body=body, ContentType="application/json")
        return full

    def get(self, full_key: str) -> Any:
        try:
            body = self.s3.get_object(Bucket=self.bucket, Key=full_key)["Body"].read()
        except self.s3.exceptions.NoSuchKey:
            return None
        return json.loads(body)

    def job_plan_key(self, job: str) -> str:
        return f"{self.run}/plans/{job}.json"

    def write_plan(self, job: str, prefix: str, plan: CopyPlan) -> dict[str, Any]:
        """Write ``plan``'s batches, one file each, then the job's plan naming them (last: a job whose
        plan exists wrote every batch). A retried job writes the same keys again."""
        files = []
        for group in plan.tiers():
            for seq, batch in enumerate(group):
                key = self.put(
                    f"batches/{job}/tier-{int(batch.tier)}-{seq:05}.json",
                    {"keys": list(batch.keys), "sizes": list(batch.sizes)},
                )
                files.append({"tier": int(batch.tier), "key": key, "objects": len(batch.keys), "bytes": batch.bytes})
        counts = {
            "prefix": prefix,
            "objects": plan.objects,
            "bytes": plan.bytes,
            "already_in_vault": plan.already_in_vault,
            "skipped": plan.skipped,
        }
        self.put(f"plans/{job}.json", {**counts, "batches": files})
        return {**counts, "batches": len(files)}


def read_pointer(source_s3: S3Client, source: Location) -> tuple[int, str]:
    """The source's generation (its ``index.latest``) and that file's ETag."""
    try:
        answer = source_s3.get_object(Bucket=source.bucket, Key=source.key(INDEX_LATEST))
    except source_s3.exceptions.NoSuchKey:
        raise VaultUnreadableError(
            f"the source repository s3://{source.bucket}/{source.key(INDEX_LATEST)} does not exist: "
            "no snapshot was ever written there (check SnapshotBucketName and SnapshotBasePath)"
        ) from None
    return read_generation(answer["Body"].read()), str(answer["ETag"])


def plan_root(
    source_s3: S3Client,
    vault_s3: S3Client,
    manifests: Manifests,
    source: Location,
    vault: Location,
    bounds: dict[str, int],
) -> dict[str, Any]:
    """Read the source's ``index.latest`` first (the generation this copy brings), then plan the root's
    own files (snapshot metadata, ``index-N``, ``index.latest``) pinned to it, and write the listing jobs:
    one per index directory (and any other top-level directory). Delimiter listings only: this step's
    cost grows with the number of snapshots and indices, not objects. Returns the bounded facts the
    state machine carries."""
    generation, latest_etag = read_pointer(source_s3, source)
    files, directories = list_level(source_s3, source)
    vault_files, vault_directories = list_level(vault_s3, vault)
    index_directories: list[str] = []
    if INDICES_PREFIX in directories:
        stray, index_directories = list_level(source_s3, source, INDICES_PREFIX)
        if stray and INDICES_PREFIX in vault_directories:
            vault_files += list_level(vault_s3, vault, INDICES_PREFIX)[0]
        files += stray
    plan = plan_copy(files, {o.key: o for o in vault_files}, generation=generation, **bounds)
    root = manifests.write_plan(ROOT_JOB, "", plan)
    prefixes = listing_prefixes(directories, index_directories)
    jobs = [{"run": manifests.run, "job": f"{n:06}", "prefix": prefix} for n, prefix in enumerate(prefixes)]
    return {
        "run": manifests.run,
        "generation": generation,
        "latest_etag": latest_etag,
        "manifest_bucket": manifests.bucket,
        "listings_key": manifests.put(LISTINGS, jobs),
        "prefixes": len(prefixes),
        "root_objects": root["objects"],
    }


def plan_prefix(
    source_s3: S3Client,
    vault_s3: S3Client,
    manifests: Manifests,
    source: Location,
    vault: Location,
    job: str,
    prefix: str,
    bounds: dict[str, int],
) -> dict[str, Any]:
    """One listing job: list ``prefix`` on both sides (at once), plan what the vault lacks there, and
    write its batches and plan. Its memory and time grow with this prefix (one index) only."""
    if not prefix.endswith("/") or prefix.startswith("/") or tier_of(prefix + "x") is None:
        raise InvalidInputError(f"expected a repository directory such as 'indices/<id>/' as prefix, got {prefix!r}")
    with ThreadPoolExecutor(max_workers=1) as pool:
        in_vault = pool.submit(list_repository, vault_s3, vault.bucket, vault.base_path, prefix)
        listed = list_repository(source_s3, source.bucket, source.base_path, prefix)
        plan = plan_copy(listed, {o.key: o for o in in_vault.result()}, **bounds)
    return manifests.write_plan(job, prefix, plan)


def gather_plan(manifests: Manifests, listing: dict[str, Any], bounds: dict[str, int]) -> dict[str, Any]:
    """Read every listing job's plan, pack their batch files per tier into copy items of at most one
    batch's bounds, and write one manifest per tier. Returns counts and the manifests' keys only.

    Raises :class:`VaultPlanIncompleteError` when a listing job wrote no plan (nothing is copied)."""
    jobs = [ROOT_JOB, *(f"{n:06}" for n in range(int(listing["prefixes"])))]
    with ThreadPoolExecutor(max_workers=GATHER_THREADS) as pool:
        plans = list(pool.map(lambda job: manifests.get(manifests.job_plan_key(job)), jobs))
    missing = [job for job, plan in zip(jobs, plans, strict=True) if plan is None]
    if missing:
        named = {item["job"]: item["prefix"] for item in manifests.get(listing["listings_key"]) or []}
        sample = ", ".join(named.get(job, "the root" if job == ROOT_JOB else job) for job in missing[:MISSING_SAMPLE])
        raise VaultPlanIncompleteError(
            f"{len(missing)} listing job(s) wrote no plan ({sample}): nothing was copied; the next copy lists again"
        )
    found = [plan for plan in plans if plan is not None]
    files = [BatchFile(Tier(b["tier"]), b["key"], b["objects"], b["bytes"]) for plan in found for b in plan["batches"]]
    tiers = []
    for tier, groups in pack_batches(files, **bounds).items():
        items = [
            {
                "tier": int(tier),
                "batch_keys": [f.key for f in group],
                "objects": sum(f.objects for f in group),
                "bytes": sum(f.bytes for f in group),
                "latest_etag": listing["latest_etag"],
            }
            for group in groups
        ]
        key = manifests.put(f"tier-{int(tier)}.json", items)
        tiers.append(
            {"tier": int(tier), "batches": len(items), "manifest_bucket": manifests.bucket, "manifest_key": key}
        )
    return {
        "generation": listing["generation"],
        **{field: sum(int(plan[field]) for plan in found) for field in PLAN_COUNTS},
        "batches": sum(t["batches"] for t in tiers),
        "prefixes": int(listing["prefixes"]),
        "tiers": tiers,
    }
