"""``sentinel doctor``: the first-deploy checklist, one line per item, OK / WARN / FAIL with the fix.

FAIL: backups or alerts are not working (no stack, nobody receives alerts, the repository cannot be
read, the schedule is off, no recent full backup, the RPO alarm fires, the latest drill failed).
WARN: nothing is broken yet but something is left to finish or could not be checked (a pending
subscription, an unprotected one, no drill yet, a check the credentials may not make).

The domain is never called from here: the repository is checked by a run of the stack's own
BackupStateMachine that deletes and snapshots nothing (a retention dry run, what ``sentinel
snapshots`` starts), followed to its end. Like every backup run it first makes sure the repository
is registered, and registers a missing one again exactly as the stack does (and says so).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime
from itertools import islice
from typing import TYPE_CHECKING, Any

import click

from sentinel_cli import render
from sentinel_cli.alert_reach import alert_reach
from sentinel_cli.checks import FAIL, OK, WARN, Check, exit_code
from sentinel_cli.context import Runtime, stack_options
from sentinel_cli.cron import ScheduleExpressionError, next_run
from sentinel_cli.domain_advice import domain_refusal_fix
from sentinel_cli.errors import AccessDeniedError, AwsCallError, NotDeployedError, StackNotFoundError
from sentinel_cli.following import execution_name, follow
from sentinel_cli.gateway import AwsGateway
from sentinel_cli.runs import DRILL, LISTING_INPUT, SUCCESS_SEARCH_LIMIT, RunView

if TYPE_CHECKING:
    from mypy_boto3_stepfunctions.literals import ExecutionStatusType
    from mypy_boto3_stepfunctions.type_defs import DescribeExecutionOutputTypeDef

EXPECTED_OUTPUTS = ("BackupStateMachineArn", "RestoreStateMachineArn", "DrillStateMachineArn", "AlertTopicArn")
DEFAULT_RPO_HOURS = 26.0
DEFAULT_DRILL_STALE_DAYS = 8.0
RECENT_DRILLS = 20
"""Drill runs looked at for the newest finished one and the newest pass."""


def _number(stack: AwsGateway, parameter: str, default: float) -> float:
    try:
        return float(stack.parameters.get(parameter) or default)
    except ValueError:
        return default


def _read_only(stack: AwsGateway) -> bool:
    return stack.parameters.get("RepositoryReadOnly") == "true"


def _unknown(item: str, exc: Exception) -> Check:
    return Check(
        item,
        WARN,
        f"could not be checked: {exc}",
        "give these credentials the read permissions docs/cli.md lists, or run doctor as someone who has them",
    )


# -- the items -------------------------------------------------------------------------------------


def check_stack(stack: AwsGateway) -> Check:
    status = stack.stack_status
    missing = [key for key in EXPECTED_OUTPUTS if not stack.outputs.get(key)]
    where = f"{stack.stack_name} ({stack.region}): {status}"
    if status.endswith("_IN_PROGRESS"):
        return Check("Stack", WARN, f"{where}: a change is under way", "run doctor again when it is complete")
    if "ROLLBACK" in status or "FAILED" in status or status.startswith("DELETE"):
        rolled_back_update = status == "UPDATE_ROLLBACK_COMPLETE"
        return Check(
            "Stack",
            WARN if rolled_back_update else FAIL,
            where + (": the last update was rolled back, the previous version runs" if rolled_back_update else ""),
            "read the stack's events (aws cloudformation describe-stack-events --stack-name "
            f"{stack.stack_name}) for the first failure, fix it, and deploy again",
        )
    if missing:
        return Check(
            "Stack",
            FAIL,
            f"{where}, but without output(s) {', '.join(missing)}",
            "update the stack to this version of Snapshot Sentinel (make deploy)",
        )
    return Check("Stack", OK, f"{where}, {len(stack.outputs)} outputs")


def check_alerts(stack: AwsGateway) -> Check:
    reach = alert_reach(stack)
    fixes = reach.fixes()
    if reach.unknown:
        return Check("Alerts", WARN, reach.unknown, "docs/cli.md lists the permissions doctor needs")
    confirmed = ", ".join(f"{s.endpoint} ({s.protocol})" for s in reach.confirmed)
    if reach.reaches_nobody:
        return Check("Alerts", FAIL, reach.problem() or "alerts reach nobody", "; ".join(fixes))
    if fixes:
        pending = f"; {len(reach.pending)} pending" if reach.pending else ""
        unprotected = f"; {len(reach.unprotected)} can be unsubscribed by one click" if reach.unprotected else ""
        return Check("Alerts", WARN, f"confirmed: {confirmed}{pending}{unprotected}", "; ".join(fixes))
    return Check("Alerts", OK, f"confirmed, with authenticated unsubscribe: {confirmed}")


def _repository_failure(view: RunView, repository: str) -> Check:
    error = view.error or view.status
    cause = view.cause or ""
    caught = view.data.get("error") if isinstance(view.data, dict) else None
    if isinstance(caught, dict):
        cause = f"{cause} {caught.get('Cause', '')}"
    said = (view.cause or error)[:400]
    if view.alert and "AlertTopic" not in said:
        said += " (its alert went to AlertTopic)"
    detail = f"the retention dry run {view.name} ended {view.status}: {said}"
    return Check("Repository", FAIL, detail, domain_refusal_fix(error, cause, repository, view.name))


def check_repository(runtime: Runtime, stack: AwsGateway) -> Check:
    repository = stack.outputs.get("RepositoryName") or stack.parameters.get("RepositoryName") or "(unknown)"
    if _read_only(stack):
        return Check(
            "Repository",
            WARN,
            f"not checked: this stack registers {repository} read-only and takes no backups or retention runs",
            "see what it holds with a restore plan, which reads only: sentinel restore --dry-run",
        )
    name = execution_name("doctor", runtime.now())
    arn = stack.start_execution(stack.output("BackupStateMachineArn"), name, dict(LISTING_INPUT))
    view = follow(replace(runtime, as_json=True), stack, arn, title="Reading the repository")
    retention = view.output.get("retention") if isinstance(view.output, dict) else None
    if not view.succeeded or not isinstance(retention, dict):
        return _repository_failure(view, repository)
    totals = retention.get("totals") or {}
    engine = retention.get("engine") or {}
    on = f" on {engine.get('distribution')} {engine.get('version')}" if engine.get("version") else ""
    ensured = view.output.get("repository") if isinstance(view.output, dict) else None
    if isinstance(ensured, dict) and ensured.get("registered_again"):
        return Check(
            "Repository",
            WARN,
            f"{repository} was not registered on the domain: the check's run {view.name} registered it again as "
            f"the stack does ({ensured.get('location') or 'same bucket and base path'}) and published "
            f"[REGISTERED_AGAIN] to AlertTopic; {totals.get('listed', 0)} snapshots are back in view",
            "find out who or what removed it (DELETE _snapshot/<repository> by hand, or a domain replaced under the "
            "same name): docs/operations.md, 'The repository vanished'",
        )
    return Check(
        "Repository",
        OK,
        f"{retention.get('repository') or repository} is registered{on} and readable: "
        f"{totals.get('listed', 0)} snapshots listed ({totals.get('managed', 0)} managed by this stack) "
        f"by the retention dry run {view.name}",
    )


def check_schedule(runtime: Runtime, stack: AwsGateway) -> Check:
    schedule = stack.schedule_for(stack.output("BackupStateMachineArn"))
    if schedule is None:
        if _read_only(stack):
            return Check("Schedule", OK, "none: a read-only stack takes no backups")
        return Check(
            "Schedule",
            FAIL,
            "no EventBridge Scheduler schedule starts BackupStateMachine",
            "deploy the stack again (make deploy): its NightlySchedule creates it",
        )
    described = f"{schedule.expression} ({schedule.timezone}), {schedule.state}"
    if schedule.state != "ENABLED":
        if _read_only(stack):
            return Check("Schedule", OK, f"{described}: a read-only stack takes no backups")
        return Check(
            "Schedule",
            FAIL,
            f"{described}: no nightly backup starts",
            f"enable it: aws scheduler get-schedule --name {schedule.name} --group-name {schedule.group}, then "
            "update-schedule with State ENABLED (or deploy the stack again)",
        )
    try:
        upcoming = next_run(schedule.expression, schedule.timezone, runtime.now())
    except ScheduleExpressionError as exc:
        return Check("Schedule", WARN, f"{described}: next run unknown ({exc})")
    when = upcoming.at.strftime("%Y-%m-%d %H:%M UTC") if upcoming.at else "not fixed (a rate)"
    return Check("Schedule", OK, f"{described}; next run {when}")


def is_full_backup(run_input: Any) -> bool:
    """A run whose snapshot counts as a backup: not retention-only, not a subset of the indices."""
    data = run_input if isinstance(run_input, dict) else {}
    return not (data.get("retention_only") or data.get("indices"))


def _newest(
    stack: AwsGateway,
    arn: str,
    wanted: Callable[[DescribeExecutionOutputTypeDef], bool],
    *,
    status: ExecutionStatusType | None = None,
) -> Iterator[DescribeExecutionOutputTypeDef]:
    for summary in islice(stack.executions(arn, status=status), SUCCESS_SEARCH_LIMIT):
        described = stack.describe_execution(summary["executionArn"])
        if wanted(described):
            yield described


def _age_hours(runtime: Runtime, moment: datetime | None) -> float | None:
    return None if moment is None else round((runtime.now() - moment).total_seconds() / 3600, 1)


def check_backup(runtime: Runtime, stack: AwsGateway) -> Check:
    if _read_only(stack):
        return Check("Last backup", OK, "none expected: a read-only stack takes no backups")
    rpo = _number(stack, "RpoHours", DEFAULT_RPO_HOURS)
    machine = stack.output("BackupStateMachineArn")
    full = _newest(stack, machine, lambda d: is_full_backup(json.loads(d.get("input") or "{}")), status="SUCCEEDED")
    last = next(full, None)
    if last is None:
        return Check(
            "Last backup",
            FAIL,
            "no full backup has succeeded yet",
            "take the first one now: sentinel backup --wait (it also clears NoRecentBackupAlarm)",
        )
    output = json.loads(last.get("output") or "{}")
    name = (output.get("snapshot") or {}).get("name") or last["name"]
    hours = _age_hours(runtime, last.get("stopDate"))
    detail = f"{name}, {hours} h ago (RpoHours {rpo:g})"
    if hours is not None and hours > rpo:
        return Check(
            "Last backup",
            FAIL,
            f"{detail}: older than the RPO",
            "find out why the nightly runs fail or do not start (sentinel status, then sentinel watch <run>), "
            "then take one now: sentinel backup --wait",
        )
    return Check("Last backup", OK, detail)


def check_rpo_alarm(stack: AwsGateway) -> Check:
    name = stack.outputs.get("NoRecentBackupAlarmName") or ""
    if name.startswith("none"):
        return Check("RPO alarm", OK, name)
    if not name:
        return Check("RPO alarm", WARN, "the stack has no NoRecentBackupAlarmName output", "make deploy")
    found = stack.alarms([name])
    if not found:
        return Check("RPO alarm", WARN, f"{name} was not found in CloudWatch", "deploy the stack again")
    alarm = found[0]
    if alarm.state == "OK":
        return Check("RPO alarm", OK, f"{name}: OK")
    if alarm.state == "ALARM":
        return Check(
            "RPO alarm",
            FAIL,
            f"{name}: ALARM ({alarm.reason[:200]})",
            "a successful full backup clears it within the hour: sentinel backup --wait",
        )
    return Check(
        "RPO alarm",
        WARN,
        f"{name}: {alarm.state} (no hourly data yet)",
        "it has data an hour after the stack's first run; run doctor again later",
    )


def check_drill(runtime: Runtime, stack: AwsGateway) -> Check:
    machine = stack.state_machines.get(DRILL)
    if not machine:
        return Check("Last drill", WARN, "the stack has no DrillStateMachineArn output", "make deploy")
    stale_days = _number(stack, "DrillStaleDays", DEFAULT_DRILL_STALE_DAYS)
    finished = [
        d
        for d in (stack.describe_execution(s["executionArn"]) for s in islice(stack.executions(machine), RECENT_DRILLS))
        if d["status"] != "RUNNING" and not json.loads(d.get("input") or "{}").get("dry_run")
    ]
    if not finished:
        return Check(
            "Last drill",
            WARN,
            "no restore drill has run yet",
            "prove a backup restores now: sentinel drill --wait (after the first backup)",
        )
    newest = finished[0]
    if newest["status"] != "SUCCEEDED":
        return Check(
            "Last drill",
            FAIL,
            f"{newest['name']} ended {newest['status']}: {newest.get('error') or '-'}",
            f"read its report on AlertTopic, or: sentinel watch {newest['name']}",
        )
    days = (_age_hours(runtime, newest.get("stopDate")) or 0) / 24
    detail = f"{newest['name']} passed {days:.1f} days ago (DrillStaleDays {stale_days:g})"
    if days > stale_days:
        return Check("Last drill", WARN, f"{detail}: older than DrillStaleDays", "sentinel drill --wait")
    return Check("Last drill", OK, detail)


def run_checks(runtime: Runtime, stack: AwsGateway, *, repository: bool) -> list[Check]:
    try:
        first = check_stack(stack)
    except StackNotFoundError as exc:
        return [Check("Stack", FAIL, str(exc).split(":", 1)[0], str(exc).split(":", 1)[-1].strip())]
    checks = [first]
    if first.status == FAIL:
        return checks
    items: list[tuple[str, Callable[[], Check]]] = [
        ("Alerts", lambda: check_alerts(stack)),
        (
            "Repository",
            (lambda: check_repository(runtime, stack))
            if repository
            else (lambda: Check("Repository", WARN, "not checked (--no-run)", "run doctor without --no-run")),
        ),
        ("Schedule", lambda: check_schedule(runtime, stack)),
        ("Last backup", lambda: check_backup(runtime, stack)),
        ("RPO alarm", lambda: check_rpo_alarm(stack)),
        ("Last drill", lambda: check_drill(runtime, stack)),
    ]
    for item, check in items:
        try:
            checks.append(check())
        except NotDeployedError as exc:
            checks.append(Check(item, FAIL, str(exc), "make deploy"))
        except (AccessDeniedError, AwsCallError) as exc:
            checks.append(_unknown(item, exc))
    return checks


@click.command()
@click.option(
    "--no-run",
    "no_run",
    is_flag=True,
    help="Skip the repository check (it starts a retention dry run of BackupStateMachine, which deletes nothing).",
)
@stack_options
def doctor(runtime: Runtime, gateway: Callable[[], AwsGateway], no_run: bool) -> int:
    """The first-deploy checklist: each item OK, WARN or FAIL, with the fix.

    Checks the stack and its outputs, who receives alerts, the repository (through a retention dry
    run of the stack's own state machine, which deletes nothing: the CLI never calls the domain), the
    schedule and its next run, the last full backup, the RPO alarm and the last drill. Exit 0 when
    every item is OK, 1 when any FAILs, 4 when some WARN and none FAILs.
    """
    stack = gateway()
    checks = run_checks(runtime, stack, repository=not no_run)
    code = exit_code(checks)
    if runtime.as_json:
        runtime.emit_json({"stack": stack.stack_name, "region": stack.region, "checks": [c.to_dict() for c in checks]})
        return code
    render.checklist(runtime.console, checks, code)
    return code
