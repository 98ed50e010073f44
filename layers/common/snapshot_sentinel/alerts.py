"""The alert a person reads when a backup run ends in anything but success.

``render_alert`` turns the state machine's record of a run into an :class:`Alert`: a subject
SNS accepts, a plain-text body a person can act on at 3 a.m., and the same facts as a JSON-ready
dict for machines. ``sns_message`` and ``message_attributes`` shape that alert for one
``sns.publish(MessageStructure="json")`` call.

Everything here is pure: no clock, no environment, no client. The state machine calls the alert
step on every failure path, so rendering must never be the reason an alert is lost: any event it
cannot read in the expected shape still yields a generic alert that carries the raw JSON.

Sizes are bounded. SNS refuses subjects of 100 characters or more, with line breaks or control
characters, and messages over 256 KB; the message carries the facts twice (the JSON ``default``
and the email's appendix), so long failure lists, reasons and raw inputs are cut with a count of
what was left out, and the failure list shrinks further if the message would still be too big.
"""

from __future__ import annotations

import json
import re
import shlex
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

SCHEMA_VERSION = 1

PARTIAL = "PARTIAL"
FAILED = "FAILED"
INCOMPATIBLE = "INCOMPATIBLE"
DEADLINE = "DEADLINE"
ERROR = "ERROR"
UNKNOWN = "UNKNOWN"
OUTCOMES = (PARTIAL, FAILED, INCOMPATIBLE, DEADLINE, ERROR, UNKNOWN)

VALIDATING_INPUT = "validating the input"
TAKING_SNAPSHOT = "taking the snapshot"
CHECKING_SNAPSHOT = "checking the snapshot"
APPLYING_RETENTION = "applying retention"
PHASES = (VALIDATING_INPUT, TAKING_SNAPSHOT, CHECKING_SNAPSHOT, APPLYING_RETENTION)

SUBJECT_MAX_CHARS = 99
SNS_MESSAGE_MAX_BYTES = 262_144
MESSAGE_BUDGET_BYTES = 240_000
"""What our message may use of SNS's 256 KB, leaving room for the subject and attributes."""

TEXT_FAILURES_MAX = 25
FACTS_FAILURES_MAX = 100
INDICES_MAX = 25
FACTS_INDICES_MAX = 100
REASON_MAX_CHARS = 500
MESSAGE_MAX_CHARS = 2_000
RAW_MAX_CHARS = 20_000

FACTS_SEPARATOR = f"----- machine-readable facts (JSON, schema_version {SCHEMA_VERSION}) -----"

SYSTEM_INDICES_EXCLUDED = "-.kibana*,-.opendistro*"
_RERUN_KEYS = ("indices", "skip_retention", "retention_dry_run", "retention_only")
_EXECUTION_ARN = re.compile(r"arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:execution:[^\s\"'\\,]+")
_EPOCH_ZERO = "1970-01-01T00:00:00"


@dataclass(frozen=True)
class Alert:
    subject: str
    text: str
    facts: dict[str, Any]


@dataclass(frozen=True)
class _Domain:
    name: str
    endpoint: str
    repository: str
    region: str


@dataclass(frozen=True)
class _Error:
    name: str
    message: str


def render_alert(
    event: Any,
    *,
    domain_name: str,
    endpoint: str,
    repository: str,
    region: str,
) -> Alert:
    """The alert for one run that did not succeed; never raises, whatever ``event`` holds."""
    domain = _Domain(domain_name or "unknown-domain", endpoint, repository, region)
    for failures_max in (FACTS_FAILURES_MAX, 40, 10):
        alert = _render_or_none(event, domain, failures_max)
        if alert is None:
            return _render_unreadable(event, domain)
        if len(sns_message(alert).encode()) <= MESSAGE_BUDGET_BYTES:
            return alert
    # Without listed failures every field is clipped, which keeps the message far below the limit.
    return _render_or_none(event, domain, 0) or _render_unreadable(event, domain)


def _render_or_none(event: Any, domain: _Domain, failures_max: int) -> Alert | None:
    try:
        return _render_run(event, domain, failures_max)
    except Exception:  # an alert must go out even for a shape nobody expected
        return None


