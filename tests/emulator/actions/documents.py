"""Documents: ``_doc`` index/get, ``_bulk`` (index and create), ``_count`` and ``_search``.

Enough to seed and check documents: an index keeps its document count and a sample of its documents
(the first ``SAMPLE_LIMIT``). ``match_all`` counts everything; ``term``, ``match`` and ``ids`` are
evaluated on the sample only. A shard whose primary is not active fails in ``_shards`` (its share of the
documents is missing); all of them -> 503 ``search_phase_execution_exception`` "all shards failed".
Bodies follow OpenSearch's IndexResponse, BulkResponse, CountResponse and SearchResponse.
"""

from __future__ import annotations

import json
from typing import Any

from tests.emulator.actions import endpoint
from tests.emulator.actions.indices import INDICES_OPTIONS
from tests.emulator.engine import Cluster
from tests.emulator.indices import STARTED, IndexRecord
from tests.emulator.responses import ApiError, Reply, engine_error
from tests.emulator.routing import Call, Route

_WRITE_PARAMS = ("refresh", "routing", "timeout", "wait_for_active_shards", "pipeline", "op_type", "version")
_SEARCH_PARAMS = (*INDICES_OPTIONS, "q", "size", "from", "track_total_hits", "routing", "preference", "timeout")
_TOTAL_HITS_LIMIT = 10_000


