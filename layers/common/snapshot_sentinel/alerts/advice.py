"""What a person should do about an alert, keyed by the exception classes themselves.

:data:`ADVICE` maps each class of :mod:`snapshot_sentinel.errors` (the Step Functions error
names) to its advice, so renaming a class renames its key with it, and a test proves every class
has advice of its own. An error name that is a class of ours inherits the advice of its nearest
ancestor; names AWS defines (``States.Timeout``, ``Lambda.*``) have their own table.
"""

from __future__ import annotations

import inspect
import json
from string import Template
from typing import Any

from snapshot_sentinel import errors
from snapshot_sentinel.alerts.facts import (
    APPLYING_RETENTION,
    DEADLINE,
    ENSURING_REPOSITORY,
    FAILED,
    INCOMPATIBLE,
    PARTIAL,
    AlertFacts,
)

INDICES_MAX = 25
SYSTEM_INDICES_EXCLUDED = "-.kibana*,-.opendistro*"

RUN_AGAIN = "Fix the cause, then take a fresh snapshot with the command under 'Run it again by hand'."

TRANSIENT = (
    "The domain stayed overloaded or unreachable through every retry. Check its health in the",
    "console (cluster status, CPU, JVM memory pressure, 5xx count) and, for a VPC domain, that",
    "the functions' subnets and security groups still reach it. Then run again by hand.",
)

