"""``sentinel watch``: follow a run the stack's state machines are running (or ran) until it ends."""

from __future__ import annotations

from collections.abc import Callable

import click

from sentinel_cli.context import Runtime, stack_options
from sentinel_cli.errors import UnknownExecutionError
from sentinel_cli.following import finish, follow
from sentinel_cli.gateway import AwsGateway


def resolve_execution(stack: AwsGateway, execution: str) -> str:
    """An execution ARN, or a name looked up under each of the stack's state machines."""
    if execution.startswith("arn:"):
        return execution
    for state_machine in stack.state_machines.values():
        candidate = state_machine.replace(":stateMachine:", ":execution:", 1) + ":" + execution
        try:
            stack.describe_execution(candidate)
        except UnknownExecutionError:
            continue
        return candidate
    raise UnknownExecutionError(
        f"no execution named {execution!r} in the state machines of stack {stack.stack_name!r}; "
        "`sentinel status` lists the latest runs"
    )


@click.command()
@click.argument("execution")
@stack_options
def watch(runtime: Runtime, gateway: Callable[[], AwsGateway], execution: str) -> int:
    """Follow a run (an execution ARN or name) until it ends; exit 1 if it failed."""
    stack = gateway()
    arn = resolve_execution(stack, execution)
    return finish(runtime, follow(runtime, stack, arn, title="Run"))
