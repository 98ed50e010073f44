"""Everything the command line shows a person: tables, times and durations, a run's result, and each
command's screen (status, snapshots, a restore plan, who gets alerts, doctor's checklist, the vault,
a confirmed subscription). Progress while a run goes on is in sentinel_cli.following.

Scripts use ``--json`` instead; nothing here is parsed by anyone. The commands decide what to say and
the exit code (sentinel_cli.errors); this module only says it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, TextIO

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from sentinel_cli.checks import FAIL, OK, WARN, Check
from sentinel_cli.errors import EXIT_OK, EXIT_RUN_FAILED, EXIT_WARNINGS
from sentinel_cli.runs import BACKUP, RunView
from snapshot_sentinel.naming import counted

if TYPE_CHECKING:
    from sentinel_cli.alert_reach import AlertReach
    from sentinel_cli.gateway import Subscription

PIPE_WIDTH = 200
"""Columns of output that is not a terminal (a pipe, a file, CI): wide enough that tables do not wrap names."""


def make_console(file: TextIO | None = None) -> Console:
    """A console on ``file`` (None: stdout); output that is not a terminal gets PIPE_WIDTH columns."""
    # No markup: index names such as [logs-1] and error texts must print as they are.
    console = Console(file=file, highlight=False, markup=False, soft_wrap=False)
    if not console.is_terminal:
        console = Console(file=file, highlight=False, markup=False, width=PIPE_WIDTH, soft_wrap=False)
    return console


def human_duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, secs = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def when(moment: datetime | str | None) -> str:
    if moment is None or moment == "":
        return "-"
    if isinstance(moment, str):
        try:
            parsed = datetime.fromisoformat(moment)
        except ValueError:
            return moment
    else:
        parsed = moment
    return parsed.strftime("%Y-%m-%d %H:%M:%S %Z").strip()


def table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> Table:
    result = Table(title=title, title_justify="left", show_lines=False)
    for column in columns:
        result.add_column(column, overflow="fold")
    for row in rows:
        result.add_row(*("-" if cell is None else str(cell) for cell in row))
    return result


# -- results ---------------------------------------------------------------------------------------


def _snapshot_lines(data: Any) -> list[str]:
    snapshot = data.get("snapshot") if isinstance(data, dict) else None
    if not isinstance(snapshot, dict):
        return []
    shards = snapshot.get("shards") or {}
    lines = [f"Snapshot   {snapshot.get('name', '-')}  {snapshot.get('state', '-')}"]
    if shards:
        lines.append(
            f"Shards     {shards.get('successful', 0)}/{shards.get('total', 0)} successful, "
            f"{shards.get('failed', 0)} failed"
        )
    if snapshot.get("indices_count") is not None:
        lines.append(f"Indices    {snapshot['indices_count']}")
    if snapshot.get("duration_seconds") is not None:
        lines.append(f"Took       {human_duration(snapshot['duration_seconds'])}")
    return lines


def _retention_lines(data: Any) -> list[str]:
    retention = data.get("retention") if isinstance(data, dict) else None
    if not isinstance(retention, dict):
        return []
    totals = retention.get("totals") or {}
    verb = "would delete" if retention.get("dry_run") else "deleted"
    done = totals.get("to_delete" if retention.get("dry_run") else "deleted", 0)
    line = f"Retention  {verb} {done}, kept {totals.get('kept', 0)} of {totals.get('managed', 0)} managed"
    if totals.get("deferred"):
        line += f", deferred {totals['deferred']}"
    if retention.get("stopped_because"):
        line += f" (stopped: {retention['stopped_because']})"
    return [line]


def run_result(console: Console, view: RunView) -> None:
    """The end of a run: what it did, or what went wrong and the alert that was sent."""
    took = human_duration(view.duration_seconds)
    title = f"{view.state_machine} run {view.name}"
    if view.succeeded:
        console.print(Text(f"✔ {title} SUCCEEDED in {took}", style="bold green"))
    else:
        console.print(Text(f"✘ {title} {view.status} after {took}", style="bold red"))
    for line in [*_snapshot_lines(view.data), *_retention_lines(view.data)]:
        console.print(f"  {line}")
    if view.error or view.cause:
        console.print(f"  Error      {view.error or '-'}")
        console.print(f"  Cause      {view.cause or '-'}")
    if view.alert:
        subject = view.alert.get("subject")
        if subject:
            console.print(f"  Alert      {subject}")
        for key in ("text", "summary"):
            if isinstance(view.alert.get(key), str):
                console.print(view.alert[key])
    elif not view.succeeded and view.finished:
        console.print("  Alert      none recorded by the run; see the execution's history and AlertTopic")
    console.print(f"  Execution  {view.arn}")


def run_started(console: Console, execution_arn: str) -> None:
    console.print(f"Started {execution_arn}")
    console.print(f"Follow it with: sentinel watch {execution_arn}")


# -- status ----------------------------------------------------------------------------------------


def status_report(console: Console, report: dict[str, Any]) -> None:
    console.print(f"Stack {report['stack']} ({report['region']}) at {when(report['now'])}")
    for name, machine in report["state_machines"].items():
        rows = [
            (
                run["name"],
                run["kind"],
                run["status"],
                when(run["started"]),
                human_duration(run["duration_seconds"]),
                run["error"],
            )
            for run in machine["recent_runs"]
        ]
        what = "backup" if name == BACKUP else "run"
        if not rows:
            console.print(f"{name}: no runs yet")
            continue
        console.print(table(f"{name}: last runs", ["Run", "Kind", "Status", "Started", "Took", "Error"], rows))
        hours = machine["hours_since_last_success"]
        console.print(
            f"  Last successful {what}: "
            + ("never" if hours is None else f"{hours} h ago ({when(machine['last_success']['stopped'])})")
        )
    schedule = report["schedule"]
    if schedule is None:
        console.print("Schedule: none found for BackupStateMachine")
    else:
        nxt = when(schedule["next_run"]) if schedule["next_run"] else "-"
        console.print(
            f"Schedule: {schedule['expression']} ({schedule['timezone']}, {schedule['state']}); next run {nxt}"
        )
    if report["alarms"]:
        alarm_rows = [(a["name"], a["state"], a["reason"]) for a in report["alarms"]]
        console.print(table("Alarms", ["Alarm", "State", "Reason"], alarm_rows))
    else:
        console.print("Alarms: none found")
    alert_subscriptions(console, report["alerts"], report["alert_fixes"])
    for missing in report["unknown"]:
        console.print(f"? {missing}", style="yellow")
    if report["dashboard_url"]:
        console.print(f"Dashboard: {report['dashboard_url']}")
    for problem in report["problems"]:
        console.print(f"✘ {problem}", style="bold red")
    if not report["problems"]:
        console.print("✔ backups are current, no alarm is firing and alerts reach someone", style="bold green")


def alert_subscriptions(console: Console, alerts: dict[str, Any], fixes: list[str]) -> None:
    """Who receives AlertTopic's messages (``AlertReach.to_dict()``) and what to fix."""
    subscriptions = alerts["subscriptions"]
    if subscriptions is None:
        return  # unknown: said with the other unknowns
    if not subscriptions:
        console.print("Alerts: AlertTopic has no subscriptions")
    else:
        rows = [
            (
                s["protocol"],
                s["endpoint"],
                s["state"],
                "-"
                if s["state"] != "confirmed"
                else {True: "needs AWS credentials", False: "one click (not protected)"}.get(
                    s["authenticated_unsubscribe"], "unknown"
                ),
            )
            for s in subscriptions
        ]
        console.print(table("Alerts go to (AlertTopic)", ["Protocol", "Endpoint", "State", "Unsubscribe"], rows))
    for fix in fixes:
        console.print(f"  → {fix}")


