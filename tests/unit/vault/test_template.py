"""The vault stack (vault/template.yaml): Object Lock by default, and nobody in the backup account, the
copier included, can delete a vault object or shorten its retention; the backup stack's copier role
can only list, read and write it."""

from __future__ import annotations

import fnmatch
from typing import Any

import pytest

from tests.support.template import ROOT, Resolver, load_template

BACKUP_ACCOUNT = "111122223333"
VAULT_ACCOUNT = "444455556666"
COPIER = f"arn:aws:iam::{BACKUP_ACCOUNT}:role/snapshot-sentinel-VaultCopierRole-AbC"
ADMIN = f"arn:aws:iam::{VAULT_ACCOUNT}:role/vault-admin"
VAULT_ARN = "arn:aws:s3:::sentinel-vault"
DESTRUCTIVE = [
    "s3:DeleteObject",
    "s3:DeleteObjectVersion",
    "s3:PutObjectRetention",
    "s3:BypassGovernanceRetention",
    "s3:PutBucketObjectLockConfiguration",
    "s3:PutLifecycleConfiguration",
    "s3:PutBucketPolicy",
    "s3:DeleteBucket",
]


def vault(**parameters: Any) -> dict[str, Any]:
    template = load_template(ROOT / "vault" / "template.yaml")
    resolver = Resolver(
        template,
        {"BackupAccountId": BACKUP_ACCOUNT, **parameters},
        {"VaultBucket": "sentinel-vault", "VaultBucket.Arn": VAULT_ARN},
        account=VAULT_ACCOUNT,
    )
    resolved: dict[str, Any] = resolver.resolve(template["Resources"])
    return resolved


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def decides(statement: dict[str, Any], principal: str, action: str, resource: str) -> bool:
    """Whether ``statement`` applies to this request (its Principal, Action, Resource and the conditions
    the vault policy uses)."""
    principals = statement["Principal"]
    allowed = ["*"] if principals == "*" else as_list(principals["AWS"])
    account_root = f"arn:aws:iam::{principal.split(':')[4]}:root"
    if not any(p in ("*", principal, account_root) for p in allowed):
        return False
    if not any(fnmatch.fnmatchcase(action, a) for a in as_list(statement["Action"])):
        return False
    if not any(fnmatch.fnmatchcase(resource, r) for r in as_list(statement["Resource"])):
        return False
    for operator, tests in statement.get("Condition", {}).items():
        for key, value in tests.items():
            if operator == "ArnNotEquals" and key == "aws:PrincipalArn" and principal == value:
                return False
            if operator == "Bool" and key == "aws:SecureTransport":
                return False  # every request in these tests is over TLS
            if operator == "NumericLessThan":
                return False  # a PUT that sets no retention of its own
    return True


def outcome(policy: list[dict[str, Any]], principal: str, action: str, resource: str) -> str:
    applying = [s for s in policy if decides(s, principal, action, resource)]
    if any(s["Effect"] == "Deny" for s in applying):
        return "denied"
    return "allowed" if applying else "not granted"


@pytest.mark.parametrize("copier", ["", COPIER])
@pytest.mark.parametrize("action", DESTRUCTIVE)
@pytest.mark.parametrize(
    "principal", [COPIER, f"arn:aws:iam::{BACKUP_ACCOUNT}:role/Admin", f"arn:aws:iam::{VAULT_ACCOUNT}:role/Other"]
)
def test_nobody_but_the_vault_admin_may_delete_or_loosen_the_vault(copier: str, action: str, principal: str) -> None:
    policy = vault(CopierRoleArn=copier, AdminRoleArn=ADMIN)["VaultBucketPolicy"]["Properties"]["PolicyDocument"]

    for resource in (VAULT_ARN, f"{VAULT_ARN}/indices/I/0/__blob", f"{VAULT_ARN}/index.latest"):
        assert outcome(policy["Statement"], principal, action, resource) == "denied"


def test_the_copier_may_list_read_and_write_and_the_admin_is_the_only_exception() -> None:
    statements = vault(CopierRoleArn=COPIER, AdminRoleArn=ADMIN)["VaultBucketPolicy"]["Properties"]["PolicyDocument"][
        "Statement"
    ]

    assert outcome(statements, COPIER, "s3:PutObject", f"{VAULT_ARN}/index-3") == "allowed"
    assert outcome(statements, COPIER, "s3:GetObject", f"{VAULT_ARN}/index-3") == "allowed"
    assert outcome(statements, COPIER, "s3:ListBucket", VAULT_ARN) == "allowed"
    other = f"arn:aws:iam::{BACKUP_ACCOUNT}:role/SomethingElse"
    assert outcome(statements, other, "s3:PutObject", f"{VAULT_ARN}/index-3") == "not granted"
    assert outcome(statements, ADMIN, "s3:DeleteObjectVersion", f"{VAULT_ARN}/index-3") == "not granted"


