"""`make demo`: a local rehearsal of two nights of Snapshot Sentinel, and a restore the morning after.

An emulated OpenSearch 2.11 domain (real HTTP on 127.0.0.1, SigV4 checked) with a few indices
and three weeks of earlier nightly snapshots; the real BackupStateMachine from template.yaml in
moto's ASL interpreter; the real handlers. Night one ends in SUCCESS and prunes what the
retention rules allow. Night two ends PARTIAL, and the alert is printed as a subscriber gets it.
The next morning the ``orders`` index is deleted by mistake: a dry run of RestoreStateMachine shows
the plan (night one's snapshot, since a PARTIAL one is never the default), then the restore brings
the index back with its documents, watched shard by shard, and the [RESTORED] report is printed.
Then the weekly restore drill proves night one's snapshot restores, and cleans up after itself.
Last, the command line a team uses (``sentinel status``, ``snapshots``, ``doctor``, ``confirm``,
``backup``) runs in-process against this same stack, and its real output is printed.
Time is virtual: Wait states advance a clock instead of sleeping.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import textwrap
from datetime import UTC, datetime, timedelta

import boto3

from snapshot_sentinel.naming import counted
from snapshot_sentinel.ownership import snapshot_metadata
from tests.emulator import EmulatedDomain, EmulatorCredentials, RecoveryProgress, SnapshotProgress, serve
from tests.support.cli import Sentinel, publish_schedule, publish_stack
from tests.support.constants import REGION, REPOSITORY
from tests.support.sns_confirmation import EmailConfirmations
from tests.support.stack import Invocation, RehearsalStack, RunResult, VirtualClock

LOG_INDICES = ("logs-2026.11.26", "logs-2026.11.27", "logs-2026.11.28")
INDICES = (*LOG_INDICES, "orders", ".kibana_1")
WIDTH = 96
PARAMETERS = {
    "DomainArn": "arn:aws:es:us-east-1:123456789012:domain/my-domain",
    "SnapshotBucketName": "my-snapshot-bucket",
}


def describe(call: Invocation) -> str:
    if call.error:
        return f"raised {call.error}: {textwrap.shorten(call.message or '', 70)}"
    result = call.result or {}
    if call.function == "ValidateInputFunction":
        poll = result.get("poll_interval_seconds")
        return f"input accepted; snapshot {result.get('snapshot_name')}, poll every {poll} s"
    if call.function == "TakeSnapshotFunction":
        return f"PUT _snapshot/{REPOSITORY}/{result.get('name')}?wait_for_completion=false -> accepted"
    if call.function == "CheckSnapshotFunction":
        shards = result.get("shards", {})
        progress = result.get("progress") or {}
        if result.get("state") == "IN_PROGRESS" and progress.get("shards_total"):
            # A running snapshot reports shards only through _status; GET _snapshot/<name> says 0/0.
            eta = f", {result['remaining_text']}" if result.get("remaining_text") else ""
            return (
                f"GET .../{result.get('name')} + _status -> IN_PROGRESS"
                f" (shards {progress.get('shards_done', 0)}/{progress['shards_total']} done{eta})"
            )
        return (
            f"GET _snapshot/{REPOSITORY}/{result.get('name')} -> {result.get('state')}"
            f" (shards {shards.get('successful', 0)}/{shards.get('total', 0)}, failed {shards.get('failed', 0)})"
        )
    if call.function == "ApplyRetentionFunction":
        totals = result.get("totals", {})
        requests = totals.get("delete_requests", 0)
        summary = f"retention: kept {totals.get('kept', 0)}, deleted {totals.get('deleted', 0)}"
        summary += f" in {requests} request{'s' if requests != 1 else ''}"
        for key in ("deferred", "not_reached"):
            if totals.get(key):
                summary += f", {key.replace('_', ' ')} {totals[key]}"
        return summary
    if call.function == "SendAlertFunction":
        return f"alert published: {result.get('subject')}"
    if call.function == "RecordDocumentCountsFunction":
        when = "before the snapshot" if result.get("phase") == "before" else "after it ended"
        return f"drill catalog: document counts of {result.get('indices')} indices {when} (_cat/indices)"
    if call.function == "EnsureRepositoryFunction":
        again = "missing, registered again" if result.get("registered_again") else "registered, nothing to do"
        return f"GET _snapshot/{result.get('repository')} on the {result.get('target')} domain -> {again}"
    if call.function == "MeasureRestoredIndicesFunction":
        indices, size = result.get("indices") or 0, (result.get("size_bytes") or 0) / 1e6
        return f"restored: {indices} ind{'ex' if indices == 1 else 'ices'}, {result.get('docs')} docs, {size:.1f} MB"
    if call.function == "ValidateRestoreInputFunction":
        return f"input accepted; indices {result.get('indices')}, dry run {str(result.get('dry_run')).lower()}"
    if call.function == "PlanRestoreFunction":
        counts = result.get("counts", {})
        return (
            f"plan: {result.get('action')} from {result.get('snapshot_name')}: restore {counts.get('restore')},"
            f" skip {counts.get('skip')}, blockers {counts.get('blockers')}"
        )
    if call.function == "StartRestoreFunction":
        return f"POST _snapshot/{REPOSITORY}/<snapshot>/_restore?wait_for_completion=false -> accepted"
    if call.function == "CheckRestoreFunction":
        primaries = result.get("primaries", {})
        return (
            f"health + _recovery: {result.get('counts', {}).get('done')} of"
            f" {counted(int(result.get('targets_count') or 0), 'index')} done,"
            f" primaries {primaries.get('done')}/{primaries.get('total')}"
        )
    if call.function == "ReportRestoreFunction":
        return f"report published: {result.get('subject')}"
    if call.function == "PlanDrillFunction":
        return (
            f"drill plan: {len(result.get('picks', []))} indices, {result.get('shards')} primaries from"
            f" {result.get('snapshot_name')}"
        )
    if call.function == "StartDrillFunction":
        return "POST _restore as drill-<snapshot start>-<run>-<index>, 0 replicas, no aliases -> accepted"
    if call.function == "VerifyDrillFunction":
        return f"verify counts, mappings, a search: {'passed' if result.get('passed') else 'FAILED'}"
    if call.function == "CheckDrillFunction":
        return f"_cluster/health: {'every primary active' if result.get('done') else 'waiting'}"
    if call.function == "CleanUpDrillFunction":
        return f"clean-up: {result.get('note')}"
    if call.function == "ReportDrillFunction":
        return f"report published: {result.get('subject')}"
    return json.dumps(result)[:80]


def print_timeline(title: str, run: RunResult, started: datetime) -> None:
    print(f"\n{title}\n" + "-" * len(title))
    for call in run.invocations:
        offset = call.at - started
        minutes, seconds = divmod(int(offset.total_seconds()), 60)
        step = call.function.removesuffix("Function")
        print(f"  +{minutes:3d}m{seconds:02d}s  {step:<20} {describe(call)}")
    checks = [*run.calls("CheckSnapshotFunction"), *run.calls("CheckRestoreFunction")]
    checks += run.calls("CheckDrillFunction")
    polls = len(checks)
    print(f"  result: {run.status}; {run.transitions} state transitions; {polls} polls")


def seed_history(domain: EmulatedDomain, now: datetime) -> None:
    for days_ago in range(21, 0, -1):
        start = (now - timedelta(days=days_ago)).replace(hour=2, minute=0, second=0, microsecond=0)
        name = f"nightly-{start:%Y-%m-%dt%H-%M-%Sz}"
        # What the take step of this stack wrote on that night's snapshot.
        metadata = snapshot_metadata(
            "snapshot-sentinel",
            f"arn:aws:states:us-east-1:123456789012:execution:BackupStateMachine:{name}",
            subset=False,
        )
        domain.add_snapshot(
            REPOSITORY,
            name,
            state="SUCCESS",
            start_time=start,
            end_time=start + timedelta(minutes=9),
            metadata=metadata,
        )
    domain.add_snapshot(REPOSITORY, "before-upgrade-2-11", state="SUCCESS", start_time=now - timedelta(days=40))


def main() -> int:
    logging.getLogger("moto").setLevel(logging.CRITICAL)
    # The functions' own JSON log lines would drown the timeline; SENTINEL_LOG_LEVEL=INFO shows them.
    from snapshot_sentinel.observability import logger

    logger.setLevel(os.environ.get("SENTINEL_LOG_LEVEL", "WARNING"))
    clock = VirtualClock(datetime.now(UTC).replace(hour=2, minute=0, second=0, microsecond=0))
    credentials = EmulatorCredentials.testing()
    domain = EmulatedDomain(
        engine="opensearch",
        version="2.11.0",
        region="us-east-1",
        credentials=credentials,
        indices=INDICES,
        clock=clock.now,
    )
    domain.register_repository(REPOSITORY, bucket="my-snapshot-bucket")
    domain.create_index("orders", shards=2, replicas=1, docs=1_200, aliases=["orders-current"])
    for position, name in enumerate(LOG_INDICES):
        domain.add_documents(name, 400 + 150 * position)
    seed_history(domain, clock.now())
    print("Snapshot Sentinel rehearsal: emulated OpenSearch 2.11 domain + the real state machine in moto")
    with (
        serve(domain, port=0) as server,
        RehearsalStack(server.endpoint, parameters=PARAMETERS, clock=clock, credentials=credentials) as stack,
    ):
        print(f"domain {server.endpoint}, repository {REPOSITORY}: {len(domain.snapshots(REPOSITORY))} snapshots")
        print("parameters: RetentionDays 14, RetentionMinCount 7, PollIntervalSeconds 60, MaxWaitMinutes 480")

        # Progress follows the clock, as a real snapshot's does: _status reports shards done as it runs.
        domain.progress = SnapshotProgress(duration_seconds=270, outcome="SUCCESS")
        started = clock.now()
        night_one = stack.run({}, name="night-one")
        print_timeline("Night one: a scheduled run ({}), snapshot ends SUCCESS", night_one, started)
        held = len(domain.snapshots(REPOSITORY))
        print(f"  repository now holds {held} snapshots; 'before-upgrade-2-11' is not managed, kept")

        clock.advance(24 * 3600 - (clock.now() - started).total_seconds())
        failure = {
            "index": "orders",
            "shard_id": 1,
            "reason": "IndexShardSnapshotFailedException[[orders][1] failed to snapshot: node left the cluster]",
        }
        domain.progress = SnapshotProgress(duration_seconds=200, outcome="PARTIAL", failures=(failure,))
        started = clock.now()
        night_two = stack.run({}, name="night-two")
        print_timeline("Night two: a scheduled run ({}), a node drops out, snapshot ends PARTIAL", night_two, started)

        for alert in night_two.alerts:
            print_email("The email an AlertEmail subscriber receives", alert)

        restored = act_three(stack, domain, clock)
        drilled = act_four(stack, domain, clock)
        ready = act_five(stack, domain)

    ok = (
        night_one.status == "SUCCEEDED"
        and night_two.status == "FAILED"
        and len(night_two.alerts) == 1
        and restored
        and drilled
        and ready
    )
    print(
        "\nrehearsal "
        + (
            "passed: one SUCCESS night, one PARTIAL night with its alert, a lost index restored, a drill passed,"
            " and sentinel doctor all OK once the team did what it said"
            if ok
            else "FAILED"
        )
    )
    return 0 if ok else 1


def print_email(title: str, alert: dict[str, object]) -> None:
    print(f"\n{title}")
    print("=" * WIDTH)
    print(f"Subject: {alert['subject']}\n")
    text = str(alert.get("email") or alert["message"])
    print(text.split("----- machine-readable facts")[0].rstrip())
    print("=" * WIDTH)


def act_three(stack: RehearsalStack, domain: EmulatedDomain, clock: VirtualClock) -> bool:
    """The morning after night two: ``orders`` is deleted by mistake; plan, then restore it."""
    clock.advance(6 * 3600)
    lost = domain.index("orders")
    docs = lost.doc_count if lost else 0
    domain.delete_index("orders")
    domain.recovery = RecoveryProgress(polls=3)
    print(f"\nThe morning after: DELETE /orders by mistake ({docs} documents gone)")

    started = clock.now()
    plan = stack.run({"indices": "orders", "dry_run": True}, name="plan-orders", state_machine="RestoreStateMachine")
    print_timeline('Restore, dry run ({"indices": "orders", "dry_run": true}): the plan', plan, started)
    summary = plan.output.get("plan", {})
    print(f"  snapshot: {summary.get('snapshot_name')} ({(summary.get('snapshot') or {}).get('why')})")
    for pair in summary.get("restore_sample", []):
        print(f"  will restore {pair['source']} as {pair['target']}; nothing changed yet")

    started = clock.now()
    run = stack.run({"indices": "orders"}, name="restore-orders", state_machine="RestoreStateMachine")
    print_timeline('Restore ({"indices": "orders"}): restored and watched until every shard is active', run, started)
    back = domain.index("orders")
    print(f"  orders is back with {back.doc_count if back else 0} documents")
    for alert in run.alerts:
        print_email("The [RESTORED] report on AlertTopic", alert)
    return plan.status == "SUCCEEDED" and run.status == "SUCCEEDED" and back is not None and back.doc_count == docs


def act_four(stack: RehearsalStack, domain: EmulatedDomain, clock: VirtualClock) -> bool:
    """Sunday's restore drill: the newest full SUCCESS snapshot restores under drill- names, is
    verified against the catalog's counts, and is cleaned up."""
    clock.advance(3600)
    started = clock.now()
    run = stack.run({}, name="weekly-drill", state_machine="DrillStateMachine")
    print_timeline("Restore drill (scheduled, {}): restore a capped sample, verify, clean up", run, started)
    left = [name for name in domain.index_names() if name.startswith("drill-")]
    print(f"  drill indices left on the domain: {len(left)}")
    for alert in run.alerts:
        print_email("The drill report on AlertTopic", alert)
    clock.advance(3600)
    reading = stack.invoke("PublishDrillFreshnessFunction")
    print(
        f"  an hour later, PublishDrillFreshness (hourly): {reading['days_since_drill_succeeded']} days since the"
        f" last passing drill; NoRecentDrillAlarm fires above {reading['stale_days']}"
    )
    return run.status == "SUCCEEDED" and not left and reading["source"] == "drill" and not reading["stale"]