# -- snapshots -------------------------------------------------------------------------------------


def snapshot_list(
    console: Console, retention: dict[str, Any], rows: list[dict[str, Any]], *, include_unmanaged: bool
) -> None:
    """The repository's snapshots as a retention dry run saw them, with what retention does next."""
    console.print(
        table(
            f"Snapshots in {retention.get('repository')} (retention as of {when(retention.get('planned_at'))})",
            ["Name", "State", "Started", "Took", "Size", "Managed", "Next", "Why"],
            [
                (
                    r["name"],
                    r["state"],
                    when(r["start_time"]),
                    human_duration(r["duration_seconds"]),
                    r["size_bytes"],
                    "yes" if r["managed"] else "no",
                    r["next"],
                    r["why"],
                )
                for r in rows
            ],
        )
    )
    omitted = retention.get("omitted") or {}
    for key, count in omitted.items():
        console.print(
            f"{count} more {key.replace('_', ' ')} not shown: the run's report is bounded to keep its state small"
        )
    if not include_unmanaged and (retention.get("totals") or {}).get("not_managed"):
        console.print(
            f"{counted(retention['totals']['not_managed'], 'snapshot')} not managed by this stack: --all shows them"
        )


# -- restore ---------------------------------------------------------------------------------------

BLOCKED_INDEX = re.compile(r"^\[([^\]]+)\] (.+)$")
"""A blocker about one index names it first: ``[orders] exists (open); restore under another name ...``."""


def plan_rows(plan: dict[str, Any], *, renamed: bool = False) -> list[tuple[str, str, str, str]]:
    """(index in the snapshot, restored as, action, why) for every index the plan's samples name,
    and every index a blocker names (a refused plan restores nothing, so it has no other rows)."""
    rows = [(str(r["source"]), str(r["target"]), "restore", "") for r in plan.get("restore_sample") or []]
    for conflict in plan.get("replace_sample") or []:
        if isinstance(conflict, dict):
            source, target = str(conflict.get("source", "")), str(conflict.get("target", conflict.get("source", "")))
        else:
            source = target = str(conflict)
        rows.append((source, target, "replace", "exists: saved in a safety snapshot, deleted, then restored"))
    rows.extend((str(s.get("index")), "-", "skip", str(s.get("reason", ""))) for s in plan.get("skipped_sample") or [])
    for blocker in plan.get("blockers") or []:
        named = BLOCKED_INDEX.match(str(blocker))
        if named:
            rows.append(("-" if renamed else named.group(1), named.group(1), "refused", named.group(2)))
    return rows


