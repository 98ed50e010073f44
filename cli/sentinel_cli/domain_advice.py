"""What to do when a run the CLI started could not use the domain: the fix for each error name the
run ended with, read from its Cause (the domain's own words). Pure."""

from __future__ import annotations

import re

BACKEND_ROLES = re.compile(r"backend_roles=\[([^\]]*)\]")
"""Fine-grained access control names the caller's backend roles in a security_exception."""
FGAC_USER = re.compile(r"User \[name=([^,\]]+)")
IAM_USER = re.compile(r"User: (arn:[^ ]+) is not authorized to perform: ([^ ]+)")
"""Amazon's own refusal (the domain access policy, iam:PassRole) names the principal and the action."""
UNREACHABLE = frozenset(
    {
        "EndpointNotResolvedError",
        "EndpointRefusedError",
        "EndpointTlsError",
        "EndpointNotApiError",
        "DomainConnectionError",
        "GatewayTimeoutError",
        "DomainUnavailableError",
    }
)


def fgac_fix(cause: str) -> str:
    roles = [role.strip() for listed in BACKEND_ROLES.findall(cause) for role in listed.split(",") if role.strip()]
    who = ", ".join(dict.fromkeys(roles or FGAC_USER.findall(cause))) or "the stack's function roles"
    return (
        "fine-grained access control refused the stack's function: in OpenSearch Dashboards, Security, Roles, "
        f"map {who} as a backend role of manage_snapshots (docs/operations.md, 'Access denied'); restores and "
        "drills also need a role allowed to create and delete indices"
    )


def domain_refusal_fix(error: str, cause: str, repository: str, run_name: str) -> str:
    """The fix for a run that ended with ``error`` (its ASL error name) and ``cause``."""
    if error == "RepositoryMissingError":
        return (
            f"repository {repository} is not registered on the domain: the next backup registers it again as the "
            "stack did (start one now: sentinel backup --wait); if it cannot, its alert says why"
        )
    if error == "AuthorizationError" and "security_exception" in cause:
        return fgac_fix(cause)
    if error == "AuthorizationError" and "iam:PassRole" in cause:
        return (
            "registering the repository needs iam:PassRole on the stack's SnapshotRoleArn: deploy this version of "
            "the stack (its roles have it), and with fine-grained access control map the role that registers "
            "as a backend role of manage_snapshots"
        )
    if error == "AuthorizationError":
        user = IAM_USER.search(cause)
        who = f"{user.group(1)} ({user.group(2)})" if user else "the stack's function roles"
        return (
            f"the domain refused {who}: let the domain's access policy allow the stack's function roles "
            "(es:ESHttpGet, es:ESHttpPut, es:ESHttpPost, es:ESHttpDelete on the domain); see docs/operations.md, "
            "'Access denied'"
        )
    if error in UNREACHABLE:
        return (
            "the stack's functions cannot reach the domain: check the DomainEndpoint parameter and, for a VPC "
            "domain, SubnetIds and SecurityGroupIds (HTTPS 443 from the functions to the domain)"
        )
    return f"follow the run for the whole story: sentinel watch {run_name}"
