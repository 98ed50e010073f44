"""Indices: the engine's index name rules (MetadataCreateIndexService.validateIndexName), creating an
index with all its shards placed, and the error for reading a closed one."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any

from tests.emulator import allocation
from tests.emulator.engine.expressions import ExpressionArea
from tests.emulator.engine.nodes import NodeArea
from tests.emulator.formats import as_setting
from tests.emulator.indices import OPEN, IndexRecord
from tests.emulator.responses import ApiError, engine_error

INVALID_FILENAME_CHARS = '[ , ", *, \\, <, |, ,, >, /, ?]'
INVALID_NAME_CHARS = set('\\/*?"<>| ,')


class IndexArea(ExpressionArea, NodeArea):
    """Index names, creation and the closed-index error, on the cluster's state."""

    @staticmethod
    def invalid_index_name(name: str, why: str) -> ApiError:
        return engine_error(
            400, "invalid_index_name_exception", f"Invalid index name [{name}], {why}", index_uuid="_na_", index=name
        )

    def validate_index_name(self, name: str) -> None:
        """MetadataCreateIndexService.validateIndexName, in the engine's order."""
        if any(ch in INVALID_NAME_CHARS for ch in name):
            raise self.invalid_index_name(name, f"must not contain the following characters {INVALID_FILENAME_CHARS}")
        if "#" in name:
            raise self.invalid_index_name(name, "must not contain '#'")
        if ":" in name:
            raise self.invalid_index_name(name, "must not contain ':'")
        if name[:1] in ("_", "-", "+"):
            raise self.invalid_index_name(name, "must not start with '_', '-', or '+'")
        size = len(name.encode())
        if size > 255:
            raise self.invalid_index_name(name, f"index name is too long, ({size} > 255)")
        if name in (".", ".."):
            raise self.invalid_index_name(name, "must not be '.' or '..'")
        if name.lower() != name:
            raise self.invalid_index_name(name, "must be lowercase")
        if name in self.indices:
            record = self.indices[name]
            raise engine_error(
                400,
                "resource_already_exists_exception",
                f"index [{name}/{record.uuid}] already exists",
                index_uuid=record.uuid,
                index=name,
            )
        if self.alias_exists(name):
            raise self.invalid_index_name(name, "already exists as alias")

    def create_index(
        self,
        name: str,
        *,
        shards: int = 1,
        replicas: int = 1,
        docs: int = 0,
        doc_bytes: int | None = None,
        documents: Iterable[Mapping[str, Any]] = (),
        mapping: Mapping[str, Any] | None = None,
        aliases: Iterable[str] | Mapping[str, Mapping[str, Any]] = (),
        settings: Mapping[str, Any] | None = None,
        state: str = OPEN,
    ) -> IndexRecord:
        """Create an index whose shards are all active (seeding, ``PUT /<index>``); no checks here."""
        record = IndexRecord(name=name, shards=shards, replicas=replicas, created=self.clock(), state=state)
        if doc_bytes is not None:
            record.doc_bytes = doc_bytes
        record.mapping = copy.deepcopy(dict(mapping)) if mapping else {}
        record.settings = {k: as_setting(v) for k, v in (settings or {}).items()}
        if isinstance(aliases, Mapping):
            record.aliases = {alias: dict(spec) for alias, spec in aliases.items()}
        else:
            record.aliases = {alias: {} for alias in aliases}
        for doc in documents:
            source = dict(doc)
            doc_id = source.pop("_id", None)
            record.add_document(source, None if doc_id is None else str(doc_id))
        record.add_generated(max(0, docs - record.doc_count))
        self.indices[name] = record
        allocation.allocate(
            record, self.nodes, self.clock(), recovery_type="EMPTY_STORE", source={}, polls=0, reason="INDEX_CREATED"
        )
        required = record.settings.get("index.routing.allocation.require._name")
        if required is not None and required not in {name for _, name in self.nodes}:
            allocation.unassign(record, self.clock(), reason="INDEX_CREATED")
        self.settle(record)
        return record

    def index_closed(self, record: IndexRecord) -> ApiError:
        return engine_error(400, "index_closed_exception", "closed", index_uuid=record.uuid, index=record.name)
