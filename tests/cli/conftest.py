"""The CLI is tested against the same rehearsal as the state machines: real ASL in moto, real
handlers, an emulated domain, virtual time; plus the stack's CloudFormation outputs in moto."""

from __future__ import annotations

import pytest

from tests.statemachine import conftest as statemachine
from tests.support.cli import Sentinel, publish_schedule, publish_stack
from tests.support.stack import RehearsalStack

clock = statemachine.clock
engine = statemachine.engine
credentials = statemachine.credentials
domain = statemachine.domain
parameters = statemachine.parameters
stack = statemachine.stack


@pytest.fixture
def outputs(stack: RehearsalStack) -> dict[str, str]:
    return publish_stack(stack)


@pytest.fixture
def sentinel(stack: RehearsalStack, outputs: dict[str, str]) -> Sentinel:
    publish_schedule(stack)
    return Sentinel(stack)