def sns_message(alert: Alert) -> str:
    """The ``Message`` of ``sns.publish(MessageStructure="json")``.

    ``email`` subscribers get the text with the facts appended under a separator; every other
    protocol (``email-json``, ``sqs``, ``lambda``, ``http``/``https``, ``firehose``) falls back to
    ``default``, the JSON facts. ``sms`` gets the subject alone. Listing the machine protocols
    one by one would only repeat the facts and eat into the 256 KB limit.
    """
    facts_json = json.dumps(alert.facts, ensure_ascii=False, separators=(",", ":"))
    readable_facts = json.dumps(alert.facts, ensure_ascii=False, indent=2)
    email = f"{alert.text.rstrip()}\n\n{FACTS_SEPARATOR}\n{readable_facts}\n"
    return json.dumps({"default": facts_json, "email": email, "sms": alert.subject}, ensure_ascii=False)


def message_attributes(alert: Alert) -> dict[str, dict[str, str]]:
    """SNS message attributes for subscription filter policies (``{"outcome": ["PARTIAL"]}``)."""
    values = {
        "outcome": alert.facts.get("outcome"),
        "domain": alert.facts.get("domain"),
        "repository": alert.facts.get("repository"),
    }
    return {
        name: {"DataType": "String", "StringValue": str(value)[:256]}
        for name, value in values.items()
        if isinstance(value, str) and value.strip()
    }


