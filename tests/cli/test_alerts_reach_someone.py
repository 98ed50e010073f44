"""Alerts that reach someone: `sentinel status` shows AlertTopic's subscriptions, and `sentinel confirm`
confirms one from its email's link so that a click on "unsubscribe" cannot silence the team."""

from __future__ import annotations

from unittest import mock

import boto3
import pytest

from sentinel_cli.errors import AccessDeniedError
from sentinel_cli.gateway import AwsGateway
from tests.emulator import SnapshotProgress
from tests.support.constants import REGION
from tests.support.sns_confirmation import EmailConfirmations

TEAM = "backups-oncall@example.com"


@pytest.fixture
def confirmations():
    with EmailConfirmations().installed() as installed:
        yield installed


@pytest.fixture
def topic(stack, outputs):
    """AlertTopic with none of the rehearsal's own subscriptions (its SQS inbox): as a new stack has it."""
    sns = boto3.client("sns", region_name=REGION)
    for subscription in sns.list_subscriptions_by_topic(TopicArn=stack.topic_arn)["Subscriptions"]:
        sns.unsubscribe(SubscriptionArn=subscription["SubscriptionArn"])
    assert outputs["AlertTopicArn"] == stack.topic_arn
    return stack.topic_arn


@pytest.fixture
def backed_up(stack, domain):
    domain.progress = SnapshotProgress(polls=1, outcome="SUCCESS")
    assert stack.run({}).status == "SUCCEEDED"


def test_a_pending_email_is_shown_and_status_exits_1_because_alerts_reach_nobody(
    sentinel, topic, confirmations, backed_up
):
    confirmations.subscribe(topic, TEAM)

    code, report = sentinel.json("status")
    text = sentinel("status")

    assert code == 1
    assert report["alerts"]["subscriptions"] == [
        {
            "protocol": "email",
            "endpoint": TEAM,
            "state": "pending confirmation",
            "subscription_arn": None,
            "authenticated_unsubscribe": None,
        }
    ]
    assert report["problems"] == ["no confirmed subscription on AlertTopic: alerts reach nobody until one is confirmed"]
    assert text.exit_code == 1
    assert "pending confirmation" in text.stdout
    assert "sentinel confirm '<link>'" in text.stdout


def test_no_subscription_at_all_is_said_in_a_sentence_with_the_fix(sentinel, topic, backed_up):
    code, report = sentinel.json("status")
    text = sentinel("status")

    assert code == 1
    assert report["problems"] == ["AlertTopic has no subscriptions: alerts reach nobody"]
    assert "Alerts: AlertTopic has no subscriptions" in text.stdout
    assert "AlertEmail" in text.stdout
    assert "┏" not in text.stdout.split("Alerts:")[1].split("\n")[0]


def test_confirming_from_the_emails_link_protects_the_subscription_and_status_is_0(
    sentinel, topic, confirmations, backed_up
):
    token = confirmations.subscribe(topic, TEAM)

    confirmed = sentinel("confirm", confirmations.link(topic, token, TEAM))
    code, report = sentinel.json("status")

    assert confirmed.exit_code == 0, confirmed.output
    assert confirmations.confirmed_with == [{"TopicArn": topic, "Token": token, "AuthenticateOnUnsubscribe": "true"}]
    assert f"Confirmed: {TEAM} (email)" in confirmed.stdout
    assert "needs AWS credentials" in confirmed.stdout
    assert code == 0
    [subscription] = report["alerts"]["subscriptions"]
    assert subscription["state"] == "confirmed"
    assert subscription["authenticated_unsubscribe"] is True


def test_a_bare_token_confirms_this_stacks_topic(sentinel, topic, confirmations):
    token = confirmations.subscribe(topic, TEAM)

    code, document = sentinel.json("confirm", token)

    assert code == 0
    assert document["confirmed"]["endpoint"] == TEAM
    assert document["confirmed"]["authenticated_unsubscribe"] is True
    assert document["alerts"]["confirmed"] == 1


def test_a_link_for_another_topic_is_refused_and_nothing_is_confirmed(sentinel, topic, confirmations):
    other = boto3.client("sns", region_name=REGION).create_topic(Name="someone-elses-topic")["TopicArn"]
    token = confirmations.subscribe(other, TEAM)

    result = sentinel("confirm", confirmations.link(other, token, TEAM))

    assert result.exit_code == 2
    assert f"this link confirms a subscription to {other}, not to stack 'snapshot-sentinel''s AlertTopic" in (
        result.stderr
    )
    assert "nothing was confirmed" in result.stderr
    assert confirmations.confirmed_with == []


def test_a_token_sns_refuses_says_how_to_get_a_new_link(sentinel, topic, confirmations):
    confirmations.subscribe(topic, TEAM)

    result = sentinel("confirm", confirmations.link(topic, "0" * 128, TEAM))

    assert result.exit_code == 2
    assert "SNS did not accept the token" in result.stderr
    assert "valid for 3 days" in result.stderr
    assert "aws sns subscribe" in result.stderr


@pytest.mark.parametrize(
    "given",
    [
        "https://sns.us-east-1.amazonaws.com/confirmation.html?TopicArn=arn:aws:sns:us-east-1:123456789012:AlertTopic",
        "TopicArn=arn:aws:sns:us-east-1:123456789012:AlertTopic&Token=abc",
    ],
)
def test_a_link_without_its_token_is_bad_usage_before_any_call(sentinel, topic, confirmations, given):
    result = sentinel("confirm", given)

    assert result.exit_code == 2
    assert "LINK_OR_TOKEN" in result.stderr
    assert confirmations.confirmed_with == []


def test_a_subscription_confirmed_by_a_click_reaches_someone_but_is_flagged(sentinel, topic, confirmations, backed_up):
    confirmations.click(topic, confirmations.subscribe(topic, TEAM))

    code, report = sentinel.json("status")
    text = sentinel("status")

    assert code == 0
    [subscription] = report["alerts"]["subscriptions"]
    assert subscription["authenticated_unsubscribe"] is False
    assert "one click (not protected)" in text.stdout
    assert "anyone with an alert email can unsubscribe it" in text.stdout


def test_status_without_permission_to_list_subscriptions_says_so_and_judges_the_rest(sentinel, backed_up):
    denied = AccessDeniedError("sns list_subscriptions_by_topic was denied (AuthorizationError: not authorized)")

    with mock.patch.object(AwsGateway, "subscriptions", side_effect=denied):
        code, report = sentinel.json("status")

    assert code == 0
    assert report["alerts"]["subscriptions"] is None
    assert report["unknown"] == [f"the alert subscriptions are unknown: {denied}"]


def test_a_state_machine_without_runs_is_a_sentence_not_an_empty_table(sentinel, backed_up):
    text = sentinel("status")

    assert "DrillStateMachine: no runs yet" in text.stdout
    assert "RestoreStateMachine: no runs yet" in text.stdout
    assert "DrillStateMachine: last runs" not in text.stdout
    assert "BackupStateMachine: last runs" in text.stdout
