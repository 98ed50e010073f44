"""``sentinel drill``: start a DrillStateMachine run now (the weekly restore drill, by hand)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from sentinel_cli.context import Runtime, flags_set, stack_options, wait_option
from sentinel_cli.following import start_and_follow
from sentinel_cli.gateway import AwsGateway


def drill_input(snapshot: str | None, indices: str | None, keep_restored: bool) -> dict[str, Any]:
    """The drill's input with only the keys given: the state machine fills in its defaults."""
    return flags_set(snapshot_name=snapshot or None, indices=indices or None, keep_restored=keep_restored or None)


@click.command()
@click.option("--snapshot", help="Snapshot to prove (default: the newest full SUCCESS backup of this stack).")
@click.option("--indices", help="Index patterns to sample from (default: DrillIndices, every non-system index).")
@click.option("--keep-restored", is_flag=True, help="Leave the drill- indices for a person to inspect.")
@wait_option
@stack_options
def drill(
    runtime: Runtime,
    gateway: Callable[[], AwsGateway],
    snapshot: str | None,
    indices: str | None,
    keep_restored: bool,
    wait: bool | None,
) -> int:
    """Start a restore drill now: restore a capped sample under drill- names, verify, clean up."""
    stack = gateway()
    run_input = drill_input(snapshot, indices, keep_restored)
    return start_and_follow(runtime, stack, stack.output("DrillStateMachineArn"), run_input, verb="drill", wait=wait)
