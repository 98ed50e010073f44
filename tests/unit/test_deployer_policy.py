"""docs/deployer-policy.json lets the person deploying create, update and delete everything the
template makes.

CloudFormation acts with the deployer's credentials, so every resource type the stack holds after
the SAM transform needs its service's actions in the policy. The serverless types are expanded as
the transform expands them (a function is a Lambda function and its role; a ScheduleV2 event is an
EventBridge Scheduler schedule and its role...); a type or an event type this test does not know
fails, so a new kind of resource cannot slip past the policy.
"""

from __future__ import annotations

import json
from fnmatch import fnmatchcase
from typing import Any

import pytest

from tests.support.template import ROOT, load_template

POLICY = ROOT / "docs" / "deployer-policy.json"

# What CloudFormation calls to create, update and delete one resource of each type.
ACTIONS: dict[str, tuple[str, ...]] = {
    "AWS::Lambda::Function": (
        "lambda:CreateFunction",
        "lambda:UpdateFunctionCode",
        "lambda:UpdateFunctionConfiguration",
        "lambda:GetFunction",
        "lambda:DeleteFunction",
        "lambda:TagResource",
    ),
    "AWS::Lambda::LayerVersion": ("lambda:PublishLayerVersion", "lambda:GetLayerVersion", "lambda:DeleteLayerVersion"),
    "AWS::Lambda::Permission": ("lambda:AddPermission", "lambda:RemovePermission"),
    "AWS::IAM::Role": (
        "iam:CreateRole",
        "iam:GetRole",
        "iam:DeleteRole",
        "iam:UpdateAssumeRolePolicy",
        "iam:PutRolePolicy",
        "iam:DeleteRolePolicy",
        "iam:AttachRolePolicy",
        "iam:DetachRolePolicy",
        "iam:PassRole",
    ),
    "AWS::StepFunctions::StateMachine": (
        "states:CreateStateMachine",
        "states:UpdateStateMachine",
        "states:DeleteStateMachine",
        "states:DescribeStateMachine",
        "logs:CreateLogDelivery",
        "logs:UpdateLogDelivery",
        "logs:DeleteLogDelivery",
    ),
    "AWS::Scheduler::Schedule": ("scheduler:CreateSchedule", "scheduler:UpdateSchedule", "scheduler:DeleteSchedule"),
    "AWS::Events::Rule": ("events:PutRule", "events:PutTargets", "events:RemoveTargets", "events:DeleteRule"),
    "AWS::Logs::LogGroup": ("logs:CreateLogGroup", "logs:PutRetentionPolicy", "logs:DeleteLogGroup"),
    "AWS::CloudWatch::Alarm": ("cloudwatch:PutMetricAlarm", "cloudwatch:DescribeAlarms", "cloudwatch:DeleteAlarms"),
    "AWS::CloudWatch::Dashboard": ("cloudwatch:PutDashboard", "cloudwatch:GetDashboard", "cloudwatch:DeleteDashboards"),
    "AWS::DynamoDB::Table": (
        "dynamodb:CreateTable",
        "dynamodb:UpdateTable",
        "dynamodb:DescribeTable",
        "dynamodb:DeleteTable",
        "dynamodb:UpdateTimeToLive",
        "dynamodb:UpdateContinuousBackups",
    ),
    "AWS::SQS::Queue": ("sqs:CreateQueue", "sqs:SetQueueAttributes", "sqs:GetQueueAttributes", "sqs:DeleteQueue"),
    "AWS::KMS::Key": (
        "kms:CreateKey",
        "kms:PutKeyPolicy",
        "kms:EnableKeyRotation",
        "kms:DescribeKey",
        "kms:ScheduleKeyDeletion",
    ),
    "AWS::SNS::Topic": ("sns:CreateTopic", "sns:SetTopicAttributes", "sns:GetTopicAttributes", "sns:DeleteTopic"),
    "AWS::SNS::TopicPolicy": ("sns:SetTopicAttributes",),
    "AWS::SNS::Subscription": ("sns:Subscribe", "sns:Unsubscribe", "sns:GetSubscriptionAttributes"),
    "AWS::S3::Bucket": (
        "s3:CreateBucket",
        "s3:PutBucketVersioning",
        "s3:PutEncryptionConfiguration",
        "s3:PutBucketPublicAccessBlock",
        "s3:PutBucketOwnershipControls",
        "s3:PutLifecycleConfiguration",
        "s3:DeleteBucket",
    ),
    "AWS::S3::BucketPolicy": ("s3:PutBucketPolicy", "s3:GetBucketPolicy", "s3:DeleteBucketPolicy"),
    "AWS::EC2::VPCEndpoint": (
        "ec2:CreateVpcEndpoint",
        "ec2:ModifyVpcEndpoint",
        "ec2:DeleteVpcEndpoints",
        "ec2:DescribeVpcEndpoints",
    ),
    # CloudFormation invokes the custom resource's function with the deployer's credentials.
    "Custom::SnapshotRepository": ("lambda:InvokeFunction",),
}

# What the SAM transform turns each event source into (besides the target's permission).
EVENT_RESOURCES = {
    "ScheduleV2": ("AWS::Scheduler::Schedule", "AWS::IAM::Role"),
    "EventBridgeRule": ("AWS::Events::Rule", "AWS::Lambda::Permission"),
    "Schedule": ("AWS::Events::Rule", "AWS::Lambda::Permission"),
}


