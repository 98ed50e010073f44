"""How long ago a restore drill last passed: ``DaysSinceDrillSucceeded``, which NoRecentDrillAlarm watches.

Why a metric of its own: counting ``DrillSucceeded`` datapoints cannot express "no drill passed for
DrillStaleDays days". CloudWatch caps Period x EvaluationPeriods at seven days, and seven UTC-aligned
daily buckets miss last Sunday's success for the hours before this Sunday's drill (a weekly false
alarm). Here the age itself is the datapoint, written every hour, so the alarm is a plain threshold
(``> DrillStaleDays``) that any number of days can use, and a freshness function that stops running
leaves the alarm without data, which it treats as breaching.

The source of truth is DrillStateMachine itself: a drill ends SUCCEEDED only when it passed
(drill.asl.json's "Drill passed"; a failed drill ends FAILED, an unsent report too), so the newest
SUCCEEDED execution's ``stopDate`` is the last time a backup was proven to restore. Before any drill
passed, the age counts from the state machine's ``creationDate``: a new stack gets DrillStaleDays of
grace instead of an alarm on its first day. Step Functions keeps a closed execution for 90 days, so
an older success is forgotten and the age falls back to the (older still) creation date: the
figure only grows, never hides staleness, and DrillStaleDays stops at 90.

Pure: the executions and the clock come in; the Step Functions client is injected by the handler.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_stepfunctions import SFNClient

DAYS_SINCE_DRILL_SUCCEEDED = "DaysSinceDrillSucceeded"
SECONDS_PER_DAY = 86_400
SUCCEEDED_PAGE = 10
"""SUCCEEDED executions read per call: the newest ones (ListExecutions lists newest first); the
latest end among them is the answer even when two drills overlapped."""
DRILL = "drill"
CREATED = "created"


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@dataclass(frozen=True)
class DrillFreshness:
    """The age of the last passing drill (or of the state machine, before the first one) at ``now``."""

    since: datetime
    source: str
    """``drill`` (a SUCCEEDED execution's end) or ``created`` (no passing drill on record)."""
    execution_arn: str | None
    now: datetime

    @property
    def days(self) -> float:
        """The published figure: days to four decimals (about nine seconds; CloudWatch has no day
        unit), never negative (a clock a little behind Step Functions' reads 0)."""
        return round(max(0.0, (self.now - self.since).total_seconds() / SECONDS_PER_DAY), 4)

    def is_stale(self, stale_days: int) -> bool:
        """What NoRecentDrillAlarm decides from this datapoint: GreaterThanThreshold DrillStaleDays."""
        return self.days > stale_days

    def metrics(self) -> dict[str, tuple[float, str]]:
        return {DAYS_SINCE_DRILL_SUCCEEDED: (self.days, "None")}

    def result(self, stale_days: int) -> dict[str, Any]:
        return {
            "days_since_drill_succeeded": self.days,
            "since": self.since.isoformat(),
            "source": self.source,
            "execution_arn": self.execution_arn,
            "stale_days": stale_days,
            "stale": self.is_stale(stale_days),
        }


def drill_freshness(
    succeeded: Iterable[Mapping[str, Any]], now: datetime, *, created: datetime | None = None
) -> DrillFreshness:
    """From SUCCEEDED execution summaries (``stopDate``, else ``startDate``; ``executionArn``): the
    latest end among them; with none, ``created`` (the state machine's creation date)."""
    ends = [
        (_utc(end), str(execution.get("executionArn") or "") or None)
        for execution in succeeded
        if isinstance(end := execution.get("stopDate") or execution.get("startDate"), datetime)
    ]
    if ends:
        since, arn = max(ends, key=lambda end: end[0])
        return DrillFreshness(since=since, source=DRILL, execution_arn=arn, now=_utc(now))
    if created is None:
        raise ValueError("no SUCCEEDED drill and no creation date: nothing to count the days from")
    return DrillFreshness(since=_utc(created), source=CREATED, execution_arn=None, now=_utc(now))


def read_drill_freshness(stepfunctions: SFNClient, state_machine_arn: str, now: datetime) -> DrillFreshness:
    """One ListExecutions call (SUCCEEDED, newest first); DescribeStateMachine only when none passed."""
    page = stepfunctions.list_executions(
        stateMachineArn=state_machine_arn, statusFilter="SUCCEEDED", maxResults=SUCCEEDED_PAGE
    )
    executions = list(page.get("executions") or [])
    created = None
    if not executions:
        created = stepfunctions.describe_state_machine(stateMachineArn=state_machine_arn)["creationDate"]
    return drill_freshness(executions, now, created=created)
