"""A newcomer finds a ``sentinel`` command by its name: each is defined in cli/sentinel_cli/commands/<name>.py,
and every module there is a command on the ``sentinel`` group."""

from __future__ import annotations

from pathlib import Path

from sentinel_cli import commands
from sentinel_cli.app import cli


def test_each_command_is_defined_in_the_module_named_after_it():
    defined_in = {name: command.callback.__module__ for name, command in cli.commands.items() if command.callback}

    assert defined_in == {name: f"sentinel_cli.commands.{name}" for name in cli.commands}


def test_every_module_of_the_commands_folder_is_a_command_of_sentinel():
    folder = Path(commands.__file__).parent
    modules = {path.stem for path in folder.glob("*.py") if path.stem != "__init__"}

    assert modules == set(cli.commands)
