"""The ``sentinel`` console script: the one group every command is on, and where a CliError
becomes its message and exit code (sentinel_cli.errors)."""

from __future__ import annotations

from typing import Any

import click

from sentinel_cli.commands.backup import backup
from sentinel_cli.commands.confirm import confirm
from sentinel_cli.commands.doctor import doctor
from sentinel_cli.commands.drill import drill
from sentinel_cli.commands.restore import restore
from sentinel_cli.commands.snapshots import snapshots
from sentinel_cli.commands.status import status
from sentinel_cli.commands.vault import vault
from sentinel_cli.commands.watch import watch
from sentinel_cli.context import Runtime
from sentinel_cli.errors import CliError


class SentinelGroup(click.Group):
    """Turns a CliError into its message on stderr (and a JSON error with --json) and its exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CliError as exc:
            runtime = ctx.find_object(Runtime)
            if runtime is not None and runtime.as_json:
                runtime.emit_json({"error": type(exc).__name__, "message": str(exc)})
            (runtime or Runtime()).error(f"Error: {exc}")
            ctx.exit(exc.exit_code)


@click.group(cls=SentinelGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
def cli() -> None:
    """Back up, restore, watch and inspect a Snapshot Sentinel stack.

    Reads the stack's CloudFormation outputs (--stack, default snapshot-sentinel) and uses the usual
    AWS credential chain. Exit codes: 0 success, 1 the run failed (or status/doctor found a problem),
    2 bad usage or set-up (stack, credentials, region), 3 AWS unreachable, 4 doctor warnings only.
    """


for command in (backup, watch, status, snapshots, restore, drill, confirm, doctor, vault):
    cli.add_command(command)


def main() -> None:
    cli(obj=Runtime(), prog_name="sentinel")
