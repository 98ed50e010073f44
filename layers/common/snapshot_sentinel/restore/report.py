"""What a person reads after a restore: ``[RESTORED] ...``, the dry run's plan, or the failure alert.

Pure: the state machine's record of the run (and, on success, the restored indices' measurement) in;
a subject, a text and JSON facts out. Sizes are bounded for SNS (subject under 100 characters,
message under 256 KB): per-index lines are capped and the facts carry counts plus samples.
The final Fail state of RestoreStateMachine takes ``error`` and ``cause`` from here
as every run does: the real error name, and a cause ending with "Alert sent to AlertTopic.".
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from snapshot_sentinel.alerts import console_url, human_duration, safe_subject
from snapshot_sentinel.alerts.json_values import mapping
from snapshot_sentinel.inputs import quotable_input
from snapshot_sentinel.naming import counted
from snapshot_sentinel.restore.outcome import (
    RestoreReport,
    failure_cause,
    human_size,
    read_error,
    seconds_between,
)

RESTORED = "RESTORED"
PLANNED = "PLANNED"
BLOCKED = "BLOCKED"
FAILED = "FAILED"

TEXT_INDICES_MAX = 200
FACTS_INDICES_MAX = 500
MEASURED_BYTES_MAX = 64 * 1024
"""What the measurement of the restored indices may add to the execution's state (256 KB in all)."""


def _common_facts(run: Mapping[str, Any], outcome: str, domain: str, region: str) -> dict[str, Any]:
    config = mapping(run.get("config"))
    plan = mapping(run.get("plan"))
    snapshot = mapping(plan.get("snapshot"))
    execution = str(config.get("execution_id") or run.get("execution_id") or "")
    return {
        "kind": "restore",
        "outcome": outcome,
        "domain": domain,
        "repository": plan.get("repository") or config.get("repository"),
        "snapshot": snapshot.get("name") or config.get("snapshot_name"),
        "snapshot_why": snapshot.get("why"),
        "execution": {"arn": execution or None, "console_url": console_url(execution, region) if execution else None},
        "input": quotable_input(run.get("input")),
    }


def _plan_lines(plan: Mapping[str, Any]) -> list[str]:
    counts = mapping(plan.get("counts"))
    lines = [
        (
            f"Plan: restore {counts.get('restore', 0)} of {counted(int(counts.get('in_snapshot', 0)), 'index')}"
            f" (replacing {counts.get('replace', 0)} existing), skip {counts.get('skip', 0)}."
        ),
    ]
    for pair in plan.get("restore_sample") or []:
        source, target = pair.get("source"), pair.get("target")
        lines.append(f"  restore {source}" + (f" as {target}" if target != source else ""))
    if counts.get("restore", 0) > len(plan.get("restore_sample") or []):
        lines.append(f"  ... and {counts['restore'] - len(plan['restore_sample'])} more")
    if plan.get("replace_sample"):
        lines.append("Replaced after a safety snapshot: " + ", ".join(plan["replace_sample"]))
    for reason, count in mapping(plan.get("skipped_by_reason")).items():
        lines.append(f"  skipped {count}: {reason}")
    for advice in plan.get("advice") or []:
        older = advice.get("older_snapshot")
        lines.append(
            f"  {advice.get('index')}: restore it from {older}" if older else f"  {advice.get('index')}: no older copy"
        )
    lines.extend(f"Warning: {warning}" for warning in plan.get("warnings") or [])
    lines.extend(_alias_lines(plan))
    return lines


def _alias_lines(plan: Mapping[str, Any]) -> list[str]:
    aliases = mapping(plan.get("aliases"))
    lines = [f"Aliases: {note}" for note in aliases.get("notes") or []]
    if aliases.get("re_added"):
        lines.append(f"Aliases: {aliases['re_added']} alias(es) that had not moved were added back after the restore.")
    return lines