ADVICE: dict[type[Exception], tuple[str, ...]] = {
    # How the snapshot itself ended (no step raised: the state machine read the state).
    errors.PartialSnapshotError: (
        "Read the shard failures above. Shards usually fail because a node left or a shard moved",
        "while it was copied, a primary was unassigned, or S3 refused a write. Check the cluster is",
        "green (GET _cluster/health) and look at the affected indices' shards",
        "(GET _cat/shards?v&h=index,shard,prirep,state,unassigned.reason), then take a fresh",
        "snapshot with the command under 'Run it again by hand'.",
    ),
    errors.SnapshotFailedError: (
        "The domain gave the reason above. 'Snapshot was aborted by deletion' means someone deleted",
        "it while it ran; 'Indices don't have primary shards' means the cluster was red. Fix the",
        "cause, then take a fresh snapshot with the command under 'Run it again by hand'.",
    ),
    errors.SnapshotIncompatibleError: (
        "The snapshot was written by a newer engine version than this domain runs. Restore it on a",
        "domain of that version or newer, and check that no other, newer domain writes to this",
        'repository (register it there with "readonly": true).',
    ),
    errors.SnapshotDeadlineError: (
        "The snapshot may still finish: nothing stopped it, only this run stopped watching.",
        "Look at it: GET _snapshot/$repo/$name",
        "- SUCCESS later: it is a good backup. Retention did not run tonight; the next run prunes.",
        "- Still IN_PROGRESS for hours: check GET _snapshot/_status for stuck shards. Deleting it",
        "  (DELETE _snapshot/$repo/$name) aborts it and frees the repository.",
        "Do not start another run while it runs: a second snapshot only adds load (and fails with",
        "ConcurrentSnapshotError on Elasticsearch before 7.9). If snapshots of this domain legitimately",
        "take this long, raise the stack's MaxWaitMinutes parameter.",
    ),
    # Errors a step raised.
    errors.ConcurrentSnapshotError: (
        "Another snapshot operation kept blocking this one through every retry (about an hour), so",
        "no snapshot was taken tonight. On Elasticsearch before 7.9 only one snapshot runs at a time",
        "across all repositories, so Amazon's hourly automated snapshot (cs-automated) or a long",
        "delete blocks ours; on newer engines the limit is snapshot.max_concurrent_operations.",
        "See what runs: GET _snapshot/_status. When it is idle, run again by hand.",
    ),
    errors.RepositoryMissingError: (
        "The repository '$repo' is not registered on the domain (someone ran DELETE _snapshot/$repo,",
        "or the domain was replaced by a new one). A redeploy does not bring it back; a run does:",
        "each run first registers a missing repository again, exactly as the stack does (state",
        "'Make sure the repository is registered'), so it vanished during this run. Run again by",
        "hand (the command below): it registers the repository, says so, and takes the snapshot.",
        "The snapshots in the bucket are untouched and are listed again once it is registered.",
    ),
    errors.AuthorizationError: (
        "The domain refused the function's signed request. Check, in this order:",
        "- the domain's access policy allows this function's role es:ESHttpGet/Put/Post/Delete;",
        "- with fine-grained access control: map the function's role ARN as a backend role of",
        "  manage_snapshots (OpenSearch Dashboards > Security > Roles > manage_snapshots > Mapped users);",
        "- for repository registration also iam:PassRole on the snapshot role.",
    ),
    errors.InvalidInputError: (
        "The run's input was rejected before anything touched the domain; the message above names",
        "the field. Fix it and start the run again. Every key is optional; unknown keys are",
        "refused. A scheduled run passes {}.",
    ),
    errors.SnapshotAlreadyExistsError: (
        "A snapshot named '$name' already exists (or is running) in '$repo', and this execution",
        "did not take it. For a manual run choose another snapshot_name, or leave it out to get",
        "a fresh timestamped name.",
    ),
    errors.InvalidSnapshotNameError: (
        "The domain refused the snapshot name: names must be lowercase, must not start with '_',",
        "and must not contain whitespace, ',', '#' or any of \\ / * ? \" < > |.",
    ),
    errors.RepositoryVerificationError: (
        "The domain cannot use the snapshot bucket with the snapshot role: check the role's",
        "S3 permissions and trust policy (es.amazonaws.com), and that the bucket still exists.",
    ),
    errors.RepositoryInUseError: (
        "The repository could not be changed while a snapshot, delete or restore ran in it.",
        "Redeploy once GET _snapshot/_status shows nothing running.",
    ),
    errors.SnapshotMissingError: (
        "The snapshot '$name' disappeared while this run watched it: someone or something",
        "deleted it. List what the repository holds: GET _cat/snapshots/$repo?v",
    ),
    errors.ConfigurationError: (
        "A function of the stack is missing an environment variable or has a malformed one.",
        "template.yaml sets them: redeploy the stack with `sam deploy`.",
    ),
    errors.InvalidRegistrationError: (
        "The stack's repository settings are invalid (a reserved cs- name, a missing bucket or",
        "role); nothing was sent to the domain. Fix the parameters and deploy again.",
    ),
    errors.RepositoryElsewhereError: (
        "The name '$repo' is registered on the domain with another bucket or base path (the message",
        "above names both places), and it is never re-pointed: the snapshots there would vanish from",
        "the domain's view. Nothing was written. Find out who registered it there. If it should be",
        "this stack's: DELETE _snapshot/$repo (the snapshots in both places stay in their buckets),",
        "then run again by hand, which registers it as the stack does. If that repository is the",
        "right one: set SnapshotBucketName and SnapshotBasePath to its place, or choose another",
        "RepositoryName, and update the stack.",
    ),
    errors.PrimaryShardsUnallocatedError: (
        "An index named above has a primary shard no node holds (the cluster is red), so the domain",
        "would not snapshot it whole; nothing was written and nothing deleted. GET _cluster/allocation/explain",
        "says why it is not allocated (a node gone, disk watermarks, an allocation filter). Fix that, or",
        'leave the index out (indices: "-<index>"), then run again by hand.',
    ),
    errors.DomainRequestError: (
        "The domain answered with an error this stack does not expect; the message above is its",
        "reason. The function's CloudWatch logs (linked from the execution's page) have the request.",
    ),
    errors.EndpointNotResolvedError: (
        "The domain's host name does not resolve. Check the stack's DomainEndpoint for a typo, that",
        "the domain still exists (aws opensearch describe-domain), and, for a domain in a VPC, that",
        "SubnetIds and SecurityGroupIds are set so the functions resolve it from inside the VPC.",
    ),
    errors.EndpointTlsError: (
        "The TLS handshake with the endpoint failed: DomainEndpoint says https to a port that speaks",
        "plain HTTP, or the certificate does not match the host name (a custom endpoint or a proxy).",
        "Use the domain's own endpoint, https on port 443.",
    ),
    errors.EndpointNotApiError: (
        "The endpoint answered with a page that is not the domain's API (HTML or other non-JSON):",
        "check DomainEndpoint (the domain endpoint, not OpenSearch Dashboards' URL) and any proxy",
        "or login portal in front of it.",
    ),
    errors.RestoreRefusedError: (
        "The engine refused the restore and quoted its reason above: an open index with the same",
        "name (close or delete it, or restore under new names), or a closed one with other shard counts.",
    ),
    errors.ShardLimitError: (
        "The cluster has no room for more shards (cluster.max_shards_per_node x data nodes): restore",
        "fewer indices, delete unused ones, or add data nodes.",
    ),
    errors.IndexMissingError: (
        "An index the step named does not exist (any more): check the index names given, and",
        "GET _cat/indices?v for what the domain holds.",
    ),
    errors.AlertNotSentError: (
        "An earlier alert could not be published to AlertTopic: check the topic still exists, its",
        "KMS key policy lets SNS and the function use the key, and the subscriptions are confirmed.",
    ),
    errors.CatalogWriteError: (
        "DynamoDB kept throttling the drill catalog's writes. The backup itself is not affected; the",
        "next drill of this snapshot checks restored counts without the recorded ones. If it repeats,",
        "check DrillCatalogTable's metrics and the account's DynamoDB limits.",
    ),
    **dict.fromkeys(errors.TRANSIENT_ERRORS, TRANSIENT),
    errors.EndpointRefusedError: (
        "Nothing accepted the connection at the endpoint through every retry. If it lasts,",
        "DomainEndpoint's scheme or port is wrong (Amazon OpenSearch Service listens on 443 only), or a",
        "proxy in front of the domain is down. For a VPC domain, check the functions' security groups.",
    ),
    errors.SnapshotStartUnconfirmedError: (
        *TRANSIENT,
        "Before that, check that no snapshot was started after all: GET _snapshot/$repo/$name",
    ),
}

