"""A drill's verification: counts against the catalog, the mapping against the live source, a
sample search. Reads only; never raises for a bad result (the report does), so the clean-up always
has the facts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from snapshot_sentinel.client import DomainClient
from snapshot_sentinel.drills.counts import count_rule
from snapshot_sentinel.drills.steps import targets
from snapshot_sentinel.naming import counted
from snapshot_sentinel.restore.cluster import RestoreDomain


def _fields(mapping: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    found: dict[str, str] = {}
    for name, spec in (mapping.get("properties") or {}).items():
        path = f"{prefix}{name}"
        found[path] = str(spec.get("type") or "object")
        found.update(_fields(spec, f"{path}."))
    return found


def _mapping_of(client: DomainClient, index: str) -> dict[str, str]:
    doc = client.read(f"/{quote(index, safe='')}/_mapping") or {}
    entry: Mapping[str, Any] = next(iter(doc.values()), {}) if doc else {}
    return _fields((entry or {}).get("mappings") or {})


def verify_drill(
    client: DomainClient, plan: Mapping[str, Any], source_domain: DomainClient | None = None
) -> dict[str, Any]:
    """Counts against the catalog, mapping against the source, a sample search; never raises for
    a bad result (the report does), so the clean-up always has the facts. ``client`` is where the
    drill restored; ``source_domain`` the backed-up domain, when that is another one."""
    domain = RestoreDomain(client)
    origin = source_domain or client
    names = targets(plan)
    stats = domain.index_stats(names)
    live = RestoreDomain(origin).existing_indices()
    results, problems = [], []
    restored_bytes = 0
    for pick in plan["picks"]:
        source, target = str(pick["source"]), str(pick["target"])
        stat = stats.get(target) or {}
        docs = int(stat.get("docs") or 0)
        restored_bytes += int(stat.get("size_bytes") or 0)
        result: dict[str, Any] = {"index": source, "target": target, "docs": docs}
        before, after = pick.get("docs_before"), pick.get("docs_after")
        if stat.get("health") == "red":
            problems.append(f"[{source}] restored red: a shard failed")
        if before is None:
            result["count"] = "skipped: the catalog holds no count for this snapshot"
        else:
            rule = count_rule(int(before), after, pick.get("ops_before"), pick.get("ops_after"))
            basis = rule.basis(int(before), int(after if after is not None else before))
            if rule.holds(docs):
                result["count"] = f"ok: {docs} within [{rule.low}, {rule.high}]"
            else:
                result["count"] = f"FAILED: {docs} outside [{rule.low}, {rule.high}]"
                problems.append(
                    f"[{source}] restored {docs} documents; the catalog recorded {rule.low}..{rule.high} ({basis})"
                )
        if source in live:
            restored, current = _mapping_of(client, target), _mapping_of(origin, source)
            differ = sorted(f for f, kind in restored.items() if current.get(f) != kind)
            if differ:
                result["mapping"] = f"FAILED: {counted(len(differ), 'field')} differ from the source, first {differ[0]}"
                problems.append(f"[{source}] mapping differs from the live source at {', '.join(differ[:3])}")
            else:
                result["mapping"] = f"ok: {counted(len(restored), 'field')} as in the source"
        else:
            result["mapping"] = "skipped: the source index no longer exists to compare with"
        if docs:
            found = client.read(f"/{quote(target, safe='')}/_search", {"size": "1"}) or {}
            hits = (found.get("hits") or {}).get("hits") or []
            result["search"] = "ok" if hits else "FAILED: no document returned"
            if not hits:
                problems.append(f"[{source}] a sample search returned no document")
        else:
            result["search"] = "skipped: no documents"
        results.append(result)
    return {"passed": not problems, "problems": problems[:20], "indices": results, "restored_bytes": restored_bytes}
