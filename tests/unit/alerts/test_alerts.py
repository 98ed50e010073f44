"""The alert a person reads: one test per outcome, the limits SNS imposes, and shapes nobody expected."""

from __future__ import annotations

import json
import shlex
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from snapshot_sentinel.alerts import (
    FACTS_SEPARATOR,
    SNS_MESSAGE_MAX_BYTES,
    Alert,
    console_url,
    human_duration,
    message_attributes,
    render_alert,
    safe_subject,
    sns_message,
    state_machine_arn,
)
from snapshot_sentinel.models import SnapshotInfo

DOMAIN = {
    "domain_name": "my-domain",
    "endpoint": "https://search-my-domain-abcdefghijklmnopqrstuvwxyz.us-east-1.es.amazonaws.com",
    "repository": "nightly-backups",
    "region": "us-east-1",
}
NAME = "nightly-2026-11-28t02-00-00z"
EXECUTION = "arn:aws:states:us-east-1:123456789012:execution:BackupStateMachine-Xq2Pz7cVb1Lk:3f1c9a7e-5b2d"
MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:BackupStateMachine-Xq2Pz7cVb1Lk"
CONFIG = {
    "snapshot_name": NAME,
    "indices": "logs-*,-.kibana*",
    "poll_interval_seconds": 60,
    "skip_retention": False,
    "retention_dry_run": False,
    "retention_only": False,
    "execution_id": EXECUTION,
    "execution_start_time": "2026-11-28T02:00:00.123Z",
}
START_MS = 1_795_831_204_512  # 2026-11-28T02:00:04.512Z
FAILURES = [
    {
        "index": "logs-2026.11.27",
        "index_uuid": "logs-2026.11.27",
        "shard_id": 2,
        "reason": "IndexShardSnapshotFailedException[Failed to snapshot shard]; nested: NoSuchFileException[_4f.si]",
        "node_id": "YdJikE_RQraQ-rsvbMezXg",
        "status": "INTERNAL_SERVER_ERROR",
    },
    {
        "index": "orders",
        "index_uuid": "orders",
        "shard_id": 0,
        "reason": "primary shard is not allocated",
        "node_id": None,
        "status": "INTERNAL_SERVER_ERROR",
    },
]


def snapshot_facts(state: str, *, failures: list[dict[str, Any]] = (), total: int = 47, **extra: Any) -> dict[str, Any]:
    """What the check step carries: ``SnapshotInfo.to_dict()`` of a verbose GET, plus its own keys."""
    final = state != "IN_PROGRESS"
    doc = {
        "snapshot": NAME,
        "uuid": "dCK4Qth-TymRQ7Tu7Iga0g",
        "version_id": 136327827,
        "version": "2.11.0",
        "indices": ["logs-2026.11.27", "logs-2026.11.28", "orders"],
        "data_streams": [],
        "include_global_state": True,
        "state": state,
        "start_time_in_millis": START_MS,
        "end_time_in_millis": START_MS + 3_723_389 if final else 0,
        "duration_in_millis": 3_723_389 if final else 0,
        "failures": list(failures),
        "shards": {"total": total if final else 0, "failed": len(failures), "successful": total - len(failures)}
        if final
        else {"total": 0, "failed": 0, "successful": 0},
        **extra,
    }
    return SnapshotInfo.from_api(doc).to_dict() | {
        "deadline": "2026-11-28T10:00:00.000Z",
        "deadline_passed": False,
        "polls": 12,
    }


def render(event: Any) -> Alert:
    return render_alert(event, **DOMAIN)


def assert_valid_subject(subject: str) -> None:
    assert 0 < len(subject) < 100
    assert all(" " <= char <= "~" for char in subject), subject


