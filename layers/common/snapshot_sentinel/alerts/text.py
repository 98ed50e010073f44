"""The alert as a person reads it: a subject SNS accepts and a plain-text body to act on at 3 a.m."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from snapshot_sentinel.alerts.advice import restore_advice, what_to_do
from snapshot_sentinel.alerts.facts import (
    APPLYING_RETENTION,
    DEADLINE,
    ERROR,
    MESSAGE_MAX_CHARS,
    REASON_MAX_CHARS,
    UNKNOWN,
    VALIDATING_INPUT,
    AlertFacts,
)
from snapshot_sentinel.alerts.json_values import one_line

SUBJECT_MAX_CHARS = 99


@dataclass(frozen=True)
class Alert:
    """One alert: ``facts`` is the machine-readable document, ``record`` the typed facts behind it."""

    subject: str
    text: str
    facts: dict[str, Any]
    record: AlertFacts

    @property
    def error(self) -> str:
        """The error the execution ends with."""
        return self.record.error_name

    @property
    def cause(self) -> str:
        """The execution's Cause: ``<Error>: <one-line summary> Alert sent to AlertTopic.``"""
        return self.record.cause


def render(facts: AlertFacts, failures_listed: int) -> Alert:
    """The alert listing the first ``failures_listed`` failures (the sizes are sns.py's concern)."""
    listed = min(failures_listed, len(facts.failures))
    body = _unreadable_text(facts) if facts.outcome == UNKNOWN else _text(facts, listed)
    return Alert(subject=subject(facts), text=body, facts=facts.to_dict(listed), record=facts)


def subject(facts: AlertFacts) -> str:
    if facts.outcome == UNKNOWN:
        return safe_subject(f"[{UNKNOWN}] {facts.domain.name}: backup run ended without success")
    detail = ""
    if facts.outcome == ERROR and facts.error is not None:
        detail = f" ({facts.error.name})"
    elif facts.outcome == DEADLINE:
        detail = " still running at the deadline"
    return safe_subject(f"[{facts.outcome}] {facts.domain.name}: {facts.snapshot or 'backup run'}{detail}")


def safe_subject(value: str) -> str:
    """``value`` as a subject SNS accepts: printable ASCII, one line, under 100 characters."""
    ascii_text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")
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


def _text(facts: AlertFacts, listed: int) -> str:
    lines = [facts.summary, ""]
    lines += _section("What happened", _what_happened(facts))
    if facts.failures_total:
        lines += _section(f"Shard failures ({facts.failures_total})", _failure_lines(facts, listed))
    lines += _section("What to do", what_to_do(facts))
    if facts.phase != VALIDATING_INPUT:  # a refused input touched nothing: the backups are as they were
        lines += _section("What this means for restore", restore_advice(facts))
    lines += _section("Execution", _execution_lines(facts))
    lines += _section("Run it again by hand", _rerun_lines(facts))
    return "\n".join(lines).rstrip() + "\n"


def _what_happened(facts: AlertFacts) -> list[str]:
    domain, times, shards, running = facts.domain, facts.times, facts.shards, facts.state == "IN_PROGRESS"
    rows = [
        ("Domain", f"{domain.name} ({domain.endpoint})" if domain.endpoint else domain.name),
        ("Repository", domain.repository),
        ("Snapshot", _snapshot_label(facts)),
        ("State", facts.state),
        ("State now", f"{facts.state_now} (read when this alert was written)" if facts.state_now else None),
        ("Run started", times.run_started),
        ("Started", times.snapshot_started),
        ("Ended", times.snapshot_ended or ("(still running)" if running else None)),
        ("Duration", _duration_text(times.duration_seconds, running=running)),
        ("Deadline", times.deadline if facts.outcome == DEADLINE else None),
        ("Polls", str(facts.polls) if facts.polls is not None else None),
        ("Progress", _progress_text(facts)),
        (
            "Shards",
            f"{shards.total} total, {shards.successful} successful, {shards.failed} failed"
            if shards and not running
            else None,
        ),
        ("Reason", facts.reason),
        ("Failed state", facts.failed_state),
        ("Failed while", facts.phase if not facts.failed_state else None),
    ]
    if facts.error is not None:
        rows += [("Error", facts.error.name), ("Message", facts.error.message)]
    width = max(len(label) for label, _ in rows) + 2
    return [f"{(label + ':').ljust(width)}{one_line(str(value), MESSAGE_MAX_CHARS)}" for label, value in rows if value]


