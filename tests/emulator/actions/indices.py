"""Indices: create, get, exists, delete, close, open, mapping (``/{index}``), and ``_cat/indices``.

Bodies and errors follow OpenSearch's RestCreateIndexAction, RestGetIndicesAction, RestDeleteIndexAction,
RestCloseIndexAction / RestOpenIndexAction, RestGetMappingAction and RestIndicesAction (``_cat``);
name rules and error texts follow MetadataCreateIndexService.validateIndexName.
"""

from __future__ import annotations

from typing import Any

from tests.emulator.actions import endpoint
from tests.emulator.actions.cat import CAT_PARAMS, cat_table
from tests.emulator.engine import Cluster
from tests.emulator.formats import is_pattern, millis
from tests.emulator.indices import CLOSE, OPEN, IndexRecord, cat_bytes
from tests.emulator.responses import ApiError, Reply, engine_error
from tests.emulator.routing import Call, Route

INDICES_OPTIONS = ("ignore_unavailable", "allow_no_indices", "expand_wildcards")
_CAT_INDICES_COLUMNS: dict[str, tuple[str, ...]] = {
    "health": ("h",),
    "status": ("s",),
    "index": ("i", "idx"),
    "uuid": ("id", "uuid"),
    "pri": ("p", "shards.primary", "shardsPrimary"),
    "rep": ("r", "shards.replica", "shardsReplica"),
    "docs.count": ("dc", "docsCount"),
    "docs.deleted": ("dd", "docsDeleted"),
    "creation.date": ("cd",),
    "creation.date.string": ("cds",),
    "store.size": ("ss", "storeSize"),
    "pri.store.size": (),
}
_CAT_INDICES_HIDDEN = {"creation.date", "creation.date.string"}


