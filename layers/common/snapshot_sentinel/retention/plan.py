"""The retention planner: snapshots + policy + now -> keep or delete, each with the rule that decided.

A pure function with no I/O, so the property tests can prove every rule over arbitrary
repositories; it imports only pure modules (never the client, settings or ``requests``). The
executor (:mod:`snapshot_sentinel.retention.apply`) only ever deletes what a plan marked ``delete``.

Which snapshots are this stack's (:data:`snapshot_sentinel.ownership.OWNERSHIP_RULE`):

A snapshot is managed (only a managed snapshot is ever deleted) if and only if its name is exactly
<SnapshotPrefix>-<UTC timestamp> in this stack's format, such as nightly-2026-11-28t02-00-00z, and its
metadata names this stack; for a snapshot taken by an engine that stores no snapshot metadata
(Elasticsearch before 7.3), the exact name alone. Everything else is never deleted, whatever its prefix.

The rules, in the order they are applied to one snapshot:

1. Not managed, kept: the name is not exactly ``<prefix>-<UTC timestamp>`` (``foreign_name``), its
   metadata does not name this stack (``other_owner``), or it has no metadata although the engine
   that took it stores metadata (``no_metadata``). Everything below concerns managed snapshots only.
2. The snapshot this run just took (``protect``) is kept.
3. IN_PROGRESS is kept.
4. Any state other than SUCCESS, PARTIAL and FAILED (INCOMPATIBLE, or one we don't know) is kept.
5. A snapshot without a start time is kept: its age is unknown. It does not count toward the
   minimum nor toward the cap, so it can only make the plan keep more.
6. A subset snapshot (metadata ``"scope": "subset"``: it covers a caller's indices, not the
   domain) is kept until older than ``days``, then deleted, whatever its state. It never counts
   toward the minimum or the cap, is never the newest SUCCESS, and never pushes a full one out.
7. Full SUCCESS snapshots are ranked newest first (start time, then name). The newest is kept, and
   so are the ``min_count`` newest. Beyond them, one older than ``days`` is deleted, and so is one
   ranked past ``max_count`` when a cap is set. PARTIAL and FAILED never count toward the minimum.
8. Full PARTIAL and FAILED are deleted once older than ``days`` and a full SUCCESS started after
   them exists (that SUCCESS is the newest one or older than it, and the newest is always kept).

"Older than ``days``" is strict: started before ``now - days``. Age comes from the start time the
domain reports, never from parsing the name; a start time in the future (clock skew) is young.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from snapshot_sentinel.errors import ConfigurationError
from snapshot_sentinel.models import FAILED, IN_PROGRESS, PARTIAL, SUCCESS, SnapshotInfo
from snapshot_sentinel.ownership import is_subset, not_managed_because

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class Action(StrEnum):
    KEEP = "keep"
    DELETE = "delete"


class Rule(StrEnum):
    """The stable code of every rule; reports and alerts show it next to its sentence."""

    FOREIGN_NAME = "foreign_name"
    OTHER_OWNER = "other_owner"
    NO_METADATA = "no_metadata"
    PROTECTED = "protected"
    IN_PROGRESS = "in_progress"
    UNRECOGNISED_STATE = "unrecognised_state"
    NO_START_TIME = "no_start_time"
    SUBSET_RECENT = "subset_recent"
    SUBSET_EXPIRED = "subset_expired"
    NEWEST_SUCCESS = "newest_success"
    MINIMUM_COUNT = "minimum_count"
    WITHIN_RETENTION = "within_retention"
    EXPIRED = "expired"
    OVER_MAX_COUNT = "over_max_count"
    UNSUCCESSFUL_RECENT = "unsuccessful_recent"
    UNSUCCESSFUL_NO_NEWER_SUCCESS = "unsuccessful_no_newer_success"
    UNSUCCESSFUL_EXPIRED = "unsuccessful_expired"

    @property
    def action(self) -> Action:
        return Action.DELETE if self in _DELETING_RULES else Action.KEEP

    @property
    def managed(self) -> bool:
        return self not in (Rule.FOREIGN_NAME, Rule.OTHER_OWNER, Rule.NO_METADATA)


_DELETING_RULES = frozenset({Rule.EXPIRED, Rule.OVER_MAX_COUNT, Rule.UNSUCCESSFUL_EXPIRED, Rule.SUBSET_EXPIRED})

_SENTENCES: dict[Rule, str] = {
    Rule.FOREIGN_NAME: "Not managed: the name is not exactly '{prefix}-<UTC timestamp>' in this stack's format.",
    Rule.OTHER_OWNER: "Not managed: its metadata does not name stack '{stack}'.",
    Rule.NO_METADATA: "Not managed: no metadata names stack '{stack}', and the engine that took it stores metadata.",
    Rule.PROTECTED: "Kept: this run just took it.",
    Rule.IN_PROGRESS: "Kept: it is still running.",
    Rule.UNRECOGNISED_STATE: "Kept: its state is neither SUCCESS, PARTIAL nor FAILED, so retention leaves it alone.",
    Rule.NO_START_TIME: "Kept: the domain reports no start time, so its age is unknown.",
    Rule.SUBSET_RECENT: "Kept: a subset of indices (never counted as a backup), not older than {days} days.",
    Rule.SUBSET_EXPIRED: "Deleted: a subset of indices (never counted as a backup), older than {days} days.",
    Rule.NEWEST_SUCCESS: "Kept: the newest SUCCESS snapshot.",
    Rule.MINIMUM_COUNT: "Kept: one of the {min_count} newest SUCCESS snapshots (RetentionMinCount).",
    Rule.WITHIN_RETENTION: "Kept: SUCCESS and not older than {days} days.",
    Rule.EXPIRED: "Deleted: SUCCESS older than {days} days, beyond the {min_count} newest.",
    Rule.OVER_MAX_COUNT: "Deleted: older than the {max_count} newest SUCCESS snapshots (RetentionMaxCount).",
    Rule.UNSUCCESSFUL_RECENT: "Kept: PARTIAL or FAILED, not older than {days} days.",
    Rule.UNSUCCESSFUL_NO_NEWER_SUCCESS: "Kept: PARTIAL or FAILED, and no SUCCESS snapshot started after it.",
    Rule.UNSUCCESSFUL_EXPIRED: "Deleted: PARTIAL or FAILED, older than {days} days, and a newer SUCCESS exists.",
}


@dataclass(frozen=True)
class RetentionPolicy:
    """What to keep: RetentionDays, RetentionMinCount and RetentionMaxCount (0 = no cap)."""

    prefix: str
    stack_name: str
    days: int
    min_count: int
    max_count: int = 0

    def __post_init__(self) -> None:
        if not self.prefix:
            raise ConfigurationError("the retention policy needs a snapshot prefix")
        if self.days < 1 or self.min_count < 1 or self.max_count < 0:
            raise ConfigurationError(
                f"retention needs days >= 1, min_count >= 1 and max_count >= 0 (0 = no cap), got "
                f"days={self.days}, min_count={self.min_count}, max_count={self.max_count}"
            )

    @property
    def name_prefix(self) -> str:
        return f"{self.prefix}-"

    def sentence(self, rule: Rule) -> str:
        return _SENTENCES[rule].format(
            prefix=self.prefix,
            stack=self.stack_name,
            days=self.days,
            min_count=self.min_count,
            max_count=self.max_count,
        )

    def owns(self, snapshot: SnapshotInfo) -> bool:
        """Managed, by the ownership rule (see the module doc)."""
        return _ownership(snapshot, self) is None

    def to_dict(self) -> dict[str, object]:
        return {
            "prefix": self.prefix,
            "stack_name": self.stack_name,
            "days": self.days,
            "min_count": self.min_count,
            "max_count": self.max_count,
        }


@dataclass(frozen=True, slots=True)
class Decision:
    """What the plan does with one snapshot, and why."""

    snapshot: SnapshotInfo
    rule: Rule
    reason: str

    @property
    def name(self) -> str:
        return self.snapshot.name

    @property
    def state(self) -> str:
        return self.snapshot.state

    @property
    def start_time(self) -> datetime | None:
        return self.snapshot.start_time

    @property
    def action(self) -> Action:
        return self.rule.action

    @property
    def managed(self) -> bool:
        return self.rule.managed


@dataclass(frozen=True)
class RetentionPlan:
    """Every listed snapshot's decision, oldest first (unknown start times last)."""

    policy: RetentionPolicy
    now: datetime
    decisions: tuple[Decision, ...]

    @property
    def to_delete(self) -> tuple[Decision, ...]:
        """The deletions, oldest first: a run cut short has removed the oldest."""
        return tuple(d for d in self.decisions if d.rule in _DELETING_RULES)

    @property
    def to_keep(self) -> tuple[Decision, ...]:
        """Managed snapshots the plan keeps."""
        return tuple(d for d in self.decisions if d.rule.managed and d.rule not in _DELETING_RULES)

    @property
    def not_managed(self) -> tuple[Decision, ...]:
        return tuple(d for d in self.decisions if not d.rule.managed)


