"""template.yaml keeps the public contract of issue 2 and the security promises of issue 4.

Each test reads the template as CloudFormation would (short tags decoded, intrinsics resolved with
tests.support.template.Resolver for a given set of parameter values) and asserts what a user or an
auditor relies on: names and defaults, the bucket that can never lose backups, the role the domain
assumes, least-privilege function policies, the encrypted topic, the schedule's retries and DLQ.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.support.constants import DOMAIN_ARN, ENDPOINT
from tests.support.template import ATTRIBUTES, ROOT, as_list, function_statements, granted, resolver, resource

ACCOUNT_DOMAINS = "arn:aws:es:us-east-1:123456789012:domain/*"
DOMAIN_FUNCTIONS = {
    "TakeSnapshotFunction",
    "CheckSnapshotFunction",
    "ApplyRetentionFunction",
    "RegisterRepositoryFunction",
    "RecordDocumentCountsFunction",
    "EnsureRepositoryFunction",
}
ALL_FUNCTIONS = DOMAIN_FUNCTIONS | {"ValidateInputFunction", "SendAlertFunction"}


def all_policy_statements(template: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Every IAM statement written in the template: function and state machine Policies, roles'
    inline policies and trust, key, bucket and topic policies."""
    found: list[tuple[str, dict[str, Any]]] = []

    def collect(owner: str, document: Any) -> None:
        if isinstance(document, dict):
            if "Effect" in document and ("Action" in document or "NotAction" in document):
                found.append((owner, document))
                return
            for value in document.values():
                collect(owner, value)
        elif isinstance(document, list):
            for value in document:
                collect(owner, value)

    for logical_id, spec in template["Resources"].items():
        properties = spec.get("Properties", {})
        for key in ("Policies", "AssumeRolePolicyDocument", "KeyPolicy", "PolicyDocument"):
            collect(logical_id, properties.get(key))
    return found


# ------------------------------------------------------------------------------ the contract


def test_parameters_keep_the_names_types_and_defaults_users_depend_on(template: dict[str, Any]) -> None:
    # Given the parameter table of issue 2 and the additions of issue 4
    contract = {
        "DomainEndpoint": ("String", None),
        "DomainArn": ("String", ""),
        "RepositoryName": ("String", "nightly-backups"),
        "SnapshotBucketName": ("String", ""),
        "SnapshotPrefix": ("String", "nightly"),
        "ScheduleExpression": ("String", "cron(0 2 * * ? *)"),
        "ScheduleTimezone": ("String", "UTC"),
        "RetentionDays": ("Number", 14),
        "RetentionMinCount": ("Number", 7),
        "RetentionMaxCount": ("Number", 0),
        "AlertEmail": ("String", ""),
        "PollIntervalSeconds": ("Number", 60),
        "MaxWaitMinutes": ("Number", 480),
        "SubnetIds": ("CommaDelimitedList", ""),
        "SecurityGroupIds": ("CommaDelimitedList", ""),
        "RepositoryReadOnly": ("String", "false"),
    }
    # When the template declares its parameters
    declared = template["Parameters"]
    # Then every contract parameter is there with its type and default (DomainEndpoint has none)
    for name, (kind, default) in contract.items():
        assert declared[name]["Type"] == kind, name
        if default is None:
            assert "Default" not in declared[name], name
        else:
            assert str(declared[name]["Default"]) == str(default), name


def test_every_parameter_beyond_the_contract_has_a_default(template: dict[str, Any]) -> None:
    # A deploy that sets only the required DomainEndpoint must work with any later additions.
    required = [name for name, spec in template["Parameters"].items() if "Default" not in spec]
    assert required == ["DomainEndpoint"]


@pytest.mark.parametrize(
    ("name", "accepted"),
    [
        ("nightly-backups", True),
        ("prod.snapshots_2", True),
        ("cs-automated", False),
        ("cs-mine", False),
        ("css-backups", True),
        ("Nightly", False),
        ("_hidden", False),
        ("has space", False),
        ("", False),
    ],
)
def test_repository_name_pattern_rejects_amazons_reserved_cs_prefix(
    template: dict[str, Any], name: str, accepted: bool
) -> None:
    pattern = template["Parameters"]["RepositoryName"]["AllowedPattern"]
    assert bool(re.fullmatch(pattern, name)) is accepted


@pytest.mark.parametrize(
    ("endpoint", "accepted"),
    [
        (ENDPOINT, True),
        ("https://vpc-logs-abc.eu-west-1.es.amazonaws.com/", True),
        ("http://127.0.0.1:9200", True),
        ("search-logs.us-east-1.es.amazonaws.com", False),
        ("ftp://example.com", False),
        ("https://example.com/some/path", False),
    ],
)
def test_domain_endpoint_must_be_an_http_or_https_base_url(
    template: dict[str, Any], endpoint: str, accepted: bool
) -> None:
    pattern = template["Parameters"]["DomainEndpoint"]["AllowedPattern"]
    assert bool(re.fullmatch(pattern, endpoint)) is accepted


