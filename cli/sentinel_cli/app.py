"""The ``sentinel`` console script: every command on one group."""

from __future__ import annotations

from sentinel_cli.commands import Runtime, cli
from sentinel_cli.confirm import confirm
from sentinel_cli.doctor import doctor
from sentinel_cli.drill import drill
from sentinel_cli.restore import restore
from sentinel_cli.vault import vault

cli.add_command(restore)
cli.add_command(drill)
cli.add_command(confirm)
cli.add_command(doctor)
cli.add_command(vault)


def main() -> None:
    cli(obj=Runtime(), prog_name="sentinel")