def safe_subject(text: str) -> str:
    """``text`` as a subject SNS accepts: printable ASCII, one line, under 100 characters."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    printable = "".join(char if " " <= char <= "~" else " " for char in ascii_text)
    single = " ".join(printable.split()) or "snapshot alert"
    if len(single) <= SUBJECT_MAX_CHARS:
        return single
    return single[: SUBJECT_MAX_CHARS - 3].rstrip() + "..."


def human_duration(seconds: float) -> str:
    """``3723`` -> ``1h 02m 03s``; under a minute with one decimal: ``5.4s``."""
    if seconds < 60:
        return f"{max(seconds, 0.0):.1f}s"
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes:02d}m {secs:02d}s"
    return f"{minutes}m {secs:02d}s"


def console_url(execution_arn: str, region: str = "") -> str | None:
    """The execution's page in the Step Functions console, in the ARN's own partition."""
    parts = execution_arn.split(":")
    if len(parts) < 7 or parts[2] != "states":
        return None
    partition, arn_region = parts[1], parts[3] or region
    host = {
        "aws-cn": "console.amazonaws.cn",
        "aws-us-gov": "console.amazonaws-us-gov.com",
    }.get(partition, "console.aws.amazon.com")
    return f"https://{arn_region}.{host}/states/home?region={arn_region}#/v2/executions/details/{execution_arn}"


def state_machine_arn(execution_arn: str) -> str | None:
    """``arn:...:execution:<machine>:<id>`` -> ``arn:...:stateMachine:<machine>``."""
    parts = execution_arn.split(":")
    if len(parts) < 7 or parts[2] != "states" or parts[5] not in ("execution", "express"):
        return None
    return ":".join([*parts[:5], "stateMachine", parts[6]])


def _render_run(event: Any, domain: _Domain, failures_max: int) -> Alert | None:
    if not isinstance(event, Mapping) or not isinstance(event.get("run"), Mapping):
        return None
    run: Mapping[str, Any] = event["run"]
    config = _mapping(run.get("config"))
    snapshot = _mapping(run.get("snapshot"))
    error = _read_error(run.get("error"))
    failed_state = _clip(_text(event.get("failed_state")) or _text(run.get("failed_state")), 200) or None
    state = _clip(_text(snapshot.get("state")).upper(), 40) or None
    outcome = _outcome(state, snapshot, error)
    if outcome is None:
        return None

    name = _clip(_text(snapshot.get("name")) or _text(config.get("snapshot_name")), 300) or None
    execution_arn = _execution_arn(event, config)
    shards = _shards(snapshot)
    all_failures = [_failure(doc) for doc in _sequence(snapshot.get("failures")) if isinstance(doc, Mapping)]
    failures = all_failures[:failures_max]
    affected = sorted({failure["index"] for failure in all_failures})
    times = _times(config, snapshot)
    machine_arn = state_machine_arn(execution_arn) if execution_arn else None
    rerun = _rerun_command(machine_arn, error, config, run)
    phase = _phase(config, snapshot, state, error)
    link = console_url(execution_arn, domain.region) if execution_arn else None

    facts: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "outcome": outcome,
        "summary": _summary(outcome, state, shards, error, failed_state or phase),
        "domain": domain.name,
        "endpoint": domain.endpoint,
        "region": domain.region,
        "repository": domain.repository,
        "snapshot": name,
        "snapshot_uuid": _clip(_text(snapshot.get("uuid")), 100) or None,
        "state": state,
        "reason": _clip(_text(snapshot.get("reason")), MESSAGE_MAX_CHARS) or None,
        "times": times,
        "polls": _int(snapshot.get("polls")),
        "shards": shards,
        "failures": failures,
        # The state carries a sample of the failures and their count (failures_count).
        "failures_total": max(len(all_failures), _int(snapshot.get("failures_count")) or 0),
        "affected_indices": affected[:FACTS_INDICES_MAX],
        "affected_indices_total": len(affected),
        "error": {"name": error.name, "message": error.message} if error else None,
        "execution": {"arn": execution_arn, "state_machine_arn": machine_arn, "failed_state": failed_state},
        "phase": phase,
        "console_url": link,
        "rerun_command": rerun,
    }
    subject = _subject(outcome, domain.name, name, error)
    text = _text_body(facts, all_failures, affected, run, error, domain, min(failures_max, TEXT_FAILURES_MAX))
    return Alert(subject=subject, text=text, facts=facts)


def _outcome(state: str | None, snapshot: Mapping[str, Any], error: _Error | None) -> str | None:
    if error is not None:
        return DEADLINE if error.name == "SnapshotDeadlineError" else ERROR
    if state in (PARTIAL, FAILED, INCOMPATIBLE):
        return state
    if state == "IN_PROGRESS" and snapshot.get("deadline_passed") is not False:
        return DEADLINE
    return None


def _phase(
    config: Mapping[str, Any], snapshot: Mapping[str, Any], state: str | None, error: _Error | None
) -> str | None:
    """Where a caught error most likely struck, from what the run had recorded by then.

    Each step writes its own key: validation ``config``, the take and check steps ``snapshot``;
    retention runs only after a SUCCESS check or in a retention-only run.
    """
    if error is None:
        return None
    if not config:
        return VALIDATING_INPUT
    if config.get("retention_only") is True or state == "SUCCESS":
        return APPLYING_RETENTION
    if not snapshot:
        return TAKING_SNAPSHOT
    return CHECKING_SNAPSHOT


def _subject(outcome: str, domain_name: str, name: str | None, error: _Error | None) -> str:
    what = name or "backup run"
    detail = ""
    if outcome == ERROR and error is not None:
        detail = f" ({error.name})"
    elif outcome == DEADLINE:
        detail = " still running at the deadline"
    return safe_subject(f"[{outcome}] {domain_name}: {what}{detail}")


def _summary(
    outcome: str, state: str | None, shards: dict[str, int] | None, error: _Error | None, where_failed: str | None
) -> str:
    where = (
        f" while {where_failed}" if where_failed in PHASES else f" in state '{where_failed}'" if where_failed else ""
    )
    if outcome == PARTIAL and shards:
        return f"The snapshot finished PARTIAL: {shards['failed']} of {shards['total']} shards failed."
    if outcome == PARTIAL:
        return "The snapshot finished PARTIAL: some shards failed."
    if outcome == FAILED:
        return "The snapshot FAILED: it holds no usable data."
    if outcome == INCOMPATIBLE:
        return "The snapshot is INCOMPATIBLE with this domain's version: it cannot be restored here."
    if outcome == DEADLINE:
        return "The snapshot was still IN_PROGRESS when the run's deadline (MaxWaitMinutes) passed."
    if error is not None:
        return f"The run stopped with {error.name}{where}."
    return f"The run ended in state {state}{where}."


def _text_body(
    facts: Mapping[str, Any],
    all_failures: Sequence[Mapping[str, Any]],
    affected: Sequence[str],
    run: Mapping[str, Any],
    error: _Error | None,
    domain: _Domain,
    text_failures_max: int,
) -> str:
    outcome = facts["outcome"]
    name = facts["snapshot"]
    times = facts["times"]
    shards = facts["shards"]
    lines = [facts["summary"], ""]

    rows = [
        ("Domain", f"{domain.name} ({domain.endpoint})" if domain.endpoint else domain.name),
        ("Repository", domain.repository),
        ("Snapshot", _snapshot_label(name, facts["state"], retention_only=facts["phase"] == APPLYING_RETENTION)),
        ("State", facts["state"]),
        ("Run started", times["run_started"]),
        ("Started", times["snapshot_started"]),
        ("Ended", times["snapshot_ended"] or ("(still running)" if facts["state"] == "IN_PROGRESS" else None)),
        ("Duration", _duration_text(times["duration_seconds"], running=facts["state"] == "IN_PROGRESS")),
        ("Deadline", times["deadline"] if outcome == DEADLINE else None),
        ("Polls", str(facts["polls"]) if facts["polls"] is not None else None),
        (
            "Shards",
            f"{shards['total']} total, {shards['successful']} successful, {shards['failed']} failed"
            if shards and facts["state"] != "IN_PROGRESS"
            else None,
        ),
        ("Reason", facts["reason"]),
        ("Failed state", facts["execution"]["failed_state"]),
        ("Failed while", facts["phase"] if not facts["execution"]["failed_state"] else None),
    ]
    if error is not None:
        rows += [("Error", error.name), ("Message", error.message)]
    width = max(len(label) for label, _ in rows) + 2
    lines += _section(
        "What happened",
        [f"{(label + ':').ljust(width)}{_one_line(str(value), MESSAGE_MAX_CHARS)}" for label, value in rows if value],
    )

    if all_failures:
        failure_lines: list[str] = []
        for number, failure in enumerate(all_failures[:text_failures_max], start=1):
            shard = failure["shard_id"] if failure["shard_id"] is not None else "?"
            reason = _one_line(failure["reason"], REASON_MAX_CHARS) or "(no reason given)"
            failure_lines.append(f"{number}. {failure['index']} shard {shard}: {reason}")
            details = [
                part for part in (failure["status"], failure["node_id"] and f"node {failure['node_id']}") if part
            ]
            if details:
                failure_lines.append(f"   ({', '.join(details)})")
        left = facts["failures_total"] - min(len(all_failures), text_failures_max)
        if left:
            failure_lines.append(
                f"... and {left} more (the JSON facts below list {len(facts['failures'])}; "
                f"GET _snapshot/{domain.repository}/{name} lists them all)"
            )
        lines += _section(f"Shard failures ({facts['failures_total']})", failure_lines)

    advice = _advice(outcome, facts, error, domain, run)
    if advice:
        lines += _section("What to do", advice)
    lines += _section("What this means for restore", _restore_advice(outcome, facts, affected, error, domain))
    lines += _section("Execution", _execution_lines(facts))
    lines += _section("Run it again by hand", _rerun_lines(facts, outcome, error))
    return "\n".join(lines).rstrip() + "\n"


def _snapshot_label(name: str | None, state: str | None, *, retention_only: bool) -> str:
    if name is None:
        return (
            "(none: this run only applied retention)" if retention_only else "(none: the run stopped before it had one)"
        )
    return name if state else f"{name} (the run never read its state)"


def _duration_text(seconds: float | None, *, running: bool) -> str | None:
    if seconds is None:
        return None
    return f"running for {human_duration(seconds)} at the deadline" if running else human_duration(seconds)


def _section(title: str, body: Sequence[str]) -> list[str]:
    return [title, *[f"  {line}" if line else "" for line in body], ""]


def _advice(
    outcome: str, facts: Mapping[str, Any], error: _Error | None, domain: _Domain, run: Mapping[str, Any]
) -> list[str]:
    repo, name = domain.repository, facts["snapshot"]
    if outcome == PARTIAL:
        return [
            "Read the shard failures above. Shards usually fail because a node left or a shard moved",
            "while it was copied, a primary was unassigned, or S3 refused a write. Check the cluster is",
            "green (GET _cluster/health) and look at the affected indices' shards",
            "(GET _cat/shards?v&h=index,shard,prirep,state,unassigned.reason), then take a fresh",
            "snapshot with the command under 'Run it again by hand'.",
        ]
    if outcome == FAILED:
        return [
            "The domain gave the reason above. 'Snapshot was aborted by deletion' means someone deleted",
            "it while it ran; 'Indices don't have primary shards' means the cluster was red. Fix the",
            "cause, then take a fresh snapshot with the command under 'Run it again by hand'.",
        ]
    if outcome == INCOMPATIBLE:
        return [
            "The snapshot was written by a newer engine version than this domain runs. Restore it on a",
            "domain of that version or newer, and check that no other, newer domain writes to this",
            'repository (register it there with "readonly": true).',
        ]
    if outcome == DEADLINE:
        return [
            "The snapshot may still finish: nothing stopped it, only this run stopped watching.",
            f"Look at it: GET _snapshot/{repo}/{name}",
            "- SUCCESS later: it is a good backup. Retention did not run tonight; the next run prunes.",
            "- Still IN_PROGRESS for hours: check GET _snapshot/_status for stuck shards. Deleting it",
            f"  (DELETE _snapshot/{repo}/{name}) aborts it and frees the repository.",
            "Do not start another run while it runs: a second snapshot only adds load (and fails with",
            "ConcurrentSnapshotError on Elasticsearch before 7.9). If snapshots of this domain legitimately",
            "take this long, raise the stack's MaxWaitMinutes parameter.",
        ]
    if error is not None:
        return _error_advice(error, facts, domain, run)
    return []


def _error_advice(error: _Error, facts: Mapping[str, Any], domain: _Domain, run: Mapping[str, Any]) -> list[str]:
    repo, name = domain.repository, facts["snapshot"] or "<snapshot>"
    failed_state = facts["execution"]["failed_state"] or ""
    in_retention = facts["phase"] == APPLYING_RETENTION or "retention" in failed_state.lower()
    advice: dict[str, list[str]] = {
        "ConcurrentSnapshotError": [
            "Another snapshot operation kept blocking this one through every retry (about an hour), so",
            "no snapshot was taken tonight. On Elasticsearch before 7.9 only one snapshot runs at a time",
            "across all repositories, so Amazon's hourly automated snapshot (cs-automated) or a long",
            "delete blocks ours; on newer engines the limit is snapshot.max_concurrent_operations.",
            "See what runs: GET _snapshot/_status. When it is idle, run again by hand.",
        ],
        "RepositoryMissingError": [
            f"The repository '{repo}' is not registered on the domain (someone removed it, or the",
            "domain was replaced). The stack registers it on deploy: run `sam deploy` again (or",
            f"check GET _snapshot/{repo}). The snapshots in the bucket are untouched and come back",
            "once the repository is registered again.",
        ],
        "AuthorizationError": [
            "The domain refused the function's signed request. Check, in this order:",
            "- the domain's access policy allows this function's role es:ESHttpGet/Put/Post/Delete;",
            "- with fine-grained access control: map the function's role ARN as a backend role of",
            "  manage_snapshots (OpenSearch Dashboards > Security > Roles > manage_snapshots > Mapped users);",
            "- for repository registration also iam:PassRole on the snapshot role.",
        ],
        "InvalidInputError": [
            "The run's input was rejected before anything touched the domain; the message above names",
            "the field. Fix it and start the run again. Every key is optional; unknown keys are",
            "refused. A scheduled run passes {}.",
        ],
        "SnapshotAlreadyExistsError": [
            f"A snapshot named '{name}' already exists (or is running) in '{repo}', and this execution",
            "did not take it. For a manual run choose another snapshot_name, or leave it out to get",
            "a fresh timestamped name.",
        ],
        "InvalidSnapshotNameError": [
            "The domain refused the snapshot name: names must be lowercase, must not start with '_',",
            "and must not contain whitespace, ',', '#' or any of \\ / * ? \" < > |.",
        ],
        "RepositoryVerificationError": [
            "The domain cannot use the snapshot bucket with the snapshot role: check the role's",
            "S3 permissions and trust policy (es.amazonaws.com), and that the bucket still exists.",
        ],
        "RepositoryInUseError": [
            "The repository could not be changed while a snapshot, delete or restore ran in it.",
            "Redeploy once GET _snapshot/_status shows nothing running.",
        ],
        "SnapshotMissingError": [
            f"The snapshot '{name}' disappeared while this run watched it: someone or something",
            f"deleted it. List what the repository holds: GET _cat/snapshots/{repo}?v",
        ],
        "ConfigurationError": [
            "A function of the stack is missing an environment variable or has a malformed one.",
            "template.yaml sets them: redeploy the stack with `sam deploy`.",
        ],
        "States.Timeout": [
            "A step ran longer than its timeout. The domain was slow to answer, or the Lambda hung.",
            f"The snapshot may still have been started: GET _snapshot/{repo}/{name}",
        ],
    }
    transient = {
        "ThrottledError",
        "GatewayTimeoutError",
        "DomainConnectionError",
        "DomainUnavailableError",
        "SnapshotStartUnconfirmedError",
    }
    lines: list[str]
    if error.name in advice:
        lines = list(advice[error.name])
    elif error.name in transient:
        lines = [
            "The domain stayed overloaded or unreachable through every retry. Check its health in the",
            "console (cluster status, CPU, JVM memory pressure, 5xx count) and, for a VPC domain, that",
            "the functions' subnets and security groups still reach it. Then run again by hand.",
        ]
        if error.name == "SnapshotStartUnconfirmedError":
            lines.append(f"Before that, check that no snapshot was started after all: GET _snapshot/{repo}/{name}")
    elif error.name.startswith(("Lambda.", "Sandbox.", "Runtime.")):
        lines = [
            "The Lambda service failed to run the step (not the domain). It is usually transient:",
            "run again by hand; if it repeats, look at the function's CloudWatch logs.",
        ]
    elif error.name.startswith("States."):
        lines = [
            "Step Functions stopped the run. The message above says why; the execution's event",
            "history in the console shows the step and its input.",
        ]
    else:
        lines = [
            "The message above is the domain's or the function's own reason. The function's",
            "CloudWatch logs (linked from the execution's page) have the details.",
        ]
    if in_retention:
        lines += [
            "",
            "This happened while pruning old snapshots (retention). Retention deletes only this stack's",
            "managed snapshots and never the newest SUCCESS one; what it did not prune tonight, the next",
            "run prunes.",
        ]
    if error.name == "InvalidInputError" and "input" in run:
        raw = _clip(_json(run.get("input")), MESSAGE_MAX_CHARS)
        lines += ["", f"The input was: {raw}"]
    return lines


def _restore_advice(
    outcome: str, facts: Mapping[str, Any], affected: Sequence[str], error: _Error | None, domain: _Domain
) -> list[str]:
    repo, name, state = domain.repository, facts["snapshot"], facts["state"]
    good_backup = [
        f"Your latest good backup is the newest SUCCESS snapshot in '{repo}':",
        f"  GET _cat/snapshots/{repo}?v&s=start_epoch",
    ]
    lines: list[str]
    partial_flag = False
    if outcome == PARTIAL:
        partial_flag = True
        shown = ", ".join(affected[:INDICES_MAX]) or f"(not reported: GET _snapshot/{repo}/{name})"
        more = f" ... and {len(affected) - INDICES_MAX} more" if len(affected) > INDICES_MAX else ""
        lines = [
            "This snapshot is restorable only in part.",
            "- Indices without failed shards restore normally.",
            '- Indices with failed shards restore only with "partial": true, and their failed shards',
            '  come back empty: that data is not in this snapshot. Without "partial" a restore that',
            '  includes them fails with "index [...] wasn\'t fully snapshotted - cannot restore".',
            f"  Indices losing data ({len(affected)}): {shown}{more}",
            "  Restore those from an earlier SUCCESS snapshot if you need their data.",
            *good_backup,
        ]
    elif outcome in (FAILED, INCOMPATIBLE):
        lines = [
            f'This snapshot cannot be restored (a restore answers "unsupported snapshot state [{outcome}]").',
            *good_backup,
        ]
    elif outcome == DEADLINE:
        lines = [
            'A running snapshot cannot be restored (a restore answers "snapshot does not exist").',
            "If it ends SUCCESS, it is a good backup. Until then:",
            *good_backup,
        ]
    elif state == "SUCCESS":
        lines = ["Tonight's snapshot completed SUCCESS and is restorable; only a later step failed."]
    elif state == "IN_PROGRESS":
        lines = [
            "The snapshot was still running at the last check and may have finished since:",
            f"  GET _snapshot/{repo}/{name}",
            *good_backup,
        ]
    elif facts["phase"] == APPLYING_RETENTION and state is None:
        lines = ["This run only applied retention and took no snapshot.", *good_backup]
    elif state in (PARTIAL, FAILED, INCOMPATIBLE):
        lines = [f"The snapshot ended {state}; see the shard failures and reason above.", *good_backup]
    else:
        lines = ["This run produced no snapshot you can rely on.", *good_backup]

    target = name if name and (state == "SUCCESS" or outcome == PARTIAL) else "<snapshot>"
    body: dict[str, Any] = {"indices": SYSTEM_INDICES_EXCLUDED, "include_global_state": False}
    if partial_flag:
        body["partial"] = True
    body |= {"rename_pattern": "(.+)", "rename_replacement": "restored-$1"}
    lines += [
        "",
        "Restoring on Amazon OpenSearch Service, whatever the snapshot:",
        '- An index that exists and is open in the domain cannot be restored over ("an open index',
        '  with same name already exists"): close or delete it first (_close needs OpenSearch or',
        "  Elasticsearch 7.4+), or restore under new names with rename_pattern/rename_replacement.",
        '- Leave out system indices such as .kibana and .opendistro*: "indices": "-.kibana*,-.opendistro*".',
        "  With fine-grained access control, restoring all indices (_all, *), .opendistro_security, or",
        '  with "include_global_state": true is refused (403 security_exception).',
        "For example:",
        f"  POST _snapshot/{repo}/{target}/_restore",
        f"  {json.dumps(body)}",
    ]
    return lines


def _execution_lines(facts: Mapping[str, Any]) -> list[str]:
    execution = facts["execution"]
    if not execution["arn"]:
        return ["(the event did not name its execution: see the BackupStateMachine's executions in the console)"]
    lines = [execution["arn"]]
    if facts["console_url"]:
        lines.append(facts["console_url"])
    return lines


def _rerun_lines(facts: Mapping[str, Any], outcome: str, error: _Error | None) -> list[str]:
    lines = [facts["rerun_command"]]
    if error is not None and error.name == "InvalidInputError":
        lines.append("(this is the input that was refused: fix the field named above first)")
    elif outcome == DEADLINE:
        lines.append("(only once the running snapshot has ended or been deleted)")
    else:
        lines.append("(without snapshot_name: the new run names its snapshot after its own start time)")
    return lines


def _rerun_command(
    machine_arn: str | None, error: _Error | None, config: Mapping[str, Any], run: Mapping[str, Any]
) -> str:
    """The same request again: the run's own input, less its snapshot name (a new run names its own)."""
    raw_input = run.get("input")
    if error is not None and error.name == "InvalidInputError" and "input" in run:
        run_input: Any = raw_input
    elif isinstance(raw_input, Mapping):
        run_input = {key: value for key, value in raw_input.items() if key != "snapshot_name"}
    else:
        run_input = {key: config[key] for key in _RERUN_KEYS if config.get(key) not in (None, False, "")}
    arn = machine_arn or "<BackupStateMachine ARN: aws stepfunctions list-state-machines>"
    payload = _clip(json.dumps(run_input, ensure_ascii=False, default=str), MESSAGE_MAX_CHARS)
    return f"aws stepfunctions start-execution --state-machine-arn {shlex.quote(arn)} --input {shlex.quote(payload)}"