def test_without_an_admin_the_deny_holds_for_every_principal() -> None:
    [deny] = [
        s
        for s in vault()["VaultBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
        if s.get("Sid") == "NobodyDeletesOrLoosensTheVault"
    ]
    assert "Condition" not in deny and deny["Principal"] == "*"


def test_a_write_that_sets_a_shorter_retention_than_the_default_is_denied() -> None:
    [deny] = [
        s
        for s in vault(VaultRetentionDays=90)["VaultBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
        if s.get("Sid") == "NoWriteShortensTheRetention"
    ]
    assert deny["Effect"] == "Deny" and deny["Action"] == "s3:PutObject"
    assert deny["Condition"] == {"NumericLessThan": {"s3:object-lock-remaining-retention-days": 90}}


@pytest.mark.parametrize("mode", ["GOVERNANCE", "COMPLIANCE"])
def test_the_bucket_locks_every_version_by_default_and_outlives_its_stack(mode: str) -> None:
    template = load_template(ROOT / "vault" / "template.yaml")
    bucket = vault(VaultRetentionDays=35, VaultRetentionMode=mode)["VaultBucket"]["Properties"]

    assert bucket["ObjectLockEnabled"] is True
    assert bucket["ObjectLockConfiguration"]["Rule"]["DefaultRetention"] == {"Mode": mode, "Days": 35}
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    assert template["Resources"]["VaultBucket"]["DeletionPolicy"] == "Retain"
    for rule in bucket["LifecycleConfiguration"]["Rules"]:
        assert "ExpirationInDays" not in rule and "ExpirationDate" not in rule  # never a current object


def test_the_backup_stack_grants_nothing_on_the_vault_but_list_read_and_write() -> None:
    template = load_template()
    statements = Resolver(
        template,
        {"DomainEndpoint": "https://search-x.us-east-1.es.amazonaws.com", "VaultBucketName": "sentinel-vault"},
        {"VaultManifestBucket.Arn": "arn:aws:s3:::manifests"},
    ).resolve(template["Resources"]["VaultCopierRole"]["Properties"]["Policies"])

    on_vault = {
        action
        for policy in statements
        for statement in policy["PolicyDocument"]["Statement"]
        if any(str(r).startswith(VAULT_ARN) for r in as_list(statement["Resource"]))
        for action in as_list(statement["Action"])
    }
    assert on_vault == {
        "s3:ListBucket",
        "s3:GetObject",
        "s3:PutObject",
        "s3:PutObjectTagging",
        "s3:AbortMultipartUpload",
    }


def test_without_a_vault_bucket_the_backup_stack_creates_nothing_of_the_copy() -> None:
    template = load_template()
    resolver = Resolver(template, {"DomainEndpoint": "https://search-x.us-east-1.es.amazonaws.com"}, {})
    vault_resources = [name for name in template["Resources"] if "Vault" in name]

    assert {"VaultCopyStateMachine", "VaultCopierRole", "NoRecentVaultCopyAlarm"} <= set(vault_resources)
    for name in vault_resources:
        assert template["Resources"][name].get("Condition") == "HasVault", name
    assert resolver.condition("HasVault") is False
    assert Resolver(
        template, {"DomainEndpoint": "https://search-x.us-east-1.es.amazonaws.com", "VaultBucketName": "v"}, {}
    ).condition("HasVault")


RECOVERY = f"arn:aws:iam::{VAULT_ACCOUNT.replace('4', '7')}:role/sentinel-recovery-SnapshotRole-Xy"
RECOVERY_DRILL = f"arn:aws:iam::{VAULT_ACCOUNT.replace('4', '7')}:role/sentinel-recovery-DrillSnapshotRole-Zz"


def test_recovery_roles_of_another_account_may_list_and_read_the_vault_and_nothing_more() -> None:
    statements = vault(RecoveryRoleArns=f"{RECOVERY},{RECOVERY_DRILL}", AdminRoleArn=ADMIN)["VaultBucketPolicy"][
        "Properties"
    ]["PolicyDocument"]["Statement"]

    for role in (RECOVERY, RECOVERY_DRILL):
        assert outcome(statements, role, "s3:ListBucket", VAULT_ARN) == "allowed"
        assert outcome(statements, role, "s3:GetObject", f"{VAULT_ARN}/indices/I/0/__blob") == "allowed"
        assert outcome(statements, role, "s3:GetObject", f"{VAULT_ARN}/index.latest") == "allowed"
        for write in ("s3:PutObject", "s3:PutObjectTagging", "s3:AbortMultipartUpload"):
            assert outcome(statements, role, write, f"{VAULT_ARN}/index.latest") == "not granted", write
        for action in DESTRUCTIVE:
            assert outcome(statements, role, action, f"{VAULT_ARN}/index.latest") == "denied", action
    other = RECOVERY.replace("SnapshotRole", "SomethingElse")
    assert outcome(statements, other, "s3:GetObject", f"{VAULT_ARN}/index.latest") == "not granted"


def test_without_recovery_roles_the_policy_grants_no_reads_beyond_the_copier() -> None:
    statements = vault(CopierRoleArn=COPIER)["VaultBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]

    assert not [s for s in statements if str(s.get("Sid", "")).startswith("Recovery")]
    assert outcome(statements, RECOVERY, "s3:GetObject", f"{VAULT_ARN}/index.latest") == "not granted"