def measure(pairs: Sequence[tuple[str, str]], stats: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The restored indices as the report needs them, small enough for the state machine's state:
    totals over every index, and each index's row (docs, shards, size, health) for the first ones
    while they fit in MEASURED_BYTES_MAX (at most FACTS_INDICES_MAX).

    Measured inside the domain's VPC, rendered and published outside it (render_success)."""
    rows = [
        {
            "source": source,
            "target": target,
            "docs": mapping(stats.get(target)).get("docs"),
            "primaries": mapping(stats.get(target)).get("primaries"),
            "replicas": mapping(stats.get(target)).get("replicas"),
            "size_bytes": mapping(stats.get(target)).get("size_bytes"),
            "health": mapping(stats.get(target)).get("health"),
        }
        for source, target in pairs
    ]
    sample: list[dict[str, Any]] = []
    used = 0
    for row in rows[:FACTS_INDICES_MAX]:
        used += len(json.dumps(row, ensure_ascii=False, separators=(",", ":")).encode()) + 1
        if used > MEASURED_BYTES_MAX:
            break
        sample.append(row)
    return {
        "indices": len(rows),
        "docs": sum(int(row["docs"] or 0) for row in rows),
        "size_bytes": sum(int(row["size_bytes"] or 0) for row in rows),
        "sample": sample,
    }


def render_success(
    run: Mapping[str, Any],
    measured: Mapping[str, Any],
    *,
    domain: str,
    region: str,
) -> RestoreReport:
    """``[RESTORED]``: the restored indices (``measure``'s totals and rows) and the measured RTO.

    Without a measurement (the domain did not answer it), the count comes from the plan and the
    report says the figures are missing: the restore itself succeeded."""
    plan = mapping(run.get("plan"))
    progress = mapping(run.get("restore"))
    config = mapping(run.get("config"))
    facts = _common_facts(run, RESTORED, domain, region)
    rto = seconds_between(progress.get("started_at"), progress.get("finished_at"))
    total = seconds_between(config.get("execution_start_time"), progress.get("finished_at"))
    indices = [dict(row) for row in measured.get("sample") or [] if isinstance(row, Mapping)]
    count = int(measured.get("indices", mapping(plan.get("counts")).get("restore", 0)) or 0)
    docs = int(measured.get("docs") or 0)
    size = int(measured.get("size_bytes") or 0)
    safety = mapping(run.get("set_aside")).get("safety_snapshot")
    facts.update(
        restored={"indices": count, "docs": docs, "size_bytes": size, "measured": bool(measured)},
        indices=indices[:FACTS_INDICES_MAX],
        indices_left_out=max(0, count - min(len(indices), FACTS_INDICES_MAX)),
        skipped_by_reason=plan.get("skipped_by_reason") or {},
        skipped_sample=plan.get("skipped_sample") or [],
        advice=plan.get("advice") or [],
        safety_snapshot=safety,
        replaced=mapping(run.get("set_aside")).get("closed_count", 0),
        aliases=plan.get("aliases") or {},
        restore_started_at=progress.get("started_at"),
        restore_finished_at=progress.get("finished_at"),
        restore_seconds=rto,
        execution_seconds=total,
        polls=progress.get("polls"),
    )
    took = human_duration(rto) if rto is not None else "unknown time"
    subject = safe_subject(f"[RESTORED] {domain}: {counted(count, 'index')} from {facts['snapshot']} in {took}")
    figures = (
        f"{docs:,} docs, {human_size(size)}" if measured else "docs and size not measured: the domain did not answer"
    )
    lines = [
        (
            f"Restored {counted(count, 'index')} ({figures}) from snapshot {facts['snapshot']} "
            f"in repository {facts['repository']} on {domain}."
        ),
        f"Restore time (RTO): {took}, from the restore request until every primary was active and every "
        "recovery DONE" + (f"; whole run {human_duration(total)}." if total is not None else "."),
    ]
    if safety:
        lines.append(
            f"Replaced indices were saved first in safety snapshot {safety} (repository of this stack), then closed "
            "(never deleted) and restored over."
        )
    lines.extend(_alias_lines(plan))
    lines.append("")
    lines.append(f"{'source':<40} {'target':<40} {'docs':>12} {'shards':>7} {'size':>10}")
    for item in indices[:TEXT_INDICES_MAX]:
        shards = f"{item['primaries']}p/{item['replicas']}r"
        lines.append(
            f"{item['source']:<40} {item['target']:<40} {int(item['docs'] or 0):>12,} {shards:>7} "
            f"{human_size(int(item['size_bytes'] or 0)):>10}"
        )
    if count > min(len(indices), TEXT_INDICES_MAX):
        lines.append(f"... and {count - min(len(indices), TEXT_INDICES_MAX)} more (GET _cat/indices lists them)")
    skipped = mapping(plan.get("skipped_by_reason"))
    if skipped:
        lines.append("")
        lines.extend(f"Skipped {n}: {reason}" for reason, n in skipped.items())
    if facts["execution"]["console_url"]:
        lines += ["", f"Execution: {facts['execution']['console_url']}"]
    return RestoreReport(RESTORED, subject, "\n".join(lines), facts)


def render_plan(run: Mapping[str, Any], *, domain: str, region: str) -> RestoreReport:
    """A dry run's report: the plan, nothing changed."""
    plan = mapping(run.get("plan"))
    counts = mapping(plan.get("counts"))
    facts = _common_facts(run, PLANNED, domain, region)
    facts["plan"] = dict(plan)
    subject = safe_subject(
        f"[RESTORE PLAN] {domain}: {counted(int(counts.get('restore', 0)), 'index')} from {facts['snapshot']}"
        f", {counts.get('skip', 0)} skipped"
    )
    lines = [
        (
            f"Dry run: nothing on {domain} changed. Snapshot {facts['snapshot']} ({facts['snapshot_why']}), "
            f"repository {facts['repository']}."
        ),
        "",
        *_plan_lines(plan),
        "",
        'Run it for real: start the same input without "dry_run".',
    ]
    return RestoreReport(PLANNED, subject, "\n".join(lines), facts)


_ADVICE = {
    "RestoreBlockedError": "Nothing on the domain changed. Fix each blocker above (or choose other options) and start "
    'the restore again; a dry run ("dry_run": true) shows the plan first.',
    "InvalidInputError": "Nothing on the domain changed. Correct the input field named above and start again.",
    "RestoreRefusedError": "The engine refused the restore and quoted its reason above. Typical fixes: restore under "
    "another name (rename_prefix), delete or close the index it names, or choose another snapshot.",
    "ShardLimitError": "The cluster has no room for the restored shards. Restore fewer indices, set "
    '"index_settings": {"index.number_of_replicas": 0}, delete unused indices, or raise '
    "cluster.max_shards_per_node.",
    "SnapshotMissingError": "The snapshot is not in the repository. List them with GET _snapshot/<repository>/_all "
    "and pass snapshot_name.",
    "RepositoryMissingError": "The repository is not registered on this domain; check the repository input or the "
    "stack's RepositoryName.",
    "SafetySnapshotFailedError": "The safety snapshot did not succeed, so nothing was deleted or restored. Fix the "
    "snapshot failure (see the snapshot's failures) or restore under another name.",
    "RestoreTargetExistsError": "A target index exists that this run did not plan to replace; nothing was restored "
    "over it. Run the restore again to plan afresh.",
    "RestoreShardFailedError": "A restored primary shard cannot be allocated; the index named above stays red. "
    "Check GET _cluster/allocation/explain for it, fix the cause (disk, node attributes, corrupt snapshot "
    "files), then delete the red index and restore it again.",
    "RestoreDeadlineError": "Restored indices were still not active when MaxWaitMinutes ran out. The restore may "
    "still finish: watch GET <index>/_recovery and GET _cluster/health/<index>.",
}


def _set_aside_lines(run: Mapping[str, Any], facts: dict[str, Any]) -> list[str]:
    """What became of the indices a replace closed before the restore went over them."""
    set_aside = mapping(run.get("set_aside"))
    reopened = mapping(run.get("reopened"))
    if reopened:
        facts["reopened"] = {"count": reopened.get("reopened_count"), "sample": reopened.get("reopened_sample")}
        if reopened.get("reopened_count"):
            first = ", ".join(reopened.get("reopened_sample") or [])
            return [
                (
                    f"The {counted(int(reopened['reopened_count']), 'index')} set aside for the restore "
                    f"{'was' if reopened['reopened_count'] == 1 else 'were'} opened again as "
                    f"{'it was' if reopened['reopened_count'] == 1 else 'they were'} (first: {first}); nothing was "
                    "restored over them."
                ),
                "",
            ]
    elif set_aside and run.get("reopen_error"):
        first = ", ".join(set_aside.get("closed_sample") or [])
        return [
            (
                f"The indices set aside (closed) for the restore could not be opened again: open them with POST "
                f"<index>/_open (first: {first})."
            ),
            "",
        ]
    return []


def render_failure(run: Mapping[str, Any], *, domain: str, region: str) -> RestoreReport:
    """Every failure path's alert, and the Error/Cause the execution ends with."""
    plan = mapping(run.get("plan"))
    safety = mapping(run.get("safety"))
    found = read_error(run)
    if found is not None:
        error, message = found
    elif plan.get("action") == "blocked":
        blockers = list(plan.get("blockers") or [])
        count = mapping(plan.get("counts")).get("blockers", len(blockers))
        error, message = "RestoreBlockedError", f"{counted(int(count), 'blocker')}: " + "; ".join(blockers[:3])
    elif safety and safety.get("state") != "SUCCESS":
        state = "still running past MaxWaitMinutes" if safety.get("state") == "IN_PROGRESS" else safety.get("state")
        error = "SafetySnapshotFailedError"
        message = f"safety snapshot {safety.get('name')} is {state}; nothing was deleted or restored"
    else:
        error, message = "RestoreFailedError", "the restore did not finish; see the execution history"
    facts = _common_facts(run, BLOCKED if error == "RestoreBlockedError" else FAILED, domain, region)
    facts.update(error={"name": error, "message": message[:2000]}, plan=dict(plan) or None)
    if safety:
        facts["safety_snapshot"] = {"name": safety.get("name"), "state": safety.get("state")}
    label = "[RESTORE BLOCKED]" if error == "RestoreBlockedError" else "[RESTORE FAILED]"
    subject = safe_subject(f"{label} {domain}: {error}" + (f" ({facts['snapshot']})" if facts["snapshot"] else ""))
    lines = [f"The restore on {domain} failed: {error}.", "", message[:2000], ""]
    if plan.get("action") == "blocked" or error == "RestoreBlockedError":
        lines += ["Blockers:", *(f"  - {b}" for b in plan.get("blockers") or []), ""]
    lines += _set_aside_lines(run, facts)
    if plan.get("counts"):
        lines += [*_plan_lines(plan), ""]
    lines.append(_ADVICE.get(error, "See the execution history for the step that failed and its error."))
    if facts["execution"]["console_url"]:
        lines += ["", f"Execution: {facts['execution']['console_url']}"]
    cause = failure_cause(error, message)
    return RestoreReport(facts["outcome"], subject, "\n".join(lines), facts, error=error, cause=cause)


def render_report(path: str, run: Mapping[str, Any], *, domain: str, region: str) -> RestoreReport:
    """The report of the way the run went: ``restored``, ``dry_run`` or (anything else) ``failed``."""
    if path == "dry_run":
        return render_plan(run, domain=domain, region=region)
    if path != "restored":
        return render_failure(run, domain=domain, region=region)
    return render_success(run, mapping(run.get("measured")), domain=domain, region=region)


def restore_metrics(report: RestoreReport) -> dict[str, tuple[float, str]]:
    """EMF metrics of one restore (namespace SnapshotSentinel, dimension domain): its outcome, and
    on success the measured RTO and the indices restored. A dry run counts nothing."""
    if report.outcome == RESTORED:
        values: dict[str, tuple[float, str]] = {
            "RestoreSucceeded": (1, "Count"),
            "RestoredIndices": (float(report.facts.get("restored", {}).get("indices", 0)), "Count"),
        }
        seconds = report.facts.get("restore_seconds")
        if isinstance(seconds, int | float):
            values["RestoreSeconds"] = (float(seconds), "Seconds")
        return values
    if report.outcome in (BLOCKED, FAILED):
        return {"RestoreFailed": (1, "Count")}
    return {}
