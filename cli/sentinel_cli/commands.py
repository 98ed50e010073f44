"""The ``sentinel`` commands: thin click functions over the gateway, the run reader and the views.

Exit codes (sentinel_cli.errors): 0 success, 1 a run failed (or ``status`` / ``doctor`` found
something wrong), 2 bad usage or a problem to fix before anything can run (missing stack, no
credentials or region, unknown snapshot), 3 AWS could not be reached, 4 ``doctor`` warnings only.
"""

from __future__ import annotations

import json
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cached_property, update_wrapper
from itertools import islice
from typing import Any, TextIO

import click
from rich.console import Console

from sentinel_cli import views
from sentinel_cli.errors import (
    EXIT_OK,
    EXIT_RUN_FAILED,
    AccessDeniedError,
    AwsCallError,
    SentinelError,
    UnknownExecutionError,
)
from sentinel_cli.gateway import AwsGateway
from sentinel_cli.runs import RunView, did_the_job, run_kind
from sentinel_cli.schedule import ScheduleExpressionError, next_run
from sentinel_cli.subscriptions import alert_reach, render_alert_reach
from snapshot_sentinel.naming import counted, name_problem

DEFAULT_STACK = "snapshot-sentinel"
BACKUP = "BackupStateMachine"
RECENT_RUNS = 5
FOLLOW_EVENTS = 15
"""History events read per poll: a poll cycle (Wait, Task, Choice) is about ten, so the newest state
data is among them; the state data in each event is what makes a read heavy."""
FINAL_EVENTS = 100
"""Read once at the end of a failed run, to find the alert step's result."""
SUCCESS_SEARCH_LIMIT = 200
"""Succeeded executions looked at to find the newest real backup (retention-only runs are skipped)."""


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


@dataclass
class Runtime:
    """What the commands need from the outside world; tests replace pieces of it."""

    connect: Callable[..., AwsGateway] = AwsGateway.connect
    sleep: Callable[[float], None] = time.sleep
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    poll_seconds: float = 5.0
    stdout_is_terminal: Callable[[], bool] = field(default=lambda: sys.stdout.isatty())
    out: TextIO | None = None
    """Where results go (None: stdout, looked up when written)."""
    err: TextIO | None = None
    """Where errors go (None: stderr)."""
    as_json: bool = False

    @cached_property
    def console(self) -> Console:
        return views.make_console(self.out)

    def emit_json(self, document: Any) -> None:
        click.echo(json.dumps(document, indent=2, default=_json_default), file=self.out)

    def error(self, message: str) -> None:
        click.echo(message, file=self.err or sys.stderr)


def given(**values: Any) -> dict[str, Any]:
    """A state machine input of the flags a person set: keys whose value is None are left out, so the
    state machine applies its own defaults (False stays: an explicit "no" is an answer)."""
    return {key: value for key, value in values.items() if value is not None}


def execution_name(verb: str, now: datetime) -> str:
    """Unique, readable and valid for Step Functions (80 characters, no spaces)."""
    return f"sentinel-{verb}-{now.astimezone(UTC):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"


