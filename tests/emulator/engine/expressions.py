"""Index expressions and aliases: what ``logs-*,-logs-old``, ``_all`` or an alias name stand for
(OpenSearch's IndexNameExpressionResolver), the aliases pointing at each index, and the engine's
``index_not_found_exception``."""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Any

from tests.emulator.engine.state import ClusterState
from tests.emulator.formats import is_pattern
from tests.emulator.indices import CLOSE, OPEN, IndexRecord
from tests.emulator.responses import ApiError, engine_error


class ExpressionArea(ClusterState):
    """Resolving index expressions and aliases, on the cluster's state."""

    def alias_exists(self, name: str) -> bool:
        return any(name in record.aliases for record in self.indices.values())

    def aliases(self) -> dict[str, list[str]]:
        """Alias -> the indices it points at."""
        found: dict[str, list[str]] = {}
        for record in self.indices.values():
            for alias in record.aliases:
                found.setdefault(alias, []).append(record.name)
        return found

    @staticmethod
    def index_missing(name: str) -> ApiError:
        extra: dict[str, Any] = {
            "resource.type": "index_or_alias",
            "resource.id": name,
            "index_uuid": "_na_",
            "index": name,
        }
        return engine_error(404, "index_not_found_exception", f"no such index [{name}]", **extra)

    def resolve(
        self,
        expression: str | None,
        *,
        ignore_unavailable: bool = False,
        allow_no_indices: bool = True,
        expand: str = "open",
        aliases: bool = True,
    ) -> list[IndexRecord]:
        """IndexNameExpressionResolver: names, aliases, ``*`` wildcards, ``_all``, ``-`` exclusions after a wildcard.

        ``expand`` is what wildcards reach: "open", "closed" or "all" (``expand_wildcards``).
        """
        tokens = [t for t in (expression or "_all").split(",") if t]
        states = {"open": {OPEN}, "closed": {CLOSE}, "all": {OPEN, CLOSE}, "none": set()}.get(expand, {OPEN, CLOSE})
        alias_map = self.aliases() if aliases else {}
        chosen: list[str] = []
        wildcard_seen = False
        for token in tokens or ["_all"]:
            if token.startswith("-") and wildcard_seen:
                excluded = token[1:]
                chosen = [i for i in chosen if not fnmatchcase(i, excluded)]
            elif token in ("_all", "*") or is_pattern(token):
                wildcard_seen = True
                everything = token in ("_all", "*")
                matched = [
                    r.name
                    for r in self.indices.values()
                    if r.state in states and (everything or fnmatchcase(r.name, token))
                ]
                for alias, members in alias_map.items():
                    if not everything and fnmatchcase(alias, token):
                        matched += [m for m in members if self.indices[m].state in states]
                if chosen:
                    seen = set(chosen)
                    chosen += [m for m in dict.fromkeys(matched) if m not in seen]
                else:
                    chosen = list(dict.fromkeys(matched))
                if not matched and not allow_no_indices:
                    raise self.index_missing(token)
            elif token in self.indices:
                if token not in chosen:
                    chosen.append(token)
            elif token in alias_map:
                chosen += [m for m in alias_map[token] if m not in chosen]
            elif not ignore_unavailable:
                raise self.index_missing(token)
        return [self.indices[name] for name in chosen]
