"""What a failed registration means and what to do about it, in the words the stack's events show
a person. Pure: an error in, a sentence out."""

from __future__ import annotations

import re
from dataclasses import dataclass

from snapshot_sentinel import errors
from snapshot_sentinel.repository.input import RepositoryRegistration

_DOMAIN_REASON_CHARS = 700


@dataclass(frozen=True)
class StackNames:
    """The stack's names a registration failure points a person to: the backed-up domain's
    (SnapshotRepository) or the drill domain's (DrillSnapshotRepository)."""

    domain_arn: str = "DomainArn"
    endpoint: str = "DomainEndpoint"
    role: str = "SnapshotRole"
    s3_actions: str = "s3:Get/Put/DeleteObject"


DRILL_NAMES = StackNames("DrillDomainArn", "DrillDomainEndpoint", "DrillSnapshotRole", "s3:GetObject")


def _quote(reason: str) -> str:
    return reason if len(reason) <= _DOMAIN_REASON_CHARS else reason[: _DOMAIN_REASON_CHARS - 1] + "…"


def notes(error: BaseException) -> str:
    """The notes added to ``error`` (how long it was retried), as a parenthesis, or ""."""
    added = getattr(error, "__notes__", [])
    return f" ({'; '.join(added)})" if added else ""


def explain(
    error: errors.SentinelError,
    registration: RepositoryRegistration | None,
    endpoint: str,
    names: StackNames = StackNames(),
) -> str:
    """What went wrong and what to do about it, for the stack's events."""
    said = f"The domain said: {_quote(str(error))}{notes(error)}"
    repo = registration.repository if registration else "the repository"
    role = registration.role_arn if registration else "the snapshot role"
    if isinstance(error, errors.RepositoryElsewhereError):
        return f"Refused to re-point an existing repository: {error}. Nothing was changed on the domain."
    if isinstance(error, errors.InvalidRegistrationError):
        return f"Invalid repository registration: {error}. Nothing was sent to the domain."
    if isinstance(error, errors.ConfigurationError):
        return f"The registration function is misconfigured: {error}."
    if isinstance(error, errors.AuthorizationError):
        if error.error_type == "security_exception":
            user = re.search(r"User \[name=([^,\]]+)", error.reason)
            who = user.group(1) if user else "this function's role (stack output RegisterRepositoryRoleArn)"
            return (
                f"Fine-grained access control refused to register {repo}. Map {who} as a backend role of the "
                "manage_snapshots role (OpenSearch Dashboards > Security > Roles > manage_snapshots > Mapped users), "
                f"then update the stack again. {said}"
            )
        if "iam:PassRole" in error.reason:
            return (
                f"This function may not pass the snapshot role {role} to the domain (iam:PassRole). The stack grants "
                f"it on {names.role} with iam:PassedToService es.amazonaws.com; a permissions boundary or a service "
                f"control policy may deny it. {said}"
            )
        return (
            f"The domain refused this function's signed request to register {repo}. Its IAM policy allows "
            f"es:ESHttpGet/Put/Post on <{names.domain_arn}>/_snapshot*: check that the {names.domain_arn} parameter is "
            "this domain's ARN and that the domain's access policy does not deny the role of stack output "
            "RegisterRepositoryRoleArn. "
            f"{said}"
        )
    if isinstance(error, errors.RepositoryVerificationError):
        where = f"bucket {registration.bucket} ({registration.region})" if registration else "its bucket"
        return (
            f"The domain holds {repo} but cannot use {where} with role {role}. Check that the bucket exists in that "
            "region, that the role trusts es.amazonaws.com for this domain (its aws:SourceArn condition is the "
            f"{names.domain_arn} parameter), that it may s3:ListBucket and {names.s3_actions} there, and that no "
            f"bucket policy or KMS key denies it. {said}"
        )
    if isinstance(error, errors.RepositoryInUseError):
        return (
            f"A snapshot, deletion or restore is running in {repo}, and the domain refuses to change a repository "
            f"while it is in use. Update the stack again once it finished (GET _snapshot/{repo}/_current lists what "
            f"runs). {said}"
        )
    if isinstance(error, errors.DomainConnectionError | errors.GatewayTimeoutError):
        return (
            f"Could not reach the domain at {endpoint}. If it is in a VPC, set SubnetIds and SecurityGroupIds so this "
            "function runs there, and let the domain's security group admit it on port 443; otherwise check the "
            f"{names.endpoint} parameter. {said}"
        )
    if isinstance(error, errors.ThrottledError | errors.DomainUnavailableError):
        return f"The domain at {endpoint} was too busy or unavailable to register {repo}; deploy again later. {said}"
    if isinstance(error, errors.DomainError) and error.error_type == "repository_exception":
        return (
            f"The domain refused to register {repo}; if the reason is the name, choose another RepositoryName. {said}"
        )
    if isinstance(error, errors.DomainError):
        return f"The domain refused to register {repo}. {said}"
    return f"Registering {repo} failed: {error}{notes(error)}."