def _render_unreadable(event: Any, domain: _Domain) -> Alert:
    raw = _clip(_json(event), RAW_MAX_CHARS)
    match = _EXECUTION_ARN.search(raw)
    execution_arn = match.group(0) if match else None
    machine_arn = state_machine_arn(execution_arn) if execution_arn else None
    link = console_url(execution_arn, domain.region) if execution_arn else None
    summary = "A backup run ended without success, and its record has a shape this alert does not know."
    facts: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "outcome": UNKNOWN,
        "summary": summary,
        "domain": domain.name,
        "endpoint": domain.endpoint,
        "region": domain.region,
        "repository": domain.repository,
        "snapshot": None,
        "snapshot_uuid": None,
        "state": None,
        "reason": None,
        "times": {
            "run_started": None,
            "snapshot_started": None,
            "snapshot_ended": None,
            "duration_seconds": None,
            "deadline": None,
        },
        "polls": None,
        "shards": None,
        "failures": [],
        "failures_total": 0,
        "affected_indices": [],
        "affected_indices_total": 0,
        "error": None,
        "execution": {"arn": execution_arn, "state_machine_arn": machine_arn, "failed_state": None},
        "phase": None,
        "console_url": link,
        "rerun_command": _rerun_command(machine_arn, None, {}, {}),
        "raw_event": raw,
    }
    lines = [
        summary,
        "Treat tonight's backup as missing until you have looked.",
        "",
        f"  Domain:      {domain.name} ({domain.endpoint})",
        f"  Repository:  {domain.repository}",
        "",
        "What to do",
        "  Open the execution (below) to see which step failed and why, and check the newest snapshots:",
        f"  GET _cat/snapshots/{domain.repository}?v&s=start_epoch",
        "",
        "Execution",
        f"  {execution_arn or '(not found in the event)'}",
        *([f"  {link}"] if link else []),
        "",
        "Run it again by hand",
        f"  {facts['rerun_command']}",
        "",
        "The event as the state machine sent it",
        raw,
    ]
    return Alert(
        subject=safe_subject(f"[{UNKNOWN}] {domain.name}: backup run ended without success"),
        text="\n".join(lines) + "\n",
        facts=facts,
    )


