"""Snapshot repositories: registering one (seeded or over HTTP) on its bucket and base path in the S3
store, verification and its injected failures, and the engine's errors about repositories."""

from __future__ import annotations

from typing import Any

from tests.emulator.engine.state import ClusterState
from tests.emulator.formats import as_setting
from tests.emulator.model import new_uuid
from tests.emulator.responses import ApiError, cause, engine_error


class RepositoryArea(ClusterState):
    """Repositories, on the cluster's state."""

    def register_repository(
        self,
        name: str,
        *,
        bucket: str | None = None,
        readonly: bool = False,
        type: str = "s3",
        **settings: Any,
    ) -> None:
        """Register a repository directly (no HTTP); settings are stored as the API echoes them."""
        all_settings = dict(settings)
        if bucket is not None:
            all_settings["bucket"] = bucket
        if readonly:
            all_settings["readonly"] = True
        if type == "s3" and "bucket" not in all_settings:
            raise ValueError("an s3 repository needs a bucket")
        with self.lock:
            self.repositories[name] = {
                "type": type,
                "settings": {k: as_setting(v) for k, v in all_settings.items()},
                "readonly": readonly,
            }
            self.bind_repository(name)

    def bind_repository(self, name: str) -> None:
        """Point a (re-)registered repository at its bucket and base_path in the S3 store."""
        registration = self.repositories[name]
        settings = registration.get("settings") or {}
        container = settings.get("bucket") if registration["type"] == "s3" else settings.get("location")
        if container:
            self.snapshots_by_repo[name] = self.s3.snapshots(
                registration["type"], container, settings.get("base_path", "")
            )
        else:
            self.snapshots_by_repo.setdefault(name, {})

    def delete_repository(self, name: str) -> None:
        """Unregister a repository directly (no HTTP); its snapshots are forgotten with it."""
        with self.lock:
            self.repositories.pop(name, None)
            self.snapshots_by_repo.pop(name, None)

    def fail_repository_verification(
        self, reason: str | None, *, cause_type: str = "amazon_s3_exception", times: int | None = None
    ) -> None:
        """Make repository verification fail with ``reason`` as the S3/STS cause.

        Every verification fails (``PUT _snapshot/<repo>`` with verify, ``POST .../_verify``), like a
        bucket the role cannot reach, until ``times`` verifications failed or ``reason`` is None.
        """
        with self.lock:
            self.verification_failure = (cause_type, reason) if reason else None
            self.verification_failures_left = times

    def repository(self, name: str) -> dict[str, Any] | None:
        """The registration as ``GET _snapshot/<name>`` shows it, or None."""
        with self.lock:
            registration = self.repositories.get(name)
            return self.repository_view(registration) if registration else None

    @staticmethod
    def repository_view(registration: dict[str, Any]) -> dict[str, Any]:
        view: dict[str, Any] = {"type": registration["type"]}
        if registration["settings"] is not None:
            view["settings"] = dict(registration["settings"])
        return view

    @staticmethod
    def repository_missing(name: str) -> ApiError:
        return engine_error(404, "repository_missing_exception", f"[{name}] missing")

    def require_repository(self, name: str) -> dict[str, Any]:
        registration = self.repositories.get(name)
        if registration is None:
            raise self.repository_missing(name)
        return registration

    def repository_in_use(self, name: str) -> bool:
        return any(r.running for r in self.snapshots_by_repo.get(name, {}).values())

    @staticmethod
    def in_use() -> ApiError:
        return engine_error(
            500,
            "illegal_state_exception",
            "trying to modify or unregister repository that is currently used ",
        )

    def verify(self, name: str) -> None:
        if self.verification_failure is None:
            return
        cause_type, reason = self.verification_failure
        if self.verification_failures_left is not None:
            self.verification_failures_left -= 1
            if self.verification_failures_left <= 0:
                self.verification_failure = None
        settings = self.repositories[name]["settings"] or {}
        base_path = "".join(f"[{part}]" for part in settings.get("base_path", "").split("/") if part)
        prefix = settings.get("base_path", "").strip("/")
        blob = f"{prefix}/tests-{new_uuid()}/master.dat" if prefix else f"tests-{new_uuid()}/master.dat"
        inner = cause(
            "i_o_exception", f"Unable to upload object [{blob}] using a single upload", cause(cause_type, reason)
        )
        raise engine_error(
            500,
            "repository_verification_exception",
            f"[{name}] path {base_path} is not accessible on {self.cluster_manager} node",
            caused_by=inner,
        )