class SentinelGroup(click.Group):
    """Turns a SentinelError into its message on stderr (and a JSON error with --json) and its exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SentinelError as exc:
            runtime = ctx.find_object(Runtime)
            if runtime is not None and runtime.as_json:
                runtime.emit_json({"error": type(exc).__name__, "message": str(exc)})
            (runtime or Runtime()).error(f"Error: {exc}")
            ctx.exit(exc.exit_code)


def stack_options(command: Callable[..., int]) -> Callable[..., Any]:
    """--stack, --region, --profile and --json on every command; the gateway is opened lazily."""

    def wrapper(
        ctx: click.Context, stack: str, region: str | None, profile: str | None, as_json: bool, **kw: Any
    ) -> None:
        runtime = ctx.ensure_object(Runtime)
        runtime.as_json = as_json

        def gateway() -> AwsGateway:
            return runtime.connect(stack, region=region, profile=profile)

        ctx.exit(command(runtime, gateway, **kw))

    update_wrapper(wrapper, command)
    options = [
        click.option(
            "--stack",
            default=DEFAULT_STACK,
            show_default=True,
            envvar="SENTINEL_STACK",
            help="CloudFormation stack of Snapshot Sentinel (env SENTINEL_STACK).",
        ),
        click.option(
            "--region",
            default=None,
            envvar="AWS_REGION",
            help="AWS region of the stack (default: AWS_REGION, then AWS_DEFAULT_REGION, then the profile's region).",
        ),
        click.option("--profile", default=None, help="AWS profile (default: AWS_PROFILE or the default chain)."),
        click.option("--json", "as_json", is_flag=True, help="Print one JSON document for scripts instead of tables."),
    ]
    decorated: Any = click.pass_context(wrapper)
    for option in reversed(options):
        decorated = option(decorated)
    return decorated  # type: ignore[no-any-return]


@click.group(cls=SentinelGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
def cli() -> None:
    """Back up, restore, watch and inspect a Snapshot Sentinel stack.

    Reads the stack's CloudFormation outputs (--stack, default snapshot-sentinel) and uses the usual
    AWS credential chain. Exit codes: 0 success, 1 the run failed (or status/doctor found a problem),
    2 bad usage or set-up (stack, credentials, region), 3 AWS unreachable, 4 doctor warnings only.
    """


# -- following a run -------------------------------------------------------------------------------


def follow(runtime: Runtime, gateway: AwsGateway, execution_arn: str, *, title: str) -> RunView:
    """Poll an execution until it ends, showing its state, polls and shards as they change."""
    machines = {arn: name for name, arn in gateway.state_machines.items()}
    follower = views.follower_for(runtime.console, as_json=runtime.as_json, title=title)
    try:
        while True:
            described = gateway.describe_execution(execution_arn)
            view = RunView.build(described, gateway.recent_events(execution_arn, limit=FOLLOW_EVENTS), machines)
            follower.update(view)
            if view.finished:
                break
            runtime.sleep(runtime.poll_seconds)
    finally:
        follower.close()
    if view.alert is None and not view.succeeded:
        view = RunView.build(described, gateway.recent_events(execution_arn, limit=FINAL_EVENTS), machines)
    return view


def finish(runtime: Runtime, view: RunView, extra: dict[str, Any] | None = None) -> int:
    if runtime.as_json:
        runtime.emit_json({**view.to_dict(), **(extra or {})})
    else:
        views.render_result(runtime.console, view)
    return EXIT_OK if view.succeeded else EXIT_RUN_FAILED


def started(runtime: Runtime, execution_arn: str, run_input: dict[str, Any]) -> int:
    if runtime.as_json:
        runtime.emit_json({"execution_arn": execution_arn, "status": "RUNNING", "input": run_input})
    else:
        runtime.console.print(f"Started {execution_arn}")
        runtime.console.print(f"Follow it with: sentinel watch {execution_arn}")
    return EXIT_OK


def start_and_follow(
    runtime: Runtime,
    stack: AwsGateway,
    state_machine_arn: str,
    run_input: dict[str, Any],
    *,
    verb: str,
    wait: bool | None,
) -> int:
    """Start a run; follow it to its end when asked (or, by default, when stdout is a terminal)."""
    arn = stack.start_execution(state_machine_arn, execution_name(verb, runtime.now()), run_input)
    if not (runtime.stdout_is_terminal() if wait is None else wait):
        return started(runtime, arn, run_input)
    return finish(runtime, follow(runtime, stack, arn, title=verb.capitalize()))


def wait_option(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--wait/--no-wait",
        default=None,
        help="Follow the run until it ends (default: when stdout is a terminal).",
    )(command)


# -- backup ----------------------------------------------------------------------------------------


def _check_name(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    problem = name_problem(value) if value is not None else None
    if problem:
        raise click.BadParameter(f"{value!r} is not a valid snapshot name: it {problem}")
    return value


@cli.command()
@click.option("--name", callback=_check_name, help="Snapshot name (default: <SnapshotPrefix>-<UTC timestamp>).")
@click.option("--indices", help='Index patterns, e.g. "logs-*,-.kibana*" (default: every index).')
@click.option("--skip-retention", is_flag=True, help="Take the snapshot without pruning old ones.")
@wait_option
@stack_options
def backup(
    runtime: Runtime,
    gateway: Callable[[], AwsGateway],
    name: str | None,
    indices: str | None,
    skip_retention: bool,
    wait: bool | None,
) -> int:
    """Start a BackupStateMachine run now."""
    stack = gateway()
    state_machine = stack.output("BackupStateMachineArn")
    run_input = given(snapshot_name=name or None, indices=indices or None, skip_retention=skip_retention or None)
    return start_and_follow(runtime, stack, state_machine, run_input, verb="backup", wait=wait)


# -- watch -----------------------------------------------------------------------------------------


def resolve_execution(stack: AwsGateway, execution: str) -> str:
    """An execution ARN, or a name looked up under each of the stack's state machines."""
    if execution.startswith("arn:"):
        return execution
    for state_machine in stack.state_machines.values():
        candidate = state_machine.replace(":stateMachine:", ":execution:", 1) + ":" + execution
        try:
            stack.describe_execution(candidate)
        except UnknownExecutionError:
            continue
        return candidate
    raise UnknownExecutionError(
        f"no execution named {execution!r} in the state machines of stack {stack.stack_name!r}; "
        "`sentinel status` lists the latest runs"
    )