def _read_error(value: Any) -> _Error | None:
    if not isinstance(value, Mapping) or not value:
        return None
    name = _text(value.get("Error")) or _text(value.get("error")) or "UnknownError"
    cause = value.get("Cause", value.get("cause"))
    message = _text(cause)
    if isinstance(cause, str) and cause.lstrip().startswith("{"):
        try:
            decoded = json.loads(cause)
        except ValueError:
            decoded = None
        if isinstance(decoded, Mapping):
            message = _text(decoded.get("errorMessage")) or _text(decoded.get("cause")) or message
    elif isinstance(cause, Mapping):
        message = _text(cause.get("errorMessage")) or _json(cause)
    return _Error(name=_clip(name, 200), message=_clip(" ".join(message.split()), MESSAGE_MAX_CHARS))


def _failure(doc: Mapping[str, Any]) -> dict[str, Any]:
    shard = doc.get("shard_id", doc.get("shard"))
    return {
        "index": _clip(_text(doc.get("index")) or "?", 300),
        "shard_id": _int(shard),
        "reason": _clip(" ".join(_text(doc.get("reason")).split()), REASON_MAX_CHARS),
        "node_id": _clip(_text(doc.get("node_id")), 100) or None,
        "status": _clip(_text(doc.get("status")), 100) or None,
    }