def test_fixed_logical_ids_have_their_types(template: dict[str, Any]) -> None:
    assert resource(template, "BackupStateMachine")["Type"] == "AWS::Serverless::StateMachine"
    assert resource(template, "AlertTopic")["Type"] == "AWS::SNS::Topic"
    assert resource(template, "CommonLayer")["Type"] == "AWS::Serverless::LayerVersion"
    for name in ALL_FUNCTIONS:
        assert resource(template, name)["Type"] == "AWS::Serverless::Function", name


def test_state_machine_gets_every_function_arn_through_definition_substitutions(template: dict[str, Any]) -> None:
    # Given the state machine and its definition file
    properties = resource(template, "BackupStateMachine")["Properties"]
    definition = (ROOT / properties["DefinitionUri"]).read_text()
    substitutions = properties["DefinitionSubstitutions"]
    # Then each task function's ARN is substituted from its own GetAtt, and nothing else
    expected = {f"{name}Arn": name for name in ALL_FUNCTIONS - {"RegisterRepositoryFunction"}}
    assert set(substitutions) == set(expected)
    for key, function in expected.items():
        assert substitutions[key] == {"Fn::GetAtt": [function, "Arn"]}
        assert "${" + key + "}" in definition
    # And the definition has no ARN of its own
    assert "arn:aws" not in definition


def test_state_machine_may_invoke_exactly_its_task_functions(template: dict[str, Any]) -> None:
    policies = resource(template, "BackupStateMachine")["Properties"]["Policies"]
    invoked = {p["LambdaInvokePolicy"]["FunctionName"]["Ref"] for p in policies if "LambdaInvokePolicy" in p}
    assert invoked == ALL_FUNCTIONS - {"RegisterRepositoryFunction"}


def test_globals_set_runtime_architecture_tracing_layer_and_powertools(template: dict[str, Any]) -> None:
    function_globals = template["Globals"]["Function"]
    assert function_globals["Runtime"] == "python3.13"
    assert function_globals["Architectures"] == ["arm64"]
    assert function_globals["Tracing"] == {"Ref": "Tracing"}
    assert function_globals["Layers"] == [{"Ref": "CommonLayer"}]
    variables = function_globals["Environment"]["Variables"]
    assert variables["POWERTOOLS_SERVICE_NAME"] == "snapshot-sentinel"
    assert "POWERTOOLS_LOG_LEVEL" in variables
    layer = resource(template, "CommonLayer")
    assert layer["Metadata"] == {"BuildMethod": "python3.13", "BuildArchitecture": "arm64"}
    assert layer["Properties"]["CompatibleArchitectures"] == ["arm64"]


@pytest.mark.parametrize(("mode", "trace_disabled"), [("Active", "false"), ("PassThrough", "true")])
def test_the_tracing_parameter_sets_lambdas_mode_and_whether_the_handlers_load_the_tracer(
    template: dict[str, Any], mode: str, trace_disabled: str
) -> None:
    parameter = template["Parameters"]["Tracing"]
    assert (parameter["Default"], parameter["AllowedValues"]) == ("Active", ["Active", "PassThrough"])
    resolve = resolver(template, Tracing=mode)

    function_globals = resolve.resolve(template["Globals"]["Function"])

    assert function_globals["Tracing"] == mode
    # snapshot_sentinel.observability reads it: "true" and the X-Ray SDK is never imported
    assert function_globals["Environment"]["Variables"]["POWERTOOLS_TRACE_DISABLED"] == trace_disabled
    for state_machine in ("BackupStateMachine", "RestoreStateMachine", "DrillStateMachine"):
        assert resource(template, state_machine)["Properties"]["Tracing"] == {"Enabled": True}
    functions = [r for r in template["Resources"].values() if r["Type"] == "AWS::Serverless::Function"]
    assert len(functions) >= 20
    assert not [f for f in functions if "Tracing" in f["Properties"]], "every function takes the Globals' mode"


def test_every_function_points_at_a_handler_that_exists(template: dict[str, Any]) -> None:
    for name in ALL_FUNCTIONS:
        properties = resource(template, name)["Properties"]
        assert properties["Handler"] == "app.lambda_handler"
        app = ROOT / properties["CodeUri"] / "app.py"
        assert app.is_file(), f"{name}: {app} is missing"
        assert "def lambda_handler(" in app.read_text(), name