def _failure_lines(facts: AlertFacts, listed: int) -> list[str]:
    lines: list[str] = []
    for number, failure in enumerate(facts.failures[:listed], start=1):
        shard = failure.shard_id if failure.shard_id is not None else "?"
        reason = one_line(failure.reason, REASON_MAX_CHARS) or "(no reason given)"
        lines.append(f"{number}. {failure.index} shard {shard}: {reason}")
        details = [part for part in (failure.status, failure.node_id and f"node {failure.node_id}") if part]
        if details:
            lines.append(f"   ({', '.join(details)})")
    left = facts.failures_total - listed
    if left > 0:
        lines.append(f"... and {left} more. To see them all: {facts.failures_command}")
        lines.append(
            f"   (or in OpenSearch Dashboards' Dev Tools: GET _snapshot/{facts.domain.repository}/{facts.snapshot})"
        )
    if not facts.failures_from_domain and facts.domain_problem:
        lines.append(f"(these are the failures the run recorded: {facts.domain_problem})")
    return lines


def _snapshot_label(facts: AlertFacts) -> str:
    if facts.snapshot is None:
        if facts.phase == APPLYING_RETENTION:
            return "(none: this run only applied retention)"
        return "(none: the run stopped before it had one)"
    return facts.snapshot if facts.state else f"{facts.snapshot} (the run never read its state)"


def _progress_text(facts: AlertFacts) -> str | None:
    """``64% done (30 of 47 shards) at the last check, about 4.5 hours left (ETA ...)``."""
    progress = facts.progress
    if progress is None:
        return None
    parts = []
    if progress.percent is not None:
        parts.append(f"{progress.percent:g}% done")
    if progress.shards_total:
        parts.append(f"({progress.shards_done or 0} of {progress.shards_total} shards)")
    said = " ".join(parts) + " at the last check" if parts else "at the last check"
    if progress.remaining:
        said += f", {progress.remaining}" + (f" (ETA {progress.eta})" if progress.eta else "")
    return said


def _duration_text(seconds: float | None, *, running: bool) -> str | None:
    if seconds is None:
        return None
    return f"running for {human_duration(seconds)} at the deadline" if running else human_duration(seconds)


def _execution_lines(facts: AlertFacts) -> list[str]:
    ends = f"It ends FAILED with error {facts.error_name} (describe-execution shows the cause in one line)."
    if not facts.execution_arn:
        return [
            "(the event did not name its execution: see the BackupStateMachine's executions in the console)",
            ends,
        ]
    return [facts.execution_arn, *([facts.console_url] if facts.console_url else []), ends]


def _rerun_lines(facts: AlertFacts) -> list[str]:
    if facts.run_input is not None:
        note = "(this is the input that was refused: fix the field named above first)"
    elif facts.outcome == DEADLINE:
        note = "(only once the running snapshot has ended or been deleted)"
    else:
        note = "(without snapshot_name: the new run names its snapshot after its own start time)"
    return [facts.rerun_command, note]


def _unreadable_text(facts: AlertFacts) -> str:
    domain = facts.domain
    lines = [
        facts.summary,
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
        f"  {facts.execution_arn or '(not found in the event)'}",
        *([f"  {facts.console_url}"] if facts.console_url else []),
        "",
        "Run it again by hand",
        f"  {facts.rerun_command}",
        "",
        "The event as the state machine sent it",
        facts.raw_event or "",
    ]
    return "\n".join(lines) + "\n"


def _section(title: str, body: Sequence[str]) -> list[str]:
    return [title, *[f"  {line}" if line else "" for line in body], ""]
