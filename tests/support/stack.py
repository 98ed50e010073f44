"""A rehearsal of the deployed stack: moto's real ASL interpreter runs the definition from
template.yaml, and each Lambda task is dispatched in-process to its real handler.

The pieces:
- functions are created in moto under their logical IDs; ``LambdaFunction._invoke_lambda`` is
  replaced so an invocation imports ``functions/<dir>/app.py`` and calls ``lambda_handler`` with
  the environment template.yaml gives that function. An exception becomes a Lambda error whose
  ``errorType`` is the class name, exactly what ``Retry``/``Catch`` match in AWS.
- time is virtual: Wait states and Retry back-offs advance a :class:`VirtualClock` instead of
  sleeping, and the handlers and the emulated domain read that clock, so a 40-poll snapshot or an
  hour of concurrent-snapshot retries runs in well under a second.
- AWS's quotas hold (tests/support/aws_limits.py): a task result or a state's input/output over
  256 KB ends the execution with States.DataLimitExceeded that no Catch handles, and the
  25,000-event history quota ends it too, as in AWS.
- alerts are read from an SQS queue subscribed to AlertTopic: what a subscriber really receives.
- one Lambda invocation at a time: a function's environment is applied to the process-wide
  ``os.environ`` while its handler runs, so nothing else may read the environment meanwhile. Moto
  runs every execution in its own threads and builds a boto3 Lambda client per task, reading (and
  iterating) ``os.environ``; the whole invocation, from that client to the handler's return, holds
  one lock. (Without it, an iteration in one execution met a key another execution's function was
  removing, and its task failed with ``Exception: 'POWERTOOLS_SERVICE_NAME'``.)
"""

from __future__ import annotations

import importlib.util
import io
import json
import os
import threading
import types
import zipfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from unittest import mock

import boto3
from moto import mock_aws

from tests.emulator import EmulatorCredentials
from tests.support.aws_limits import MAX_HISTORY_EVENTS, MAX_PAYLOAD_BYTES, aws_limit_patches
from tests.support.cfn_inbox import cloudformation_inbox
from tests.support.constants import ACCOUNT, BUCKET, REGION
from tests.support.lambda_runtime import FakeLambdaContext
from tests.support.template import ROOT, Resolver, function_code_dir, function_environment, load_template

STATE_MACHINE = "BackupStateMachine"
VAULT_MANIFEST_BUCKET = "sentinel-vault-manifests"
"""The snapshot bucket the stack creates (SnapshotBucket) in a rehearsal: register the domain's
repository in it, or set SnapshotBucketName, as a deployed stack's repository would be."""


