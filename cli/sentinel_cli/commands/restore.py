"""``sentinel restore``: plan with a dry run, show the plan, confirm, then restore that plan's snapshot.

The plan is RestoreStateMachine's own (``dry_run: true``), so what the table shows is what the
state machine decided, reasons included. The real run is given the planned snapshot by name, so a
newer backup finishing in between cannot change what is restored; it plans again and refuses if
anything became unsafe.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import click

from sentinel_cli import render
from sentinel_cli.context import Runtime, flags_set, stack_options, wait_option
from sentinel_cli.errors import EXIT_OK, EXIT_RUN_FAILED, UnknownSnapshotError
from sentinel_cli.following import execution_name, finish, follow, started
from sentinel_cli.gateway import AwsGateway
from sentinel_cli.runs import RunView
from snapshot_sentinel.naming import counted

SNAPSHOT_MISSING = "SnapshotMissingError"


def restore_input(
    snapshot: str | None,
    indices: str | None,
    rename_prefix: str | None,
    rename_pattern: str | None,
    rename_replacement: str | None,
    on_conflict: str | None,
    include_aliases: bool | None,
    replicas: int | None,
) -> dict[str, Any]:
    """RestoreStateMachine's input from the flags; unset flags are left out."""
    return flags_set(
        snapshot_name=snapshot,
        indices=indices,
        rename_prefix=rename_prefix,
        rename_pattern=rename_pattern,
        rename_replacement=rename_replacement,
        on_conflict=on_conflict,
        include_aliases=include_aliases,
        index_settings=None if replicas is None else {"index.number_of_replicas": replicas},
    )


def plan_of(view: RunView) -> dict[str, Any] | None:
    plan = view.data.get("plan") if isinstance(view.data, dict) else None
    return plan if isinstance(plan, dict) else None


@click.command()
@click.option("--snapshot", help="Snapshot to restore (default: the newest SUCCESS full backup of this stack).")
@click.option("--repository", help="Repository to restore from (default: the stack's RepositoryName).")
@click.option("--indices", help='Index patterns, e.g. "logs-*,-logs-old*" (default: all but system indices).')
@click.option("--rename-prefix", help="Restore each index x as <prefix>x, next to the live one.")
@click.option("--rename-pattern", help="The engine's rename regex (with --rename-replacement).")
@click.option("--rename-replacement", help="Replacement for --rename-pattern, e.g. restored-$1.")
@click.option(
    "--on-conflict",
    type=click.Choice(["fail", "delete"]),
    help="fail (default): refuse if a target exists; delete: safety-snapshot, close and restore over exactly those.",
)
@click.option(
    "--aliases/--no-aliases", "include_aliases", default=None, help="Restore aliases (default: unless renamed)."
)
@click.option("--replicas", type=click.IntRange(0, 15), help="index.number_of_replicas of the restored indices.")
@click.option("--dry-run", is_flag=True, help="Show the plan and stop.")
@click.option("--yes", "-y", is_flag=True, help="Restore without asking after the plan.")
@wait_option
@stack_options
def restore(
    runtime: Runtime,
    gateway: Callable[[], AwsGateway],
    snapshot: str | None,
    repository: str | None,
    indices: str | None,
    rename_prefix: str | None,
    rename_pattern: str | None,
    rename_replacement: str | None,
    on_conflict: str | None,
    include_aliases: bool | None,
    replicas: int | None,
    dry_run: bool,
    yes: bool,
    wait: bool | None,
) -> int:
    """Plan a restore (a dry run), show it, confirm, then restore.

    Nothing on the domain changes unless the plan is safe and you confirm (or pass --yes).
    """
    if rename_prefix and (rename_pattern or rename_replacement):
        raise click.UsageError("--rename-prefix and --rename-pattern/--rename-replacement exclude each other")
    if bool(rename_pattern) != bool(rename_replacement):
        raise click.UsageError("--rename-pattern and --rename-replacement go together")
    stack = gateway()
    state_machine = stack.output("RestoreStateMachineArn")
    wanted = restore_input(
        snapshot, indices, rename_prefix, rename_pattern, rename_replacement, on_conflict, include_aliases, replicas
    )
    if repository:
        wanted["repository"] = repository

    plan_arn = stack.start_execution(
        state_machine, execution_name("restore-plan", runtime.now()), {**wanted, "dry_run": True}
    )
    planned = follow(replace(runtime, as_json=True), stack, plan_arn, title="Planning the restore")
    plan = plan_of(planned)
    if planned.error == SNAPSHOT_MISSING:
        raise UnknownSnapshotError(
            f"snapshot {snapshot!r} is not in repository "
            f"{repository or stack.outputs.get('RepositoryName') or stack.parameters.get('RepositoryName')!r}: "
            "`sentinel snapshots --all` lists the snapshots"
        )
    refused = plan is None or bool(plan.get("blockers")) or not planned.succeeded
    if runtime.as_json:
        if refused or dry_run:
            runtime.emit_json({"plan": plan, "plan_execution": planned.to_dict(), "restore_execution": None})
            return EXIT_RUN_FAILED if refused else EXIT_OK
    elif plan is None:
        return finish(runtime, planned)
    else:
        render.restore_plan(runtime.console, plan, renamed=bool(rename_prefix or rename_pattern))
        if refused:
            render.restore_refused(runtime.console, planned)
            return EXIT_RUN_FAILED
        if dry_run:
            return EXIT_OK
    if plan is None:  # refused above; keeps the type checker informed
        return EXIT_RUN_FAILED
    if not yes:
        counts = plan.get("counts") or {}
        click.confirm(
            f"Restore {counted(int(counts.get('restore', 0)) + int(counts.get('replace', 0)), 'index')} "
            f"from snapshot {plan.get('snapshot_name')}?",
            abort=True,
            err=True,
        )
    run_input = {**wanted, "snapshot_name": plan.get("snapshot_name")}
    arn = stack.start_execution(state_machine, execution_name("restore", runtime.now()), run_input)
    if not (runtime.stdout_is_terminal() if wait is None else wait):
        return started(runtime, arn, run_input)
    view = follow(runtime, stack, arn, title="Restore")
    if runtime.as_json:
        runtime.emit_json({"plan": plan, "plan_execution": planned.to_dict(), "restore_execution": view.to_dict()})
        return EXIT_OK if view.succeeded else EXIT_RUN_FAILED
    return finish(runtime, view)