class DocumentActions:
    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster

    def routes(self) -> list[Route]:
        c = self.cluster
        put = endpoint(c, self._index, *_WRITE_PARAMS, body=True, timeouts=False)
        count = endpoint(c, self._count, *INDICES_OPTIONS, "q", "routing", "preference", body=True, timeouts=False)
        search = endpoint(c, self._search, *_SEARCH_PARAMS, body=True, timeouts=False)
        bulk = endpoint(c, self._bulk, *_WRITE_PARAMS, body="ndjson", timeouts=False)
        return [
            Route("/{index}/_doc", {"POST": put}),
            Route(
                "/{index}/_doc/{id}",
                {
                    "PUT": put,
                    "POST": put,
                    "GET": endpoint(c, self._get, "routing", "preference", "realtime", timeouts=False),
                },
            ),
            Route("/_bulk", {"POST": bulk, "PUT": bulk}),
            Route("/{index}/_bulk", {"POST": bulk, "PUT": bulk}),
            Route("/_count", {"GET": count, "POST": count}),
            Route("/{index}/_count", {"GET": count, "POST": count}),
            Route("/_search", {"GET": search, "POST": search}),
            Route("/{index}/_search", {"GET": search, "POST": search}),
        ]

    # ------------------------------------------------------------------ writes

    def _target(self, name: str) -> IndexRecord:
        """The index a write goes to; a missing one is created (action.auto_create_index)."""
        aliases = self.cluster.aliases()
        if name in aliases:
            if len(aliases[name]) != 1:
                raise engine_error(
                    400,
                    "illegal_argument_exception",
                    f"no write index is defined for alias [{name}]. The write index may be explicitly disabled using "
                    "is_write_index=false or the alias points to multiple indices without one being designated as a "
                    "write index",
                )
            name = aliases[name][0]
        record = self.cluster.indices.get(name)
        if record is None:
            self.cluster.validate_index_name(name)
            record = self.cluster.create_index(name)
        if not record.is_open:
            raise self.cluster.index_closed(record)
        return record

    def _write(self, record: IndexRecord, source: Any, doc_id: str | None) -> tuple[int, dict[str, Any]]:
        if not isinstance(source, dict):
            raise engine_error(400, "mapper_parsing_exception", "failed to parse")
        new_id, created = record.add_document(dict(source), doc_id)
        copies = len(record.copies)
        active = sum(1 for c in record.copies if c.state == STARTED)
        result = {
            "_index": record.name,
            "_id": new_id,
            "_version": 1 if created else 2,
            "result": "created" if created else "updated",
            "_shards": {
                "total": copies // max(record.shards, 1),
                "successful": max(1, active // max(record.shards, 1)),
                "failed": 0,
            },
            "_seq_no": record.doc_count - 1,
            "_primary_term": 1,
        }
        return (201 if created else 200), result

    def _index(self, call: Call) -> Reply:
        record = self._target(call.params["index"])
        status, result = self._write(record, call.body, call.params.get("id"))
        return Reply.json(status, result)

    def _get(self, call: Call) -> Reply:
        records = self.cluster.resolve(call.params["index"])
        record = records[0]
        for position, doc in enumerate(record.documents):
            if doc["_id"] == call.params["id"]:
                return Reply.json(
                    200,
                    {
                        "_index": record.name,
                        "_id": doc["_id"],
                        "_version": 1,
                        "_seq_no": position,
                        "_primary_term": 1,
                        "found": True,
                        "_source": doc["_source"],
                    },
                )
        return Reply.json(404, {"_index": record.name, "_id": call.params["id"], "found": False})

    def _bulk(self, call: Call) -> Reply:
        lines = [line for line in call.raw_body.decode("utf-8", "replace").split("\n") if line.strip()]
        if not call.raw_body.endswith(b"\n"):
            raise engine_error(
                400, "illegal_argument_exception", "The bulk request must be terminated by a newline [\\n]"
            )
        items: list[dict[str, Any]] = []
        errors = False
        position = 0
        while position < len(lines):
            try:
                action = json.loads(lines[position])
            except ValueError:
                raise engine_error(400, "json_parse_exception", "Unexpected character in bulk action") from None
            if not isinstance(action, dict) or len(action) != 1:
                raise engine_error(400, "illegal_argument_exception", "Malformed action/metadata line [1]")
            kind, meta = next(iter(action.items()))
            if kind not in ("index", "create"):
                raise engine_error(
                    400,
                    "illegal_argument_exception",
                    f"Malformed action/metadata line [{position + 1}], emulated: {kind}",
                )
            source = json.loads(lines[position + 1]) if position + 1 < len(lines) else None
            position += 2
            index = meta.get("_index") or call.params.get("index")
            try:
                record = self._target(str(index))
                status, result = self._write(record, source, meta.get("_id"))
                items.append({kind: {**result, "status": status}})
            except ApiError as error:
                errors = True
                document = error.reply.document() or {}
                items.append(
                    {
                        kind: {
                            "_index": index,
                            "_id": meta.get("_id"),
                            "status": error.reply.status,
                            "error": document.get("error"),
                        }
                    }
                )
        return Reply.json(200, {"took": len(items), "errors": errors, "items": items})

    # ------------------------------------------------------------------ reads

    def _readable(self, call: Call) -> list[IndexRecord]:
        records = self.cluster.resolve(
            call.params.get("index"),
            ignore_unavailable=call.flag("ignore_unavailable", False),
            allow_no_indices=call.flag("allow_no_indices", True),
            expand=call.query.get("expand_wildcards", "open"),
        )
        for record in records:
            if not record.is_open:
                raise self.cluster.index_closed(record)
        return records

    @staticmethod
    def _shards(records: list[IndexRecord]) -> tuple[dict[str, Any], list[IndexRecord]]:
        total = sum(r.shards for r in records)
        failed = sum(1 for r in records for c in r.copies if c.primary and c.state != STARTED)
        if total and failed == total:
            raise engine_error(
                503,
                "search_phase_execution_exception",
                "all shards failed",
                root_cause=[],
                phase="query",
                grouped=True,
                failed_shards=[],
            )
        stats = {"total": total, "successful": total - failed, "skipped": 0, "failed": failed}
        return stats, records

    @staticmethod
    def _visible_count(record: IndexRecord) -> int:
        """Documents of the shards whose primary is active."""
        active = sum(1 for c in record.copies if c.primary and c.state == STARTED)
        return record.doc_count * active // max(record.shards, 1)

    def _query(self, call: Call) -> Any:
        body = call.body if isinstance(call.body, dict) else {}
        query = body.get("query")
        if query is None and call.query.get("q"):
            field, _, value = call.query["q"].partition(":")
            query = {"match": {field: value}} if value else {"match_all": {}}
        return query or {"match_all": {}}

    def _count(self, call: Call) -> Reply:
        shards, records = self._shards(self._readable(call))
        query = self._query(call)
        if "match_all" in query:
            count = sum(self._visible_count(r) for r in records)
        else:
            count = sum(1 for r in records for doc in r.documents if _matches(query, doc))
        return Reply.json(200, {"count": count, "_shards": shards})

    def _search(self, call: Call) -> Reply:
        shards, records = self._shards(self._readable(call))
        body = call.body if isinstance(call.body, dict) else {}
        query = self._query(call)
        size = int(call.query.get("size") or body.get("size") or 10)
        start = int(call.query.get("from") or body.get("from") or 0)
        hits = [(r, doc) for r in records for doc in r.documents if _matches(query, doc)]
        total = sum(self._visible_count(r) for r in records) if "match_all" in query else len(hits)
        track = call.query.get("track_total_hits", body.get("track_total_hits", True))
        relation = "eq"
        if track not in (True, "true") and total > _TOTAL_HITS_LIMIT:
            total, relation = _TOTAL_HITS_LIMIT, "gte"
        page = hits[start : start + size]
        return Reply.json(
            200,
            {
                "took": 1,
                "timed_out": False,
                "_shards": shards,
                "hits": {
                    "total": {"value": total, "relation": relation},
                    "max_score": 1.0 if page else None,
                    "hits": [
                        {"_index": r.name, "_id": doc["_id"], "_score": 1.0, "_source": doc["_source"]}
                        for r, doc in page
                    ],
                },
            },
        )


def _matches(query: Any, doc: dict[str, Any]) -> bool:
    if not isinstance(query, dict) or not query:
        return True
    kind, spec = next(iter(query.items()))
    source = doc["_source"]
    if kind == "match_all":
        return True
    if kind == "ids":
        return doc["_id"] in (spec.get("values") or [])
    if kind in ("term", "match") and isinstance(spec, dict) and spec:
        field, wanted = next(iter(spec.items()))
        if isinstance(wanted, dict):
            wanted = wanted.get("value", wanted.get("query"))
        value = source.get(field.removesuffix(".keyword"))
        if kind == "match" and isinstance(value, str) and isinstance(wanted, str):
            return wanted.lower() in value.lower().split() or wanted.lower() == value.lower()
        return bool(value == wanted)
    raise engine_error(400, "parsing_exception", f"unknown query [{kind}]", line=1, col=1)