class VirtualClock:
    """Shared, thread-safe time that only moves when someone waits."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime.now(UTC)
        self._lock = threading.Lock()
        self.waited: list[float] = []

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += timedelta(seconds=seconds)
            self.waited.append(seconds)


@dataclass
class Invocation:
    function: str
    event: Any
    at: datetime
    result: Any = None
    error: str | None = None
    message: str | None = None


@dataclass
class RunResult:
    status: str
    output: dict[str, Any]
    error: str | None
    cause: str | None
    events: list[dict[str, Any]]
    alerts: list[dict[str, Any]]
    invocations: list[Invocation]
    arn: str = ""

    @property
    def states_entered(self) -> list[str]:
        return [e["stateEnteredEventDetails"]["name"] for e in self.events if "stateEnteredEventDetails" in e]

    @property
    def transitions(self) -> int:
        return len(self.states_entered)

    @property
    def largest_payload_bytes(self) -> int:
        """UTF-8 bytes of the largest state input/output or task input/result in the history."""
        sizes = [0]
        for event in self.events:
            for key, details in event.items():
                if key.endswith("EventDetails") and isinstance(details, dict):
                    sizes += [len(details[f].encode()) for f in ("input", "output") if isinstance(details.get(f), str)]
        return max(sizes)

    def calls(self, function: str) -> list[Invocation]:
        return [i for i in self.invocations if i.function == function]


def _load_handler(code_dir: Path) -> Any:
    spec = importlib.util.spec_from_file_location(f"handler_{code_dir.name}", code_dir / "app.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.lambda_handler


def _dummy_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "def lambda_handler(event, context):\n    return event\n")
    return buffer.getvalue()


@contextmanager
def function_environment_applied(values: dict[str, str]) -> Iterator[None]:
    """Give ``os.environ`` a function's ``values`` for the length of its invocation, then put back
    exactly what was there: only these keys are touched, one at a time. (``mock.patch.dict`` would
    clear the whole environment and rebuild it on exit: a moment in which every variable is missing
    to any thread that reads or iterates the environment, such as moto's or botocore's.)"""
    before = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in before.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


class RehearsalStack:
    """The stack of template.yaml, deployed into moto and pointed at an emulated domain."""

    def __init__(
        self,
        endpoint: str,
        *,
        parameters: dict[str, Any] | None = None,
        clock: VirtualClock | None = None,
        credentials: EmulatorCredentials | None = None,
        stack_name: str = "snapshot-sentinel",
        payload_limit: int = MAX_PAYLOAD_BYTES,
        history_limit: int = MAX_HISTORY_EVENTS,
    ) -> None:
        self.template = load_template()
        self.parameters = {"DomainEndpoint": endpoint, **(parameters or {})}
        self.clock = clock or VirtualClock()
        self.credentials = (credentials or EmulatorCredentials.testing()).as_environment()
        self.stack_name = stack_name
        self.payload_limit = payload_limit
        self.history_limit = history_limit
        self.join_timeout = 600.0
        """Seconds a run may take in real (wall-clock) time before :meth:`run` gives up on it: a guard
        against a hung execution only, so generous: a run of virtual hours takes seconds, but a loaded
        2-core machine (CI, parallel work) has stretched a slow restore's past a minute."""
        self.invocations: list[Invocation] = []
        self.metric_lines: list[str] = []
        self._runs = 0
        self._threads: list[threading.Thread] = []
        self._held: list[threading.Thread] | None = None
        self._handlers: dict[str, Any] = {}
        self._environments: dict[str, dict[str, str]] = {}
        self._timeouts: dict[str, int] = {}
        self._invocation_lock = threading.RLock()
        """Held by a whole Lambda invocation: moto's client for it, then the handler (re-entered there)."""
        self._stack = ExitStack()

    def __enter__(self) -> RehearsalStack:
        self._stack.enter_context(mock.patch.dict(os.environ, {"AWS_DEFAULT_REGION": REGION}))
        self._stack.enter_context(mock_aws(config={"stepfunctions": {"execute_state_machine": True}}))
        self._patch_time_and_dispatch()
        self._deploy()
        return self

    def __exit__(self, *exc: object) -> None:
        self._join()
        self._stack.close()

    # -- wiring -------------------------------------------------------------------------------

    def _patch_time_and_dispatch(self) -> None:
        from moto.awslambda.models import LambdaFunction
        from moto.stepfunctions import models as sfn_base_models
        from moto.stepfunctions.parser import models as sfn_models
        from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
        from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils
        from moto.stepfunctions.parser.asl.component.state.wait.wait_function import wait_function
        from moto.stepfunctions.parser.backend import execution as sfn_execution
        from moto.stepfunctions.parser.backend import execution_worker

        clock = self.clock
        harness = self

        def virtual_wait(self: Any, env: Any, wait_seconds: int) -> None:
            clock.advance(wait_seconds)

        def dispatch(function: Any, event: Any = None) -> tuple[str, bool, str]:
            return harness._invoke(function.function_name, event)

        invoke_lambda_function = lambda_eval_utils._invoke_lambda_function

        def one_invocation_at_a_time(*args: Any, **kwargs: Any) -> Any:
            with harness._invocation_lock:
                return invoke_lambda_function(*args, **kwargs)

        class VirtualDatetime(datetime):
            @classmethod
            def now(cls, tz: Any = None) -> datetime:  # type: ignore[override]
                return clock.now().astimezone(tz) if tz else clock.now()

        def moto_utcnow() -> datetime:
            return clock.now().astimezone(UTC).replace(tzinfo=None)

        class RecordedThread(threading.Thread):
            def start(self) -> None:
                harness._threads.append(self)
                if harness._held is not None:
                    harness._held.append(self)
                else:
                    super().start()

        patches = [
            mock.patch.object(wait_function.WaitFunction, "_wait_interval", virtual_wait),
            mock.patch.object(retrier_decl, "time", types.SimpleNamespace(sleep=clock.advance, time=lambda: 0.0)),
            mock.patch.object(LambdaFunction, "_invoke_lambda", dispatch),
            mock.patch.object(lambda_eval_utils, "_invoke_lambda_function", one_invocation_at_a_time),
            mock.patch.object(execution_worker, "Thread", RecordedThread),
            mock.patch.object(
                sfn_models, "datetime", types.SimpleNamespace(datetime=VirtualDatetime, timezone=timezone)
            ),
            # An execution's stopDate too: `sentinel status` ages the last backup from it.
            mock.patch.object(
                sfn_execution, "datetime", types.SimpleNamespace(datetime=VirtualDatetime, timezone=timezone)
            ),
            # And a state machine's creationDate: drill freshness counts from it before the first drill.
            mock.patch.object(sfn_base_models, "utcnow", moto_utcnow),
            mock.patch("snapshot_sentinel.clock.utc_now", clock.now),
            # EMF lines the functions write go here, as CloudWatch would receive them, not to the
            # test's stdout (where a CLI under test prints its own output).
            mock.patch("snapshot_sentinel.observability.write_metrics_line", self.metric_lines.append),
        ]
        patches += aws_limit_patches(payload_limit=self.payload_limit, history_limit=self.history_limit)
        for patch in patches:
            self._stack.enter_context(patch)

    def _deploy(self) -> None:
        iam = boto3.client("iam", region_name=REGION)
        role = iam.create_role(
            RoleName="rehearsal-role",
            AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}),
        )["Role"]["Arn"]
        sns = boto3.client("sns", region_name=REGION)
        sqs = boto3.client("sqs", region_name=REGION)
        self.topic_arn = sns.create_topic(Name="AlertTopic")["TopicArn"]
        self.alert_queue_url = sqs.create_queue(QueueName="alert-inbox")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=self.alert_queue_url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        sns.subscribe(TopicArn=self.topic_arn, Protocol="sqs", Endpoint=queue_arn)

        resources = self.template["Resources"]
        functions = [name for name, res in resources.items() if res["Type"] == "AWS::Serverless::Function"]
        lambda_client = boto3.client("lambda", region_name=REGION)
        attributes: dict[str, str] = {
            "AlertTopic": self.topic_arn,
            "AlertTopic.TopicArn": self.topic_arn,
            # What CloudFormation would name them: the repository a run registers (again) is the stack's.
            "SnapshotBucket": BUCKET,
            "SnapshotBucket.Arn": f"arn:aws:s3:::{BUCKET}",
            "SnapshotRole.Arn": f"arn:aws:iam::{ACCOUNT}:role/{self.stack_name}-SnapshotRole-Rehearsal",
            "DrillSnapshotRole.Arn": f"arn:aws:iam::{ACCOUNT}:role/{self.stack_name}-DrillSnapshotRole-Rehearsal",
            "VaultManifestBucket": VAULT_MANIFEST_BUCKET,
            "VaultManifestBucket.Arn": f"arn:aws:s3:::{VAULT_MANIFEST_BUCKET}",
        }
        boto3.client("s3", region_name=REGION).create_bucket(Bucket=VAULT_MANIFEST_BUCKET)
        attributes.update(self._create_tables(resources))
        for name in functions:
            arn = lambda_client.create_function(
                FunctionName=name,
                Runtime="python3.13",
                Role=role,
                Handler="app.lambda_handler",
                Code={"ZipFile": _dummy_zip()},
            )["FunctionArn"]
            attributes[f"{name}.Arn"] = arn
            attributes[name] = name
        self.resolver = Resolver(
            self.template, self.parameters, attributes, region=REGION, account=ACCOUNT, stack_name=self.stack_name
        )
        sfn = boto3.client("stepfunctions", region_name=REGION)
        self.state_machine_arns: dict[str, str] = {}
        for logical_id, resource in resources.items():
            if resource["Type"] != "AWS::Serverless::StateMachine":
                continue
            machine = resource["Properties"]
            definition = (ROOT / str(machine["DefinitionUri"])).read_text()
            for key, value in self.resolver.resolve(machine.get("DefinitionSubstitutions", {})).items():
                definition = definition.replace("${" + key + "}", str(value))
            self.state_machine_arns[logical_id] = attributes[logical_id] = sfn.create_state_machine(
                name=logical_id, definition=definition, roleArn=role
            )["stateMachineArn"]
        self.state_machine_arn = self.state_machine_arns[STATE_MACHINE]

        # After the state machines: a function may read one (PublishDrillFreshnessFunction's ARN).
        global_timeout = int(self.template.get("Globals", {}).get("Function", {}).get("Timeout", 60))
        for name in functions:
            self._environments[name] = function_environment(self.resolver, name)
            self._timeouts[name] = int(resources[name]["Properties"].get("Timeout", global_timeout))
            self._handlers[name] = function_code_dir(self.template, name)

    def invoke(self, function_name: str, event: Any = None) -> Any:
        """Invoke a function of the stack as its schedule would (``event`` {} by default) and return its
        result; a function error raises AssertionError with the error's type and message."""
        payload, failed, _ = self._invoke(function_name, event if event is not None else {})
        if failed:
            error = json.loads(payload)
            raise AssertionError(f"{function_name} failed: {error['errorType']}: {error['errorMessage']}")
        return json.loads(payload)

    def handler(self, function_name: str) -> Any:
        """The function's own ``lambda_handler`` (to wrap it in a test's stand-in)."""
        handler = self._handlers[function_name]
        if isinstance(handler, Path):
            handler = self._handlers[function_name] = _load_handler(handler)
        return handler

    def replace_handler(self, function_name: str, handler: Any) -> None:
        """Run ``handler(event, context)`` instead of the function's code (a test's stand-in)."""
        self._handlers[function_name] = handler

    def _create_tables(self, resources: dict[str, Any]) -> dict[str, str]:
        """Every DynamoDB table of the template, created in moto under its logical ID."""
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        attributes: dict[str, str] = {}
        for name, resource in resources.items():
            if resource["Type"] != "AWS::DynamoDB::Table":
                continue
            properties = resource["Properties"]
            table = dynamodb.create_table(
                TableName=name,
                AttributeDefinitions=properties["AttributeDefinitions"],
                KeySchema=properties["KeySchema"],
                BillingMode=properties.get("BillingMode", "PAY_PER_REQUEST"),
            )["TableDescription"]
            attributes[name] = name
            attributes[f"{name}.Arn"] = table["TableArn"]
        return attributes

    def create_custom_resource(self, logical_id: str) -> dict[str, Any]:
        """Do what CloudFormation does to create the custom resource ``logical_id`` of template.yaml:
        invoke its ServiceToken function with the resolved properties (scalars as strings, as
        CloudFormation sends them) and return the one answer it PUT to the ResponseURL."""
        resource = self.template["Resources"][logical_id]
        condition = resource.get("Condition")
        if condition and not self.resolver.condition(condition):
            raise AssertionError(f"{logical_id} is not created with these parameters ({condition} is false)")
        function = resource["Properties"]["ServiceToken"]["Fn::GetAtt"][0]
        properties = {
            key: value if isinstance(value, list | dict) else str(value)
            for key, value in self.resolver.resolve(resource["Properties"]).items()
        }
        stack_id = f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/{self.stack_name}/0"
        with cloudformation_inbox() as inbox:
            event = {
                "RequestType": "Create",
                "ServiceToken": properties["ServiceToken"],
                "ResponseURL": inbox.url,
                "StackId": stack_id,
                "RequestId": f"create-{logical_id}",
                "LogicalResourceId": logical_id,
                "ResourceType": resource["Type"],
                "ResourceProperties": properties,
            }
            self._invoke(function, event)
            return inbox.only_answer

    def _invoke(self, function_name: str, event: Any) -> tuple[str, bool, str]:
        handler = self._handlers[function_name]
        if isinstance(event, str):
            event = json.loads(event)
        record = Invocation(function_name, event, at=self.clock.now())
        self.invocations.append(record)
        environment = {
            **self._environments[function_name],
            **self.credentials,
            "AWS_REGION": REGION,
            "AWS_LAMBDA_FUNCTION_NAME": function_name,
            "POWERTOOLS_LOG_LEVEL": os.environ.get("SENTINEL_LOG_LEVEL", "WARNING"),
        }
        context = FakeLambdaContext(function_name, seconds_left=self._timeouts[function_name])
        with self._invocation_lock, function_environment_applied(environment):
            if isinstance(handler, Path):
                handler = self._handlers[function_name] = _load_handler(handler)
            try:
                record.result = handler(event, context)
            except Exception as exc:  # noqa: BLE001 surfaces as a Lambda function error, as in AWS
                record.error = type(exc).__name__
                record.message = str(exc)
                payload = {"errorType": type(exc).__name__, "errorMessage": str(exc), "stackTrace": []}
                return json.dumps(payload), True, ""
        return json.dumps(record.result), False, ""

    def _join(self) -> None:
        for thread in list(self._threads):
            thread.join(timeout=self.join_timeout)

    # -- running ------------------------------------------------------------------------------

    def run(self, run_input: Any = None, *, name: str | None = None, state_machine: str = STATE_MACHINE) -> RunResult:
        """Start an execution of ``state_machine`` (a logical ID of template.yaml) with ``run_input``
        (a scheduled backup passes {}) and wait for its end."""
        [result] = self.run_together([run_input], names=[name] if name else None, state_machine=state_machine)
        return result

    def run_together(
        self, run_inputs: list[Any], *, names: list[str] | None = None, state_machine: str = STATE_MACHINE
    ) -> list[RunResult]:
        """Start one execution per input at the same (virtual) instant, as EventBridge Scheduler does when
        it delivers a schedule twice, and wait for all of them. No execution takes a step before every one
        has started. Each result carries the invocations and the alerts of all of them."""
        sfn = boto3.client("stepfunctions", region_name=REGION)
        started = len(self.invocations)
        arns = []
        self._held = []
        try:
            for position, run_input in enumerate(run_inputs):
                self._runs += 1
                arns.append(
                    sfn.start_execution(
                        stateMachineArn=self.state_machine_arns[state_machine],
                        name=names[position] if names else f"run-{self._runs}",
                        input=json.dumps(run_input if run_input is not None else {}),
                    )["executionArn"]
                )
        finally:
            held, self._held = self._held, None
        for thread in held:
            threading.Thread.start(thread)
        self._join()
        alerts = self.read_alerts()
        results = []
        for arn in arns:
            described = sfn.describe_execution(executionArn=arn)
            if described["status"] == "RUNNING":
                raise AssertionError(
                    f"execution {arn} still running after {self.join_timeout:.0f} s of real time: hung, or a"
                    " machine too loaded for join_timeout"
                )
            events = sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
            results.append(
                RunResult(
                    status=described["status"],
                    output=json.loads(described.get("output") or "{}"),
                    error=described.get("error"),
                    cause=described.get("cause"),
                    events=events,
                    alerts=alerts,
                    invocations=self.invocations[started:],
                    arn=arn,
                )
            )
        return results

    def _published_email_texts(self) -> dict[str, str]:
        """What SNS would email, by message id (moto keeps each published message as sent)."""
        from moto.sns.models import sns_backends

        texts = {}
        topic = sns_backends[ACCOUNT][REGION].topics.get(self.topic_arn)  # None once a test deleted it
        for message_id, message, *_ in topic.sent_notifications if topic else ():
            try:
                per_protocol = json.loads(message)
            except ValueError:
                per_protocol = {}
            texts[message_id] = per_protocol.get("email") or per_protocol.get("default") or message
        return texts

    def read_alerts(self) -> list[dict[str, Any]]:
        """Every alert delivered since the last read, as the SQS subscriber got it
        (``subject``, ``message``, ``attributes``) plus the ``email`` an AlertEmail subscriber gets."""
        emails = self._published_email_texts()
        sqs = boto3.client("sqs", region_name=REGION)
        alerts = []
        while True:
            batch = sqs.receive_message(QueueUrl=self.alert_queue_url, MaxNumberOfMessages=10).get("Messages", [])
            if not batch:
                return alerts
            for message in batch:
                envelope = json.loads(message["Body"])
                alerts.append(
                    {
                        "subject": envelope.get("Subject"),
                        "message": envelope.get("Message"),
                        "attributes": envelope.get("MessageAttributes", {}),
                        "email": emails.get(envelope.get("MessageId", "")),
                    }
                )
                sqs.delete_message(QueueUrl=self.alert_queue_url, ReceiptHandle=message["ReceiptHandle"])