def test_retention_function_may_run_fifteen_minutes_and_its_budget_stops_before(template: dict[str, Any]) -> None:
    properties = resource(template, "ApplyRetentionFunction")["Properties"]
    budget = int(properties["Environment"]["Variables"]["RETENTION_TIME_BUDGET_SECONDS"])
    assert properties["Timeout"] == 900
    assert budget < properties["Timeout"]


def test_outputs_name_what_a_user_needs_after_deploy(template: dict[str, Any]) -> None:
    outputs = template["Outputs"]
    for name in ("BackupStateMachineArn", "AlertTopicArn", "SnapshotBucketName", "SnapshotRoleArn", "RepositoryName"):
        assert name in outputs, name


# ------------------------------------------------------------------------------ the bucket


def test_snapshot_bucket_is_created_only_when_no_bucket_is_given(template: dict[str, Any]) -> None:
    assert resource(template, "SnapshotBucket")["Condition"] == "CreateSnapshotBucket"
    assert resolver(template).condition("CreateSnapshotBucket") is True
    assert resolver(template, SnapshotBucketName="existing-backups").condition("CreateSnapshotBucket") is False


def test_snapshot_bucket_survives_stack_deletion_and_replacement(template: dict[str, Any]) -> None:
    bucket = resource(template, "SnapshotBucket")
    assert bucket["DeletionPolicy"] == "Retain"
    assert bucket["UpdateReplacePolicy"] == "Retain"


