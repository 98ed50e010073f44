"""The copy's I/O: list a repository, copy one batch server-side, read a blob. S3 clients are injected.

Every copy is server-side (``CopyObject``; ``UploadPartCopy`` above 5 GiB, the single-copy limit): no
byte passes through the Lambda. The calls are made by a client of the vault's region, which is where a
cross-region ``CopyObject`` must be sent. Nothing here deletes: the copier role cannot.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from snapshot_sentinel.errors import InvalidInputError
from snapshot_sentinel.vault.errors import (
    VaultIncompleteError,
    VaultPlanIncompleteError,
    VaultSourceChangedError,
    VaultUnreadableError,
)
from snapshot_sentinel.vault.plan import (
    INDEX_LATEST,
    INDICES_DIR,
    BatchFile,
    CopyPlan,
    StoredObject,
    Tier,
    listing_prefixes,
    pack_batches,
    plan_copy,
    tier_of,
)
from snapshot_sentinel.vault.report import lag_hours
from snapshot_sentinel.vault.verify import MISSING_SAMPLE, VaultGeneration, read_generation, verify_vault

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import CompletedPartTypeDef, CopySourceTypeDef

SINGLE_COPY_LIMIT = 5 * 1024**3
CHECKSUM: Final = "SHA256"
"""S3 refuses a write into an Object Lock bucket with a default retention unless it carries Content-MD5
or a checksum (MissingUploadObjectWithObjectLockHeaders): every copy asks S3 for a SHA-256 checksum."""
PART_SIZE = 512 * 1024**2
INDICES_PREFIX = f"{INDICES_DIR}/"
ROOT_JOB = "root"
LISTINGS = "listings.json"
GATHER_THREADS = 32
"""Concurrent reads of the listing jobs' plans, and HEADs of the vault's metadata files (boto3's pool
holds 10 connections by default; the rest wait their turn, which still overlaps the latency)."""
PLAN_COUNTS = ("objects", "bytes", "already_in_vault", "skipped")


def with_slash(prefix: str) -> str:
    """A base path as a key prefix: ``""`` or ``"path/"``."""
    prefix = prefix.strip("/")
    return f"{prefix}/" if prefix else ""


def list_repository(s3: S3Client, bucket: str, base_path: str, within: str = "") -> list[StoredObject]:
    """Every object under the repository's base path (and ``within`` it), keys relative to the base path."""
    prefix = with_slash(base_path)
    return [
        StoredObject(item["Key"][len(prefix) :], int(item["Size"]), item.get("ETag", ""))
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix + within)
        for item in page.get("Contents", [])
    ]


def read_blob(s3: S3Client, bucket: str, base_path: str, key: str) -> bytes | None:
    """A small blob's bytes, or None when it does not exist."""
    try:
        body = s3.get_object(Bucket=bucket, Key=with_slash(base_path) + key)["Body"]
    except s3.exceptions.NoSuchKey:
        return None
    data: bytes = body.read()
    return data


@dataclass(frozen=True)
class Location:
    bucket: str
    base_path: str

    def key(self, relative: str) -> str:
        return with_slash(self.base_path) + relative


@dataclass(frozen=True)
class BatchCopied:
    objects: int
    bytes: int

    def to_dict(self) -> dict[str, int]:
        return {"objects": self.objects, "bytes": self.bytes}


def copy_batch(
    vault_s3: S3Client,
    source: Location,
    vault: Location,
    keys: Sequence[str],
    sizes: Sequence[int],
    *,
    latest_etag: str = "",
) -> BatchCopied:
    """Copy ``keys`` from the source repository into the vault, in order, server-side. Copying a key
    again writes the same bytes (a new version under Object Lock), so a retried batch is harmless.

    ``index.latest`` is copied only if it still has ``latest_etag`` (the one the copy was planned
    from): one that moved on raises :class:`VaultSourceChangedError` and the vault keeps its pointer."""
    for key, size in zip(keys, sizes, strict=True):
        copy_source: CopySourceTypeDef = {"Bucket": source.bucket, "Key": source.key(key)}
        if size > SINGLE_COPY_LIMIT:
            _copy_in_parts(vault_s3, copy_source, vault.bucket, vault.key(key), size)
        elif key == INDEX_LATEST and latest_etag:
            try:
                vault_s3.copy_object(
                    Bucket=vault.bucket,
                    Key=vault.key(key),
                    CopySource=copy_source,
                    CopySourceIfMatch=latest_etag,
                    ChecksumAlgorithm=CHECKSUM,
                )
            except vault_s3.exceptions.ClientError as exc:
                if exc.response.get("Error", {}).get("Code") not in ("PreconditionFailed", "412"):
                    raise
                raise VaultSourceChangedError(
                    f"the source's {INDEX_LATEST} changed while the copy ran (something wrote the repository); "
                    "the vault keeps its previous generation, and the next copy brings the new one"
                ) from exc
        else:
            vault_s3.copy_object(
                Bucket=vault.bucket, Key=vault.key(key), CopySource=copy_source, ChecksumAlgorithm=CHECKSUM
            )
    return BatchCopied(objects=len(keys), bytes=sum(sizes))


