"""The alert package's rules: advice for every error class, an execution Cause that is one line
ending with ALERTED_CAUSE_SUFFIX, and a re-run command whose input is always valid JSON."""

from __future__ import annotations

import inspect
import json
import shlex
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from snapshot_sentinel import errors
from snapshot_sentinel.alerts import ALERTED_CAUSE_SUFFIX, RERUN_INPUT_MAX_CHARS, advice_for, render_alert
from snapshot_sentinel.alerts.advice import ADVICE, GENERIC, error_class
from snapshot_sentinel.alerts.lookup import latest_full_backup
from snapshot_sentinel.models import SnapshotInfo

DOMAIN = {
    "domain_name": "my-domain",
    "endpoint": "https://search-x.us-east-1.es.amazonaws.com",
    "repository": "r",
    "region": "us-east-1",
}
EXECUTION = "arn:aws:states:us-east-1:123456789012:execution:BackupStateMachine-Xq2Pz7cVb1Lk:run-1"
MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:BackupStateMachine-Xq2Pz7cVb1Lk"
ERROR_CLASSES = [
    cls
    for _, cls in inspect.getmembers(errors, inspect.isclass)
    if issubclass(cls, errors.SentinelError) and cls not in (errors.SentinelError, errors.DomainError)
]


@pytest.mark.parametrize("cls", ERROR_CLASSES, ids=lambda cls: cls.__name__)
def test_every_error_class_has_advice_of_its_own(cls):
    # A class added to errors.py without advice would fall back to the generic lines: name it here.
    assert cls in ADVICE, f"add advice for {cls.__name__} to snapshot_sentinel/alerts/advice.py"
    assert error_class(cls.__name__) is cls
    assert advice_for(cls.__name__) == ADVICE[cls]


def test_advice_follows_the_class_not_a_spelling():
    class_names = {cls.__name__ for cls in ADVICE}

    assert class_names <= {name for name, _ in inspect.getmembers(errors, inspect.isclass)}
    assert advice_for("NoSuchError") == GENERIC
    assert advice_for("SentinelError") == GENERIC


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=20), children, max_size=5),
    max_leaves=40,
)
run_inputs = json_values | st.dictionaries(
    st.sampled_from(["snapshot_name", "indices", "poll_interval_seconds", "skip_retention", "x"]),
    json_values | st.text(min_size=0, max_size=6_000),
    max_size=5,
)
error_names = st.sampled_from(["InvalidInputError", "RepositoryMissingError", "States.Timeout", ""])


READ_BACK = object()


def rerun_input(command: str) -> Any:
    words = shlex.split(command)
    assert words[:3] == ["aws", "stepfunctions", "start-execution"]
    assert words[words.index("--state-machine-arn") + 1] == MACHINE
    argument = words[words.index("--input") + 1]
    if argument.startswith("$(aws stepfunctions describe-execution"):
        return READ_BACK
    return json.loads(argument)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(run_input=run_inputs, error=error_names, with_config=st.booleans())
def test_the_rerun_command_always_carries_valid_json(run_input, error, with_config):
    # Given any input a run could have been started with, whatever went wrong
    run: dict[str, Any] = {"input": run_input, "snapshot": {"name": "n", "state": "FAILED"}}
    if with_config:
        run["config"] = {"snapshot_name": "n", "execution_id": EXECUTION, "indices": "logs-*"}
    if error:
        run["error"] = {"Error": error, "Cause": "x"}
    event = {"run": run, "execution_id": EXECUTION}

    # When the alert is rendered
    alert = render_alert(event, **DOMAIN)

    # Then its command parses in a shell, and its --input is JSON: the same input (less a
    # snapshot_name, except for refused input), or, when too long to quote, read back whole
    command = alert.facts["rerun_command"]
    parsed = rerun_input(command)
    payload = json.dumps(run_input, ensure_ascii=False)
    if parsed is READ_BACK:
        assert len(payload) > RERUN_INPUT_MAX_CHARS
        assert f"--execution-arn {EXECUTION} --query input --output text" in command
        return
    if error == "InvalidInputError":
        assert parsed == run_input
    elif isinstance(run_input, dict):
        assert parsed == {key: value for key, value in run_input.items() if key != "snapshot_name"}
    assert command in alert.text


def test_a_long_input_is_read_back_from_the_execution_never_cut():
    indices = ",".join(f"application-logs-{n:05d}-eu-west-1-prod" for n in range(300))
    event = {"run": {"input": {"indices": indices, "snapshot_name": "x"}, "snapshot": {"name": "x", "state": "FAILED"}}}

    command = render_alert(event | {"execution_id": EXECUTION}, **DOMAIN).facts["rerun_command"]

    assert command == (
        f"aws stepfunctions start-execution --state-machine-arn {MACHINE} --input "
        f'"$(aws stepfunctions describe-execution --execution-arn {EXECUTION} --query input --output text'
        " | jq -c 'del(.snapshot_name)')\""
    )


events = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=40),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=25,
)
run_keys = st.sampled_from(["config", "snapshot", "error", "input", "state", "failures", "shards", "Error", "Cause"])
runs = st.fixed_dictionaries({"run": st.dictionaries(run_keys, events | st.dictionaries(run_keys, events), max_size=5)})


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(event=events | runs)
@example(event={"run": {"config": {}, "error": {"config": None, "error": "0\n0"}}})
def test_the_execution_cause_is_one_line_naming_the_error_and_the_alert(event):
    alert = render_alert(event, **DOMAIN)

    assert alert.error and "\n" not in alert.error
    assert alert.cause.startswith(f"{alert.error}: ")
    assert alert.cause.endswith(f" {ALERTED_CAUSE_SUFFIX}")
    assert "\n" not in alert.cause
    assert len(alert.cause) < 1_000
    assert alert.facts["execution"]["error"] == alert.error
    assert alert.facts["execution"]["cause"] == alert.cause


@pytest.mark.parametrize(
    ("snapshot", "error", "cause"),
    [
        (
            {"name": "n1", "state": "PARTIAL", "shards": {"total": 47, "failed": 3}},
            None,
            "PartialSnapshotError: n1 PARTIAL, 3 shards failed of 47.",
        ),
        (
            {"name": "n1", "state": "PARTIAL", "shards": {"total": 47, "failed": 1}},
            None,
            "PartialSnapshotError: n1 PARTIAL, 1 shard failed of 47.",
        ),
        (
            {"name": "n1", "state": "FAILED", "reason": "Indices don't have primary shards [orders]"},
            None,
            "SnapshotFailedError: n1 FAILED: Indices don't have primary shards [orders].",
        ),
        ({"name": "n1", "state": "INCOMPATIBLE"}, None, "SnapshotIncompatibleError: n1 INCOMPATIBLE."),
        (
            {"name": "n1", "state": "IN_PROGRESS", "deadline": "2026-11-28T10:00:00.000Z"},
            None,
            "SnapshotDeadlineError: n1 still IN_PROGRESS at the deadline 2026-11-28T10:00:00.000Z.",
        ),
        (
            {},
            {"Error": "InvalidInputError", "Cause": json.dumps({"errorMessage": "unknown key 'snapshot_nmae'"})},
            "InvalidInputError: unknown key 'snapshot_nmae'.",
        ),
        (
            {"name": "n1"},
            {"Error": "States.Timeout", "Cause": "Task timed out after 240.00 seconds"},
            "States.Timeout: Task timed out after 240.00 seconds.",
        ),
    ],
)
def test_each_ending_has_its_error_and_a_one_line_cause(snapshot, error, cause):
    run: dict[str, Any] = {"snapshot": snapshot} if snapshot else {"input": {"snapshot_nmae": "x"}}
    if error:
        run["error"] = error

    alert = render_alert({"run": run}, **DOMAIN)

    assert alert.cause == f"{cause} {ALERTED_CAUSE_SUFFIX}"


ES_6_8 = 6_080_099


def _snapshot(name_kind: str, state: str, meta: dict[str, Any], minutes: int, version_id: int | None) -> SnapshotInfo:
    start = datetime(2026, 11, 28, tzinfo=UTC) - timedelta(minutes=minutes)
    managed = f"nightly-{start:%Y-%m-%dt%H-%M-%Sz}"
    name = {"managed": managed, "subset": f"{managed}-subset", "own": f"nightly-before-upgrade-{minutes}"}[name_kind]
    return SnapshotInfo(name=name, state=state, start_time=start, metadata=meta, version_id=version_id)


snapshots = st.lists(
    st.builds(
        _snapshot,
        st.sampled_from(["managed", "managed", "subset", "own"]),
        st.sampled_from(["SUCCESS", "PARTIAL", "FAILED", "IN_PROGRESS", "INCOMPATIBLE"]),
        st.sampled_from(
            [
                {},
                {"taken_by": "snapshot-sentinel", "stack": "prod", "scope": "full"},
                {"taken_by": "snapshot-sentinel", "stack": "prod", "scope": "subset"},
                {"taken_by": "snapshot-sentinel", "stack": "prod"},
                {"taken_by": "snapshot-sentinel", "stack": "other", "scope": "full"},
                {"taken_by": "someone", "stack": "prod", "scope": "full"},
            ]
        ),
        st.integers(0, 60 * 24 * 30),
        st.sampled_from([None, ES_6_8]),
    ),
    max_size=30,
)


@settings(max_examples=300)
@given(snapshots=snapshots)
def test_the_latest_good_backup_is_always_a_full_success_of_this_stack_and_the_newest_one(snapshots):
    chosen = latest_full_backup(snapshots, prefix="nightly", stack="prod")

    # The ownership rule, stated here on its own: the exact managed name, and metadata naming this
    # stack (or none at all from an engine that stores none); and no "scope": "subset"
    eligible = [
        s
        for s in snapshots
        if s.state == "SUCCESS"
        and s.name == f"nightly-{s.start_time:%Y-%m-%dt%H-%M-%Sz}"
        and (
            (s.metadata.get("taken_by") == "snapshot-sentinel" and s.metadata.get("stack") == "prod")
            or (not s.metadata and s.version_id == ES_6_8)
        )
        and s.metadata.get("scope") != "subset"
    ]
    if not eligible:
        assert chosen is None
        return
    assert chosen in eligible
    assert chosen.start_time == max(s.start_time for s in eligible)