def test_snapshot_bucket_is_encrypted_private_and_owner_enforced(template: dict[str, Any]) -> None:
    properties = resource(template, "SnapshotBucket")["Properties"]
    (rule,) = properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    # SSE-S3: manual snapshots do not support KMS keys
    assert rule["ServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}
    assert properties["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert properties["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]


def test_snapshot_bucket_refuses_every_request_without_tls(template: dict[str, Any]) -> None:
    policy = resolver(template).resolve(resource(template, "SnapshotBucketPolicy")["Properties"])
    assert policy["Bucket"] == ATTRIBUTES["SnapshotBucket"]
    denials = [
        s
        for s in policy["PolicyDocument"]["Statement"]
        if s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    ]
    assert len(denials) == 1
    assert denials[0]["Principal"] == "*"
    assert denials[0]["Action"] == "s3:*"
    bucket = ATTRIBUTES["SnapshotBucket.Arn"]
    assert set(denials[0]["Resource"]) == {bucket, f"{bucket}/*"}


def test_no_lifecycle_rule_expires_or_transitions_a_current_snapshot_file(template: dict[str, Any]) -> None:
    # Expiring repository files corrupts every snapshot that shares them; Glacier breaks listing.
    lifecycle = resource(template, "SnapshotBucket")["Properties"].get("LifecycleConfiguration", {})
    allowed = {"Id", "Status", "Prefix", "NoncurrentVersionExpiration", "ExpiredObjectDeleteMarker"}
    allowed |= {"AbortIncompleteMultipartUpload"}
    for rule in lifecycle.get("Rules", []):
        assert set(rule) <= allowed, (
            f"lifecycle rule {rule.get('Id')} touches current objects: {sorted(set(rule) - allowed)}"
        )


def test_versioning_keeps_deleted_snapshot_files_recoverable_for_a_while(template: dict[str, Any]) -> None:
    properties = resource(template, "SnapshotBucket")["Properties"]
    assert properties["VersioningConfiguration"] == {"Status": "Enabled"}
    (rule,) = properties["LifecycleConfiguration"]["Rules"]
    assert rule["NoncurrentVersionExpiration"]["NoncurrentDays"] >= 7


# ------------------------------------------------------------------------------ the snapshot role


def snapshot_role(template: dict[str, Any], **parameters: Any) -> dict[str, Any]:
    resolved: dict[str, Any] = resolver(template, **parameters).resolve(
        resource(template, "SnapshotRole")["Properties"]
    )
    return resolved


def test_snapshot_role_trusts_only_the_opensearch_service_with_a_confused_deputy_guard(
    template: dict[str, Any],
) -> None:
    # Given a stack scoped to one domain
    role = snapshot_role(template, DomainArn=DOMAIN_ARN)
    # Then only es.amazonaws.com may assume the role, for that domain of this account
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Effect"] == "Allow"
    assert trust["Principal"] == {"Service": "es.amazonaws.com"}
    assert trust["Action"] == "sts:AssumeRole"
    assert trust["Condition"]["StringEquals"] == {"aws:SourceAccount": "123456789012"}
    assert trust["Condition"]["ArnLike"] == {"aws:SourceArn": DOMAIN_ARN}


def test_without_a_domain_arn_the_role_trusts_the_service_for_this_accounts_domains_only(
    template: dict[str, Any],
) -> None:
    (trust,) = snapshot_role(template)["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Condition"]["StringEquals"] == {"aws:SourceAccount": "123456789012"}
    assert trust["Condition"]["ArnLike"] == {"aws:SourceArn": ACCOUNT_DOMAINS}


def test_snapshot_role_may_list_the_bucket_and_read_write_delete_its_objects_nothing_more(
    template: dict[str, Any],
) -> None:
    # Given the stack creates the bucket
    (policy,) = snapshot_role(template)["Policies"]
    grants = granted(policy["PolicyDocument"]["Statement"])
    bucket = ATTRIBUTES["SnapshotBucket.Arn"]
    # Then the role holds exactly the four S3 permissions of the AWS guide, on that bucket only
    assert grants == {
        "s3:ListBucket": {bucket},
        "s3:GetObject": {f"{bucket}/*"},
        "s3:PutObject": {f"{bucket}/*"},
        "s3:DeleteObject": {f"{bucket}/*"},
    }


def test_snapshot_role_on_an_existing_bucket_with_a_base_path_reaches_only_that_folder(
    template: dict[str, Any],
) -> None:
    (policy,) = snapshot_role(template, SnapshotBucketName="team-backups", SnapshotBasePath="logs/prod")["Policies"]
    grants = granted(policy["PolicyDocument"]["Statement"])
    assert grants["s3:ListBucket"] == {"arn:aws:s3:::team-backups"}
    for action in ("s3:GetObject", "s3:PutObject", "s3:DeleteObject"):
        assert grants[action] == {"arn:aws:s3:::team-backups/logs/prod/*"}


# ------------------------------------------------------------------------------ function policies


SNAPSHOT_PATHS = f"{DOMAIN_ARN}/_snapshot*"
ROOT_PATH = f"{DOMAIN_ARN}/"


@pytest.mark.parametrize(
    ("function", "expected"),
    [
        ("ValidateInputFunction", {}),
        ("TakeSnapshotFunction", {"es:ESHttpGet": {SNAPSHOT_PATHS}, "es:ESHttpPut": {SNAPSHOT_PATHS}}),
        ("CheckSnapshotFunction", {"es:ESHttpGet": {SNAPSHOT_PATHS}}),
        (
            # Reads and registers exactly the stack's repository, verifies it, and passes exactly the snapshot role.
            "EnsureRepositoryFunction",
            {
                "es:ESHttpGet": {f"{DOMAIN_ARN}/_snapshot/nightly-backups"},
                "es:ESHttpPut": {f"{DOMAIN_ARN}/_snapshot/nightly-backups"},
                "es:ESHttpPost": {f"{DOMAIN_ARN}/_snapshot/nightly-backups/_verify"},
                "iam:PassRole": {ATTRIBUTES["SnapshotRole.Arn"]},
            },
        ),
        (
            "ApplyRetentionFunction",
            {"es:ESHttpGet": {SNAPSHOT_PATHS, ROOT_PATH}, "es:ESHttpDelete": {SNAPSHOT_PATHS}},
        ),
        (
            "RegisterRepositoryFunction",
            {
                "es:ESHttpGet": {SNAPSHOT_PATHS},
                "es:ESHttpPut": {SNAPSHOT_PATHS},
                "es:ESHttpPost": {SNAPSHOT_PATHS},
                "iam:PassRole": {ATTRIBUTES["SnapshotRole.Arn"]},
            },
        ),
        (
            "RecordDocumentCountsFunction",
            {
                "es:ESHttpGet": {f"{DOMAIN_ARN}/_cat/indices*", f"{DOMAIN_ARN}/_cat/shards*", f"{DOMAIN_ARN}/_alias"},
                "dynamodb:BatchWriteItem": {"<DrillCatalogTable.Arn>"},
                "dynamodb:Query": {"<DrillCatalogTable.Arn>"},
            },
        ),
        (
            "PlanRestoreFunction",
            {
                "es:ESHttpGet": {
                    SNAPSHOT_PATHS,
                    f"{DOMAIN_ARN}/_cat/indices*",
                    f"{DOMAIN_ARN}/_alias*",
                    f"{DOMAIN_ARN}/_cluster/health*",
                    f"{DOMAIN_ARN}/_cluster/settings*",
                },
                "dynamodb:Query": {"<DrillCatalogTable.Arn>"},
            },
        ),
        (
            "PlanDrillFunction",
            {
                "es:ESHttpGet": {SNAPSHOT_PATHS, f"{DOMAIN_ARN}/_cat/indices*"},
                "dynamodb:Query": {"<DrillCatalogTable.Arn>"},
            },
        ),
        (
            "StartDrillFunction",
            {
                "es:ESHttpGet": {f"{DOMAIN_ARN}/_cat/indices*"},
                "es:ESHttpPost": {f"{DOMAIN_ARN}/_snapshot/*/_restore"},
            },
        ),
        (
            "CheckDrillFunction",
            {
                "es:ESHttpGet": {
                    f"{DOMAIN_ARN}/_cluster/health*",
                    f"{DOMAIN_ARN}/_cluster/allocation/explain",
                    # the drill restore's progress (bytes recovered), for the next wait
                    f"{DOMAIN_ARN}/drill-*/_recovery",
                },
            },
        ),
        (
            "VerifyDrillFunction",
            {
                "es:ESHttpGet": {
                    f"{DOMAIN_ARN}/_cat/indices*",
                    f"{DOMAIN_ARN}/*/_mapping",
                    f"{DOMAIN_ARN}/drill-*/_search",
                },
            },
        ),
        (
            # The only drill function that deletes, and only drill-* indices.
            "CleanUpDrillFunction",
            {
                "es:ESHttpGet": {f"{DOMAIN_ARN}/_cat/indices*", f"{DOMAIN_ARN}/drill-*/_recovery"},
                "es:ESHttpDelete": {f"{DOMAIN_ARN}/drill-*"},
            },
        ),
        (
            "ReportDrillFunction",
            {
                "sns:Publish": {ATTRIBUTES["AlertTopic"]},
                "kms:GenerateDataKey*": {ATTRIBUTES["AlertTopicKey.Arn"]},
                "kms:Decrypt": {ATTRIBUTES["AlertTopicKey.Arn"]},
            },
        ),
        (
            # Reads the drill state machine's executions, nothing else: no domain, no topic.
            "PublishDrillFreshnessFunction",
            {
                "states:ListExecutions": {"<DrillStateMachine>"},
                "states:DescribeStateMachine": {"<DrillStateMachine>"},
            },
        ),
        (
            "SendAlertFunction",
            {
                "es:ESHttpGet": {SNAPSHOT_PATHS},
                "sns:Publish": {ATTRIBUTES["AlertTopic"]},
                "kms:GenerateDataKey*": {ATTRIBUTES["AlertTopicKey.Arn"]},
                "kms:Decrypt": {ATTRIBUTES["AlertTopicKey.Arn"]},
            },
        ),
    ],
)
def test_each_function_holds_exactly_the_permissions_its_step_needs(
    template: dict[str, Any], function: str, expected: dict[str, set[str]]
) -> None:
    assert granted(function_statements(template, function, DomainArn=DOMAIN_ARN)) == expected


def test_the_replace_closes_and_reopens_indices_and_never_deletes_or_acts_through_an_api_path(
    template: dict[str, Any],
) -> None:
    set_aside = function_statements(template, "DeleteConflictingIndicesFunction", DomainArn=DOMAIN_ARN)
    allowed = granted([s for s in set_aside if s["Effect"] == "Allow"])
    denied = granted([{**s, "Effect": "Allow"} for s in set_aside if s["Effect"] == "Deny"])
    assert allowed["es:ESHttpPost"] == {f"{DOMAIN_ARN}/*/_close", f"{DOMAIN_ARN}/*/_open"}
    assert set(allowed) == {"es:ESHttpGet", "es:ESHttpPost"}
    assert denied == {"es:ESHttpPost": {f"{DOMAIN_ARN}/_*"}}
    start = granted(function_statements(template, "StartRestoreFunction", DomainArn=DOMAIN_ARN))
    assert start["es:ESHttpPost"] == {
        f"{DOMAIN_ARN}/_snapshot/*/_restore",
        f"{DOMAIN_ARN}/*/_open",
        f"{DOMAIN_ARN}/_aliases",
    }
    assert start["dynamodb:Query"] == {"<DrillCatalogTable.Arn>"}
    assert "es:ESHttpDelete" not in start


def test_without_a_domain_arn_domain_access_stays_on_snapshot_paths_of_this_accounts_domains(
    template: dict[str, Any],
) -> None:
    for function in DOMAIN_FUNCTIONS:
        for action, resources in granted(function_statements(template, function)).items():
            if action.startswith("es:"):
                allowed = {f"{ACCOUNT_DOMAINS}/_snapshot*", f"{ACCOUNT_DOMAINS}/"}
                if function == "RecordDocumentCountsFunction":
                    allowed = {
                        f"{ACCOUNT_DOMAINS}/_cat/indices*",
                        f"{ACCOUNT_DOMAINS}/_cat/shards*",
                        f"{ACCOUNT_DOMAINS}/_alias",
                    }
                if function == "EnsureRepositoryFunction":
                    repository = f"{ACCOUNT_DOMAINS}/_snapshot/nightly-backups"
                    allowed = {repository, f"{repository}/_verify"}
                assert resources <= allowed, function


def test_only_the_registration_may_pass_the_snapshot_role_and_only_to_opensearch(template: dict[str, Any]) -> None:
    # The custom resource registers on deploy; a run registers a repository that vanished, the same way.
    passing = {
        function: statement
        for function in ALL_FUNCTIONS
        for statement in function_statements(template, function)
        if "iam:PassRole" in as_list(statement["Action"])
    }
    assert set(passing) == {"RegisterRepositoryFunction", "EnsureRepositoryFunction"}
    for statement in passing.values():
        assert statement["Action"] == "iam:PassRole"
        assert statement["Resource"] == ATTRIBUTES["SnapshotRole.Arn"]
        assert statement["Condition"] == {"StringEquals": {"iam:PassedToService": "es.amazonaws.com"}}


def test_the_run_registers_the_repository_again_on_the_drill_domain_only_read_only_with_the_drill_role(
    template: dict[str, Any],
) -> None:
    drill_arn = "arn:aws:es:us-east-1:123456789012:domain/drills"
    statements = function_statements(
        template,
        "EnsureRepositoryFunction",
        DomainArn=DOMAIN_ARN,
        DrillDomainEndpoint="https://search-drills-abc.us-east-1.es.amazonaws.com",
        DrillDomainArn=drill_arn,
    )
    assert granted(statements) == {
        "es:ESHttpGet": {f"{DOMAIN_ARN}/_snapshot/nightly-backups", f"{drill_arn}/_snapshot/nightly-backups"},
        "es:ESHttpPut": {f"{DOMAIN_ARN}/_snapshot/nightly-backups", f"{drill_arn}/_snapshot/nightly-backups"},
        "es:ESHttpPost": {
            f"{DOMAIN_ARN}/_snapshot/nightly-backups/_verify",
            f"{drill_arn}/_snapshot/nightly-backups/_verify",
        },
        "iam:PassRole": {ATTRIBUTES["SnapshotRole.Arn"], "<DrillSnapshotRole.Arn>"},
    }
    variables = resolver(template, DrillDomainEndpoint="https://search-drills-abc.us-east-1.es.amazonaws.com").resolve(
        resource(template, "EnsureRepositoryFunction")["Properties"]["Environment"]["Variables"]
    )
    assert variables["DRILL_SNAPSHOT_ROLE_ARN"] == "<DrillSnapshotRole.Arn>"
    assert variables["SNAPSHOT_ROLE_ARN"] == ATTRIBUTES["SnapshotRole.Arn"]


def test_only_the_log_delivery_statement_grants_on_every_resource(template: dict[str, Any]) -> None:
    # Given every IAM statement of the template (key policies apart: there "*" means "this key")
    everywhere = [
        f"{owner}/{statement.get('Sid')}"
        for owner, statement in all_policy_statements(template)
        if statement["Effect"] == "Allow"
        and "*" in as_list(statement.get("Resource"))
        and resource(template, owner)["Type"] != "AWS::KMS::Key"
    ]
    # Then the only "*" is (per state machine) the CloudWatch Logs delivery set Step Functions needs, which IAM
    # offers on no narrower resource
    assert everywhere == [
        "BackupStateMachine/DeliverExecutionLogs",
        "RestoreStateMachine/DeliverExecutionLogs",
        "DrillStateMachine/DeliverExecutionLogs",
        "VaultCopyStateMachine/DeliverExecutionLogs",
    ]


def test_no_statement_allows_every_action(template: dict[str, Any]) -> None:
    for owner, statement in all_policy_statements(template):
        if resource(template, owner)["Type"] == "AWS::KMS::Key":
            continue
        if statement["Effect"] == "Allow":
            assert not any(action == "*" or action.endswith(":*") for action in as_list(statement["Action"])), owner


# ------------------------------------------------------------------------------ alerts


def test_alert_topic_is_encrypted_with_a_rotated_key_cloudwatch_alarms_can_use(template: dict[str, Any]) -> None:
    topic = resource(template, "AlertTopic")["Properties"]
    assert topic["KmsMasterKeyId"] == {"Fn::GetAtt": ["AlertTopicKey", "Arn"]}
    key = resolver(template).resolve(resource(template, "AlertTopicKey")["Properties"])
    assert key["EnableKeyRotation"] is True
    services = [s for s in key["KeyPolicy"]["Statement"] if "Service" in s["Principal"]]
    assert [s["Principal"]["Service"] for s in services] == ["cloudwatch.amazonaws.com"]
    assert set(services[0]["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey*"}


def test_email_subscription_exists_only_when_an_address_is_given(template: dict[str, Any]) -> None:
    subscription = resource(template, "AlertEmailSubscription")
    assert subscription["Condition"] == "HasAlertEmail"
    properties = resolver(template, AlertEmail="oncall@example.com").resolve(subscription["Properties"])
    assert properties == {"TopicArn": ATTRIBUTES["AlertTopic"], "Protocol": "email", "Endpoint": "oncall@example.com"}
    assert resolver(template).condition("HasAlertEmail") is False
    assert resolver(template, AlertEmail="oncall@example.com").condition("HasAlertEmail") is True


def test_runs_that_never_start_and_alerts_that_fail_still_reach_the_topic(template: dict[str, Any]) -> None:
    resolve = resolver(template).resolve
    dlq_alarm = resolve(resource(template, "ScheduleDeadLetterAlarm")["Properties"])
    assert dlq_alarm["Namespace"] == "AWS/SQS"
    assert dlq_alarm["Dimensions"] == [{"Name": "QueueName", "Value": "sentinel-dlq"}]
    assert dlq_alarm["AlarmActions"] == [ATTRIBUTES["AlertTopic"]]
    delivery_alarm = resolve(resource(template, "AlertDeliveryAlarm")["Properties"])
    assert delivery_alarm["Namespace"] == "AWS/Lambda"
    assert delivery_alarm["Dimensions"] == [{"Name": "FunctionName", "Value": "<SendAlertFunction>"}]
    assert delivery_alarm["AlarmActions"] == [ATTRIBUTES["AlertTopic"]]


def test_the_dead_letter_alarm_pages_for_each_dead_lettered_start_and_returns_to_ok(template: dict[str, Any]) -> None:
    # Nobody drains the queue (its messages are kept 14 days for reading): an alarm on its depth
    # would stay in ALARM for two weeks after the first dead-lettered start and never page again.
    # Counting the messages sent in each period pages once per dead-lettered start, then clears.
    alarm = resolver(template).resolve(resource(template, "ScheduleDeadLetterAlarm")["Properties"])
    queue = resource(template, "ScheduleDeadLetterQueue")["Properties"]

    assert (alarm["Namespace"], alarm["MetricName"], alarm["Statistic"]) == ("AWS/SQS", "NumberOfMessagesSent", "Sum")
    assert (alarm["ComparisonOperator"], alarm["Threshold"], alarm["EvaluationPeriods"]) == (
        "GreaterThanThreshold",
        0,
        1,
    )
    assert alarm["Period"] * alarm["EvaluationPeriods"] < queue["MessageRetentionPeriod"]
    assert alarm["TreatMissingData"] == "notBreaching"
    assert alarm["AlarmActions"] == alarm["OKActions"] == [ATTRIBUTES["AlertTopic"]]


def test_both_schedules_share_the_dead_letter_queue_the_alarm_names(template: dict[str, Any]) -> None:
    description = resource(template, "ScheduleDeadLetterAlarm")["Properties"]["AlarmDescription"]
    dead_letters = {"Fn::GetAtt": ["ScheduleDeadLetterQueue", "Arn"]}
    for machine in ("BackupStateMachine", "DrillStateMachine"):
        (event,) = resource(template, machine)["Properties"]["Events"].values()
        assert event["Properties"]["DeadLetterConfig"]["Arn"] == dead_letters, machine
        assert machine in description, machine


# ------------------------------------------------------------------------------ the schedule


def schedule(template: dict[str, Any], **parameters: Any) -> dict[str, Any]:
    events = resource(template, "BackupStateMachine")["Properties"]["Events"]
    (event,) = events.values()
    assert event["Type"] == "ScheduleV2"
    resolved: dict[str, Any] = resolver(template, **parameters).resolve(event["Properties"])
    return resolved


def test_schedule_starts_a_run_with_empty_input_retries_and_dead_letters(template: dict[str, Any]) -> None:
    properties = schedule(template, ScheduleTimezone="Europe/Paris")
    assert properties["ScheduleExpression"] == "cron(0 2 * * ? *)"
    assert properties["ScheduleExpressionTimezone"] == "Europe/Paris"
    assert properties["Input"] == "{}"
    assert properties["State"] == "ENABLED"
    assert properties["RetryPolicy"]["MaximumRetryAttempts"] > 0
    assert properties["DeadLetterConfig"] == {"Arn": ATTRIBUTES["ScheduleDeadLetterQueue.Arn"]}
    queue = resource(template, "ScheduleDeadLetterQueue")["Properties"]
    assert queue["SqsManagedSseEnabled"] is True


def test_a_read_only_stack_takes_no_snapshots_and_registers_readonly(template: dict[str, Any]) -> None:
    # Given a stack that reads another domain's repository (migration)
    parameters = {"RepositoryReadOnly": "true", "SnapshotBucketName": "old-domain-backups"}
    # Then its schedule is disabled, the functions know, and the repository is registered readonly
    assert schedule(template, **parameters)["State"] == "DISABLED"
    variables = resolver(template, **parameters).resolve(template["Globals"]["Function"]["Environment"]["Variables"])
    assert variables["REPOSITORY_READ_ONLY"] == "true"
    repository = resolver(template, **parameters).resolve(resource(template, "SnapshotRepository")["Properties"])
    assert repository["ReadOnly"] == "true"
    assert repository["Bucket"] == "old-domain-backups"


def test_read_only_without_an_existing_bucket_is_refused_by_a_rule(template: dict[str, Any]) -> None:
    rule = template["Rules"]["ReadOnlyNeedsAnExistingBucket"]
    assert rule["RuleCondition"] == {"Fn::Equals": [{"Ref": "RepositoryReadOnly"}, "true"]}
    (assertion,) = rule["Assertions"]
    assert assertion["Assert"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "SnapshotBucketName"}, ""]}]}