def _newest_first(snapshot: SnapshotInfo) -> tuple[datetime, str]:
    return snapshot.start_time or _EPOCH, snapshot.name


def _ownership(snapshot: SnapshotInfo, policy: RetentionPolicy) -> Rule | None:
    """None for a managed snapshot, else the rule that says why it is not ours."""
    why = not_managed_because(snapshot, policy.prefix, policy.stack_name)
    return None if why is None else Rule(why)


def plan_retention(
    snapshots: Sequence[SnapshotInfo],
    policy: RetentionPolicy,
    now: datetime,
    protect: frozenset[str] = frozenset(),
) -> RetentionPlan:
    """Decide, for every snapshot, keep or delete and the rule that says so (see the module doc)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    cutoff = now - timedelta(days=policy.days)
    sentences = {rule: policy.sentence(rule) for rule in Rule}

    ownership = [(s, _ownership(s, policy)) for s in snapshots]
    ranked_successes = sorted(
        (
            s
            for s, rule in ownership
            if rule is None and s.state == SUCCESS and s.start_time is not None and not is_subset(s)
        ),
        key=_newest_first,
        reverse=True,
    )
    rank_of = {id(s): rank for rank, s in enumerate(ranked_successes)}
    newest_success_start = ranked_successes[0].start_time if ranked_successes else None
    cap = max(policy.max_count, policy.min_count) if policy.max_count else 0

    def decide(snapshot: SnapshotInfo) -> Rule:
        if snapshot.name in protect:
            return Rule.PROTECTED
        if snapshot.state == IN_PROGRESS:
            return Rule.IN_PROGRESS
        if snapshot.state not in (SUCCESS, PARTIAL, FAILED):
            return Rule.UNRECOGNISED_STATE
        start = snapshot.start_time
        if start is None:
            return Rule.NO_START_TIME
        expired = start < cutoff
        if is_subset(snapshot):
            return Rule.SUBSET_EXPIRED if expired else Rule.SUBSET_RECENT
        if snapshot.state == SUCCESS:
            rank = rank_of[id(snapshot)]
            if rank == 0:
                return Rule.NEWEST_SUCCESS
            if rank < policy.min_count:
                return Rule.MINIMUM_COUNT
            if expired:
                return Rule.EXPIRED
            if cap and rank >= cap:
                return Rule.OVER_MAX_COUNT
            return Rule.WITHIN_RETENTION
        if not expired:
            return Rule.UNSUCCESSFUL_RECENT
        if newest_success_start is None or newest_success_start <= start:
            return Rule.UNSUCCESSFUL_NO_NEWER_SUCCESS
        return Rule.UNSUCCESSFUL_EXPIRED

    decisions = []
    for snapshot, not_ours in ownership:
        rule = not_ours or decide(snapshot)
        decisions.append(Decision(snapshot, rule, sentences[rule]))
    decisions.sort(key=_oldest_first_unknown_last)
    return RetentionPlan(policy=policy, now=now, decisions=tuple(decisions))


def _oldest_first_unknown_last(decision: Decision) -> tuple[bool, datetime, str]:
    start = decision.snapshot.start_time
    return start is None, start or _EPOCH, decision.name
