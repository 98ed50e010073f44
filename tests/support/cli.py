"""Driving the ``sentinel`` command line against a RehearsalStack.

The rehearsal deploys the state machines into moto but not a CloudFormation stack, so
:func:`publish_stack` creates one in moto's CloudFormation with the template's real Outputs
(resolved against what the rehearsal deployed) and Parameters: the CLI then finds its state
machines through ``DescribeStacks``, exactly as against AWS. :func:`publish_schedule` creates the
EventBridge Scheduler schedule that template.yaml declares for BackupStateMachine.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from unittest import mock

import boto3
from click.testing import CliRunner

from sentinel_cli.app import cli
from sentinel_cli.context import Runtime
from sentinel_cli.gateway import AwsGateway
from tests.support.constants import REGION
from tests.support.stack import RehearsalStack
from tests.support.template import Resolver

PLACEHOLDER = "<"
"""What the rehearsal's resolver returns for an attribute nothing deployed (e.g. a role's ARN)."""


def deployed_state_machines() -> dict[str, str]:
    sfn = boto3.client("stepfunctions", region_name=REGION)
    return {m["name"]: m["stateMachineArn"] for m in sfn.list_state_machines()["stateMachines"]}


def _resolver(rehearsal: RehearsalStack, attributes: dict[str, str]) -> Resolver:
    machines = deployed_state_machines()
    known = {**rehearsal.resolver.attributes, **machines, **{f"{k}.Arn": v for k, v in machines.items()}}
    return Resolver(
        rehearsal.template,
        dict(rehearsal.parameters),
        {**known, **attributes},
        stack_name=rehearsal.stack_name,
    )


def publish_stack(
    rehearsal: RehearsalStack,
    *,
    attributes: dict[str, str] | None = None,
    extra_outputs: dict[str, str] | None = None,
    update: bool = False,
) -> dict[str, str]:
    """A CloudFormation stack named like the rehearsal's, holding the template's resolved Outputs and
    Parameters; ``attributes`` resolves more logical IDs (e.g. an alarm's name), ``extra_outputs``
    adds outputs, ``update`` replaces the stack published before. Returns the outputs."""
    resolver = _resolver(rehearsal, attributes or {})
    outputs: dict[str, str] = {}
    for key, spec in rehearsal.template.get("Outputs", {}).items():
        if "Condition" in spec and not resolver.condition(spec["Condition"]):
            continue
        value = str(resolver.resolve(spec["Value"]))
        if PLACEHOLDER not in value:
            outputs[key] = value
    outputs.update(extra_outputs or {})
    parameters = {name: str(value) for name, value in resolver.values.items() if not name.startswith("AWS::")}
    body = {
        "Parameters": {name: {"Type": "String"} for name in parameters},
        # CloudFormation needs one resource: a parameter that says what this stack is.
        "Resources": {
            "RehearsalMarker": {
                "Type": "AWS::SSM::Parameter",
                "Properties": {"Name": f"/{rehearsal.stack_name}/rehearsal", "Type": "String", "Value": "outputs"},
            }
        },
        "Outputs": {key: {"Value": value} for key, value in outputs.items()},
    }
    cloudformation = boto3.client("cloudformation", region_name=REGION)
    (cloudformation.update_stack if update else cloudformation.create_stack)(
        StackName=rehearsal.stack_name,
        TemplateBody=json.dumps(body),
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
    )
    return outputs


def publish_schedule(rehearsal: RehearsalStack) -> dict[str, Any]:
    """The BackupStateMachine schedule of template.yaml, created in moto's EventBridge Scheduler."""
    resolver = _resolver(rehearsal, {})
    events = rehearsal.template["Resources"]["BackupStateMachine"]["Properties"]["Events"]
    [spec] = [e["Properties"] for e in events.values() if e["Type"] == "ScheduleV2"]
    spec = resolver.resolve(spec)
    schedule = {
        "Name": f"{rehearsal.stack_name}-BackupStateMachineNightlySchedule-ABC123",
        "ScheduleExpression": spec["ScheduleExpression"],
        "ScheduleExpressionTimezone": spec["ScheduleExpressionTimezone"],
        "State": spec["State"],
        "FlexibleTimeWindow": {"Mode": "OFF"},
        "Target": {
            "Arn": deployed_state_machines()["BackupStateMachine"],
            "RoleArn": "arn:aws:iam::123456789012:role/scheduler",
            "Input": spec["Input"],
        },
    }
    boto3.client("scheduler", region_name=REGION).create_schedule(**schedule)
    return schedule


@dataclass(frozen=True)
class Outcome:
    """What one ``sentinel`` invocation printed and returned."""

    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


class Sentinel:
    """``sentinel ...`` run in-process: polls wait for the rehearsal's execution threads instead of
    sleeping, and "now" is the rehearsal's virtual clock.

    The CLI writes to buffers of its own: the in-process Lambda handlers, running in the rehearsal's
    threads at the same time, print their logs and metrics to the process's stdout, which in AWS is
    another machine's CloudWatch, not the terminal. click's own usage errors still go to stderr."""

    def __init__(self, rehearsal: RehearsalStack, *, terminal: bool = False) -> None:
        self.rehearsal = rehearsal
        self.terminal = terminal

    def __call__(self, *args: str, input: str | None = None) -> Outcome:
        out, err = io.StringIO(), io.StringIO()
        runtime = Runtime(
            sleep=lambda _seconds: self.rehearsal._join(),
            now=self.rehearsal.clock.now,
            stdout_is_terminal=lambda: self.terminal,
            out=out,
            err=err,
        )
        with mock.patch.object(AwsGateway, "describe_execution", self._settled(AwsGateway.describe_execution)):
            result = CliRunner().invoke(cli, list(args), obj=runtime, input=input, catch_exceptions=False)
        return Outcome(result.exit_code, out.getvalue(), err.getvalue() + result.stderr)

    def _settled(self, describe: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
        """Reads of an execution wait for the rehearsal's worker threads to be done: moto's history is
        not made to be read while its interpreter thread writes it. Following a run live is tested on
        its history (tests/cli/test_backup_and_watch.py); here the CLI sees each run settled."""

        def settled(gateway: AwsGateway, execution_arn: str) -> dict[str, Any]:
            self.rehearsal._join()
            return describe(gateway, execution_arn)

        return settled

    def json(self, *args: str, input: str | None = None) -> tuple[int, Any]:
        result = self(*args, "--json", input=input)
        return result.exit_code, json.loads(result.stdout)