@cli.command()
@click.argument("execution")
@stack_options
def watch(runtime: Runtime, gateway: Callable[[], AwsGateway], execution: str) -> int:
    """Follow a run (an execution ARN or name) until it ends; exit 1 if it failed."""
    stack = gateway()
    arn = resolve_execution(stack, execution)
    return finish(runtime, follow(runtime, stack, arn, title="Run"))


# -- status ----------------------------------------------------------------------------------------


def _hours(since: datetime | None, now: datetime) -> float | None:
    return None if since is None else round((now - since).total_seconds() / 3600, 1)


def _last_success(stack: AwsGateway, arn: str) -> dict[str, Any] | None:
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


def render_status(console: Console, report: dict[str, Any]) -> None:
    console.print(f"Stack {report['stack']} ({report['region']}) at {views.when(report['now'])}")
    for name, machine in report["state_machines"].items():
        rows = [
            (
                run["name"],
                run["kind"],
                run["status"],
                views.when(run["started"]),
                views.human_duration(run["duration_seconds"]),
                run["error"],
            )
            for run in machine["recent_runs"]
        ]
        what = "backup" if name == BACKUP else "run"
        if not rows:
            console.print(f"{name}: no runs yet")
            continue
        console.print(views.table(f"{name}: last runs", ["Run", "Kind", "Status", "Started", "Took", "Error"], rows))
        hours = machine["hours_since_last_success"]
        console.print(
            f"  Last successful {what}: "
            + ("never" if hours is None else f"{hours} h ago ({views.when(machine['last_success']['stopped'])})")
        )
    schedule = report["schedule"]
    if schedule is None:
        console.print("Schedule: none found for BackupStateMachine")
    else:
        nxt = views.when(schedule["next_run"]) if schedule["next_run"] else "-"
        console.print(
            f"Schedule: {schedule['expression']} ({schedule['timezone']}, {schedule['state']}); next run {nxt}"
        )
    if report["alarms"]:
        alarm_rows = [(a["name"], a["state"], a["reason"]) for a in report["alarms"]]
        console.print(views.table("Alarms", ["Alarm", "State", "Reason"], alarm_rows))
    else:
        console.print("Alarms: none found")
    render_alert_reach(console, report["alerts"], report["alert_fixes"])
    for missing in report["unknown"]:
        console.print(f"? {missing}", style="yellow")
    if report["dashboard_url"]:
        console.print(f"Dashboard: {report['dashboard_url']}")
    for problem in report["problems"]:
        console.print(f"✘ {problem}", style="bold red")
    if not report["problems"]:
        console.print("✔ backups are current, no alarm is firing and alerts reach someone", style="bold green")