def test_a_partial_snapshot_lists_every_failure_and_how_to_restore_it():
    # Given a snapshot that ended PARTIAL with two failed shards in two indices
    event = {"run": {"config": CONFIG, "snapshot": snapshot_facts("PARTIAL", failures=FAILURES)}}

    # When the alert is rendered
    alert = render(event)

    # Then the subject names the outcome, the domain and the snapshot
    assert alert.subject == f"[PARTIAL] my-domain: {NAME}"
    # And the body has the facts a person acts on
    for expected in (
        "Repository:   nightly-backups",
        f"Snapshot:     {NAME}",
        "State:        PARTIAL",
        "Started:      2026-11-28T02:00:04.512Z",
        "Ended:        2026-11-28T03:02:07.901Z",
        "Duration:     1h 02m 03s",
        "Shards:       47 total, 45 successful, 2 failed",
        "1. logs-2026.11.27 shard 2: IndexShardSnapshotFailedException[Failed to snapshot shard]",
        "2. orders shard 0: primary shard is not allocated",
        '"partial": true',
        "Indices losing data (2): logs-2026.11.27, orders",
        "wasn't fully snapshotted - cannot restore",
        '"indices": "-.kibana*,-.opendistro*"',
        "rename_pattern",
        "an open index",
        f"https://us-east-1.console.aws.amazon.com/states/home?region=us-east-1#/v2/executions/details/{EXECUTION}",
        f"aws stepfunctions start-execution --state-machine-arn {MACHINE}",
    ):
        assert expected in alert.text, expected
    # And the machine facts say the same
    assert alert.facts["schema_version"] == 1
    assert alert.facts["outcome"] == "PARTIAL"
    assert alert.facts["state"] == "PARTIAL"
    assert alert.facts["snapshot"] == NAME
    assert alert.facts["shards"] == {"total": 47, "successful": 45, "failed": 2}
    assert [(f["index"], f["shard_id"]) for f in alert.facts["failures"]] == [("logs-2026.11.27", 2), ("orders", 0)]
    assert alert.facts["affected_indices"] == ["logs-2026.11.27", "orders"]
    assert alert.facts["times"]["duration_seconds"] == pytest.approx(3723.389)
    assert alert.facts["execution"]["state_machine_arn"] == MACHINE
    json.dumps(alert.facts)


def test_a_failed_snapshot_says_it_cannot_be_restored_and_where_the_good_backup_is():
    # Given a snapshot the domain marked FAILED with a reason
    snapshot = snapshot_facts("FAILED", reason="Indices don't have primary shards [orders]")
    event = {"run": {"config": CONFIG, "snapshot": snapshot}}

    # When the alert is rendered
    alert = render(event)

    # Then it says why, that it cannot be restored, and how to find the latest good backup
    assert alert.subject == f"[FAILED] my-domain: {NAME}"
    assert "Reason:       Indices don't have primary shards [orders]" in alert.text
    assert "unsupported snapshot state [FAILED]" in alert.text
    assert "newest SUCCESS snapshot in 'nightly-backups'" in alert.text
    assert "GET _cat/snapshots/nightly-backups?v&s=start_epoch" in alert.text
    assert '"partial": true' not in alert.text
    assert alert.facts["reason"] == "Indices don't have primary shards [orders]"


def test_an_incompatible_snapshot_is_its_own_outcome():
    event = {"run": {"config": CONFIG, "snapshot": snapshot_facts("INCOMPATIBLE")}}

    alert = render(event)

    assert alert.subject.startswith("[INCOMPATIBLE] my-domain: ")
    assert "unsupported snapshot state [INCOMPATIBLE]" in alert.text
    assert "newer engine version" in alert.text


def test_a_snapshot_still_running_at_the_deadline_says_it_may_still_finish():
    # Given a snapshot still IN_PROGRESS when MaxWaitMinutes ran out
    snapshot = snapshot_facts("IN_PROGRESS") | {"deadline_passed": True, "polls": 480}
    event = {"run": {"config": CONFIG, "snapshot": snapshot}}

    # When the alert is rendered
    alert = render(event)

    # Then it is a DEADLINE alert that says what to do next
    assert alert.facts["outcome"] == "DEADLINE"
    assert alert.subject.startswith(f"[DEADLINE] my-domain: {NAME}")
    assert "may still finish" in alert.text
    assert f"GET _snapshot/nightly-backups/{NAME}" in alert.text
    assert "MaxWaitMinutes" in alert.text
    assert "Duration:     running for 7h 59m 55s at the deadline" in alert.text
    assert "Polls:        480" in alert.text
    # And the zero shard counts of a running snapshot are not shown as if they were results
    assert "0 total" not in alert.text