class IndexActions:
    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster

    def routes(self) -> list[Route]:
        c = self.cluster
        get = endpoint(c, self._get, "local", "flat_settings", "include_defaults", *INDICES_OPTIONS)
        cat_params = (*CAT_PARAMS, "health", "pri", "local", "include_unloaded_segments", *INDICES_OPTIONS)
        cat = endpoint(c, self._cat_indices, *cat_params)
        return [
            Route(
                "/{index}",
                {
                    "PUT": endpoint(c, self._create, "wait_for_active_shards", "timeout", body=True),
                    "GET": get,
                    "HEAD": endpoint(c, self._exists, "local", "flat_settings", "include_defaults", *INDICES_OPTIONS),
                    "DELETE": endpoint(c, self._delete, "timeout", *INDICES_OPTIONS),
                },
            ),
            Route(
                "/{index}/_close",
                {"POST": endpoint(c, self._close, "timeout", "wait_for_active_shards", *INDICES_OPTIONS)},
            ),
            Route(
                "/{index}/_open",
                {"POST": endpoint(c, self._open, "timeout", "wait_for_active_shards", *INDICES_OPTIONS)},
            ),
            Route("/_mapping", {"GET": endpoint(c, self._mapping, "local", *INDICES_OPTIONS)}),
            Route("/{index}/_mapping", {"GET": endpoint(c, self._mapping, "local", *INDICES_OPTIONS)}),
            Route("/_cat/indices", {"GET": cat}),
            Route("/_cat/indices/{index}", {"GET": cat}),
        ]

    # ------------------------------------------------------------------ create

    def _create(self, call: Call) -> Reply:
        name = call.params["index"]
        body = call.body if call.body is not None else {}
        if not isinstance(body, dict):
            raise engine_error(400, "parse_exception", "Failed to derive xcontent")
        settings = flat_index_settings(body.get("settings") or {})
        shards = int(settings.pop("index.number_of_shards", "1"))
        replicas = int(settings.pop("index.number_of_replicas", "1"))
        self.cluster.validate_index_name(name)
        limit = self.cluster.shard_limit_error(name, shards, replicas)
        if limit is not None:
            raise limit
        aliases = body.get("aliases") or {}
        for alias in aliases:
            if alias in self.cluster.indices:
                raise self.cluster.invalid_index_name(
                    alias, "an index or data stream exists with the same name as the alias"
                )
        self.cluster.create_index(
            name,
            shards=shards,
            replicas=replicas,
            mapping=body.get("mappings") or {},
            aliases={alias: dict(spec or {}) for alias, spec in aliases.items()},
            settings=settings,
        )
        return Reply.json(200, {"acknowledged": True, "shards_acknowledged": True, "index": name})

    # ------------------------------------------------------------------ get, exists

    def _resolve(self, call: Call, *, expand: str = "open") -> list[IndexRecord]:
        return self.cluster.resolve(
            call.params.get("index"),
            ignore_unavailable=call.flag("ignore_unavailable", False),
            allow_no_indices=call.flag("allow_no_indices", True),
            expand=call.query.get("expand_wildcards", expand),
        )

    def _get(self, call: Call) -> Reply:
        flat = call.flag("flat_settings", False)
        records = self._resolve(call, expand="all")
        return Reply.json(200, {r.name: self.index_view(r, flat=flat) for r in sorted(records, key=lambda r: r.name)})

    def _exists(self, call: Call) -> Reply:
        try:
            records = self._resolve(call, expand="all")
        except ApiError:  # HEAD answers 404 with no body for a missing index
            return Reply(404)
        return Reply(200 if records else 404)

    def index_view(self, record: IndexRecord, *, flat: bool) -> dict[str, Any]:
        settings = {
            "index.creation_date": str(millis(record.created)),
            "index.number_of_replicas": str(record.replicas),
            "index.number_of_shards": str(record.shards),
            "index.provided_name": record.name,
            "index.uuid": record.uuid,
            "index.version.created": str(self.cluster.version_id),
            **record.settings,
        }
        if record.state == CLOSE:
            settings["index.verified_before_close"] = "true"
        return {
            "aliases": {alias: dict(spec) for alias, spec in sorted(record.aliases.items())},
            "mappings": dict(record.mapping),
            "settings": settings if flat else nest(settings),
        }

    # ------------------------------------------------------------------ delete

    def _delete(self, call: Call) -> Reply:
        expression = call.params["index"]
        if self.cluster.setting("action.destructive_requires_name") == "true":
            for token in expression.split(","):
                if token in ("_all", "*") or (is_pattern(token) and not token.startswith("-")):
                    raise engine_error(
                        400, "illegal_argument_exception", "Wildcard expressions or all indices are not allowed"
                    )
        records = self._resolve(call, expand="all")
        for token in expression.split(","):
            if token and token in self.cluster.aliases() and token not in self.cluster.indices:
                raise engine_error(
                    400,
                    "illegal_argument_exception",
                    f"The provided expression [{token}] matches an alias, specify the corresponding concrete indices "
                    "instead.",
                )
        copied = {name for snapshot in self.cluster.running() for name in snapshot.indices}
        busy = [r for r in records if r.name in copied]
        if busy:
            listed = ", ".join(f"[{r.name}/{r.uuid}]" for r in busy)
            raise engine_error(
                400,
                "snapshot_in_progress_exception",
                f"Cannot delete indices that are being snapshotted: [{listed}]. Try again after snapshot finishes "
                "or cancel the currently running snapshot.",
            )
        for record in records:
            del self.cluster.indices[record.name]
        return Reply.json(200, {"acknowledged": True})

    # ------------------------------------------------------------------ close, open

    def _close(self, call: Call) -> Reply:
        records = self._resolve(call)
        copied = {name for snapshot in self.cluster.running() for name in snapshot.indices}
        busy = [r for r in records if r.name in copied and r.is_open]
        if busy:  # MetadataIndexStateService.addIndexClosedBlocks
            listed = ", ".join(f"[{r.name}/{r.uuid}]" for r in busy)
            raise engine_error(
                400,
                "snapshot_in_progress_exception",
                f"Cannot close indices that are being snapshotted: [{listed}]. Try again after snapshot finishes "
                "or cancel the currently running snapshot.",
            )
        result: dict[str, Any] = {}
        for record in records:
            record.state = CLOSE
            result[record.name] = {"closed": True}
        return Reply.json(200, {"acknowledged": True, "shards_acknowledged": True, "indices": result})

    def _open(self, call: Call) -> Reply:
        records = self._resolve(call, expand="closed")
        closed = [r for r in records if r.state == CLOSE]
        adding = sum(r.total_shards for r in closed if not r.name.startswith("."))
        if closed and adding:
            limit = self.cluster.shard_limit_error(closed[0].name, adding, 0)
            if limit is not None:
                raise limit
        for record in closed:
            record.state = OPEN
        return Reply.json(200, {"acknowledged": True, "shards_acknowledged": True})

    # ------------------------------------------------------------------ mapping

    def _mapping(self, call: Call) -> Reply:
        records = self._resolve(call, expand="all")
        return Reply.json(200, {r.name: {"mappings": dict(r.mapping)} for r in sorted(records, key=lambda r: r.name)})

    # ------------------------------------------------------------------ _cat/indices

    def _cat_indices(self, call: Call) -> Reply:
        records = self._resolve(call, expand="all")
        self.cluster.poll(records)
        unit = call.query.get("bytes")
        wanted_health = call.query.get("health")
        rows = []
        for record in sorted(records, key=lambda r: r.name):
            health = record.health()
            if wanted_health and health != wanted_health:
                continue
            active = sum(1 for c in record.copies if c.state == "STARTED")
            active_primaries = sum(1 for c in record.copies if c.primary and c.state == "STARTED")
            per_shard = record.store_bytes // max(record.shards, 1)
            opened = record.is_open and active_primaries > 0  # no stats without an active primary
            docs = record.doc_count * active_primaries // max(record.shards, 1)
            rows.append(
                {
                    "health": health,
                    "status": record.state,
                    "index": record.name,
                    "uuid": record.uuid,
                    "pri": str(record.shards),
                    "rep": str(record.replicas),
                    "docs.count": str(docs) if opened else None,
                    "docs.deleted": "0" if opened else None,
                    "creation.date": str(millis(record.created)),
                    "creation.date.string": record.created.strftime("%Y-%m-%dT%H:%M:%S.")
                    + f"{record.created.microsecond // 1000:03d}Z",
                    "store.size": cat_bytes(per_shard * active, unit) if opened else None,
                    "pri.store.size": cat_bytes(per_shard * active_primaries, unit) if opened else None,
                }
            )
        return cat_table(call, rows, _CAT_INDICES_COLUMNS, hidden=_CAT_INDICES_HIDDEN)


def flat_index_settings(settings: dict[str, Any]) -> dict[str, str]:
    """Index settings in the engine's normalized flat form: ``index.``-prefixed dotted keys, string values."""
    flat: dict[str, str] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, child in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), child)
        else:
            flat[prefix if prefix.startswith("index.") else f"index.{prefix}"] = (
                ("true" if value else "false") if isinstance(value, bool) else str(value)
            )

    walk("", settings)
    return flat


def nest(flat: dict[str, str]) -> dict[str, Any]:
    """``{"index.number_of_shards": "1"}`` -> ``{"index": {"number_of_shards": "1"}}``."""
    tree: dict[str, Any] = {}
    for key, value in sorted(flat.items()):
        node = tree
        parts = key.split(".")
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        node[parts[-1]] = value
    return tree
