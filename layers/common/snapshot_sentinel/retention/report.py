"""What a retention run decided and did, bounded for the execution's output: ``$.retention``.

Pure: a plan and the executor's outcomes in, a JSON-ready dict out (:meth:`RetentionReport.to_dict`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from snapshot_sentinel.models import EngineVersion, iso
from snapshot_sentinel.retention.plan import Decision, RetentionPlan, Rule

MAX_LIST_BYTES = 3_000
"""JSON bytes each list of the report may take; the rest are counted in ``omitted``.

The report lands in the state and the execution's output (Step Functions caps a state's data at
256 KB; this project keeps every state under 32 KB). At most five lists are written, so with
100,000 snapshots the report is a sample of about 15 KB; ``totals`` and ``by_rule`` still count
every snapshot, and ``see_all`` says how to list them all.
"""


@dataclass(frozen=True)
class Deferred:
    """A deletion the plan wanted and this run did not do, and why the next run will."""

    decision: Decision
    why: str


@dataclass
class RetentionReport:
    """What a retention run decided and did: the execution's ``retention`` output."""

    repository: str
    plan: RetentionPlan
    dry_run: bool
    protected: frozenset[str]
    engine: EngineVersion | None = None
    deleted: list[Decision] = field(default_factory=list)
    deferred: list[Deferred] = field(default_factory=list)
    not_reached: list[Decision] = field(default_factory=list)
    delete_requests: int = 0
    lookups: int = 0
    stopped_because: str | None = None

    def totals(self) -> dict[str, int]:
        plan = self.plan
        to_delete = len(plan.to_delete)
        return {
            "listed": len(plan.decisions),
            "managed": len(plan.decisions) - len(plan.not_managed),
            "not_managed": len(plan.not_managed),
            "kept": len(plan.to_keep),
            "to_delete": to_delete,
            "deleted": len(self.deleted),
            "deferred": len(self.deferred),
            "not_reached": len(self.not_reached),
            "delete_requests": self.delete_requests,
            "lookups": self.lookups,
        }

    def to_dict(self, max_list_bytes: int = MAX_LIST_BYTES) -> dict[str, Any]:
        """JSON-ready and bounded: every list is cut at ``max_list_bytes``, ``omitted`` counts the rest."""
        by_rule: dict[str, int] = {}
        for decision in self.plan.decisions:
            by_rule[decision.rule.value] = by_rule.get(decision.rule.value, 0) + 1
        lists: dict[str, list[dict[str, Any]]] = {}
        omitted: dict[str, int] = {}

        def add(key: str, entries: Iterator[dict[str, Any]], total: int) -> None:
            shown = _bounded(entries, max_list_bytes)
            lists[key] = shown
            if total > len(shown):
                omitted[key] = total - len(shown)

        if self.dry_run:
            add("would_delete", (_entry(d) for d in self.plan.to_delete), len(self.plan.to_delete))
        else:
            add("deleted", (_entry(d) for d in self.deleted), len(self.deleted))
            add("deferred", (_entry(d.decision, why=d.why) for d in self.deferred), len(self.deferred))
            add("not_reached", (_entry(d) for d in self.not_reached), len(self.not_reached))
        kept_newest_first = self.plan.to_keep[::-1]
        add("kept", (_entry(d) for d in kept_newest_first), len(kept_newest_first))
        add("not_managed", (_entry(d) for d in self.plan.not_managed), len(self.plan.not_managed))
        policy = self.plan.policy
        return {
            "repository": self.repository,
            "dry_run": self.dry_run,
            "planned_at": iso(self.plan.now),
            "policy": policy.to_dict(),
            "protected": sorted(self.protected),
            "engine": None
            if self.engine is None
            else {
                "distribution": self.engine.distribution,
                "version": self.engine.number,
                "multi_delete": self.engine.supports_multi_delete,
            },
            "totals": self.totals(),
            "stopped_because": self.stopped_because,
            "by_rule": dict(sorted(by_rule.items())),
            "rules": {code: policy.sentence(Rule(code)) for code in sorted(by_rule)},
            **lists,
            "omitted": omitted,
            "see_all": f"GET _cat/snapshots/{self.repository}?v&s=start_epoch lists every snapshot of the repository; "
            "a run with retention_dry_run: true reports what retention would delete",
        }


def _entry(decision: Decision, **extra: str) -> dict[str, Any]:
    return {
        "name": decision.name,
        "state": decision.state,
        "start_time": iso(decision.start_time),
        "rule": decision.rule.value,
        **extra,
    }


def _bounded(entries: Iterator[dict[str, Any]], max_bytes: int) -> list[dict[str, Any]]:
    shown: list[dict[str, Any]] = []
    used = 0
    for entry in entries:
        used += len(json.dumps(entry)) + 2
        if used > max_bytes:
            break
        shown.append(entry)
    return shown
