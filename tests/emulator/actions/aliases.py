"""Aliases: ``POST _aliases`` actions, ``GET _alias[/{name}]``, ``{index}/_alias[/{name}]`` get/put/delete.

Bodies and errors follow OpenSearch's RestIndicesAliasesAction / TransportIndicesAliasesAction
(aliases_not_found_exception ``aliases [x] missing``), RestGetAliasesAction (a missing alias is the
string error ``alias [x] missing`` with status 404) and AliasValidator (an alias may not be named
like an index).
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Any

from tests.emulator.actions import endpoint
from tests.emulator.actions.indices import INDICES_OPTIONS
from tests.emulator.engine import Cluster
from tests.emulator.formats import is_pattern
from tests.emulator.indices import IndexRecord
from tests.emulator.responses import ApiError, Reply, engine_error, validation_error
from tests.emulator.routing import Call, Route

_ALIAS_SPEC_KEYS = ("filter", "routing", "index_routing", "search_routing", "is_write_index", "is_hidden")


class AliasActions:
    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster

    def routes(self) -> list[Route]:
        c = self.cluster
        get = endpoint(c, self._get, "local", *INDICES_OPTIONS)
        head = endpoint(c, self._head, "local", *INDICES_OPTIONS)
        put = endpoint(c, self._put, "timeout", body=True)
        delete = endpoint(c, self._delete, "timeout")
        return [
            Route("/_aliases", {"POST": endpoint(c, self._actions, "timeout", body=True)}),
            Route("/_alias", {"GET": get}),
            Route("/_alias/{name}", {"GET": get, "HEAD": head}),
            Route("/{index}/_alias", {"GET": get}),
            Route("/{index}/_alias/{name}", {"GET": get, "HEAD": head, "PUT": put, "POST": put, "DELETE": delete}),
            Route("/{index}/_aliases/{name}", {"PUT": put, "POST": put, "DELETE": delete}),
        ]

    # ------------------------------------------------------------------ POST _aliases

    def _actions(self, call: Call) -> Reply:
        body = call.body if isinstance(call.body, dict) else {}
        actions = body.get("actions") or []
        if not isinstance(actions, list) or not actions:
            raise validation_error("Must specify at least one alias action")
        steps: list[tuple[str, list[IndexRecord], list[str], dict[str, Any]]] = []
        for action in actions:
            if not isinstance(action, dict) or len(action) != 1:
                raise engine_error(400, "parse_exception", "Expected a single action object")
            kind, spec = next(iter(action.items()))
            if kind not in ("add", "remove", "remove_index") or not isinstance(spec, dict):
                raise engine_error(400, "parse_exception", f"[aliases] unknown field [{kind}]")
            indices = _names(spec, "index", "indices")
            if not indices:
                raise validation_error("One of [index] or [indices] is required")
            records = self.cluster.resolve(",".join(indices), expand="all")
            aliases = _names(spec, "alias", "aliases")
            if kind != "remove_index" and not aliases:
                raise validation_error("One of [alias] or [aliases] is required")
            steps.append((kind, records, aliases, spec))
        for kind, records, aliases, spec in steps:  # validate everything before changing anything
            if kind == "add":
                for alias in aliases:
                    self._check_alias_name(alias)
            elif kind == "remove" and spec.get("must_exist", True) is not False:
                for alias in aliases:
                    if not is_pattern(alias) and not any(alias in r.aliases for r in records):
                        raise aliases_missing([alias])
        for kind, records, aliases, spec in steps:
            for record in records:
                if kind == "add":
                    for alias in aliases:
                        record.aliases[alias] = {k: spec[k] for k in _ALIAS_SPEC_KEYS if k in spec}
                elif kind == "remove":
                    for alias in list(record.aliases):
                        if any(fnmatchcase(alias, pattern) for pattern in aliases):
                            del record.aliases[alias]
                else:
                    del self.cluster.indices[record.name]
        return Reply.json(200, {"acknowledged": True})

    def _check_alias_name(self, alias: str) -> None:
        if alias in self.cluster.indices:
            raise engine_error(
                400,
                "invalid_alias_name_exception",
                f"Invalid alias name [{alias}], an index or data stream exists with the same name as the alias",
                index_uuid=self.cluster.indices[alias].uuid,
                index=alias,
            )
        if alias[:1] in ("_", "-", "+"):
            raise engine_error(
                400,
                "invalid_alias_name_exception",
                f"Invalid alias name [{alias}], must not start with '_', '-', or '+'",
            )

    # ------------------------------------------------------------------ GET / HEAD

    def _matching(self, call: Call) -> tuple[dict[str, dict[str, Any]], list[str]]:
        """Index -> its aliases matching the request, and the requested alias names no index has."""
        names = [n for n in (call.params.get("name") or "").split(",") if n and n not in ("_all", "*")]
        records = self.cluster.resolve(
            call.params.get("index"), ignore_unavailable=call.flag("ignore_unavailable", False), expand="all"
        )
        found: dict[str, dict[str, Any]] = {}
        seen: set[str] = set()
        for record in sorted(records, key=lambda r: r.name):
            chosen = {
                alias: dict(spec)
                for alias, spec in sorted(record.aliases.items())
                if not names or any(fnmatchcase(alias, n) for n in names)
            }
            seen.update(chosen)
            if chosen or (not names and call.params.get("name") is None):
                found[record.name] = {"aliases": chosen}
        missing = [n for n in names if not is_pattern(n) and n not in seen]
        return found, missing

    def _get(self, call: Call) -> Reply:
        found, missing = self._matching(call)
        if missing:
            listed = ",".join(missing)
            message = f"alias [{listed}] missing" if len(missing) == 1 else f"aliases [{listed}] missing"
            return Reply.json(404, {"error": message, "status": 404, **found})
        return Reply.json(200, found)

    def _head(self, call: Call) -> Reply:
        found, missing = self._matching(call)
        return Reply(404 if missing or not found else 200)

    # ------------------------------------------------------------------ PUT / DELETE {index}/_alias/{name}

    def _put(self, call: Call) -> Reply:
        records = self.cluster.resolve(call.params["index"], expand="all")
        spec = call.body if isinstance(call.body, dict) else {}
        alias = call.params["name"]
        self._check_alias_name(alias)
        for record in records:
            record.aliases[alias] = {k: spec[k] for k in _ALIAS_SPEC_KEYS if k in spec}
        return Reply.json(200, {"acknowledged": True})

    def _delete(self, call: Call) -> Reply:
        records = self.cluster.resolve(call.params["index"], expand="all")
        names = [n for n in call.params["name"].split(",") if n]
        removed = False
        for record in records:
            for alias in list(record.aliases):
                if any(n in ("_all", "*") or fnmatchcase(alias, n) for n in names):
                    del record.aliases[alias]
                    removed = True
        if not removed:
            raise aliases_missing(names)
        return Reply.json(200, {"acknowledged": True})


def aliases_missing(names: list[str]) -> ApiError:
    listed = ",".join(names)
    extra: dict[str, Any] = {"resource.type": "aliases", "resource.id": listed}
    return engine_error(404, "aliases_not_found_exception", f"aliases [{listed}] missing", **extra)


def _names(spec: dict[str, Any], single: str, plural: str) -> list[str]:
    names: list[str] = []
    for key in (single, plural):
        value = spec.get(key)
        if isinstance(value, str):
            names += [v for v in value.split(",") if v]
        elif isinstance(value, list):
            names += [str(v) for v in value]
    return names
