"""``sentinel status``: the last runs, the age of the last real backup, the next scheduled run, the
alarms and who receives alerts; exit 1 when any of them is a problem."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime
from itertools import islice
from typing import TYPE_CHECKING, Any

import click

from sentinel_cli import render
from sentinel_cli.alert_reach import alert_reach
from sentinel_cli.context import Runtime, stack_options
from sentinel_cli.cron import ScheduleExpressionError, next_run
from sentinel_cli.errors import EXIT_OK, EXIT_RUN_FAILED, AccessDeniedError, AwsCallError
from sentinel_cli.gateway import AwsGateway
from sentinel_cli.runs import BACKUP, SUCCESS_SEARCH_LIMIT, did_the_job, run_kind

if TYPE_CHECKING:
    from mypy_boto3_stepfunctions.type_defs import ExecutionListItemTypeDef

RECENT_RUNS = 5


def _hours(since: datetime | None, now: datetime) -> float | None:
    return None if since is None else round((now - since).total_seconds() / 3600, 1)


def _last_success(stack: AwsGateway, arn: str) -> ExecutionListItemTypeDef | None:
    """The newest succeeded run that did the state machine's real job (a backup that took a
    snapshot, a restore that restored): dry runs and retention-only runs are skipped."""
    for summary in islice(stack.executions(arn, status="SUCCEEDED"), SUCCESS_SEARCH_LIMIT):
        described = stack.describe_execution(summary["executionArn"])
        if did_the_job(json.loads(described.get("input") or "{}")):
            return summary
    return None


def _recent(stack: AwsGateway, arn: str, name: str) -> Iterator[dict[str, Any]]:
    for summary in islice(stack.executions(arn), RECENT_RUNS):
        described = stack.describe_execution(summary["executionArn"])
        stopped = described.get("stopDate")
        yield {
            "name": described["name"],
            "kind": run_kind(name, json.loads(described.get("input") or "{}")),
            "status": described["status"],
            "started": described.get("startDate"),
            "stopped": stopped,
            "duration_seconds": (stopped - described["startDate"]).total_seconds() if stopped else None,
            "error": described.get("error"),
            "execution_arn": described["executionArn"],
        }


def _stale_after_hours(stack: AwsGateway, period_seconds: float | None) -> float | None:
    """RpoHours when the stack has it; else one schedule period plus an hour's grace."""
    rpo = stack.parameters.get("RpoHours")
    if rpo:
        try:
            return float(rpo)
        except ValueError:
            pass
    return None if period_seconds is None else period_seconds / 3600 + 1


def collect_status(runtime: Runtime, stack: AwsGateway) -> dict[str, Any]:
    now = runtime.now()
    machines = stack.state_machines
    if BACKUP not in machines:
        stack.output("BackupStateMachineArn")
    report: dict[str, Any] = {"stack": stack.stack_name, "region": stack.region, "now": now, "state_machines": {}}
    for name, arn in machines.items():
        success = _last_success(stack, arn)
        success_at = success.get("stopDate") if success else None
        report["state_machines"][name] = {
            "arn": arn,
            "recent_runs": list(_recent(stack, arn, name)),
            "last_success": None
            if success is None
            else {"name": success["name"], "stopped": success_at, "execution_arn": success["executionArn"]},
            "hours_since_last_success": _hours(success_at, now),
        }
    unknown: list[str] = []
    try:
        schedule = stack.schedule_for(machines[BACKUP])
    except (AccessDeniedError, AwsCallError) as exc:
        schedule = None
        unknown.append(f"the schedule is unknown: {exc}")
    period = None
    if schedule is None:
        report["schedule"] = None
    else:
        entry: dict[str, Any] = {
            "name": schedule.name,
            "expression": schedule.expression,
            "timezone": schedule.timezone,
            "state": schedule.state,
            "next_run": None,
        }
        try:
            upcoming = next_run(schedule.expression, schedule.timezone, now)
            period = upcoming.period_seconds
            entry["next_run"] = upcoming.at if schedule.state == "ENABLED" else None
        except ScheduleExpressionError as exc:
            entry["problem"] = str(exc)
        report["schedule"] = entry
    try:
        alarms = stack.alarms(stack.alarm_names())
    except (AccessDeniedError, AwsCallError) as exc:
        alarms = []
        unknown.append(f"the alarms are unknown: {exc}")
    reach = alert_reach(stack)
    if reach.unknown:
        unknown.append(reach.unknown)
    report["alerts"] = reach.to_dict()
    report["alert_fixes"] = reach.fixes()
    report["unknown"] = unknown
    report["alarms"] = [{"name": a.name, "state": a.state, "reason": a.reason, "updated": a.updated} for a in alarms]
    report["alarms_in_alarm"] = [a.name for a in alarms if a.state == "ALARM"]
    report["dashboard_url"] = stack.outputs.get("DashboardUrl")
    backup = report["state_machines"][BACKUP]
    hours = backup["hours_since_last_success"]
    threshold = _stale_after_hours(stack, period)
    report["backup_stale_after_hours"] = threshold
    report["backup_stale"] = hours is None or (threshold is not None and hours > threshold)
    problems = []
    if hours is None:
        problems.append("no successful backup found")
    elif report["backup_stale"]:
        problems.append(f"the last successful backup is {hours} h old (more than {threshold:g} h)")
    problems.extend(f"alarm {name} is in ALARM" for name in report["alarms_in_alarm"])
    nobody = reach.problem()
    if nobody:
        problems.append(nobody)
    report["problems"] = problems
    return report


@click.command()
@stack_options
def status(runtime: Runtime, gateway: Callable[[], AwsGateway]) -> int:
    """Last runs, hours since the last successful backup, next scheduled run, alarms, who gets alerts.

    Exit 1 when the last successful backup is stale, an alarm is in ALARM, or no endpoint of
    AlertTopic is confirmed (alerts reach nobody).
    """
    report = collect_status(runtime, gateway())
    if runtime.as_json:
        runtime.emit_json(report)
    else:
        render.status_report(runtime.console, report)
    return EXIT_RUN_FAILED if report["problems"] else EXIT_OK