def _shards(snapshot: Mapping[str, Any]) -> dict[str, int] | None:
    shards = _mapping(snapshot.get("shards"))
    if not shards:
        return None
    return {key: _int(shards.get(key)) or 0 for key in ("total", "successful", "failed")}


def _times(config: Mapping[str, Any], snapshot: Mapping[str, Any]) -> dict[str, Any]:
    started = _timestamp(snapshot.get("start_time"))
    ended = _timestamp(snapshot.get("end_time"))
    deadline = _timestamp(config.get("deadline")) or _timestamp(snapshot.get("deadline"))
    duration = snapshot.get("duration_seconds")
    seconds: float | None = float(duration) if isinstance(duration, int | float) and duration > 0 else None
    if seconds is None and started and ended:
        seconds = _seconds_between(started, ended)
    if seconds is None and started and deadline and _text(snapshot.get("state")).upper() == "IN_PROGRESS":
        seconds = _seconds_between(started, deadline)
    return {
        "run_started": _timestamp(config.get("execution_start_time")),
        "snapshot_started": started,
        "snapshot_ended": ended,
        "duration_seconds": seconds,
        "deadline": deadline,
    }


def _seconds_between(start: str, end: str) -> float | None:
    try:
        seconds = (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()
    except ValueError:
        return None
    return seconds if seconds >= 0 else None


def _timestamp(value: Any) -> str | None:
    text = _text(value)
    if not text or text.startswith(_EPOCH_ZERO):
        return None
    return text[:64]


def _execution_arn(event: Mapping[str, Any], config: Mapping[str, Any]) -> str | None:
    run = _mapping(event.get("run"))
    for candidate in (config.get("execution_id"), event.get("execution_id"), run.get("execution_id")):
        text = _text(candidate)
        if text.startswith("arn:"):
            return text[:2048]
    return None


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _sequence(value: Any) -> Sequence[Any]:
    return value if isinstance(value, list | tuple) else ()


def _text(value: Any) -> str:
    if value is None or isinstance(value, Mapping | list | tuple):
        return ""
    return str(value).strip()


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _json(value: Any) -> str:
    try:
        return json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)
    except (TypeError, ValueError):
        return repr(value)


def _clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    kept = max(limit - 40, limit // 2)
    return f"{text[:kept]} ... [{len(text) - kept} more characters]"


def _one_line(text: str, limit: int) -> str:
    return _clip(" ".join(text.split()), limit)
