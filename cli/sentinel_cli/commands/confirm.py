"""``sentinel confirm``: confirm an AlertTopic subscription with authenticated unsubscribe.

A click on the link of SNS's confirmation email confirms the subscription so that one more click, on
"unsubscribe" in any alert email (a forward, a mail scanner following links), removes it and the
alarms fall silent with it. The same token sent with ``AuthenticateOnUnsubscribe`` makes
unsubscribing need AWS credentials of this account.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import click

from sentinel_cli import render
from sentinel_cli.alert_reach import TOKEN_DAYS, alert_reach
from sentinel_cli.context import Runtime, stack_options
from sentinel_cli.errors import EXIT_OK, AwsCallError, ConfirmationRefusedError
from sentinel_cli.gateway import AwsGateway

REFUSED_CODES = {"InvalidParameter", "NotFound", "AuthorizationError"}
"""SNS's answers to a token it will not accept (expired, mistyped, another topic's)."""


def parse_confirmation(link_or_token: str) -> tuple[str | None, str]:
    """(TopicArn or None, Token) from the link of a confirmation message, or a bare token."""
    text = html.unescape(link_or_token.strip().strip("<>\"'"))
    if not text.lower().startswith(("http://", "https://")):
        if not text or any(c.isspace() for c in text) or "=" in text or "&" in text:
            raise click.BadParameter(
                'expected the link of the "Confirm subscription" email (https://sns.<region>.amazonaws.com/'
                "...?TopicArn=...&Token=...) or the token alone",
                param_hint="LINK_OR_TOKEN",
            )
        return None, text
    query = parse_qs(urlsplit(text).query)
    tokens, topics = query.get("Token") or [], query.get("TopicArn") or []
    if not tokens or not tokens[0]:
        raise click.BadParameter(
            'the link has no Token=: copy the whole link of the "Confirm subscription" email (quote it in the '
            "shell: it contains &)",
            param_hint="LINK_OR_TOKEN",
        )
    return (topics[0] if topics else None), tokens[0]


@click.command()
@click.argument("link_or_token")
@stack_options
def confirm(runtime: Runtime, gateway: Callable[[], AwsGateway], link_or_token: str) -> int:
    """Confirm an AlertTopic subscription from its confirmation link, protected against unsubscribing.

    Pass the link of the "AWS Notification - Subscription Confirmation" email (copy it, do not click it;
    quote it for the shell) or its token. Unlike the click, this confirms with authenticated
    unsubscribe: only someone with AWS credentials of this account can remove the subscription, so a
    stray click on "unsubscribe" in a forwarded alert cannot silence the team.
    """
    topic_in_link, token = parse_confirmation(link_or_token)
    stack = gateway()
    ours = stack.output("AlertTopicArn")
    if topic_in_link is not None and topic_in_link != ours:
        raise ConfirmationRefusedError(
            f"this link confirms a subscription to {topic_in_link}, not to stack {stack.stack_name!r}'s AlertTopic "
            f"({ours}); nothing was confirmed. Check --stack and --region, or confirm it where that topic belongs"
        )
    try:
        subscription = stack.confirm_subscription(ours, token)
    except AwsCallError as exc:
        if exc.code not in REFUSED_CODES:
            raise
        raise ConfirmationRefusedError(
            f"SNS did not accept the token ({exc}): a confirmation link is valid for {TOKEN_DAYS} days and "
            "for one topic. Subscribe the address again to get a new link (aws sns subscribe --topic-arn "
            f"{ours} --protocol email --notification-endpoint <address>)"
        ) from exc
    reach = alert_reach(stack)
    if runtime.as_json:
        runtime.emit_json(
            {
                "confirmed": {
                    "protocol": subscription.protocol,
                    "endpoint": subscription.endpoint,
                    "subscription_arn": subscription.arn,
                    "authenticated_unsubscribe": subscription.authenticated_unsubscribe,
                },
                "alerts": reach.to_dict(),
            }
        )
        return EXIT_OK
    render.subscription_confirmed(runtime.console, subscription, reach)
    return EXIT_OK