def test_a_lambda_error_is_unwrapped_from_its_cause_and_explained():
    # Given the take step failed with a concurrent snapshot after an hour of retries
    cause = {
        "errorMessage": f"[nightly-backups:{NAME}]  a snapshot is already running (HTTP 503, "
        "concurrent_snapshot_execution_exception)",
        "errorType": "ConcurrentSnapshotError",
        "requestId": "6f1b2c3d",
        "stackTrace": ['  File "/var/task/app.py", line 31, in lambda_handler\n'],
    }
    event = {
        "run": {"config": CONFIG, "error": {"Error": "ConcurrentSnapshotError", "Cause": json.dumps(cause)}},
        "failed_state": "Take snapshot",
    }

    # When the alert is rendered
    alert = render(event)

    # Then the subject names the error and the body gives the domain's reason, not the JSON wrapper
    assert alert.subject == f"[ERROR] my-domain: {NAME} (ConcurrentSnapshotError)"
    assert "a snapshot is already running (HTTP 503, concurrent_snapshot_execution_exception)" in alert.text
    assert "stackTrace" not in alert.text
    assert "Failed state: Take snapshot" in alert.text
    assert "about an hour" in alert.text
    assert "cs-automated" in alert.text
    assert alert.facts["error"] == {
        "name": "ConcurrentSnapshotError",
        "message": f"[nightly-backups:{NAME}] a snapshot is already running (HTTP 503, "
        "concurrent_snapshot_execution_exception)",
    }
    assert alert.facts["execution"]["failed_state"] == "Take snapshot"


@pytest.mark.parametrize(
    ("error", "cause", "advice"),
    [
        (
            "RepositoryMissingError",
            "[nightly-backups] missing (HTTP 404, repository_missing_exception)",
            "registers a missing repository again",
        ),
        ("AuthorizationError", "no permissions for [cluster:admin/snapshot/create]", "manage_snapshots"),
        ("SnapshotAlreadyExistsError", "snapshot already exists and was not taken by this run", "snapshot_name"),
        ("InvalidSnapshotNameError", "Invalid snapshot name [Nightly], must be lowercase", "lowercase"),
        ("RepositoryVerificationError", "path [] is not accessible on cluster-manager node", "trust policy"),
        ("GatewayTimeoutError", "HTTP 504 from the gateway", "overloaded or unreachable"),
        ("Lambda.ServiceException", "Lambda was unable to run", "Lambda service"),
        ("SomethingNewError", "a brand new failure", "CloudWatch logs"),
    ],
)
def test_each_common_error_says_what_it_means(error, cause, advice):
    lambda_cause = json.dumps({"errorMessage": cause, "errorType": error, "stackTrace": []})
    event = {"run": {"config": CONFIG, "error": {"Error": error, "Cause": lambda_cause}}}

    alert = render(event)

    assert alert.facts["outcome"] == "ERROR"
    assert alert.facts["error"]["name"] == error
    assert cause in alert.text
    assert advice in alert.text


def test_a_states_timeout_with_a_plain_text_cause_is_shown_as_is():
    event = {
        "run": {"config": CONFIG, "error": {"Error": "States.Timeout", "Cause": "Task timed out after 60.00 seconds"}},
        "failed_state": "Check snapshot",
    }

    alert = render(event)

    assert alert.subject == f"[ERROR] my-domain: {NAME} (States.Timeout)"
    assert "Message:      Task timed out after 60.00 seconds" in alert.text
    assert "longer than its timeout" in alert.text


def test_invalid_input_names_the_field_and_shows_the_refused_input():
    # Given the validate step refused the input: no config, the raw input kept in run.input
    cause = json.dumps({"errorMessage": "unknown key 'poll_interval_secs'", "errorType": "InvalidInputError"})
    event = {
        "run": {
            "input": {"poll_interval_secs": 5},
            "error": {"Error": "InvalidInputError", "Cause": cause},
        },
        "execution_id": EXECUTION,
        "failed_state": "Validate input",
    }

    # When the alert is rendered
    alert = render(event)

    # Then it names the field, shows the input, and offers the same input to re-run once fixed
    assert alert.subject == "[ERROR] my-domain: backup run (InvalidInputError)"
    assert "unknown key 'poll_interval_secs'" in alert.text
    assert 'The input was: {"poll_interval_secs": 5}' in alert.text
    assert "(none: the run stopped before it had one)" in alert.text
    assert json.loads(shlex.split(alert.facts["rerun_command"])[-1]) == {"poll_interval_secs": 5}
    assert alert.facts["console_url"] is not None


