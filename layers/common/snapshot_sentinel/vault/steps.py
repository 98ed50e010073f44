"""The copy's I/O: list a repository, copy one batch server-side, read a blob. S3 clients are injected.

Every copy is server-side (``CopyObject``; ``UploadPartCopy`` above 5 GiB, the single-copy limit): no
byte passes through the Lambda. The calls are made by a client of the vault's region, which is where a
cross-region ``CopyObject`` must be sent. Nothing here deletes: the copier role cannot.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from snapshot_sentinel.vault.plan import StoredObject

SINGLE_COPY_LIMIT = 5 * 1024**3
PART_SIZE = 512 * 1024**2


def with_slash(prefix: str) -> str:
    """A base path as a key prefix: ``""`` or ``"path/"``."""
    prefix = prefix.strip("/")
    return f"{prefix}/" if prefix else ""


def list_repository(s3: Any, bucket: str, base_path: str) -> list[StoredObject]:
    """Every object under the repository's base path, keys relative to it."""
    prefix = with_slash(base_path)
    found: list[StoredObject] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            found.append(StoredObject(item["Key"][len(prefix) :], int(item["Size"]), item.get("ETag", "")))
    return found


def read_blob(s3: Any, bucket: str, base_path: str, key: str) -> bytes | None:
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
    vault_s3: Any, source: Location, vault: Location, keys: Sequence[str], sizes: Sequence[int]
) -> BatchCopied:
    """Copy ``keys`` from the source repository into the vault, in order, server-side. Copying a key
    again writes the same bytes (a new version under Object Lock), so a retried batch is harmless."""
    for key, size in zip(keys, sizes, strict=True):
        copy_source = {"Bucket": source.bucket, "Key": source.key(key)}
        if size > SINGLE_COPY_LIMIT:
            _copy_in_parts(vault_s3, copy_source, vault.bucket, vault.key(key), size)
        else:
            vault_s3.copy_object(Bucket=vault.bucket, Key=vault.key(key), CopySource=copy_source)
    return BatchCopied(objects=len(keys), bytes=sum(sizes))


def _copy_in_parts(vault_s3: Any, copy_source: dict[str, str], bucket: str, key: str, size: int) -> None:
    upload_id = vault_s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    try:
        parts = []
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
            parts.append({"PartNumber": number, "ETag": answer["CopyPartResult"]["ETag"]})
        vault_s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id, MultipartUpload={"Parts": parts})
    except Exception:
        vault_s3.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id)
        raise
