"""The fix `sentinel doctor` gives for a run the domain refused names who to map or allow, from the
domain's own words in the run's Cause."""

from __future__ import annotations

from sentinel_cli.domain_advice import domain_refusal_fix

ROLE = "arn:aws:iam::123456789012:role/snapshot-sentinel-ApplyRetentionFunctionRole-AbC"


def test_a_fine_grained_access_control_refusal_names_each_backend_role_to_map():
    cause = (
        "AuthorizationError: no permissions for [cluster:admin/snapshot/get] and User [name=" + ROLE + ", "
        "backend_roles=[" + ROLE + "], requestedTenant=null] (HTTP 403, security_exception)"
    )

    fix = domain_refusal_fix("AuthorizationError", cause, "nightly-backups", "run-1")

    assert f"map {ROLE} as a backend role of manage_snapshots" in fix


def test_an_access_policy_refusal_names_the_principal_and_the_action():
    cause = (
        "AuthorizationError: User: arn:aws:sts::123456789012:assumed-role/fn-role/session is not authorized to "
        "perform: es:ESHttpGet because no resource-based policy allows the es:ESHttpGet action (HTTP 403)"
    )

    fix = domain_refusal_fix("AuthorizationError", cause, "nightly-backups", "run-1")

    assert "the domain refused arn:aws:sts::123456789012:assumed-role/fn-role/session (es:ESHttpGet)" in fix
    assert "access policy" in fix


def test_a_passrole_refusal_says_what_registering_needs():
    cause = "User: arn:aws:sts::1:assumed-role/r/s is not authorized to perform: iam:PassRole on resource: x"

    assert "iam:PassRole on the stack's SnapshotRoleArn" in domain_refusal_fix("AuthorizationError", cause, "r", "n")


def test_an_unreachable_domain_points_at_the_endpoint_and_the_vpc():
    fix = domain_refusal_fix("EndpointNotResolvedError", "no such host", "nightly-backups", "run-1")

    assert "DomainEndpoint" in fix
    assert "SecurityGroupIds" in fix


def test_anything_else_points_at_the_run():
    assert domain_refusal_fix("DomainRequestError", "?", "r", "run-7") == (
        "follow the run for the whole story: sentinel watch run-7"
    )