def test_a_retention_failure_after_a_good_snapshot_says_the_backup_is_fine():
    # Given the check read SUCCESS, then a step failed: only retention runs after a SUCCESS check
    event = {
        "run": {
            "config": CONFIG,
            "snapshot": snapshot_facts("SUCCESS"),
            "error": {"Error": "DomainRequestError", "Cause": json.dumps({"errorMessage": "boom (HTTP 500)"})},
        },
    }

    # When the alert is rendered
    alert = render(event)

    # Then it says the backup itself is good and that retention failed
    assert alert.facts["outcome"] == "ERROR"
    assert alert.facts["phase"] == "applying retention"
    assert "The run stopped with DomainRequestError while applying retention." in alert.text
    assert "completed SUCCESS and is restorable" in alert.text
    assert "pruning old snapshots (retention)" in alert.text
    assert f"POST _snapshot/nightly-backups/{NAME}/_restore" in alert.text


def test_a_failed_retention_only_run_says_it_took_no_snapshot():
    config = CONFIG | {"snapshot_name": None, "indices": None, "retention_only": True}
    event = {
        "run": {
            "input": {"retention_only": True},
            "config": config,
            "error": {"Error": "AuthorizationError", "Cause": json.dumps({"errorMessage": "no permissions"})},
        }
    }

    alert = render(event)

    assert alert.subject == "[ERROR] my-domain: backup run (AuthorizationError)"
    assert "(none: this run only applied retention)" in alert.text
    assert "This run only applied retention and took no snapshot." in alert.text
    assert "pruning old snapshots (retention)" in alert.text
    assert json.loads(shlex.split(alert.facts["rerun_command"])[-1]) == {"retention_only": True}


@pytest.mark.parametrize(
    ("run", "phase"),
    [
        ({"input": {}}, "validating the input"),
        ({"input": {}, "config": CONFIG}, "taking the snapshot"),
        ({"input": {}, "config": CONFIG, "snapshot": snapshot_facts("IN_PROGRESS")}, "checking the snapshot"),
        ({"input": {}, "config": CONFIG, "snapshot": snapshot_facts("SUCCESS")}, "applying retention"),
    ],
)
def test_where_an_error_struck_is_read_from_what_the_run_recorded(run, phase):
    event = {"run": run | {"error": {"Error": "States.TaskFailed", "Cause": "x"}}}

    alert = render(event)

    assert alert.facts["phase"] == phase
    assert f"Failed while: {phase}" in alert.text


def test_the_rerun_command_repeats_the_input_less_the_name_as_valid_shell():
    # Given a manual run that named its snapshot and whose indices contain a single quote
    run_input = {"snapshot_name": "before-upgrade", "indices": "it's-*", "poll_interval_seconds": 5}
    event = {"run": {"input": run_input, "config": CONFIG, "snapshot": snapshot_facts("FAILED", reason="x")}}

    # When the alert is rendered
    command = render(event).facts["rerun_command"]

    # Then a shell reads back the state machine ARN and the same input, without the (taken) name
    words = shlex.split(command)
    assert words[:3] == ["aws", "stepfunctions", "start-execution"]
    assert words[words.index("--state-machine-arn") + 1] == MACHINE
    assert json.loads(words[words.index("--input") + 1]) == {"indices": "it's-*", "poll_interval_seconds": 5}


def test_without_the_raw_input_the_rerun_command_is_rebuilt_from_the_config():
    config = CONFIG | {"indices": "logs-*", "skip_retention": True}
    event = {"run": {"config": config, "snapshot": snapshot_facts("FAILED", reason="x")}}

    command = render(event).facts["rerun_command"]

    assert json.loads(shlex.split(command)[-1]) == {"indices": "logs-*", "skip_retention": True}


def test_hundreds_of_failures_are_listed_as_far_as_sns_allows_then_counted():
    # Given a snapshot with 600 failed shards over 300 indices, with long reasons
    failures = [
        {"index": f"logs-{i // 2:04d}", "shard_id": i % 2, "reason": "X" * 5_000, "node_id": "n1", "status": "FAILED"}
        for i in range(600)
    ]
    event = {"run": {"config": CONFIG, "snapshot": snapshot_facts("PARTIAL", failures=failures, total=1200)}}

    # When the alert is rendered
    alert = render(event)

    # Then the text lists as many as fit, and counts the rest with the command that shows them all
    listed = len(alert.facts["failures"])
    assert 50 < listed < 600
    assert f"{listed}. logs-{(listed - 1) // 2:04d} shard {(listed - 1) % 2}" in alert.text
    assert f"\n  {listed + 1}. " not in alert.text
    assert f"... and {600 - listed} more. To see them all: awscurl --service es --region us-east-1 " in alert.text
    assert f"/_snapshot/nightly-backups/{NAME}?filter_path=snapshots.failures" in alert.text
    assert "Indices losing data (300)" in alert.text
    # And the facts keep the true totals and the same command
    assert alert.facts["failures_total"] == 600
    assert alert.facts["affected_indices_total"] == 300
    assert f"/_snapshot/nightly-backups/{NAME}?filter_path=snapshots.failures" in alert.facts["failures_command"]
    # And what SNS receives stays within its limit, nearly filling it
    assert 200_000 < len(sns_message(alert).encode()) < SNS_MESSAGE_MAX_BYTES


