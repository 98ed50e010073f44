"""The copy's I/O: list a repository or one level of it, copy one item server-side, read a blob, verify
the vault. S3 clients are injected. (The plan's fan-out, its listing jobs and manifests: listing.py.)

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

from snapshot_sentinel.vault.errors import (
    VaultIncompleteError,
    VaultPlanIncompleteError,
    VaultSourceChangedError,
)
from snapshot_sentinel.vault.plan import (
    INDEX_LATEST,
    StoredObject,
)
from snapshot_sentinel.vault.report import lag_hours
from snapshot_sentinel.vault.verify import VaultGeneration, verify_vault

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import CompletedPartTypeDef, CopySourceTypeDef

SINGLE_COPY_LIMIT = 5 * 1024**3
CHECKSUM: Final = "SHA256"
"""S3 refuses a write into an Object Lock bucket with a default retention unless it carries Content-MD5
or a checksum (MissingUploadObjectWithObjectLockHeaders): every copy asks S3 for a SHA-256 checksum."""
PART_SIZE = 512 * 1024**2
GATHER_THREADS = 32
"""Concurrent reads of the listing jobs' plans, and HEADs of the vault's metadata files (boto3's pool
holds 10 connections by default; the rest wait their turn, which still overlaps the latency)."""


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