def deployed_types(template: dict[str, Any]) -> set[str]:
    """The resource types CloudFormation creates once the SAM transform has run."""
    types: set[str] = set()
    for logical_id, resource in template["Resources"].items():
        kind = resource["Type"]
        properties = resource.get("Properties") or {}
        if kind == "AWS::Serverless::LayerVersion":
            types.add("AWS::Lambda::LayerVersion")
            continue
        if kind in {"AWS::Serverless::Function", "AWS::Serverless::StateMachine"}:
            types.add("AWS::Lambda::Function" if kind.endswith("Function") else "AWS::StepFunctions::StateMachine")
            if "Role" not in properties:
                types.add("AWS::IAM::Role")
            for name, event in (properties.get("Events") or {}).items():
                if event["Type"] not in EVENT_RESOURCES:
                    pytest.fail(f"{logical_id}.Events.{name}: event type {event['Type']} unknown to this test")
                # A rule starts a state machine through a role of its own, a function through a permission.
                rule_target = "AWS::IAM::Role" if kind.endswith("StateMachine") else "AWS::Lambda::Permission"
                types.update(EVENT_RESOURCES[event["Type"]][:1])
                types.add(rule_target if event["Type"] != "ScheduleV2" else "AWS::IAM::Role")
            unknown = {"AutoPublishAlias", "DeploymentPreference", "FunctionUrlConfig", "EventInvokeConfig"}
            if unknown & set(properties):
                pytest.fail(f"{logical_id}: {sorted(unknown & set(properties))} create resources unknown to this test")
            continue
        if kind.startswith("AWS::Serverless::"):
            pytest.fail(f"{logical_id}: {kind} is not expanded by this test")
        types.add(kind)
    return types


def allowed_actions() -> list[str]:
    policy = json.loads(POLICY.read_text())
    actions: list[str] = []
    for statement in policy["Statement"]:
        assert statement["Effect"] == "Allow", statement["Sid"]
        listed = statement["Action"]
        actions.extend([listed] if isinstance(listed, str) else listed)
    return actions


def missing(required: tuple[str, ...], actions: list[str]) -> list[str]:
    return [action for action in required if not any(fnmatchcase(action, granted) for granted in actions)]


def test_every_resource_type_the_stack_creates_has_its_actions_in_the_deployer_policy():
    # Given the template and the deployer's policy
    types = deployed_types(load_template())
    actions = allowed_actions()

    # Then every type is known and every action it needs is allowed
    unknown = sorted(types - set(ACTIONS))
    assert not unknown, f"resource types with no known actions (add them here and to {POLICY.name}): {unknown}"
    gaps = {kind: missing(ACTIONS[kind], actions) for kind in sorted(types)}
    assert not {kind: gap for kind, gap in gaps.items() if gap}


def test_the_sam_transform_and_the_stack_itself_are_allowed():
    actions = allowed_actions()
    policy = json.loads(POLICY.read_text())
    transform = [s for s in policy["Statement"] if "transform/Serverless-2016-10-31" in json.dumps(s["Resource"])]
    assert transform and "cloudformation:CreateChangeSet" in transform[0]["Action"]
    assert not missing(
        ("cloudformation:CreateChangeSet", "cloudformation:ExecuteChangeSet", "cloudformation:DescribeStacks"), actions
    )


def services_handed_roles(template: dict[str, Any]) -> set[str]:
    """The services CloudFormation hands one of the stack's roles to as it creates resources: each
    function's and state machine's role, a schedule's role, an EventBridge rule's role to start a
    state machine."""
    services = set()
    for resource in template["Resources"].values():
        kind, properties = resource["Type"], resource.get("Properties") or {}
        if kind == "AWS::Serverless::Function":
            services.add("lambda.amazonaws.com")
        if kind == "AWS::Serverless::StateMachine":
            services.add("states.amazonaws.com")
        for event in (properties.get("Events") or {}).values():
            if event["Type"] == "ScheduleV2":
                services.add("scheduler.amazonaws.com")
            elif kind == "AWS::Serverless::StateMachine":
                services.add("events.amazonaws.com")
    return services


def test_pass_role_goes_to_exactly_the_services_the_stack_hands_roles_to():
    policy = json.loads(POLICY.read_text())
    passing = [s for s in policy["Statement"] if "iam:PassRole" in s["Action"]]
    assert len(passing) == 1 and passing[0]["Resource"] != "*"
    services = passing[0]["Condition"]["StringEquals"]["iam:PassedToService"]
    assert set(services) == services_handed_roles(load_template())


def test_an_unknown_resource_type_fails_the_check():
    # A template that gained a resource type the policy was never checked for
    template = {"Resources": {"Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {}}}}
    assert sorted(deployed_types(template) - set(ACTIONS)) == ["AWS::ApiGateway::RestApi"]


def test_expansion_follows_the_sam_transform_for_the_kinds_the_template_uses():
    template = {
        "Resources": {
            "F": {"Type": "AWS::Serverless::Function", "Properties": {"Events": {"E": {"Type": "ScheduleV2"}}}},
            "S": {"Type": "AWS::Serverless::StateMachine", "Properties": {"Role": "arn"}},
        }
    }
    assert deployed_types(template) == {
        "AWS::Lambda::Function",
        "AWS::IAM::Role",
        "AWS::Scheduler::Schedule",
        "AWS::StepFunctions::StateMachine",
    }
