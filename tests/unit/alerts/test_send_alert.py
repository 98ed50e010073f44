"""SendAlert against moto's SNS: what a subscriber of AlertTopic really receives."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from functions.send_alert import app
from snapshot_sentinel.alerts import ALERTED_CAUSE_SUFFIX, FACTS_SEPARATOR
from snapshot_sentinel.errors import AlertNotSentError, ConfigurationError
from snapshot_sentinel.wiring import sns_client
from tests.support.constants import REGION
from tests.support.lambda_runtime import FakeLambdaContext

EVENTS = Path(__file__).resolve().parents[3] / "events" / "send_alert"


@dataclass
class Topic:
    arn: str
    sqs: Any

    def subscribe_queue(self, name: str, *, filter_policy: dict[str, Any] | None = None) -> str:
        queue_url = self.sqs.create_queue(QueueName=name)["QueueUrl"]
        queue_arn = self.sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        attributes = {"FilterPolicy": json.dumps(filter_policy)} if filter_policy else {}
        boto3.client("sns", region_name=REGION).subscribe(
            TopicArn=self.arn, Protocol="sqs", Endpoint=queue_arn, Attributes=attributes
        )
        return queue_url

    def received(self, queue_url: str) -> list[dict[str, Any]]:
        messages = self.sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
        return [json.loads(message["Body"]) for message in messages]


@pytest.fixture
def environment(handler_env: Callable[..., dict[str, str]], monkeypatch: pytest.MonkeyPatch) -> None:
    # As for a domain in a VPC: the alert uses the run's own facts (reading the domain is tested
    # against the emulator in tests/integration/test_send_alert_reads_domain.py).
    handler_env(region=REGION, ALERT_READS_DOMAIN="false")
    monkeypatch.delenv("ALERT_TOPIC_ARN", raising=False)


@pytest.fixture
def topic(environment: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Topic]:
    with mock_aws():
        sns_client.cache_clear()
        arn = boto3.client("sns", region_name=REGION).create_topic(Name="AlertTopic")["TopicArn"]
        monkeypatch.setenv("ALERT_TOPIC_ARN", arn)
        yield Topic(arn=arn, sqs=boto3.client("sqs", region_name=REGION))
    sns_client.cache_clear()


def sample(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / f"{name}.json").read_text())


def test_a_partial_run_reaches_a_queue_subscriber_as_json_facts(lambda_context: FakeLambdaContext, topic: Topic):
    # Given a queue subscribed to AlertTopic
    inbox = topic.subscribe_queue("alert-inbox")

    # When SendAlert handles a PARTIAL run
    result = app.lambda_handler(sample("partial"), lambda_context)

    # Then it reports the publish
    assert result["published"] is True
    assert result["message_id"]
    assert result["subject"] == "[PARTIAL] my-domain: nightly-2026-11-28t02-00-00z"
    # And the subscriber receives the SNS envelope with the subject, the JSON facts and the attributes
    [notification] = topic.received(inbox)
    assert notification["MessageId"] == result["message_id"]
    assert notification["Subject"] == result["subject"]
    facts = json.loads(notification["Message"])
    assert facts["outcome"] == "PARTIAL"
    assert facts["domain"] == "my-domain"
    assert facts["repository"] == "nightly-backups"
    assert [(f["index"], f["shard_id"]) for f in facts["failures"]] == [
        ("logs-2026.11.27", 2),
        ("logs-2026.11.27", 4),
        ("orders", 0),
    ]
    assert facts["console_url"].startswith("https://us-east-1.console.aws.amazon.com/states/home?region=us-east-1#/v2/")
    assert notification["MessageAttributes"]["outcome"] == {"Type": "String", "Value": "PARTIAL"}
    assert notification["MessageAttributes"]["domain"] == {"Type": "String", "Value": "my-domain"}
    # And no text meant for people leaks into the machine message
    assert FACTS_SEPARATOR not in notification["Message"]


def test_a_filter_policy_on_outcome_lets_a_subscriber_take_only_failed_runs(
    lambda_context: FakeLambdaContext, topic: Topic
):
    # Given one queue for everything and one that only wants FAILED snapshots
    everything = topic.subscribe_queue("everything")
    failed_only = topic.subscribe_queue("failed-only", filter_policy={"outcome": ["FAILED"]})

    # When a PARTIAL and then a FAILED run are alerted
    app.lambda_handler(sample("partial"), lambda_context)
    app.lambda_handler(sample("failed"), lambda_context)

    # Then the filtered subscriber gets the FAILED one only
    assert [json.loads(n["Message"])["outcome"] for n in topic.received(failed_only)] == ["FAILED"]
    assert sorted(json.loads(n["Message"])["outcome"] for n in topic.received(everything)) == ["FAILED", "PARTIAL"]


@pytest.mark.parametrize(
    ("name", "outcome", "subject"),
    [
        ("partial", "PARTIAL", "[PARTIAL] my-domain: nightly-2026-11-28t02-00-00z"),
        ("failed", "FAILED", "[FAILED] my-domain: nightly-2026-11-28t02-00-00z"),
        ("deadline", "DEADLINE", "[DEADLINE] my-domain: nightly-2026-11-28t02-00-00z still running at the deadline"),
        ("error_concurrent", "ERROR", "[ERROR] my-domain: nightly-2026-11-28t02-00-00z (ConcurrentSnapshotError)"),
        ("invalid_input", "ERROR", "[ERROR] my-domain: backup run (InvalidInputError)"),
    ],
)
def test_every_sample_event_is_delivered_with_its_outcome(
    lambda_context: FakeLambdaContext, topic: Topic, name: str, outcome: str, subject: str
):
    inbox = topic.subscribe_queue("alert-inbox")

    result = app.lambda_handler(sample(name), lambda_context)

    [notification] = topic.received(inbox)
    assert notification["Subject"] == subject == result["subject"]
    assert json.loads(notification["Message"])["outcome"] == outcome == result["outcome"]


def test_an_event_of_an_unexpected_shape_is_still_published(lambda_context: FakeLambdaContext, topic: Topic):
    inbox = topic.subscribe_queue("alert-inbox")

    app.lambda_handler(
        {"Error": "States.Runtime", "Cause": "An error occurred while executing the state"}, lambda_context
    )

    [notification] = topic.received(inbox)
    facts = json.loads(notification["Message"])
    assert facts["outcome"] == "UNKNOWN"
    assert "States.Runtime" in facts["raw_event"]


def test_the_email_text_is_what_email_subscribers_get(
    lambda_context: FakeLambdaContext, topic: Topic, monkeypatch: pytest.MonkeyPatch
):
    # Given the publish call is observed on its way to moto (moto does not deliver email)
    published: list[dict[str, Any]] = []
    client = sns_client(REGION)
    real_publish = client.publish

    def observe(**kwargs: Any) -> Any:
        published.append(kwargs)
        return real_publish(**kwargs)

    monkeypatch.setattr(client, "publish", observe)

    # When a PARTIAL run is alerted
    app.lambda_handler(sample("partial"), lambda_context)

    # Then the email protocol gets the text for people, with the facts after the separator
    [call] = published
    assert call["MessageStructure"] == "json"
    email = json.loads(call["Message"])["email"]
    text, facts = email.split(FACTS_SEPARATOR)
    assert text.startswith("The snapshot finished PARTIAL: 3 of 47 shards failed.")
    assert "What this means for restore" in text
    assert json.loads(facts)["outcome"] == "PARTIAL"


def test_a_publish_that_fails_raises_alert_not_sent_naming_the_cause(
    lambda_context: FakeLambdaContext, topic: Topic, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("ALERT_TOPIC_ARN", f"arn:aws:sns:{REGION}:123456789012:NoSuchTopic")

    with pytest.raises(AlertNotSentError, match=r"could not be published to .*NoSuchTopic: NotFoundException"):
        app.lambda_handler(sample("failed"), lambda_context)


@pytest.mark.parametrize(
    ("name", "error", "cause"),
    [
        ("partial", "PartialSnapshotError", "nightly-2026-11-28t02-00-00z PARTIAL, 3 shards failed of 47."),
        ("failed", "SnapshotFailedError", "nightly-2026-11-28t02-00-00z FAILED: "),
        ("deadline", "SnapshotDeadlineError", "nightly-2026-11-28t02-00-00z still IN_PROGRESS at the deadline "),
        ("error_concurrent", "ConcurrentSnapshotError", "a snapshot is already running"),
        ("invalid_input", "InvalidInputError", "unknown input field(s) 'poll_interval_secs'"),
    ],
)
def test_the_result_says_how_the_execution_ends(
    lambda_context: FakeLambdaContext, topic: Topic, name: str, error: str, cause: str
):
    # When SendAlert publishes the alert of a sample run
    result = app.lambda_handler(sample(name), lambda_context)

    # Then it returns the real error and a one-line cause that says the alert went out
    assert result["error"] == error
    assert result["cause"].startswith(f"{error}: ")
    assert cause in result["cause"]
    assert result["cause"].endswith(f" {ALERTED_CAUSE_SUFFIX}")
    assert "\n" not in result["cause"]


def test_a_missing_topic_variable_is_a_configuration_error(lambda_context: FakeLambdaContext, environment: None):
    with pytest.raises(ConfigurationError, match="ALERT_TOPIC_ARN"):
        app.lambda_handler(sample("failed"), lambda_context)


@pytest.mark.parametrize("path", sorted(EVENTS.glob("*.json")), ids=lambda path: path.stem)
def test_sample_events_carry_only_the_bounded_snapshot_facts_the_state_machine_sends(path: Path):
    snapshot = json.loads(path.read_text()).get("run", {}).get("snapshot")
    if snapshot is None:
        return
    assert "indices" not in snapshot
    assert {"indices_count", "failures_count"} <= set(snapshot)
    assert len(snapshot["failures"]) <= min(10, snapshot["failures_count"])
    assert all(len(failure["reason"]) <= 300 for failure in snapshot["failures"])


def test_the_registered_again_notice_is_published_in_the_one_envelope_and_ends_no_run(
    lambda_context: FakeLambdaContext, topic: Topic
):
    queue = topic.subscribe_queue("machines")

    result = app.lambda_handler(sample("registered_again"), lambda_context)

    assert result["outcome"] == "REGISTERED_AGAIN" and "error" not in result
    [message] = topic.received(queue)
    assert message["Subject"] == "[REGISTERED_AGAIN] logs-prod: repository nightly-backups registered again"
    assert message["MessageAttributes"]["kind"]["Value"] == "repository_registered_again"
    facts = json.loads(message["Message"])
    assert facts["settings"]["role_arn"].endswith("SnapshotRole-Ab12Cd34")
