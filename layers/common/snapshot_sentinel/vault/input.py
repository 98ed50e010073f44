"""What each vault function receives from VaultCopyStateMachine, checked, and the one call each makes:
the event read (a clear InvalidInputError naming what is missing), the locations and bounds taken
from the settings, then the step itself (listing.py, steps.py)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from snapshot_sentinel.errors import InvalidInputError
from snapshot_sentinel.vault.listing import Manifests, gather_plan, plan_prefix, plan_root
from snapshot_sentinel.vault.settings import VaultSettings
from snapshot_sentinel.vault.steps import BatchCopied, Location, copy_item, verify_copy

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


def _text(event: dict[str, Any], name: str, expected: str) -> str:
    value = event.get(name)
    if not isinstance(value, str) or not value:
        raise InvalidInputError(f"expected {expected}, got {event!r}")
    return value


def _locations(settings: VaultSettings) -> tuple[Location, Location]:
    return Location(settings.source_bucket, settings.base_path), Location(settings.vault_bucket, settings.base_path)


def _bounds(settings: VaultSettings) -> dict[str, int]:
    return {"max_batch_objects": settings.batch_objects, "max_batch_bytes": settings.batch_bytes}


def plan_copy_run(
    source_s3: S3Client, vault_s3: S3Client, settings: VaultSettings, event: dict[str, Any]
) -> dict[str, Any]:
    """Plan the copy, event ``{"run": <execution name>}``: the root step (manifests in the source's region)."""
    run = _text(event, "run", "{'run': <execution name>}")
    source, vault = _locations(settings)
    return plan_root(
        source_s3, vault_s3, Manifests(source_s3, settings.manifest_bucket, run), source, vault, _bounds(settings)
    )


def plan_listing_job(
    source_s3: S3Client, vault_s3: S3Client, settings: VaultSettings, event: dict[str, Any]
) -> dict[str, Any]:
    """One listing job, event ``{"run", "job", "prefix"}`` (an item of the listing manifest)."""
    expected = "a listing job {'run', 'job', 'prefix'}"
    run, job, prefix = (_text(event, name, expected) for name in ("run", "job", "prefix"))
    source, vault = _locations(settings)
    manifests = Manifests(source_s3, settings.manifest_bucket, run)
    return plan_prefix(source_s3, vault_s3, manifests, source, vault, job, prefix, _bounds(settings))


def gather_copy_plan(manifest_s3: S3Client, settings: VaultSettings, event: dict[str, Any]) -> dict[str, Any]:
    """Gather the plan, event ``{"listing": <Plan the copy's result>}``."""
    listing = event.get("listing")
    if not isinstance(listing, dict) or not isinstance(listing.get("run"), str):
        raise InvalidInputError(f"expected {{'listing': <Plan the copy's result>}}, got {event!r}")
    return gather_plan(Manifests(manifest_s3, settings.manifest_bucket, listing["run"]), listing, _bounds(settings))


def copy_manifest_item(
    vault_s3: S3Client, manifest_s3: S3Client, settings: VaultSettings, event: dict[str, Any]
) -> BatchCopied:
    """Copy one item of a tier's manifest, event ``{"tier", "batch_keys", "objects", "bytes", "latest_etag"}``."""
    batch_keys = event.get("batch_keys")
    if not isinstance(batch_keys, list) or not batch_keys:
        raise InvalidInputError(f"expected a manifest item {{'batch_keys': [...]}}, got {event!r}")
    source, vault = _locations(settings)
    return copy_item(
        vault_s3,
        manifest_s3,
        settings.manifest_bucket,
        source,
        vault,
        [str(key) for key in batch_keys],
        latest_etag=str(event.get("latest_etag") or ""),
    )


def verify_copy_run(
    vault_s3: S3Client, settings: VaultSettings, event: dict[str, Any], now: datetime
) -> dict[str, Any]:
    """Verify the vault, event ``{"plan": <Gather the plan's result>}``: whole, and at the planned generation."""
    plan = event.get("plan") or {}
    brought = plan.get("generation") if isinstance(plan, dict) else None
    _, vault = _locations(settings)
    return verify_copy(vault_s3, vault, now, brought=brought if isinstance(brought, int) else None)
