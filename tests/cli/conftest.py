"""The CLI is tested against the same rehearsal as the state machines (the ``stack`` and ``domain``
fixtures of tests/support/fixtures.py: real ASL in moto, real handlers, an emulated domain, virtual
time), plus the stack's CloudFormation outputs in moto."""

from __future__ import annotations

import pytest

from tests.support.cli import Sentinel, publish_schedule, publish_stack
from tests.support.stack import RehearsalStack


@pytest.fixture
def outputs(stack: RehearsalStack) -> dict[str, str]:
    return publish_stack(stack)


@pytest.fixture
def sentinel(stack: RehearsalStack, outputs: dict[str, str]) -> Sentinel:
    publish_schedule(stack)
    return Sentinel(stack)
