"""The AWS side of the command line: one small gateway over the boto3 clients it needs.

Everything the commands know about a deployed stack comes through here: its CloudFormation
outputs and parameters, its resources (alarms, schedule), Step Functions executions, CloudWatch
alarm states and the EventBridge Scheduler schedule. botocore's errors become
:class:`~sentinel_cli.errors.CliError` subclasses whose message says what to do (:mod:`sentinel_cli.aws_calls`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

import boto3

from sentinel_cli.aws_calls import CLIENT_CONFIG, NO_REGION, aws_errors
from sentinel_cli.errors import AccessDeniedError, AwsCallError, CredentialsError, NotDeployedError, StackNotFoundError

if TYPE_CHECKING:
    from mypy_boto3_cloudformation import CloudFormationClient
    from mypy_boto3_cloudformation.type_defs import StackTypeDef
    from mypy_boto3_cloudwatch import CloudWatchClient
    from mypy_boto3_scheduler import EventBridgeSchedulerClient
    from mypy_boto3_scheduler.type_defs import ListSchedulesInputTypeDef
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sns.type_defs import ListSubscriptionsByTopicInputTypeDef
    from mypy_boto3_stepfunctions import SFNClient
    from mypy_boto3_stepfunctions.literals import ExecutionStatusType
    from mypy_boto3_stepfunctions.type_defs import (
        DescribeExecutionOutputTypeDef,
        ExecutionListItemTypeDef,
        HistoryEventTypeDef,
        ListExecutionsInputTypeDef,
    )

STATE_MACHINE_OUTPUT_SUFFIX = "StateMachineArn"
ALARM_RESOURCE_TYPE = "AWS::CloudWatch::Alarm"
SCHEDULE_RESOURCE_TYPE = "AWS::Scheduler::Schedule"
MAX_SCHEDULES_SCANNED = 1_000


@dataclass(frozen=True)
class Alarm:
    name: str
    state: str
    reason: str
    updated: datetime | None


@dataclass(frozen=True)
class Schedule:
    name: str
    group: str
    expression: str
    timezone: str
    state: str


PENDING_CONFIRMATION = "PendingConfirmation"
"""The SubscriptionArn ListSubscriptionsByTopic gives a subscription nobody has confirmed yet."""


@dataclass(frozen=True)
class Subscription:
    """One endpoint of AlertTopic as SNS lists it."""

    protocol: str
    endpoint: str
    arn: str | None
    """None while it waits for confirmation (SNS gives it no ARN until then)."""
    authenticated_unsubscribe: bool | None = None
    """Whether unsubscribing needs AWS credentials (ConfirmationWasAuthenticated); None when unknown."""

    @property
    def confirmed(self) -> bool:
        return self.arn is not None

    @property
    def state(self) -> str:
        return "confirmed" if self.confirmed else "pending confirmation"


class AwsGateway:
    """The deployed stack ``stack_name`` as seen through AWS's APIs, with one session."""

    def __init__(self, session: boto3.session.Session, stack_name: str) -> None:
        self.session = session
        self.stack_name = stack_name

    @classmethod
    def connect(cls, stack_name: str, *, region: str | None = None, profile: str | None = None) -> AwsGateway:
        """``region`` None: the profile's (AWS_DEFAULT_REGION, then ``region`` in the config file).
        AWS_REGION comes in through ``--region``'s environment variable, as in the AWS CLI."""
        with aws_errors("opening an AWS session"):
            session = boto3.session.Session(region_name=region or None, profile_name=profile)
        if not session.region_name:
            raise CredentialsError(NO_REGION)
        return cls(session, stack_name)

    @property
    def region(self) -> str:
        return str(self.session.region_name or "")

    def _errors(self, what: str) -> AbstractContextManager[None]:
        return aws_errors(what, self.stack_name, self.region)

    # One client per service, built on first use; each typed, so mypy checks every call below.

    @cached_property
    def _cloudformation(self) -> CloudFormationClient:
        with self._errors("creating a cloudformation client"):
            return self.session.client("cloudformation", config=CLIENT_CONFIG)

    @cached_property
    def _stepfunctions(self) -> SFNClient:
        with self._errors("creating a stepfunctions client"):
            return self.session.client("stepfunctions", config=CLIENT_CONFIG)

    @cached_property
    def _sns(self) -> SNSClient:
        with self._errors("creating a sns client"):
            return self.session.client("sns", config=CLIENT_CONFIG)

    @cached_property
    def _cloudwatch(self) -> CloudWatchClient:
        with self._errors("creating a cloudwatch client"):
            return self.session.client("cloudwatch", config=CLIENT_CONFIG)

    @cached_property
    def _scheduler(self) -> EventBridgeSchedulerClient:
        with self._errors("creating a scheduler client"):
            return self.session.client("scheduler", config=CLIENT_CONFIG)

    # -- the stack -------------------------------------------------------------------------------

    @cached_property
    def _stack(self) -> StackTypeDef:
        with self._errors("cloudformation describe_stacks"):
            stacks = self._cloudformation.describe_stacks(StackName=self.stack_name)["Stacks"]
        if not stacks:
            raise StackNotFoundError(f"stack {self.stack_name!r} not found in region {self.region}")
        return stacks[0]

    @property
    def stack_status(self) -> str:
        return self._stack.get("StackStatus", "")

    @cached_property
    def outputs(self) -> dict[str, str]:
        return {o["OutputKey"]: o["OutputValue"] for o in self._stack.get("Outputs", [])}

    @cached_property
    def parameters(self) -> dict[str, str]:
        return {p["ParameterKey"]: p.get("ParameterValue", "") for p in self._stack.get("Parameters", [])}

    def output(self, key: str) -> str:
        value = self.outputs.get(key)
        if not value:
            raise NotDeployedError(
                f"stack {self.stack_name!r} has no output {key}: update it to this version of Snapshot Sentinel "
                "(sam build && sam deploy)"
            )
        return value

    @cached_property
    def state_machines(self) -> dict[str, str]:
        """Logical name (``BackupStateMachine``) to ARN, for every ``...StateMachineArn`` output."""
        return {
            key[: -len("Arn")]: value
            for key, value in sorted(self.outputs.items())
            if key.endswith(STATE_MACHINE_OUTPUT_SUFFIX) and value
        }

    def physical_ids(self, resource_type: str) -> list[str]:
        ids: list[str] = []
        with self._errors("cloudformation list_stack_resources"):
            paginator = self._cloudformation.get_paginator("list_stack_resources")
            for page in paginator.paginate(StackName=self.stack_name):
                ids.extend(
                    r["PhysicalResourceId"]
                    for r in page.get("StackResourceSummaries", [])
                    if r.get("ResourceType") == resource_type and r.get("PhysicalResourceId")
                )
        return ids

    # -- executions ------------------------------------------------------------------------------

    def start_execution(self, state_machine_arn: str, name: str, run_input: dict[str, Any]) -> str:
        with self._errors("stepfunctions start_execution"):
            started = self._stepfunctions.start_execution(
                stateMachineArn=state_machine_arn, name=name, input=json.dumps(run_input)
            )
        return str(started["executionArn"])

    def describe_execution(self, execution_arn: str) -> DescribeExecutionOutputTypeDef:
        with self._errors("stepfunctions describe_execution"):
            return self._stepfunctions.describe_execution(executionArn=execution_arn)

    def recent_events(self, execution_arn: str, limit: int = 200) -> list[HistoryEventTypeDef]:
        """The last ``limit`` history events, oldest first."""
        with self._errors("stepfunctions get_execution_history"):
            events = self._stepfunctions.get_execution_history(
                executionArn=execution_arn, reverseOrder=True, maxResults=limit, includeExecutionData=True
            )["events"]
        # Newest first from AWS; sorting by id also copes with a service that ignores reverseOrder.
        return sorted(events, key=lambda event: event["id"])[-limit:]

    def executions(
        self, state_machine_arn: str, *, status: ExecutionStatusType | None = None
    ) -> Iterator[ExecutionListItemTypeDef]:
        """Executions newest first, page by page, as long as the caller keeps reading."""
        request: ListExecutionsInputTypeDef = {"stateMachineArn": state_machine_arn, "maxResults": 50}
        if status:
            request["statusFilter"] = status
        while True:
            with self._errors("stepfunctions list_executions"):
                page = self._stepfunctions.list_executions(**request)
            yield from page.get("executions", [])
            token = page.get("nextToken")
            if not token:
                return
            request["nextToken"] = token

    # -- alert subscriptions ---------------------------------------------------------------------

    def subscriptions(self, topic_arn: str) -> list[Subscription]:
        """AlertTopic's subscriptions, pending ones included; for each confirmed one, whether a click
        on "unsubscribe" is enough to remove it."""
        found: list[Subscription] = []
        request: ListSubscriptionsByTopicInputTypeDef = {"TopicArn": topic_arn}
        while True:
            with self._errors("sns list_subscriptions_by_topic"):
                page = self._sns.list_subscriptions_by_topic(**request)
            for listed in page.get("Subscriptions", []):
                arn = str(listed.get("SubscriptionArn") or "")
                confirmed = arn.startswith("arn:")
                found.append(
                    Subscription(
                        protocol=str(listed.get("Protocol", "")),
                        endpoint=str(listed.get("Endpoint", "")),
                        arn=arn if confirmed else None,
                        authenticated_unsubscribe=self._authenticated_unsubscribe(arn) if confirmed else None,
                    )
                )
            if not page.get("NextToken"):
                return found
            request["NextToken"] = page["NextToken"]

    def _authenticated_unsubscribe(self, subscription_arn: str) -> bool | None:
        try:
            with self._errors("sns get_subscription_attributes"):
                attributes = self._sns.get_subscription_attributes(SubscriptionArn=subscription_arn)
        except (AccessDeniedError, AwsCallError):
            return None
        value = attributes.get("Attributes", {}).get("ConfirmationWasAuthenticated")
        return None if value is None else str(value).lower() == "true"

    def confirm_subscription(self, topic_arn: str, token: str) -> Subscription:
        """Confirm with the token of a confirmation message, so that only someone with AWS credentials
        for this account (the topic's or the subscription's owner) can unsubscribe the endpoint."""
        with self._errors("sns confirm_subscription"):
            confirmed = self._sns.confirm_subscription(
                TopicArn=topic_arn, Token=token, AuthenticateOnUnsubscribe="true"
            )
        arn = confirmed["SubscriptionArn"]
        with self._errors("sns get_subscription_attributes"):
            attributes = self._sns.get_subscription_attributes(SubscriptionArn=arn).get("Attributes", {})
        return Subscription(
            protocol=str(attributes.get("Protocol", "")),
            endpoint=str(attributes.get("Endpoint", "")),
            arn=arn,
            authenticated_unsubscribe=str(attributes.get("ConfirmationWasAuthenticated", "")).lower() == "true",
        )

    # -- alarms and schedule ---------------------------------------------------------------------

    def alarm_names(self) -> list[str]:
        """The stack's alarms: its AWS::CloudWatch::Alarm resources and outputs that name an alarm."""
        names = set(self.physical_ids(ALARM_RESOURCE_TYPE))
        for key, value in self.outputs.items():
            # A stack without the alarm says so in words ("none: a read-only stack ..."), not a name.
            if key.endswith(("Alarm", "AlarmName", "AlarmArn")) and value and not value.startswith("none"):
                names.add(value.split(":alarm:", 1)[-1])
        return sorted(names)

    def alarms(self, names: list[str]) -> list[Alarm]:
        found: list[Alarm] = []
        for start in range(0, len(names), 100):
            with self._errors("cloudwatch describe_alarms"):
                page = self._cloudwatch.describe_alarms(AlarmNames=names[start : start + 100])
            found.extend(
                Alarm(
                    name=alarm["AlarmName"],
                    state=alarm.get("StateValue", "UNKNOWN"),
                    reason=alarm.get("StateReason", ""),
                    updated=alarm.get("StateUpdatedTimestamp"),
                )
                for alarm in [*page.get("MetricAlarms", []), *page.get("CompositeAlarms", [])]
            )
        return sorted(found, key=lambda a: a.name)

    def schedule_for(self, target_arn: str) -> Schedule | None:
        """The stack's schedule that starts ``target_arn``: by resource if CloudFormation lists it,
        else the first schedule of the account and region whose target is that state machine."""
        names = [(name, "default") for name in self.physical_ids(SCHEDULE_RESOURCE_TYPE)]
        if not names:
            names = self._schedules_targeting(target_arn)
        for name, group in names:
            if "|" in name:  # CloudFormation's physical ID of a schedule in a group: group|name
                group, name = name.split("|", 1)
            with self._errors("scheduler get_schedule"):
                detail = self._scheduler.get_schedule(Name=name, GroupName=group)
            if detail.get("Target", {}).get("Arn") == target_arn:
                return Schedule(
                    name=name,
                    group=group,
                    expression=str(detail.get("ScheduleExpression", "")),
                    timezone=str(detail.get("ScheduleExpressionTimezone") or "UTC"),
                    state=str(detail.get("State", "ENABLED")),
                )
        return None

    def _schedules_targeting(self, target_arn: str) -> list[tuple[str, str]]:
        found: list[tuple[str, str]] = []
        request: ListSchedulesInputTypeDef = {"MaxResults": 100}
        for _ in range(MAX_SCHEDULES_SCANNED // 100):
            with self._errors("scheduler list_schedules"):
                page = self._scheduler.list_schedules(**request)
            found.extend(
                (s["Name"], s.get("GroupName") or "default")
                for s in page.get("Schedules", [])
                if s.get("Target", {}).get("Arn") == target_arn
            )
            if not page.get("NextToken"):
                break
            request["NextToken"] = page["NextToken"]
        return found
