"""What every command shares: the :class:`Runtime` (the outside world, which tests replace), the
options every command takes (--stack, --region, --profile, --json; --wait for those that start a run)
and the state machine input built from the flags a person set."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property, update_wrapper
from typing import Any, TextIO

import click
from rich.console import Console

from sentinel_cli import render
from sentinel_cli.gateway import AwsGateway

DEFAULT_STACK = "snapshot-sentinel"


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


@dataclass
class Runtime:
    """What the commands need from the outside world; tests replace pieces of it."""

    connect: Callable[..., AwsGateway] = AwsGateway.connect
    sleep: Callable[[float], None] = time.sleep
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    poll_seconds: float = 5.0
    stdout_is_terminal: Callable[[], bool] = field(default=lambda: sys.stdout.isatty())
    out: TextIO | None = None
    """Where results go (None: stdout, looked up when written)."""
    err: TextIO | None = None
    """Where errors go (None: stderr)."""
    as_json: bool = False

    @cached_property
    def console(self) -> Console:
        return render.make_console(self.out)

    def emit_json(self, document: Any) -> None:
        click.echo(json.dumps(document, indent=2, default=_json_default), file=self.out)

    def error(self, message: str) -> None:
        click.echo(message, file=self.err or sys.stderr)


def flags_set(**values: Any) -> dict[str, Any]:
    """A state machine input of the flags a person set: keys whose value is None are left out, so the
    state machine applies its own defaults (False stays: an explicit "no" is an answer)."""
    return {key: value for key, value in values.items() if value is not None}


def stack_options(command: Callable[..., int]) -> Callable[..., Any]:
    """--stack, --region, --profile and --json on every command; the gateway is opened lazily.

    The command is called as ``command(runtime, gateway, **its_own_options)`` and returns its exit code.
    """

    def wrapper(
        ctx: click.Context, stack: str, region: str | None, profile: str | None, as_json: bool, **kw: Any
    ) -> None:
        runtime = ctx.ensure_object(Runtime)
        runtime.as_json = as_json

        def gateway() -> AwsGateway:
            return runtime.connect(stack, region=region, profile=profile)

        ctx.exit(command(runtime, gateway, **kw))

    update_wrapper(wrapper, command)
    options = [
        click.option(
            "--stack",
            default=DEFAULT_STACK,
            show_default=True,
            envvar="SENTINEL_STACK",
            help="CloudFormation stack of Snapshot Sentinel (env SENTINEL_STACK).",
        ),
        click.option(
            "--region",
            default=None,
            envvar="AWS_REGION",
            help="AWS region of the stack (default: AWS_REGION, then AWS_DEFAULT_REGION, then the profile's region).",
        ),
        click.option("--profile", default=None, help="AWS profile (default: AWS_PROFILE or the default chain)."),
        click.option("--json", "as_json", is_flag=True, help="Print one JSON document for scripts instead of tables."),
    ]
    decorated: Any = click.pass_context(wrapper)
    for option in reversed(options):
        decorated = option(decorated)
    return decorated  # type: ignore[no-any-return]


def wait_option(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--wait/--no-wait",
        default=None,
        help="Follow the run until it ends (default: when stdout is a terminal).",
    )(command)