AWS_ADVICE: dict[str, tuple[str, ...]] = {
    "States.Timeout": (
        "A step ran longer than its timeout. The domain was slow to answer, or the Lambda hung.",
        "The snapshot may still have been started: GET _snapshot/$repo/$name",
    ),
}
LAMBDA_SERVICE = (
    "The Lambda service failed to run the step (not the domain). It is usually transient:",
    "run again by hand; if it repeats, look at the function's CloudWatch logs.",
)
STATES_STOPPED = (
    "Step Functions stopped the run. The message above says why; the execution's event",
    "history in the console shows the step and its input.",
)
GENERIC = (
    "The message above is the domain's or the function's own reason. The function's",
    "CloudWatch logs (linked from the execution's page) have the details.",
)
REGISTERING_REFUSED = (
    "The repository '$repo' was not registered on the domain, and the domain refused to let this",
    "run register it again (the message above); no snapshot was taken. What lets it:",
    "- security_exception (fine-grained access control): map the role of stack output",
    "  EnsureRepositoryRoleArn as a backend role of manage_snapshots (OpenSearch Dashboards >",
    "  Security > Roles > manage_snapshots > Mapped users);",
    "- 'not authorized to perform: iam:PassRole': a permissions boundary or a service control",
    "  policy denies passing the snapshot role to es.amazonaws.com; allow it;",
    "- otherwise the domain's access policy denies that role es:ESHttpPut on _snapshot/$repo.",
    "Then run again by hand (the command below): it registers the repository and backs up.",
)
REGISTERING_FAILED = (
    "This happened while making sure the repository '$repo' is registered: when the domain does",
    "not hold it, the run registers it again exactly as the stack does (PUT _snapshot/$repo, then",
    "_verify). Once the cause is fixed, run again by hand (the command below).",
    "",
)
IN_RETENTION = (
    "",
    "This happened while pruning old snapshots (retention). Retention deletes only this stack's",
    "managed snapshots and never the newest SUCCESS one; what it did not prune tonight, the next",
    "run prunes.",
)


def error_class(name: str) -> type[errors.SentinelError] | None:
    """The exception class of ours named ``name`` (a Step Functions error name), if any."""
    candidate = getattr(errors, name, None) if name.isidentifier() else None
    if inspect.isclass(candidate) and issubclass(candidate, errors.SentinelError):
        return candidate
    return None


def advice_for(name: str) -> tuple[str, ...]:
    """The advice template for an error name: our class (or its nearest ancestor), AWS's, or generic."""
    cls = error_class(name)
    if cls is not None:
        for ancestor in cls.__mro__:
            if ancestor in ADVICE:
                return ADVICE[ancestor]
    if name in AWS_ADVICE:
        return AWS_ADVICE[name]
    if name.startswith(("Lambda.", "Sandbox.", "Runtime.")):
        return LAMBDA_SERVICE
    if name.startswith("States."):
        return STATES_STOPPED
    return GENERIC


def what_to_do(facts: AlertFacts) -> list[str]:
    """The "What to do" section: the advice for the execution's error, with names filled in."""
    lines = _fill(_advice(facts), facts)
    if facts.error is None:
        return lines
    failed_state = (facts.failed_state or "").lower()
    if facts.phase == APPLYING_RETENTION or "retention" in failed_state:
        lines += IN_RETENTION
    if facts.run_input is not None:
        lines += ["", f"The input was: {facts.run_input}"]
    return lines


