"""The vault copy's figures (its lag, and the metrics a verified copy publishes), and the alert of a
copy that failed. Pure: the state in, figures or a subject, text and JSON facts out."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from snapshot_sentinel.alerts import ALERTED_CAUSE_SUFFIX, SCHEMA_VERSION, console_url, safe_subject
from snapshot_sentinel.alerts.json_values import clip, mapping, text

VAULT_COPY_SUCCEEDED = "VaultCopySucceeded"
VAULT_LAG_HOURS = "VaultLagHours"


def lag_hours(newest_end_millis: int | None, now: datetime) -> float | None:
    """Hours since the newest snapshot the vault holds ended, or None when the repository data has no time."""
    if newest_end_millis is None:
        return None
    ended = datetime.fromtimestamp(newest_end_millis / 1000, tz=UTC)
    return round(max(0.0, (now - ended).total_seconds() / 3600), 2)


def vault_metrics(plan: dict[str, Any], verified: dict[str, Any]) -> dict[str, tuple[float, str]]:
    """A verified copy: it succeeded, and the vault's lag when known (what it copied is in the
    execution's output, ``$.plan``: two metrics, not four, since each costs every month)."""
    values: dict[str, tuple[float, str]] = {VAULT_COPY_SUCCEEDED: (1.0, "Count")}
    if verified.get("lag_hours") is not None:
        values[VAULT_LAG_HOURS] = (float(verified["lag_hours"]), "None")
    return values


# -- the alert of a copy that failed --------------------------------------------------------------

VAULT_COPY_FAILED = "VAULT COPY FAILED"
KIND = "vault_copy_failed"
CAUSE_MAX_CHARS = 900
MESSAGE_MAX_CHARS = 2_000

LISTING = "listing an index directory"
STEPS = (
    ("plan_error", "planning the copy"),
    ("listing_error", LISTING),
    ("copy_error", "copying a tier's batches"),
    ("verify_error", "verifying"),
)
"""Where each Catch of VaultCopyStateMachine puts the error it caught, and the step it names."""

_MEANS = {
    "VaultIncompleteError": "The vault lacks a file that its newest generation needs (named above): a restore of "
    "that generation from the vault would fail. Every file reaches the vault only after the files it references, "
    "so the generation before it is still whole. Start VaultCopyStateMachine again (input {}): it copies what "
    "is missing. If the same file stays missing, the source repository lacks it too: list its snapshots "
    "(GET _snapshot/<repository>/_all) and look for the key in the repository's bucket.",
    "VaultSourceChangedError": "Something wrote the repository while the copy ran (a backup run, retention, or a "
    "snapshot or delete by hand). The vault keeps its previous generation, whole. Nothing to do if it is rare: "
    "the next successful backup starts a copy. If it recurs, look for what writes the repository after the "
    "nightly run (another schedule, a snapshot policy on the domain).",
    "VaultUnreadableError": "The source's or the vault's index.latest or index-N is not what the engine writes. "
    "Check that SnapshotBucketName and SnapshotBasePath name the repository, and that nothing but this copy "
    "writes the vault's prefix.",
    "States.ExceedToleratedFailureThreshold": "A batch of server-side copies failed after its retries, and the copy "
    "stopped before any file that would reference it: the vault still restores its previous generation. The "
    "execution's Map Run lists the failed child execution and its error. Usual causes: the vault's bucket policy "
    "or Object Lock refuses the copier (AccessDenied: check the vault stack's BackupAccountId and CopierRoleArn), "
    "or a source object vanished while the copy ran. Fix it, then start VaultCopyStateMachine again (input {}); "
    "it resumes with what is missing.",
    "VaultPlanIncompleteError": "A listing job of the plan left no plan (named above), or a batch file the copy "
    "needed had expired: nothing more was copied, and the vault still restores its previous generation. Start "
    "VaultCopyStateMachine again (input {}): it lists again.",
    "ClientError": "S3 refused a call (quoted above). AccessDenied: the vault's bucket policy (BackupAccountId, "
    "CopierRoleArn) or the VaultCopierRole. NoSuchBucket: VaultBucketName or VaultRegion. Then start "
    "VaultCopyStateMachine again (input {}).",
    "States.Timeout": "A step ran past its time limit. Start VaultCopyStateMachine again (input {}): it resumes "
    "with what is missing.",
}
_LISTING_FAILED_MEANS = (
    "A listing job (one index directory, in the repository and in the vault) failed after its retries, and "
    "nothing was copied: the vault still restores its previous generation. The execution's Map Run lists the "
    "failed child execution and its error. Usual causes: the copier may not list the repository or the vault "
    "(AccessDenied: the VaultCopierRole, the vault stack's BackupAccountId and CopierRoleArn), or an index "
    "directory too large for one job's memory or 15 minutes (docs/figures.md). Then start "
    "VaultCopyStateMachine again (input {})."
)
_DEFAULT_MEANS = (
    "See the execution's history for the step that failed and its error, then start VaultCopyStateMachine again "
    "(input {}): it resumes with what is missing, and the vault still restores its previous generation."
)