def test_huge_values_anywhere_are_clipped_to_what_sns_accepts():
    # Given a run record whose every free-text field is a megabyte long
    huge = "x" * 1_000_000
    failures = [{"index": huge, "shard_id": i, "reason": huge, "node_id": huge, "status": huge} for i in range(300)]
    snapshot = snapshot_facts("PARTIAL", failures=failures, total=600) | {"name": huge, "uuid": huge, "reason": huge}
    event = {
        "run": {
            "input": {"indices": huge},
            "config": CONFIG | {"indices": huge},
            "snapshot": snapshot,
            "error": {"Error": huge, "Cause": json.dumps({"errorMessage": huge})},
        },
        "failed_state": huge,
    }

    # When the alert is rendered
    alert = render(event)

    # Then it still renders, and what SNS receives stays within its limits
    assert alert.facts["outcome"] == "ERROR"
    assert_valid_subject(alert.subject)
    assert len(sns_message(alert).encode()) < SNS_MESSAGE_MAX_BYTES
    assert "more characters]" in alert.text
    # And the failure list shrank to fit, keeping the true count
    assert 0 < len(alert.facts["failures"]) < 300
    assert alert.facts["failures_total"] == 300


@pytest.mark.parametrize(
    "event",
    [
        None,
        [],
        "Task timed out",
        {},
        {"run": {}},
        {"run": "oops"},
        {"run": {"snapshot": {"state": "SUCCESS"}}},
        {"run": {"snapshot": {"state": "IN_PROGRESS", "deadline_passed": False}}},
        {"unexpected": {"Cause": f"failed in {EXECUTION}"}},
    ],
)
def test_an_event_of_an_unknown_shape_still_gives_an_alert_with_the_raw_json(event):
    alert = render(event)

    assert alert.facts["outcome"] == "UNKNOWN"
    assert alert.subject == "[UNKNOWN] my-domain: backup run ended without success"
    assert "The event as the state machine sent it" in alert.text
    assert json.dumps(event, sort_keys=True, default=str) in alert.text
    json.loads(sns_message(alert))


def test_an_execution_arn_anywhere_in_an_unknown_event_still_gives_the_console_link():
    alert = render({"unexpected": {"Cause": f"failed in {EXECUTION}"}})

    assert alert.facts["console_url"] == console_url(EXECUTION)
    assert alert.facts["execution"]["state_machine_arn"] == MACHINE


def test_odd_values_inside_a_known_shape_are_tolerated():
    # Given a PARTIAL snapshot whose fields have unexpected types
    snapshot = {
        "name": NAME,
        "state": "partial",
        "shards": {"total": "47", "successful": None, "failed": 1.0},
        "failures": [{"index": "orders"}, "not a failure", {"shard": "3", "reason": ["list"]}],
        "start_time": 12345,
        "duration_seconds": "long",
    }

    # When the alert is rendered
    alert = render({"run": {"snapshot": snapshot}})

    # Then it is still the PARTIAL alert, with what could be read
    assert alert.facts["outcome"] == "PARTIAL"
    assert alert.facts["shards"] == {"total": 47, "successful": 0, "failed": 1}
    assert alert.facts["failures_total"] == 2
    assert "1. orders shard ?: (no reason given)" in alert.text


def test_the_sns_message_gives_email_the_text_and_machines_the_facts():
    alert = render({"run": {"config": CONFIG, "snapshot": snapshot_facts("PARTIAL", failures=FAILURES)}})

    message = json.loads(sns_message(alert))

    assert set(message) == {"default", "email", "sms"}
    assert all(isinstance(value, str) for value in message.values())
    assert json.loads(message["default"]) == alert.facts
    text, facts = message["email"].split(FACTS_SEPARATOR)
    assert text.strip() == alert.text.strip()
    assert json.loads(facts) == alert.facts
    assert message["sms"] == alert.subject