def _advice(facts: AlertFacts) -> tuple[str, ...]:
    """The error's advice; in the step that registers a missing repository again, what lets it do so."""
    advice = advice_for(facts.error_name)
    cls = error_class(facts.error_name)
    if facts.failed_state != ENSURING_REPOSITORY or cls is None or not issubclass(cls, errors.DomainError):
        return advice
    if issubclass(cls, errors.AuthorizationError):
        return REGISTERING_REFUSED
    if issubclass(cls, errors.TRANSIENT_ERRORS):
        return advice
    return (*REGISTERING_FAILED, *advice)


def _fill(template: tuple[str, ...], facts: AlertFacts) -> list[str]:
    values = {"repo": facts.domain.repository, "name": facts.snapshot or "<snapshot>"}
    return [Template(line).safe_substitute(values) for line in template]


def restore_advice(facts: AlertFacts) -> list[str]:
    """The "What this means for restore" section: what is restorable, and the latest good backup.

    The primer on restoring in Amazon OpenSearch Service (open indices, system indices, an example
    request) comes only with a snapshot that ended PARTIAL, FAILED or INCOMPATIBLE, where a person is
    about to restore; a SUCCESS snapshot of a run that failed later gets the example request alone.
    """
    repo, name, state, outcome = facts.domain.repository, facts.snapshot, facts.state, facts.outcome
    good_backup = _latest_good_backup(facts)
    lines: list[str]
    if outcome == PARTIAL:
        affected = facts.affected_indices[:INDICES_MAX]
        shown = ", ".join(affected) or f"(not reported: GET _snapshot/{repo}/{name})"
        left = facts.affected_indices_total - len(affected)
        more = f" ... and {left} more" if affected and left > 0 else ""
        lines = [
            "This snapshot is restorable only in part.",
            "- Indices without failed shards restore normally.",
            '- Indices with failed shards restore only with "partial": true, and their failed shards',
            '  come back empty: that data is not in this snapshot. Without "partial" a restore that',
            '  includes them fails with "index [...] wasn\'t fully snapshotted - cannot restore".',
            f"  Indices losing data ({facts.affected_indices_total}): {shown}{more}",
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
    elif facts.phase == APPLYING_RETENTION and state is None:
        lines = ["This run only applied retention and took no snapshot.", *good_backup]
    elif state in (PARTIAL, FAILED, INCOMPATIBLE):
        lines = [f"The snapshot ended {state}; see the shard failures and reason above.", *good_backup]
    else:
        lines = ["This run produced no snapshot you can rely on.", *good_backup]

    partial = outcome == PARTIAL
    if outcome not in (PARTIAL, FAILED, INCOMPATIBLE) and state != "SUCCESS":
        # Nothing to restore from tonight: where the good backup is says it all, without the primer.
        return lines
    body: dict[str, Any] = {"indices": SYSTEM_INDICES_EXCLUDED, "include_global_state": False}
    if partial:
        body["partial"] = True
    body |= {"rename_pattern": "(.+)", "rename_replacement": "restored-$1"}
    target = name if name and (state == "SUCCESS" or partial) else "<snapshot>"
    example = ["For example:", f"  POST _snapshot/{repo}/{target}/_restore", f"  {json.dumps(body)}"]
    if state == "SUCCESS" and outcome not in (PARTIAL, FAILED, INCOMPATIBLE):
        return [*lines, *example]
    return [
        *lines,
        "",
        "Restoring on Amazon OpenSearch Service, whatever the snapshot:",
        '- An index that exists and is open in the domain cannot be restored over ("an open index',
        '  with same name already exists"): close or delete it first (_close needs OpenSearch or',
        "  Elasticsearch 7.4+), or restore under new names with rename_pattern/rename_replacement.",
        '- Leave out system indices such as .kibana and .opendistro*: "indices": "-.kibana*,-.opendistro*".',
        "  With fine-grained access control, restoring all indices (_all, *), .opendistro_security, or",
        '  with "include_global_state": true is refused (403 security_exception).',
        *example,
    ]


def _latest_good_backup(facts: AlertFacts) -> list[str]:
    """Where the latest good backup is: always a SUCCESS snapshot of the full set of indices."""
    repo = facts.domain.repository
    if facts.latest_full_backup:
        started = f", started {facts.latest_full_backup_started}" if facts.latest_full_backup_started else ""
        return [
            f"Your latest good backup is {facts.latest_full_backup} (SUCCESS, all indices{started}):",
            f"  GET _snapshot/{repo}/{facts.latest_full_backup}",
        ]
    return [
        f"Your latest good backup is the newest SUCCESS snapshot in '{repo}' of all indices: not one",
        'whose metadata says "scope": "subset" (a run given `indices`), which is no full backup:',
        f"  GET _cat/snapshots/{repo}?v&s=start_epoch",
        f"  GET _snapshot/{repo}/<name>   (its metadata.scope)",
    ]