@cli.command()
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
        render_status(runtime.console, report)
    return EXIT_RUN_FAILED if report["problems"] else EXIT_OK


# -- snapshots -------------------------------------------------------------------------------------

LISTING_INPUT = {"retention_only": True, "retention_dry_run": True}


def snapshot_rows(retention: dict[str, Any], *, include_unmanaged: bool) -> list[dict[str, Any]]:
    rules = retention.get("rules") or {}
    groups = [("would_delete", True, "delete"), ("kept", True, "keep")]
    if include_unmanaged:
        groups.append(("not_managed", False, "keep"))
    rows = []
    for key, managed, action in groups:
        for entry in retention.get(key) or []:
            start, end = entry.get("start_time"), entry.get("end_time")
            duration = None
            if start and end:
                duration = (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()
            rows.append(
                {
                    "name": entry["name"],
                    "state": entry.get("state"),
                    "start_time": start,
                    "duration_seconds": duration,
                    "size_bytes": entry.get("size_bytes"),
                    "managed": managed,
                    "next": action,
                    "rule": entry.get("rule"),
                    "why": rules.get(entry.get("rule"), ""),
                }
            )
    rows.sort(key=lambda r: r["start_time"] or "", reverse=True)
    return rows


@cli.command()
@click.option("--all", "include_unmanaged", is_flag=True, help="Also list snapshots this stack does not manage.")
@stack_options
def snapshots(runtime: Runtime, gateway: Callable[[], AwsGateway], include_unmanaged: bool) -> int:
    """The repository's snapshots and what retention will do to each next, and why.

    Read through a dry-run retention run of BackupStateMachine, so no access to the domain is needed.
    """
    stack = gateway()
    state_machine = stack.output("BackupStateMachineArn")
    arn = stack.start_execution(state_machine, execution_name("snapshots", runtime.now()), LISTING_INPUT)
    quiet = replace(runtime, as_json=True)
    view = follow(quiet, stack, arn, title="Listing snapshots")
    retention = view.output.get("retention") if isinstance(view.output, dict) else None
    if not view.succeeded or not isinstance(retention, dict):
        return finish(runtime, view)
    rows = snapshot_rows(retention, include_unmanaged=include_unmanaged)
    if runtime.as_json:
        runtime.emit_json(
            {
                "repository": retention.get("repository"),
                "policy": retention.get("policy"),
                "snapshots": rows,
                "omitted": retention.get("omitted") or {},
                "execution_arn": arn,
            }
        )
        return EXIT_OK
    table = views.table(
        f"Snapshots in {retention.get('repository')} (retention as of {views.when(retention.get('planned_at'))})",
        ["Name", "State", "Started", "Took", "Size", "Managed", "Next", "Why"],
        [
            (
                r["name"],
                r["state"],
                views.when(r["start_time"]),
                views.human_duration(r["duration_seconds"]),
                r["size_bytes"],
                "yes" if r["managed"] else "no",
                r["next"],
                r["why"],
            )
            for r in rows
        ],
    )
    runtime.console.print(table)
    omitted = retention.get("omitted") or {}
    for key, count in omitted.items():
        runtime.console.print(
            f"{count} more {key.replace('_', ' ')} not shown: the run's report is bounded to keep its state small"
        )
    if not include_unmanaged and (retention.get("totals") or {}).get("not_managed"):
        runtime.console.print(
            f"{counted(retention['totals']['not_managed'], 'snapshot')} not managed by this stack: --all shows them"
        )
    return EXIT_OK
