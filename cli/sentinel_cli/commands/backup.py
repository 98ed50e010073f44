"""``sentinel backup``: start a BackupStateMachine run now."""

from __future__ import annotations

from collections.abc import Callable

import click

from sentinel_cli.context import Runtime, flags_set, stack_options, wait_option
from sentinel_cli.following import start_and_follow
from sentinel_cli.gateway import AwsGateway
from snapshot_sentinel.naming import name_problem


def _check_name(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    problem = name_problem(value) if value is not None else None
    if problem:
        raise click.BadParameter(f"{value!r} is not a valid snapshot name: it {problem}")
    return value


@click.command()
@click.option("--name", callback=_check_name, help="Snapshot name (default: <SnapshotPrefix>-<UTC timestamp>).")
@click.option("--indices", help='Index patterns, e.g. "logs-*,-.kibana*" (default: every index).')
@click.option("--skip-retention", is_flag=True, help="Take the snapshot without pruning old ones.")
@wait_option
@stack_options
def backup(
    runtime: Runtime,
    gateway: Callable[[], AwsGateway],
    name: str | None,
    indices: str | None,
    skip_retention: bool,
    wait: bool | None,
) -> int:
    """Start a BackupStateMachine run now."""
    stack = gateway()
    state_machine = stack.output("BackupStateMachineArn")
    run_input = flags_set(snapshot_name=name or None, indices=indices or None, skip_retention=skip_retention or None)
    return start_and_follow(runtime, stack, state_machine, run_input, verb="backup", wait=wait)
