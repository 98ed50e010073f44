"""Restore: ``POST _snapshot/{repository}/{snapshot}/_restore``.

Follows OpenSearch's RestoreService in its order of checks, with its texts: the snapshot must exist and
be restorable, the indices are chosen like SnapshotUtils.filterIndices (names, ``*``, ``-`` exclusions),
renamed with the Java regex pair, then per index: "wasn't fully snapshotted" without ``partial``,
settings that cannot change, a new name must be valid and fit under the shard limit
(ShardLimitValidator, 400 validation_exception), an existing index must be closed with the same shard
count; and no restored index may be named like a restored alias. Nothing changes unless every check
passes. A restored index is recreated from the snapshot's copy (documents, count, mapping, settings,
aliases) and recovers shard by shard (see indices.RecoveryProgress); ``wait_for_completion=true``
answers when recovery ended, with the failed shards counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from tests.emulator import allocation
from tests.emulator.actions import endpoint
from tests.emulator.actions.indices import flat_index_settings
from tests.emulator.actions.restore_names import filter_indices, rename
from tests.emulator.engine import Cluster
from tests.emulator.indices import IndexRecord, IndexSnapshot
from tests.emulator.model import FAILED, SnapshotRecord, new_uuid
from tests.emulator.responses import ApiError, Reply, engine_error
from tests.emulator.routing import Call, Route

_BODY_KEYS = {
    "indices",
    "ignore_unavailable",
    "allow_no_indices",
    "expand_wildcards",
    "partial",
    "include_global_state",
    "include_aliases",
    "rename_pattern",
    "rename_replacement",
    "index_settings",
    "ignore_index_settings",
}
_UNMODIFIABLE = {
    "index.number_of_shards",
    "index.version.created",
    "index.uuid",
    "index.creation_date",
    "index.history.uuid",
}
_UNREMOVABLE = _UNMODIFIABLE | {"index.number_of_replicas", "index.auto_expand_replicas", "index.version.upgraded"}


@dataclass
class _Planned:
    source: str
    target: str
    contents: IndexSnapshot
    settings: dict[str, str]
    replicas: int
    partial: bool
    existing: IndexRecord | None


class RestoreActions:
    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster

    def routes(self) -> list[Route]:
        restore = endpoint(self.cluster, self._restore, "wait_for_completion", body=True)
        return [Route("/_snapshot/{repository}/{snapshot}/_restore", {"POST": restore})]

    def body_keys(self) -> set[str]:
        keys = set(_BODY_KEYS)
        if self.cluster.is_opensearch:
            version = self.cluster.version_tuple[:2]
            if version >= (2, 7):
                keys.add("storage_type")
            if version >= (2, 10):
                keys.add("source_remote_store_repository")
            if version >= (2, 18):
                keys |= {"rename_alias_pattern", "rename_alias_replacement"}
        return keys

    # ------------------------------------------------------------------ the request

    def _restore(self, call: Call) -> Reply:
        repo = call.params["repository"]
        name = call.params["snapshot"]
        self.cluster.require_repository(repo)
        body = call.body if call.body is not None else {}
        if not isinstance(body, dict):
            raise engine_error(400, "parse_exception", "Failed to derive xcontent")
        for key in body:
            if key not in self.body_keys():
                raise engine_error(400, "illegal_argument_exception", f"Unknown parameter {key}")
        record = self.cluster.snapshots_by_repo[repo].get(name)
        if record is None or record.running:
            raise engine_error(500, "snapshot_restore_exception", f"[{repo}:{name}] snapshot does not exist")
        snap = f"{repo}:{name}/{record.uuid}"
        if record.state == FAILED:
            raise restore_error(snap, "unsupported snapshot state [FAILED]")
        if record.engine == self.cluster.engine and _version(record.version) > _version(self.cluster.version):
            # RestoreService.validateSnapshotRestorable: a node never reads a snapshot of a newer version.
            product = "OpenSearch" if self.cluster.engine == "opensearch" else "Elasticsearch"
            raise restore_error(
                snap,
                f"the snapshot was created with {product} version [{record.version}] which is higher than the "
                f"version of this node [{self.cluster.version}]",
            )
        selected = self._select(record, body)
        renamed: dict[str, str] = {}
        for source in selected:
            target = rename(source, body.get("rename_pattern"), body.get("rename_replacement"))
            if target in renamed:
                raise restore_error(
                    f"{repo}:{name}",
                    f"indices [{source}] and [{renamed[target]}] are renamed into the same index [{target}]",
                )
            renamed[target] = source
        partial = _flag(body.get("partial"))
        include_aliases = body.get("include_aliases", True) is not False and body.get("include_aliases") != "false"
        plans = [self._plan(record, snap, target, source, body, partial) for target, source in renamed.items()]
        restored_aliases = {
            self._alias_name(alias, body)
            for plan in plans
            if include_aliases or plan.existing is not None
            for alias in plan.contents.aliases
        }
        for plan in plans:
            if plan.target in restored_aliases:
                raise restore_error(
                    snap,
                    f"cannot rename index [{plan.source}] into [{plan.target}] because of conflict with an alias "
                    "with the same name",
                )
        failed = 0
        restore_uuid = new_uuid()
        wait = call.flag("wait_for_completion", False)
        created: list[IndexRecord] = []
        for plan in plans:
            index, ignored = self._apply(record, plan, restore_uuid, include_aliases, body)
            failed += ignored
            created.append(index)
        for index in created:
            if wait or (self.cluster.recovery.polls == 0 and not self.cluster.recovery.seconds):
                self.cluster.settle(index)
        failed += sum(
            1 for index in created for c in index.copies if c.primary and c.unassigned_reason == "ALLOCATION_FAILED"
        )
        if not wait:
            return Reply.json(200, {"accepted": True})
        total = sum(plan.contents.shards for plan in plans)
        return Reply.json(
            200,
            {
                "snapshot": {
                    "snapshot": name,
                    "indices": list(renamed),
                    "shards": {"total": total, "failed": failed, "successful": total - failed},
                }
            },
        )

    def _select(self, record: SnapshotRecord, body: dict[str, Any]) -> list[str]:
        spec = body.get("indices")
        if spec is None:
            tokens: list[str] = []
        elif isinstance(spec, str):
            tokens = [t.strip() for t in spec.split(",")]
        elif isinstance(spec, list) and all(isinstance(t, str) for t in spec):
            tokens = list(spec)
        else:
            raise engine_error(
                400, "illegal_argument_exception", "malformed indices section, should be an array of strings"
            )
        return filter_indices(
            list(record.indices),
            tokens,
            ignore_unavailable=_flag(body.get("ignore_unavailable")),
            allow_no_indices=body.get("allow_no_indices", True) is not False,
        )

    # ------------------------------------------------------------------ per index

    def _plan(
        self, record: SnapshotRecord, snap: str, target: str, source: str, body: dict[str, Any], partial: bool
    ) -> _Planned:
        contents = record.contents.get(source) or self.cluster.capture([source])[source]
        failed_here = any(f.index == source for f in record.failures)
        if failed_here and not partial:
            raise restore_error(snap, f"index [{source}] wasn't fully snapshotted - cannot restore")
        settings = self._settings(snap, contents, body)
        replicas = int(settings.pop("index.number_of_replicas", str(contents.replicas)))
        settings.pop("index.number_of_shards", None)
        existing = self.cluster.indices.get(target)
        if existing is None:
            self.cluster.validate_index_name(target)
            limit = self.cluster.shard_limit_error(target, contents.shards, replicas)
            if limit is not None:
                raise limit
        else:
            if existing.is_open:
                if not self.cluster.is_opensearch and self.cluster.version_tuple[0] <= 6:
                    raise restore_error(snap, f"cannot restore index [{target}] because it's open")
                raise restore_error(
                    snap,
                    f"cannot restore index [{target}] because an open index with same name already exists in the "
                    "cluster. Either close or delete the existing index or restore the index under a different name "
                    "by providing a rename pattern and replacement name",
                )
            if failed_here:
                raise restore_error(snap, f"cannot restore partial index [{target}] because such index already exists")
            if existing.shards != contents.shards:
                raise restore_error(
                    snap,
                    f"cannot restore index [{target}] with [{existing.shards}] shards from a snapshot of index "
                    f"[{source}] with [{contents.shards}] shards",
                )
        return _Planned(source, target, contents, settings, replicas, failed_here, existing)

    def _settings(self, snap: str, contents: IndexSnapshot, body: dict[str, Any]) -> dict[str, str]:
        """RestoreService.updateIndexSettings: drop ``ignore_index_settings``, then apply ``index_settings``."""
        changes = body.get("index_settings") or {}
        if not isinstance(changes, dict):
            raise engine_error(400, "illegal_argument_exception", "malformed index_settings section")
        ignored = body.get("ignore_index_settings") or []
        if isinstance(ignored, str):
            ignored = [i for i in ignored.split(",") if i]
        settings = {
            "index.number_of_shards": str(contents.shards),
            "index.number_of_replicas": str(contents.replicas),
            **contents.settings,
        }
        for key in ignored:
            if "*" not in key and key in _UNREMOVABLE:
                raise restore_error(snap, f"cannot remove setting [{key}] on restore")
        settings = {
            k: v
            for k, v in settings.items()
            if k in _UNREMOVABLE or not any(k == i or ("*" in i and fnmatchcase(k, i)) for i in ignored)
        }
        for key, value in flat_index_settings(changes).items():
            if key in _UNMODIFIABLE:
                raise restore_error(snap, f"cannot modify setting [{key}] on restore")
            settings[key] = value
        return settings

    def _alias_name(self, alias: str, body: dict[str, Any]) -> str:
        if "rename_alias_pattern" in self.body_keys():
            return rename(alias, body.get("rename_alias_pattern"), body.get("rename_alias_replacement"))
        return alias

    def _apply(
        self, record: SnapshotRecord, plan: _Planned, restore_uuid: str, include_aliases: bool, body: dict[str, Any]
    ) -> tuple[IndexRecord, int]:
        """Create (or replace the closed) target index from the snapshot; returns it and its ignored shards."""
        contents = plan.contents
        index = IndexRecord(
            name=plan.target,
            shards=contents.shards,
            replicas=plan.replicas,
            created=contents.created,
            uuid=plan.existing.uuid if plan.existing is not None else new_uuid(),
        )
        index.mapping = dict(contents.mapping)
        index.settings = dict(plan.settings)
        index.documents = [dict(d) for d in contents.documents]
        index.doc_count = contents.doc_count
        index.operations = contents.operations  # a restored shard keeps the snapshot commit's max_seq_no
        if contents.doc_count:
            index.doc_bytes = max(1, contents.store_bytes // contents.doc_count)
        if include_aliases:
            index.aliases = {self._alias_name(a, body): dict(spec) for a, spec in contents.aliases.items()}
        elif plan.existing is not None:
            index.aliases = dict(plan.existing.aliases)
        ignored = sorted({f.shard_id for f in record.failures if f.index == plan.source}) if plan.partial else []
        if ignored:
            kept = contents.shards - len(ignored)
            index.doc_count = contents.doc_count * kept // contents.shards
            index.documents = index.documents[: index.doc_count]
        self.cluster.indices[plan.target] = index
        failures = {
            shard: reason
            for (name, shard), reason in self.cluster.pending_recovery_failures.items()
            if name == plan.target and shard < index.shards
        }
        for shard in failures:
            del self.cluster.pending_recovery_failures[(plan.target, shard)]
        allocation.allocate(
            index,
            self.cluster.nodes,
            self.cluster.clock(),
            recovery_type="SNAPSHOT",
            source={
                "repository": record.repository,
                "snapshot": record.name,
                "version": record.version or self.cluster.version,
                "index": plan.source,
                "restore_uuid": restore_uuid,
            },
            polls=self.cluster.recovery.polls,
            seconds=self.cluster.recovery.seconds,
            reason="EXISTING_INDEX_RESTORED" if plan.existing is not None else "NEW_INDEX_RESTORED",
            failures=failures,
        )
        for copy_ in index.copies:
            if copy_.primary and copy_.shard in ignored and copy_.recovery is not None:
                copy_.recovery.type = "EMPTY_STORE"
                copy_.recovery.source = {}
                copy_.polls_left = 0
        return index, len(ignored)


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("-")[0].split(".") if part.isdigit())


def restore_error(snapshot: str, message: str) -> ApiError:
    return engine_error(500, "snapshot_restore_exception", f"[{snapshot}] {message}")


def _flag(value: Any) -> bool:
    return value is True or value == "true"
