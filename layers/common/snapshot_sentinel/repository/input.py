"""The repository a SnapshotRepository resource asks for: its properties read, checked and turned
into the ``PUT _snapshot/<repo>`` body (type s3: bucket, region, role_arn, SSE-S3, base_path,
readonly). Pure: nothing here talks to the domain."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from snapshot_sentinel import errors

RESERVED_PREFIX = "cs-"
_FORBIDDEN_NAME_CHARACTERS = frozenset('\\/*?"<>|, #')


@dataclass(frozen=True)
class RepositoryRegistration:
    """The repository CloudFormation asks for, from the custom resource's properties."""

    repository: str
    bucket: str
    region: str
    role_arn: str
    base_path: str = ""
    read_only: bool = False

    @classmethod
    def from_properties(cls, properties: Mapping[str, Any]) -> RepositoryRegistration:
        name = str(properties.get("RepositoryName", "")).strip()
        check_repository_name(name)
        missing = [key for key in ("Bucket", "Region", "RoleArn") if not str(properties.get(key, "")).strip()]
        if missing:
            raise errors.InvalidRegistrationError(
                f"the SnapshotRepository resource lacks {', '.join(missing)}; template.yaml sets them"
            )
        read_only = str(properties.get("ReadOnly", "false")).strip().lower()
        if read_only not in ("true", "false"):
            raise errors.InvalidRegistrationError(f'ReadOnly must be "true" or "false", got {read_only!r}')
        return cls(
            repository=name,
            bucket=str(properties["Bucket"]).strip(),
            region=str(properties["Region"]).strip(),
            role_arn=str(properties["RoleArn"]).strip(),
            base_path=str(properties.get("BasePath", "")).strip().strip("/"),
            read_only=read_only == "true",
        )

    def settings(self) -> dict[str, Any]:
        """The s3 settings of the AWS guide, ``region`` for every region (us-east-1 included, where
        the guide needs no ``endpoint``), with server-side encryption (SSE-S3)."""
        settings: dict[str, Any] = {
            "bucket": self.bucket,
            "region": self.region,
            "role_arn": self.role_arn,
            "server_side_encryption": True,
        }
        if self.base_path:
            settings["base_path"] = self.base_path
        if self.read_only:
            settings["readonly"] = True
        return settings

    def body(self) -> dict[str, Any]:
        return {"type": "s3", "settings": self.settings()}

    def where(self) -> str:
        return f"s3://{self.bucket}/{self.base_path}".rstrip("/")

    def elsewhere(self, registered: Mapping[str, Any] | None) -> str | None:
        """Where ``registered`` keeps its snapshots, when that is not this registration's bucket and
        base path; None when nothing is registered or it is the same place."""
        if not registered:
            return None
        settings = registered.get("settings") or {}
        kind = str(registered.get("type", ""))
        if kind != "s3":
            return f"a repository of type {kind or 'unknown'} ({', '.join(f'{k}={v}' for k, v in settings.items())})"
        bucket = str(settings.get("bucket", ""))
        base_path = str(settings.get("base_path", "")).strip("/")
        if bucket == self.bucket and base_path == self.base_path:
            return None
        return f"s3://{bucket}/{base_path}".rstrip("/")

    def matches(self, registered: Mapping[str, Any] | None) -> bool:
        """Whether the domain already holds this registration (its settings echo as strings)."""
        if not registered or registered.get("type") != "s3":
            return False
        return _comparable(registered.get("settings") or {}) == _comparable(self.settings())


def _comparable(settings: Mapping[str, Any]) -> dict[str, str]:
    as_text = {key: str(value).lower() if isinstance(value, bool) else str(value) for key, value in settings.items()}
    # An explicit false is the default: "readonly": "false" and no readonly at all are the same.
    return {key: value for key, value in as_text.items() if value != "false"}


def check_repository_name(name: str) -> None:
    """Refuse, before any request, a name the domain would refuse or that Amazon reserves."""
    if not name:
        raise errors.InvalidRegistrationError("RepositoryName is empty")
    if name.lower().startswith(RESERVED_PREFIX):
        raise errors.InvalidRegistrationError(
            f"RepositoryName {name!r} starts with {RESERVED_PREFIX!r}, which Amazon reserves for its automated "
            "snapshot repositories (cs-automated, cs-automated-enc); choose another name, such as nightly-backups"
        )
    bad = sorted({ch for ch in name if ch in _FORBIDDEN_NAME_CHARACTERS or ch.isspace()})
    if bad or name.startswith("_"):
        raise errors.InvalidRegistrationError(
            f"RepositoryName {name!r} is not a valid repository name: it must not start with '_' nor contain "
            f'whitespace or any of \\ / * ? " < > | , # (found {"".join(bad) or "_"})'
        )