def restore_plan(console: Console, plan: dict[str, Any], *, renamed: bool = False) -> None:
    snapshot = plan.get("snapshot") or {}
    counts = plan.get("counts") or {}
    blockers = [str(b) for b in plan.get("blockers") or []]
    if snapshot:
        console.print(
            f"Snapshot {snapshot.get('name')} ({snapshot.get('state')}, {when(snapshot.get('start_time'))}) "
            f"in {plan.get('repository')}: {snapshot.get('why', '')}"
        )
    rows = plan_rows(plan, renamed=renamed)
    if rows:
        console.print(table("Restore plan", ["Index in snapshot", "Restored as", "Action", "Why"], rows))
    if blockers:
        console.print(f"Nothing will be restored: {counted(len(blockers), 'blocker')}.")
    else:
        shown = len(rows)
        total = sum(int(counts.get(k, 0)) for k in ("restore", "replace", "skip"))
        console.print(
            f"{counts.get('restore', 0)} to restore, {counts.get('replace', 0)} to replace, "
            f"{counts.get('skip', 0)} skipped" + (f" ({total - shown} not listed)" if total > shown else "")
        )
    for reason, count in (plan.get("skipped_by_reason") or {}).items():
        console.print(f"  skipped {count}: {reason}")
    for warning in plan.get("warnings") or []:
        console.print(f"! {warning}", style="yellow")
    for advice in plan.get("advice") or []:
        console.print(f"  advice: {advice if isinstance(advice, str) else json.dumps(advice)}")
    if plan.get("safety_snapshot"):
        console.print(f"Safety snapshot before replacing: {plan['safety_snapshot']}")
    for blocker in blockers:
        if not BLOCKED_INDEX.match(blocker):  # the ones about an index are rows of the table
            console.print(f"✘ {blocker}", style="bold red")


def restore_refused(console: Console, planned: RunView) -> None:
    console.print("Refused: the plan is not safe; nothing on the domain was changed.", style="bold red")
    console.print(f"  Plan run   {planned.name}")
    if planned.cause:
        console.print(f"  Cause      {planned.cause}")


# -- doctor ----------------------------------------------------------------------------------------

CHECK_STYLES = {OK: "green", WARN: "yellow", FAIL: "bold red"}
CHECKLIST_VERDICTS = {
    EXIT_OK: "ready.",
    EXIT_RUN_FAILED: "fix the FAIL lines first.",
    EXIT_WARNINGS: "finish the WARN lines.",
}
"""The last line of ``doctor`` for each of its exit codes."""


def checklist(console: Console, checks: list[Check], code: int) -> None:
    width = max(len(c.item) for c in checks)
    for check in checks:
        console.print(f"{check.status:<4}  {check.item:<{width}}  {check.detail}", style=CHECK_STYLES[check.status])
        if check.fix and check.status != OK:
            console.print(f"      {'':<{width}}  → {check.fix}")
    counts = {s: sum(c.status == s for c in checks) for s in (OK, WARN, FAIL)}
    summary = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
    console.print(f"{summary}: " + CHECKLIST_VERDICTS[code])


# -- vault -----------------------------------------------------------------------------------------


def vault_report(out: TextIO | None, report: dict[str, object]) -> None:
    lines = [f"vault           s3://{report['bucket']} ({report['region']})"]
    if "generation" in report:
        lag = report.get("lag_hours")
        lines += [
            f"newest snapshot {report['newest_snapshot'] or '(none)'}",
            f"lag             {'unknown' if lag is None else f'{lag} h'}",
            (
                f"snapshots       {report['snapshots']} (generation {report['generation']}, "
                f"{report['referenced_files']} metadata files, all there)"
            ),
            f"retention       {report['retention_mode'] or 'no Object Lock'}"
            + (f", {report['retention_days']} days" if report.get("retention_days") else ""),
        ]
    if "problem" in report:
        lines.append(f"problem         {report['problem']}")
    click.echo("\n".join(lines), file=out)


# -- confirm ---------------------------------------------------------------------------------------


def subscription_confirmed(console: Console, subscription: Subscription, reach: AlertReach) -> None:
    console.print(
        f"✔ Confirmed: {subscription.endpoint or subscription.arn} ({subscription.protocol or 'subscription'}) "
        "receives the stack's alerts",
        style="bold green",
    )
    if subscription.authenticated_unsubscribe:
        console.print("  Unsubscribing it needs AWS credentials of this account (authenticated unsubscribe).")
    else:
        console.print(
            "  ! SNS reports the confirmation as unauthenticated: one click on unsubscribe still removes it.",
            style="yellow",
        )
    if reach.subscriptions is not None:
        console.print(f"  AlertTopic now has {len(reach.confirmed)} confirmed, {len(reach.pending)} pending.")