# ------------------------------------------------------------------------------ VPC


def test_functions_that_call_the_domain_run_in_the_vpc_when_subnets_are_given(template: dict[str, Any]) -> None:
    in_vpc = resolver(template, SubnetIds="subnet-1,subnet-2", SecurityGroupIds="sg-1")
    public = resolver(template)
    assert in_vpc.condition("InVpc") is True
    assert public.condition("InVpc") is False
    for function in ALL_FUNCTIONS:
        properties = resource(template, function)["Properties"]
        if function in DOMAIN_FUNCTIONS:
            assert in_vpc.resolve(properties)["VpcConfig"] == {
                "SubnetIds": ["subnet-1", "subnet-2"],
                "SecurityGroupIds": ["sg-1"],
            }, function
            assert "VpcConfig" not in public.resolve(properties), function
        else:
            assert "VpcConfig" not in properties, function


def test_the_alert_stays_out_of_the_vpc_and_reads_only_a_domain_it_can_reach(template: dict[str, Any]) -> None:
    # An alert must never depend on a NAT gateway or an SNS endpoint in the domain's VPC: SendAlert
    # stays outside, reads a public domain itself, and for a VPC domain alerts from the run's facts.
    variables = resource(template, "SendAlertFunction")["Properties"]["Environment"]["Variables"]
    in_vpc = resolver(template, SubnetIds="subnet-1,subnet-2", SecurityGroupIds="sg-1")

    assert in_vpc.resolve(variables)["ALERT_READS_DOMAIN"] == "false"
    assert resolver(template).resolve(variables)["ALERT_READS_DOMAIN"] == "true"
    assert "VpcConfig" not in resource(template, "SendAlertFunction")["Properties"]