def test_message_attributes_carry_outcome_domain_and_repository_for_filter_policies():
    alert = render({"run": {"config": CONFIG, "snapshot": snapshot_facts("FAILED", reason="x")}})

    assert message_attributes(alert) == {
        "outcome": {"DataType": "String", "StringValue": "FAILED"},
        "domain": {"DataType": "String", "StringValue": "my-domain"},
        "repository": {"DataType": "String", "StringValue": "nightly-backups"},
    }


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0.221, "0.2s"),
        (59.94, "59.9s"),
        (60, "1m 00s"),
        (876.494, "14m 36s"),
        (3723.389, "1h 02m 03s"),
        (90000, "25h 00m 00s"),
    ],
)
def test_durations_read_like_a_person_writes_them(seconds, text):
    assert human_duration(seconds) == text


def test_console_links_follow_the_partition_of_the_execution():
    china = "arn:aws-cn:states:cn-north-1:123456789012:execution:BackupStateMachine:run-1"

    assert console_url(china) == (
        f"https://cn-north-1.console.amazonaws.cn/states/home?region=cn-north-1#/v2/executions/details/{china}"
    )
    assert state_machine_arn(china) == "arn:aws-cn:states:cn-north-1:123456789012:stateMachine:BackupStateMachine"
    assert console_url("not-an-arn") is None
    assert state_machine_arn("arn:aws:sns:us-east-1:123456789012:topic") is None


def test_a_long_subject_is_cut_safely():
    snapshot = snapshot_facts("FAILED") | {"name": "n" * 255}

    subject = render({"run": {"config": CONFIG, "snapshot": snapshot}}).subject

    assert_valid_subject(subject)
    assert subject.startswith("[FAILED] my-domain: nnnn")
    assert subject.endswith("...")


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(domain=st.text(), name=st.text(), error=st.text())
def test_any_domain_snapshot_or_error_name_gives_a_subject_sns_accepts(domain, name, error):
    event = {"run": {"config": {"snapshot_name": name}, "error": {"Error": error, "Cause": "x"}}}

    alert = render_alert(event, domain_name=domain, endpoint="", repository="r", region="us-east-1")

    assert_valid_subject(alert.subject)
    assert_valid_subject(safe_subject(name))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=30,
)
run_keys = st.sampled_from(["config", "snapshot", "error", "input", "retention", "state", "failures", "shards"])
run_like = st.fixed_dictionaries(
    {"run": st.dictionaries(run_keys, json_values | st.dictionaries(run_keys, json_values), max_size=5)}
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(event=json_values | run_like)
def test_rendering_never_fails_whatever_the_event(event):
    alert = render(event)

    assert_valid_subject(alert.subject)
    assert alert.text.strip()
    assert alert.facts["outcome"] in {"PARTIAL", "FAILED", "INCOMPATIBLE", "DEADLINE", "ERROR", "UNKNOWN"}
    message = sns_message(alert)
    assert len(message.encode()) < SNS_MESSAGE_MAX_BYTES
    json.loads(json.loads(message)["default"])


def test_a_deadline_alert_says_how_far_the_snapshot_had_got_and_when_it_should_end():
    # Given the check step's progress and ETA keys on a snapshot still running at the deadline
    snapshot = snapshot_facts("IN_PROGRESS") | {
        "deadline_passed": True,
        "progress": {"shards_done": 30, "shards_total": 47, "bytes_done": 6, "bytes_total": 10, "percent": 60.0},
        "remaining_seconds": 16200,
        "eta": "2026-11-28T14:30:00.000Z",
        "remaining_text": "about 4.5 hours left",
    }

    # When the alert is rendered
    alert = render({"run": {"config": CONFIG, "snapshot": snapshot}})

    # Then it says how far it had got and when it should end
    assert (
        "Progress:     60% done (30 of 47 shards) at the last check, about 4.5 hours left "
        "(ETA 2026-11-28T14:30:00.000Z)" in alert.text
    )
    assert alert.facts["progress"] == {
        "percent": 60.0,
        "shards_done": 30,
        "shards_total": 47,
        "remaining": "about 4.5 hours left",
        "eta": "2026-11-28T14:30:00.000Z",
    }


def test_the_alert_names_the_error_the_execution_ends_with():
    alert = render({"run": {"config": CONFIG, "snapshot": snapshot_facts("PARTIAL", failures=FAILURES)}})

    assert "It ends FAILED with error PartialSnapshotError (describe-execution shows the cause" in alert.text