def show(sentinel: Sentinel, *args: str) -> int:
    """Run ``sentinel <args>`` in-process against the rehearsal and print what a terminal would show."""
    shown = " ".join(f"'{a}'" if "?" in a else a for a in args)
    result = sentinel(*args)
    print(f"\n$ sentinel {shown}")
    print((result.stdout + result.stderr).rstrip())
    print(f"(exit {result.exit_code})")
    return result.exit_code


def act_five(stack: RehearsalStack, domain: EmulatedDomain) -> bool:
    """The command line against this stack: its CloudFormation outputs and schedule are published in
    moto, and an on-call address is subscribed to AlertTopic, pending as SNS leaves it after a deploy.
    CloudWatch does not evaluate alarms in moto: NoRecentBackupAlarm is set here to what AWS would
    show (ALARM: the last SUCCESS is past RpoHours after the PARTIAL night; OK after a new backup)."""
    print("\nThe command line a team uses, against this rehearsal (real output, in-process)")
    print("=" * WIDTH)
    alarm = f"{stack.stack_name}-NoRecentBackupAlarm-REHEARSAL"
    cloudwatch = boto3.client("cloudwatch", region_name=REGION)
    cloudwatch.put_metric_alarm(
        AlarmName=alarm,
        Namespace="SnapshotSentinel",
        MetricName="SnapshotSucceeded",
        Dimensions=[{"Name": "domain", "Value": "my-domain"}],
        Statistic="Sum",
        Period=3600,
        EvaluationPeriods=26,
        Threshold=1,
        ComparisonOperator="LessThanThreshold",
        TreatMissingData="breaching",
    )
    cloudwatch.set_alarm_state(
        AlarmName=alarm, StateValue="ALARM", StateReason="Threshold Crossed: no SnapshotSucceeded in 26 hours"
    )
    publish_stack(stack, attributes={"NoRecentBackupAlarm": alarm})
    publish_schedule(stack)
    sentinel = Sentinel(stack)
    oncall = "oncall@example.com"
    with EmailConfirmations().installed() as confirmations:
        token = confirmations.subscribe(stack.topic_arn, oncall)
        show(sentinel, "status")
        show(sentinel, "snapshots")
        show(sentinel, "doctor")
        show(sentinel, "confirm", confirmations.link(stack.topic_arn, token, oncall))
        domain.progress = SnapshotProgress(duration_seconds=270, outcome="SUCCESS")
        backed_up = show(sentinel, "backup", "--wait") == 0
        cloudwatch.set_alarm_state(AlarmName=alarm, StateValue="OK", StateReason="SnapshotSucceeded 1 in the last hour")
        ready = show(sentinel, "doctor") == 0
    return backed_up and ready


if __name__ == "__main__":
    sys.exit(main())
