"""The vault bucket, read with the caller's credentials in the vault's region: what ``sentinel vault``
reports. The stack's own resources are read through sentinel_cli.gateway; the vault is another
region's bucket, and is verified as the copy verifies it (snapshot_sentinel.vault.steps)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import boto3

from sentinel_cli.aws_calls import CLIENT_CONFIG, aws_errors

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


def vault_state(session: boto3.session.Session, bucket: str, region: str, base_path: str) -> dict[str, Any]:
    """What the vault holds (its verified generation, newest snapshots, when the newest ended, how many
    files that generation references) and its Object Lock retention, read with the caller's credentials
    in the vault's region, as the copy verifies it: the root listed, the metadata asked about, the data
    never listed (a vault of millions of objects answers in seconds)."""
    from snapshot_sentinel.vault.steps import Location, vault_generation

    with aws_errors(f"reading the vault s3://{bucket}", region=region):
        s3: S3Client = session.client("s3", region_name=region, config=CLIENT_CONFIG)
        generation = vault_generation(s3, Location(bucket, base_path))
        try:
            rule = s3.get_object_lock_configuration(Bucket=bucket)["ObjectLockConfiguration"].get("Rule", {})
        except s3.exceptions.ClientError:
            rule = {}
    retention = rule.get("DefaultRetention", {})
    return {
        "referenced_files": generation.referenced_files,
        "generation": generation.generation,
        "snapshots": len(generation.snapshots),
        "newest_snapshot": generation.snapshots[-1] if generation.snapshots else None,
        "newest_end_millis": generation.newest_end_millis,
        "retention_mode": retention.get("Mode"),
        "retention_days": retention.get("Days") or (retention.get("Years", 0) * 365 or None),
    }
