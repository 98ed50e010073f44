"""The vault copy's functions' settings: the source repository, the vault, the manifest bucket and
the batch bounds."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from snapshot_sentinel.settings import domain_name, read_number, read_text


@dataclass(frozen=True)
class VaultSettings:
    """The vault copy's functions: the source repository, the vault, and where the copy's manifests go."""

    source_bucket: str
    base_path: str
    vault_bucket: str
    vault_region: str
    manifest_bucket: str
    region: str
    domain_name: str
    batch_objects: int
    batch_bytes: int

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> VaultSettings:
        region = read_text(environ, "AWS_REGION")
        return cls(
            source_bucket=read_text(environ, "SNAPSHOT_BUCKET"),
            base_path=environ.get("SNAPSHOT_BASE_PATH", "").strip(),
            vault_bucket=read_text(environ, "VAULT_BUCKET"),
            vault_region=read_text(environ, "VAULT_REGION", region),
            manifest_bucket=read_text(environ, "VAULT_MANIFEST_BUCKET"),
            region=region,
            domain_name=domain_name(environ.get("DOMAIN_ENDPOINT", ""), environ.get("DOMAIN_ARN", "")),
            batch_objects=read_number(environ, "VAULT_BATCH_OBJECTS", 1000, minimum=1),
            batch_bytes=read_number(environ, "VAULT_BATCH_BYTES", 20 * 1024**3, minimum=1),
        )
