"""`sentinel status` and `sentinel snapshots`, and the errors every command shares."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import boto3

from sentinel_cli.errors import AccessDeniedError
from sentinel_cli.gateway import AwsGateway
from tests.emulator import SnapshotProgress
from tests.support.cli import Sentinel, publish_stack
from tests.support.constants import REGION, REPOSITORY

OURS = {"taken_by": "snapshot-sentinel", "stack": "snapshot-sentinel", "execution_id": "arn:earlier"}


def test_status_flags_a_backup_older_than_the_stacks_rpo_hours_and_exits_1(sentinel, stack, domain):
    domain.progress = SnapshotProgress(polls=1, outcome="SUCCESS")
    assert stack.run({}).status == "SUCCEEDED"
    stack.run({"retention_only": True, "retention_dry_run": True})
    stack.clock.advance(50 * 3600)

    code, report = sentinel.json("status")
    text = sentinel("status")

    assert code == 1
    backup = report["state_machines"]["BackupStateMachine"]
    assert 50 <= backup["hours_since_last_success"] < 51
    assert [run["kind"] for run in backup["recent_runs"]] == ["retention (dry run)", "backup"]
    assert report["backup_stale"] is True
    assert report["schedule"]["expression"] == "cron(0 2 * * ? *)"
    assert report["schedule"]["next_run"] == "2026-12-01T02:00:00+00:00"
    # the stack's RpoHours (default 26), the same window as NoRecentBackupAlarm
    assert report["problems"] == ["the last successful backup is 50.0 h old (more than 26 h)"]
    assert text.exit_code == 1
    assert "the last successful backup is 50.0 h old" in text.stdout
    assert "2026-12-01 02:00:00 UTC" in text.stdout


def test_status_is_0_after_a_fresh_backup_and_1_when_the_stacks_alarm_fires(stack, domain):
    alarm = "snapshot-sentinel-NoRecentBackupAlarm-XYZ"
    publish_stack(stack, attributes={"NoRecentBackupAlarm": alarm})
    cloudwatch = boto3.client("cloudwatch", region_name=REGION)
    cloudwatch.put_metric_alarm(
        AlarmName=alarm,
        Namespace="SnapshotSentinel",
        MetricName="SnapshotSucceeded",
        Statistic="Sum",
        Period=3600,
        EvaluationPeriods=26,
        Threshold=1,
        ComparisonOperator="LessThanThreshold",
    )
    domain.progress = SnapshotProgress(polls=1, outcome="SUCCESS")
    stack.run({})
    sentinel = Sentinel(stack)
    fresh, quiet = sentinel.json("status")
    cloudwatch.set_alarm_state(AlarmName=alarm, StateValue="ALARM", StateReason="no SUCCESS in 26 hours")

    firing, report = sentinel.json("status")
    text = sentinel("status")

    assert fresh == 0
    assert quiet["problems"] == []
    assert [a["name"] for a in quiet["alarms"]] == [alarm]
    assert firing == 1
    assert report["alarms_in_alarm"] == [alarm]
    assert report["problems"] == [f"alarm {alarm} is in ALARM"]
    assert "no SUCCESS in 26 hours" in text.stdout


def test_snapshots_lists_managed_ones_with_what_retention_does_next(sentinel, stack, domain):
    now = stack.clock.now()
    for days_ago in range(20, 0, -1):
        start = now - timedelta(days=days_ago)
        domain.add_snapshot(
            REPOSITORY,
            f"nightly-{start:%Y-%m-%dt%H-%M-%Sz}",
            start_time=start,
            end_time=start + timedelta(minutes=7),
            metadata=OURS,
        )
    domain.add_snapshot(REPOSITORY, "nightly-from-staging", start_time=now, metadata={**OURS, "stack": "staging"})
    before = {s.name for s in domain.snapshots(REPOSITORY)}

    code, listing = sentinel.json("snapshots")
    _, everything = sentinel.json("snapshots", "--all")
    table = sentinel("snapshots")

    assert code == 0
    assert {s.name for s in domain.snapshots(REPOSITORY)} == before
    rows = listing["snapshots"]
    assert len(rows) == 20
    assert sum(r["next"] == "delete" for r in rows) == 6
    oldest = rows[-1]
    assert oldest["next"] == "delete"
    assert oldest["why"] == "Deleted: SUCCESS older than 14 days, beyond the 7 newest."
    assert rows[0]["why"] == "Kept: the newest SUCCESS snapshot."
    assert [r["name"] for r in everything["snapshots"] if not r["managed"]] == ["nightly-from-staging"]
    assert oldest["name"] in table.stdout
    assert "1 snapshot not managed by this stack: --all shows them" in table.stdout


def test_a_missing_stack_says_which_stack_and_region_and_exits_2(stack):
    result = Sentinel(stack)("status", "--stack", "no-such-stack")

    assert result.exit_code == 2
    assert "stack 'no-such-stack' not found in region us-east-1" in result.stderr
    assert "--stack" in result.stderr


def test_json_errors_are_json_too(stack):
    code, document = Sentinel(stack).json("backup", "--stack", "no-such-stack", "--wait")

    assert code == 2
    assert document["error"] == "StackNotFoundError"


def test_bad_usage_exits_2_before_anything_starts(sentinel, stack):
    unknown_option = sentinel("backup", "--frobnicate")
    bad_name = sentinel("backup", "--name", "Before Upgrade")
    no_command = sentinel("restart")
    executions = boto3.client("stepfunctions", region_name=REGION).list_executions(
        stateMachineArn=stack.state_machine_arn
    )["executions"]

    assert [unknown_option.exit_code, bad_name.exit_code, no_command.exit_code] == [2, 2, 2]
    assert "must not contain whitespace" in bad_name.stderr
    assert executions == []


def test_status_without_a_schedule_says_so(stack, outputs, domain):
    domain.progress = SnapshotProgress(polls=1, outcome="SUCCESS")
    stack.run({})

    code, report = Sentinel(stack).json("status")

    assert report["schedule"] is None
    assert code == 0


def test_a_long_listing_says_how_many_it_could_not_show(sentinel, stack, domain):
    now = stack.clock.now()
    for hours_ago in range(120, 0, -1):
        start = now - timedelta(hours=hours_ago)
        domain.add_snapshot(REPOSITORY, f"nightly-{start:%Y-%m-%dt%H-%M-%Sz}", start_time=start, metadata=OURS)

    code, listing = sentinel.json("snapshots")
    table = sentinel("snapshots")

    assert code == 0
    shown, omitted = len(listing["snapshots"]), listing["omitted"]["kept"]
    assert shown + omitted == 120
    assert omitted > 0
    assert f"{omitted} more kept not shown" in table.stdout


def test_status_without_permission_to_read_the_schedule_still_reports_the_rest(sentinel, stack, domain):
    domain.progress = SnapshotProgress(polls=1, outcome="SUCCESS")
    stack.run({})
    denied = AccessDeniedError("scheduler get_schedule was denied (AccessDeniedException: not authorized)")

    with mock.patch.object(AwsGateway, "schedule_for", side_effect=denied):
        code, report = sentinel.json("status")

    assert code == 0
    assert report["schedule"] is None
    assert report["unknown"] == [f"the schedule is unknown: {denied}"]
    assert report["state_machines"]["BackupStateMachine"]["hours_since_last_success"] is not None
