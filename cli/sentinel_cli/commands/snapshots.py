"""``sentinel snapshots``: the repository's snapshots and what retention will do to each next, and why.

Read through a retention dry run of BackupStateMachine (sentinel_cli.runs.LISTING_INPUT): the CLI
never calls the domain.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

import click

from sentinel_cli import render
from sentinel_cli.context import Runtime, stack_options
from sentinel_cli.errors import EXIT_OK
from sentinel_cli.following import execution_name, finish, follow
from sentinel_cli.gateway import AwsGateway
from sentinel_cli.runs import LISTING_INPUT


def snapshot_rows(retention: dict[str, Any], *, include_unmanaged: bool) -> list[dict[str, Any]]:
    rules = retention.get("rules") or {}
    groups = [("would_delete", True, "delete"), ("kept", True, "keep")]
    if include_unmanaged:
        groups.append(("not_managed", False, "keep"))
    rows = []
    for key, managed, action in groups:
        for entry in retention.get(key) or []:
            start, end = entry.get("start_time"), entry.get("end_time")
            duration = None
            if start and end:
                duration = (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()
            rows.append(
                {
                    "name": entry["name"],
                    "state": entry.get("state"),
                    "start_time": start,
                    "duration_seconds": duration,
                    "size_bytes": entry.get("size_bytes"),
                    "managed": managed,
                    "next": action,
                    "rule": entry.get("rule"),
                    "why": rules.get(entry.get("rule"), ""),
                }
            )
    rows.sort(key=lambda r: r["start_time"] or "", reverse=True)
    return rows


@click.command()
@click.option("--all", "include_unmanaged", is_flag=True, help="Also list snapshots this stack does not manage.")
@stack_options
def snapshots(runtime: Runtime, gateway: Callable[[], AwsGateway], include_unmanaged: bool) -> int:
    """The repository's snapshots and what retention will do to each next, and why.

    Read through a dry-run retention run of BackupStateMachine, so no access to the domain is needed.
    """
    stack = gateway()
    state_machine = stack.output("BackupStateMachineArn")
    arn = stack.start_execution(state_machine, execution_name("snapshots", runtime.now()), LISTING_INPUT)
    quiet = replace(runtime, as_json=True)
    view = follow(quiet, stack, arn, title="Listing snapshots")
    retention = view.output.get("retention") if isinstance(view.output, dict) else None
    if not view.succeeded or not isinstance(retention, dict):
        return finish(runtime, view)
    rows = snapshot_rows(retention, include_unmanaged=include_unmanaged)
    if runtime.as_json:
        runtime.emit_json(
            {
                "repository": retention.get("repository"),
                "policy": retention.get("policy"),
                "snapshots": rows,
                "omitted": retention.get("omitted") or {},
                "execution_arn": arn,
            }
        )
        return EXIT_OK
    render.snapshot_list(runtime.console, retention, rows, include_unmanaged=include_unmanaged)
    return EXIT_OK