SERVICE_ERRORS = {"States.ExceedToleratedFailureThreshold": "VaultBatchFailedError"}
"""The error the execution ends with for one of Step Functions' own (a Fail state may not name ``States.*``)."""
OTHER_SERVICE_ERROR = "VaultCopyFailedError"
LISTING_FAILED = "VaultListingFailedError"


def execution_error(caught: str, step: str = "") -> str:
    """The error a failed copy's execution ends with: the caught one, or ours for one of the service's
    (a failed child of the listing map is a listing job, not a batch of copies)."""
    if caught.startswith("States."):
        if step == LISTING and caught in SERVICE_ERRORS:
            return LISTING_FAILED
        return SERVICE_ERRORS.get(caught, OTHER_SERVICE_ERROR)
    return caught


@dataclass(frozen=True)
class VaultCopyAlert:
    """What a person reads when a vault copy fails, and the Error/Cause its execution ends with."""

    subject: str
    text: str
    facts: dict[str, Any]
    error: str
    cause: str

    def attribute_values(self) -> dict[str, Any]:
        """The filter-policy attributes every AlertTopic message carries, and ``kind``."""
        return {key: self.facts.get(key) for key in ("outcome", "domain", "repository", "kind")}


def caught_error(run: Mapping[str, Any]) -> tuple[str, str, str]:
    """The step that failed, the error's name and its message, from what a Catch put in the state
    (``{"Error", "Cause"}``; a Lambda's Cause is its JSON error, whose ``errorMessage`` is kept)."""
    for key, step in STEPS:
        caught = mapping(run.get(key))
        if caught:
            cause = text(caught.get("Cause"))
            try:
                parsed = json.loads(cause)
            except ValueError:
                parsed = None
            if isinstance(parsed, Mapping) and parsed.get("errorMessage"):
                cause = text(parsed["errorMessage"])
            return step, text(caught.get("Error")) or "UnknownError", cause
    return "an unknown step", "UnknownError", ""


def render_copy_failure(
    run: Mapping[str, Any],
    *,
    domain: str,
    region: str,
    repository: str,
    vault: str,
    vault_region: str,
) -> VaultCopyAlert:
    """The alert for one VaultCopyStateMachine execution that failed (its state at the Catch): which step,
    what failed (the missing files of a VaultIncompleteError are in its message), what it means and
    what to do. ``repository`` and ``vault`` are ``s3://bucket/base-path`` locations."""
    step, error, message = caught_error(run)
    ended = execution_error(error, step)
    message = clip(message, MESSAGE_MAX_CHARS)
    plan = mapping(run.get("plan"))
    execution = text(run.get("execution_id"))
    url = console_url(execution, region) if execution else None
    summary = f"The copy of {domain}'s repository into the vault failed while {step}: {error}."
    lines = [
        summary,
        "",
        "What failed",
        f"  {message or '(no message)'}",
        "",
        "What happened",
        f"  Domain:      {domain}",
        f"  Repository:  {repository}",
        f"  Vault:       {vault} ({vault_region})",
        f"  Step:        {step}",
        f"  Error:       {error}" + (f" (the execution ends with {ended})" if ended != error else ""),
    ]
    if plan:
        lines.append(
            f"  Planned:     generation {plan.get('generation')}, {plan.get('objects')} object(s) in "
            f"{plan.get('batches')} batch(es), {plan.get('already_in_vault')} already in the vault"
        )
    means = _LISTING_FAILED_MEANS if ended == LISTING_FAILED else _MEANS.get(error, _DEFAULT_MEANS)
    lines += ["", "What it means, what to do", f"  {means}"]
    lines += ["", "Execution", f"  {execution or '(not named)'}", *([f"  {url}"] if url else [])]
    facts = {
        "schema_version": SCHEMA_VERSION,
        "kind": KIND,
        "outcome": "FAILED",
        "summary": summary,
        "domain": domain,
        "region": region,
        "repository": repository,
        "vault": {"location": vault, "region": vault_region},
        "step": step,
        "error": {"name": ended, "caught": error, "message": message or None},
        "plan": {k: plan.get(k) for k in ("generation", "objects", "bytes", "batches", "already_in_vault")}
        if plan
        else None,
        "execution": {"arn": execution or None, "console_url": url},
    }
    subject = safe_subject(f"[{VAULT_COPY_FAILED}] {domain}: {ended}")
    return VaultCopyAlert(subject, "\n".join(lines) + "\n", facts, error=ended, cause=_cause(ended, error, message))


def _cause(ended: str, error: str, message: str) -> str:
    """The execution's Cause: one line naming the caught error when the execution ends with another
    name, ending as every alerted ending does (the last resort skips it)."""
    line = " ".join(message.split()) or "(no message)"
    if error != ended:
        line = f"{error}: {line}"
    budget = CAUSE_MAX_CHARS - len(ended) - len(ALERTED_CAUSE_SUFFIX) - 4
    if len(line) > budget:
        line = line[: budget - 3].rstrip() + "..."
    return f"{ended}: {line} {ALERTED_CAUSE_SUFFIX}"
