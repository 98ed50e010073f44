"""Who receives the stack's alerts: AlertTopic's subscriptions, as ``status`` and ``doctor`` show them.

An email subscription is pending until someone confirms it from the link SNS mails; until then
alerts reach nobody. A click on that link confirms it so that anyone holding an alert email (a
forward, a mail scanner following links) can unsubscribe the endpoint with one more click, and
the alarms fall silent with it; ``sentinel confirm`` (commands/confirm.py) confirms with
authenticated unsubscribe instead. How it is shown: sentinel_cli.render.alert_subscriptions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sentinel_cli.errors import AccessDeniedError, AwsCallError
from sentinel_cli.gateway import AwsGateway, Subscription

TOKEN_DAYS = 3
"""How long SNS accepts a confirmation token."""


@dataclass(frozen=True)
class AlertReach:
    """What ``status`` and ``doctor`` say about AlertTopic."""

    topic_arn: str | None
    subscriptions: list[Subscription] | None
    """None when they could not be read (see ``unknown``)."""
    unknown: str | None = None

    @property
    def confirmed(self) -> list[Subscription]:
        return [s for s in self.subscriptions or [] if s.confirmed]

    @property
    def pending(self) -> list[Subscription]:
        return [s for s in self.subscriptions or [] if not s.confirmed]

    @property
    def unprotected(self) -> list[Subscription]:
        """Confirmed subscriptions that one click on "unsubscribe" removes."""
        return [s for s in self.confirmed if s.authenticated_unsubscribe is False]

    @property
    def reaches_nobody(self) -> bool:
        return self.subscriptions is not None and not self.confirmed

    def problem(self) -> str | None:
        if not self.reaches_nobody:
            return None
        if self.pending:
            return "no confirmed subscription on AlertTopic: alerts reach nobody until one is confirmed"
        return "AlertTopic has no subscriptions: alerts reach nobody"

    def fixes(self) -> list[str]:
        """What to do, one sentence each, for whatever is not right."""
        fixes = []
        if self.subscriptions == []:
            fixes.append(
                "deploy again with AlertEmail set (or subscribe an endpoint: aws sns subscribe --topic-arn "
                f"{self.topic_arn} --protocol email --notification-endpoint <address>), then confirm it"
            )
        fixes.extend(
            f'{pending.endpoint} ({pending.protocol}) is pending: copy the link of the "Confirm subscription" '
            "email (do not click it) and run: sentinel confirm '<link>' (the link is valid for "
            f"{TOKEN_DAYS} days; subscribing the same address again sends a new one)"
            for pending in self.pending
        )
        fixes.extend(
            f"{unprotected.endpoint} ({unprotected.protocol}) was confirmed by a click: anyone with an alert "
            "email can unsubscribe it; to protect it, unsubscribe it, subscribe it again and confirm the new "
            "link with sentinel confirm"
            for unprotected in self.unprotected
        )
        return fixes

    def to_dict(self) -> dict[str, Any]:
        return {
            "topic_arn": self.topic_arn,
            "subscriptions": None
            if self.subscriptions is None
            else [
                {
                    "protocol": s.protocol,
                    "endpoint": s.endpoint,
                    "state": s.state,
                    "subscription_arn": s.arn,
                    "authenticated_unsubscribe": s.authenticated_unsubscribe,
                }
                for s in self.subscriptions
            ],
            "confirmed": len(self.confirmed),
            "pending": len(self.pending),
            "unknown": self.unknown,
        }


def alert_reach(stack: AwsGateway) -> AlertReach:
    topic = stack.outputs.get("AlertTopicArn")
    if not topic:
        return AlertReach(None, None, "the stack has no AlertTopicArn output: update it to this version")
    try:
        return AlertReach(topic, stack.subscriptions(topic))
    except (AccessDeniedError, AwsCallError) as exc:
        return AlertReach(topic, None, f"the alert subscriptions are unknown: {exc}")