def test_subnets_without_security_groups_are_refused_by_a_rule(template: dict[str, Any]) -> None:
    assert "VpcNeedsSubnetsAndSecurityGroups" in template["Rules"]


# ------------------------------------------------------------------------------ the custom resource


def test_repository_custom_resource_carries_the_registration_and_answers_within_minutes(
    template: dict[str, Any],
) -> None:
    # Given the repository custom resource
    spec = resource(template, "SnapshotRepository")
    properties = resolver(template, DomainArn=DOMAIN_ARN, SnapshotBasePath="prod").resolve(spec["Properties"])
    # Then it is served by this stack's function and carries what the PUT needs
    assert spec["Type"] == "Custom::SnapshotRepository"
    assert spec["Properties"]["ServiceToken"] == {"Fn::GetAtt": ["RegisterRepositoryFunction", "Arn"]}
    assert properties["RepositoryName"] == "nightly-backups"
    assert properties["Bucket"] == ATTRIBUTES["SnapshotBucket"]
    assert properties["Region"] == "us-east-1"
    assert properties["RoleArn"] == ATTRIBUTES["SnapshotRole.Arn"]
    assert properties["BasePath"] == "prod"
    assert properties["ReadOnly"] == "false"
    # And CloudFormation gives up on a lost answer shortly after the function's own timeout
    timeout = resource(template, "RegisterRepositoryFunction")["Properties"]["Timeout"]
    assert timeout < properties["ServiceTimeout"] <= 900


def test_the_functions_timeout_covers_the_take_steps_worst_case(template: dict[str, Any]) -> None:
    """Re-derived from the client's timeouts: the create, then one look-up of the name, never more."""
    import inspect

    from snapshot_sentinel.client import DomainClient

    defaults = inspect.signature(DomainClient.__init__).parameters
    one_request = defaults["connect_timeout"].default + defaults["read_timeout"].default
    timeout = template["Globals"]["Function"]["Timeout"]

    assert 2 * one_request < timeout <= 2 * one_request + 30