def list_level(s3: S3Client, location: Location, within: str = "") -> tuple[list[StoredObject], list[str]]:
    """One delimiter listing: the files directly under ``within`` and its subdirectories (ending with
    ``/``), both relative to the base path. Its cost is the level's width, never the repository's size."""
    prefix = with_slash(location.base_path)
    files: list[StoredObject] = []
    directories: list[str] = []
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=location.bucket, Prefix=prefix + within, Delimiter="/")
    for page in pages:
        files += [
            StoredObject(item["Key"][len(prefix) :], int(item["Size"]), item.get("ETag", ""))
            for item in page.get("Contents", [])
        ]
        directories += [entry["Prefix"][len(prefix) :] for entry in page.get("CommonPrefixes", [])]
    return files, directories


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


def copy_item(
    vault_s3: S3Client,
    manifest_s3: S3Client,
    manifest_bucket: str,
    source: Location,
    vault: Location,
    batch_keys: Sequence[str],
    *,
    latest_etag: str = "",
) -> BatchCopied:
    """Copy one item of a tier's manifest: its batch files, read from the manifest bucket, in order."""
    objects = size = 0
    for batch_key in batch_keys:
        try:
            body = manifest_s3.get_object(Bucket=manifest_bucket, Key=batch_key)["Body"].read()
        except manifest_s3.exceptions.NoSuchKey:
            raise VaultPlanIncompleteError(
                f"the batch file {batch_key} is gone (the copy's manifests last a day): start the copy again"
            ) from None
        batch = json.loads(body)
        copied = copy_batch(vault_s3, source, vault, batch["keys"], batch["sizes"], latest_etag=latest_etag)
        objects, size = objects + copied.objects, size + copied.bytes
    return BatchCopied(objects=objects, bytes=size)


def absent_keys(s3: S3Client, location: Location, keys: Collection[str]) -> list[str]:
    """Which of ``keys`` the location lacks: one HEAD each, concurrently (never a whole listing)."""

    def absent(key: str) -> bool:
        try:
            s3.head_object(Bucket=location.bucket, Key=location.key(key))
        except s3.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return True
            raise
        return False

    with ThreadPoolExecutor(max_workers=GATHER_THREADS) as pool:
        return [key for key, gone in zip(keys, pool.map(absent, keys), strict=True) if gone]


def vault_generation(vault_s3: S3Client, vault: Location) -> VaultGeneration:
    """The vault's newest generation, verified whole (raises naming what is missing): its root listed,
    its referenced metadata files asked about one by one, its data never listed."""
    root, _ = list_level(vault_s3, vault)
    return verify_vault(
        lambda key: read_blob(vault_s3, vault.bucket, vault.base_path, key),
        {o.key for o in root},
        lacking=lambda wanted: absent_keys(vault_s3, vault, wanted),
    )


def verify_copy(vault_s3: S3Client, vault: Location, now: datetime, *, brought: int | None = None) -> dict[str, Any]:
    """Verify the vault's newest generation is whole (raises naming what is missing), and that
    it is at least ``brought``, the generation the copy planned: a batch that failed without failing
    its map (a tolerated failure) leaves the vault whole but behind, which is a failed copy too."""
    generation = vault_generation(vault_s3, vault)
    if brought is not None and generation.generation < brought:
        raise VaultIncompleteError(
            f"the vault's {INDEX_LATEST} names generation {generation.generation}, but this copy was to bring "
            f"{brought}: some batches did not complete (the vault still restores generation "
            f"{generation.generation}; the next copy resumes)",
            (INDEX_LATEST,),
        )
    return {**generation.to_dict(), "lag_hours": lag_hours(generation.newest_end_millis, now)}


def _copy_in_parts(vault_s3: S3Client, copy_source: CopySourceTypeDef, bucket: str, key: str, size: int) -> None:
    upload_id = vault_s3.create_multipart_upload(Bucket=bucket, Key=key, ChecksumAlgorithm=CHECKSUM)["UploadId"]
    try:
        parts: list[CompletedPartTypeDef] = []
        for number, start in enumerate(range(0, size, PART_SIZE), start=1):
            end = min(start + PART_SIZE, size) - 1
            answer = vault_s3.upload_part_copy(
                Bucket=bucket,
                Key=key,
                UploadId=upload_id,
                PartNumber=number,
                CopySource=copy_source,
                CopySourceRange=f"bytes={start}-{end}",
            )
            result = answer["CopyPartResult"]
            part: CompletedPartTypeDef = {"PartNumber": number, "ETag": result["ETag"]}
            if result.get("ChecksumSHA256"):
                part["ChecksumSHA256"] = result["ChecksumSHA256"]
            parts.append(part)
        vault_s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id, MultipartUpload={"Parts": parts})
    except Exception:
        vault_s3.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id)
        raise
