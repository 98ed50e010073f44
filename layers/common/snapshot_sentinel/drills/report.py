"""What a person reads after a drill: ``[DRILL OK]`` or ``[DRILL FAILED]``, and its metrics.

Pure: the drill's state in, a subject, text and JSON facts out (bounded: the caps bound the
picks). A failed drill names what failed and what it means; the Fail state of DrillStateMachine
takes ``error`` and ``cause`` from here.

``[DRILL OK]`` is sent too: one message a week, the only place the measured RTO is written in
words, and proof that drills still run; its ``outcome`` attribute (``OK``) lets a subscriber's
filter policy drop it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from snapshot_sentinel.alerts import console_url, safe_subject
from snapshot_sentinel.alerts.json_values import mapping
from snapshot_sentinel.restore.outcome import RestoreReport, failure_cause, human_size, read_error, seconds_between

OK = "OK"
FAILED = "FAILED"

_MEANS = {
    "DrillShardFailedError": "The snapshot did not restore: on the bad day this index would stay red. Check "
    "GET _cluster/allocation/explain output quoted above (disk, shard limit, corrupt snapshot files).",
    "DrillDeadlineError": "Restoring the sample took longer than MaxWaitMinutes: the real RTO is worse than "
    "planned, or the restore is stuck.",
    "DrillVerificationError": "The snapshot restored, but not as it was taken: documents, mapping or search differ. "
    "Treat this snapshot as suspect and look at older ones.",
    "DrillNothingToRestoreError": "No drill ran: there is no full SUCCESS snapshot, or no index fits "
    "DrillMaxShards / DrillMaxGigabytes / DrillIndices.",
    "DrillTargetExistsError": "A live index holds one of this drill's own names (each drill's names carry a token "
    "of its execution, so another drill never does: was it created by hand?). Nothing was restored or deleted; "
    "the drill never deletes what it did not create.",
    "InvalidInputError": "Nothing ran. Correct the input key named above.",
    "RestoreRefusedError": "The domain refused to restore this snapshot (its reason is quoted above). A drill domain "
    "older than the snapshot cannot read it (a node never reads a newer version's snapshot): on the bad day a "
    "restore there would fail the same way. Upgrade the drill domain, or drill on the backed-up domain.",
    "RepositoryMissingError": "The domain the drill restores on does not hold the repository. Each drill first "
    "registers a missing repository again there, exactly as the stack does (read-only on a drill domain), so it "
    "vanished during this drill: start the drill again.",
    "RepositoryElsewhereError": "The domain the drill restores on holds the repository's name with another bucket or "
    "base path, and a drill never re-points it. If it should be this stack's: DELETE _snapshot/<repository> on that "
    "domain and start the drill again, which registers it read-only as the stack does.",
    "AuthorizationError": "The domain refused a signed request (quoted above). If it refused to register the "
    "repository again: map the role of stack output EnsureRepositoryRoleArn as a backend role of manage_snapshots "
    "on that domain (fine-grained access control), and check that nothing denies iam:PassRole on the snapshot role; "
    "then start the drill again.",
    "ShardLimitError": "The domain has no room for the drill's shards: on the bad day a restore would fail the same "
    "way. Lower DrillMaxShards or free shards.",
}


def render_drill(run: Mapping[str, Any], *, domain: str, region: str) -> RestoreReport:
    plan, restore, verify, cleanup = (mapping(run.get(k)) for k in ("plan", "restore", "verify", "cleanup"))
    execution = str(run.get("execution_id") or "")
    found = read_error(run)
    if found is None and verify and not verify.get("passed"):
        found = ("DrillVerificationError", "; ".join(verify.get("problems") or []) or "verification failed")
    cleanup_error = read_error({"error": run.get("cleanup_error")})
    if found is None and cleanup_error is not None:
        found = ("DrillCleanUpError", f"the drill passed but its indices were not deleted: {cleanup_error[1]}")
    seconds = seconds_between(restore.get("started_at"), restore.get("finished_at"))
    restored_bytes = int(verify.get("restored_bytes") or 0)
    facts: dict[str, Any] = {
        "kind": "drill",
        "outcome": FAILED if found else OK,
        "domain": domain,
        "drill_domain": plan.get("drill_domain") or domain,
        "snapshot": plan.get("snapshot_name"),
        "snapshot_why": plan.get("snapshot_why"),
        "catalog": plan.get("catalog"),
        "indices": list(verify.get("indices") or [{"index": p.get("source")} for p in plan.get("picks") or []]),
        "left_out_count": plan.get("left_out_count"),
        "restore_seconds": seconds,
        "restored_bytes": restored_bytes,
        "seconds_per_gigabyte": round(seconds / (restored_bytes / 1024**3), 1)
        if seconds is not None and restored_bytes
        else None,
        "cleanup": dict(cleanup) or None,
        "cleanup_error": cleanup_error[1] if cleanup_error else None,
        "execution": {"arn": execution or None, "console_url": console_url(execution, region) if execution else None},
    }
    lines: list[str] = []
    if found:
        error, message = found
        facts["error"] = {"name": error, "message": message[:2000]}
        subject = safe_subject(f"[DRILL FAILED] {domain}: {error}" + (f" ({plan['snapshot_name']})" if plan else ""))
        lines += [f"The restore drill on {domain} failed: {error}.", "", message[:2000], ""]
        lines.append(_MEANS.get(error, "See the execution history for the step that failed and its error."))
    else:
        subject = safe_subject(f"[DRILL OK] {domain}: {plan.get('snapshot_name')} restored")
        lines.append(f"The newest backup of {domain} restores: {plan.get('snapshot_name')}.")
    if plan:
        lines += ["", f"Snapshot: {plan.get('snapshot_name')} ({plan.get('snapshot_why')})"]
        if plan.get("drill_domain"):
            lines.append(f"Drill domain: {plan['drill_domain']} (it holds the repository read-only).")
        if seconds is not None:
            lines.append(
                f"Restore took {seconds:.0f} s for {human_size(restored_bytes)} (the measured RTO of this sample)."
            )
        if plan.get("catalog") != "recorded":
            lines.append("Counts were NOT checked: the catalog holds no counts for this snapshot.")
        lines.append(f"Indices ({len(facts['indices'])}, {plan.get('left_out_count', 0)} left out):")
        for entry in facts["indices"]:
            lines.append(
                f"  - {entry.get('index')}: count {entry.get('count', '-')}; mapping {entry.get('mapping', '-')}; "
                f"search {entry.get('search', '-')}"
            )
    lines += ["", f"Clean-up: {cleanup.get('note') or (cleanup_error and cleanup_error[1]) or 'not reached'}"]
    if cleanup.get("kept"):
        lines.append("Kept for you (keep_restored): " + ", ".join(cleanup["kept"]) + ". Delete them when done.")
    if facts["execution"]["console_url"]:
        lines += ["", f"Execution: {facts['execution']['console_url']}"]
    if found:
        return RestoreReport(FAILED, subject, "\n".join(lines), facts, error=found[0], cause=failure_cause(*found))
    return RestoreReport(OK, subject, "\n".join(lines), facts)


def drill_metrics(report: RestoreReport) -> dict[str, tuple[float, str]]:
    """DrillSucceeded / DrillFailed (both written, 0 or 1), and on success the RTO and bytes."""
    ok = report.outcome == OK
    values: dict[str, tuple[float, str]] = {"DrillSucceeded": (int(ok), "Count"), "DrillFailed": (int(not ok), "Count")}
    seconds = report.facts.get("restore_seconds")
    if ok and isinstance(seconds, int | float):
        values["DrillRestoreSeconds"] = (float(seconds), "Seconds")
        values["DrillRestoredBytes"] = (float(report.facts.get("restored_bytes") or 0), "Bytes")
    return values
