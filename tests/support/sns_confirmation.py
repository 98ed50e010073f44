"""SNS's confirmation of an email subscription, which moto skips (it confirms every subscription at once).

In AWS an email subscription stays pending until ConfirmSubscription is called with the token of the
confirmation email: ListSubscriptionsByTopic lists it with SubscriptionArn ``PendingConfirmation``.
ConfirmSubscription accepts a token only for its own topic; ``AuthenticateOnUnsubscribe=true`` (on a
signed request) makes unsubscribing need AWS credentials, and GetSubscriptionAttributes then reports
``ConfirmationWasAuthenticated`` true; a click on the email's link confirms it unauthenticated.
(SNS API Reference: ConfirmSubscription, ListSubscriptionsByTopic, GetSubscriptionAttributes.)
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from unittest import mock
from urllib.parse import quote

import boto3
from moto.core.responses import ActionResult
from moto.sns.exceptions import SNSInvalidParameter, SNSNotFoundError
from moto.sns.models import Subscription, sns_backends
from moto.sns.responses import SNSResponse

from tests.support.constants import ACCOUNT, REGION

PENDING = "PendingConfirmation"


@dataclass
class EmailConfirmations:
    """Subscribe addresses that stay pending until confirmed, and see how each was confirmed."""

    tokens: dict[str, str] = field(default_factory=dict)
    """Confirmation token -> the pending subscription's ARN (moto's internal one)."""
    confirmed_with: list[dict[str, str]] = field(default_factory=list)
    """The parameters of every ConfirmSubscription that SNS accepted."""

    @property
    def _backend(self) -> Any:
        return sns_backends[ACCOUNT][REGION]

    def subscribe(self, topic_arn: str, address: str) -> str:
        """An email subscription as AWS leaves it after Subscribe: pending. Returns the token it mails."""
        boto3.client("sns", region_name=REGION).subscribe(TopicArn=topic_arn, Protocol="email", Endpoint=address)
        [subscription] = [
            s for s in self._backend.subscriptions.values() if s.topic_arn == topic_arn and s.endpoint == address
        ]
        subscription.subscription_arn = PENDING  # what ListSubscriptionsByTopic shows for it
        subscription.attributes["PendingConfirmation"] = "true"
        token = secrets.token_hex(64)
        self.tokens[token] = subscription.arn
        return token

    @staticmethod
    def link(topic_arn: str, token: str, address: str) -> str:
        """The link of the "AWS Notification - Subscription Confirmation" email."""
        return (
            f"https://sns.{REGION}.amazonaws.com/confirmation.html?TopicArn={quote(topic_arn, safe=':')}"
            f"&Token={token}&Endpoint={quote(address, safe='@')}"
        )

    def click(self, topic_arn: str, token: str) -> str:
        """Someone clicks the email's link: confirmed, unauthenticated."""
        return self._confirm(topic_arn, token, authenticate="false").arn

    def _confirm(self, topic_arn: str, token: str, *, authenticate: str) -> Subscription:
        if topic_arn not in self._backend.topics:
            raise SNSNotFoundError("Topic does not exist")
        subscription = self._backend.subscriptions.get(self.tokens.get(token, ""))
        if subscription is None or subscription.topic_arn != topic_arn:
            raise SNSInvalidParameter("Invalid token")
        if getattr(subscription, "subscription_arn", None) == PENDING:
            del subscription.subscription_arn
        subscription.attributes["PendingConfirmation"] = "false"
        subscription.attributes["ConfirmationWasAuthenticated"] = "true" if authenticate == "true" else "false"
        return subscription

    @contextmanager
    def installed(self) -> Iterator[EmailConfirmations]:
        confirmations = self

        def confirm_subscription(response: SNSResponse) -> ActionResult:
            topic, token = response._get_param("TopicArn"), response._get_param("Token")
            authenticate = str(response._get_param("AuthenticateOnUnsubscribe") or "false").lower()
            subscription = confirmations._confirm(topic, token, authenticate=authenticate)
            confirmations.confirmed_with.append(
                {"TopicArn": topic, "Token": token, "AuthenticateOnUnsubscribe": authenticate}
            )
            return ActionResult({"SubscriptionArn": subscription.arn})

        with mock.patch.object(SNSResponse, "confirm_subscription", confirm_subscription):
            yield self
