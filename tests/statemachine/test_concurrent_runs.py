"""The rehearsal harness under concurrent executions: a function's environment is the process's
``os.environ`` while its handler runs, so no other execution may read the environment meanwhile.

Moto runs each execution in its own threads and builds a boto3 Lambda client for every task,
which reads and iterates ``os.environ``. When that overlapped another execution's handler, the
iteration met a key the handler's environment was removing and the task failed with
``Exception: 'POWERTOOLS_SERVICE_NAME'`` (the same-second duplicate-start tests failed so, now and
then, under load). These tests hold the two executions at that exact point instead of hoping for it.
"""

from __future__ import annotations

import os
import threading
from typing import Any
from unittest import mock

from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils

from tests.emulator import SnapshotProgress
from tests.support.stack import _load_handler
from tests.support.template import function_code_dir


class ObservedLock:
    """A re-entrant lock that sets ``waited`` when a thread finds it held and has to wait."""

    def __init__(self, waited: threading.Event) -> None:
        self._lock = threading.RLock()
        self.waited = waited
        self.waits = 0

    def __enter__(self) -> ObservedLock:
        if not self._lock.acquire(blocking=False):
            self.waits += 1
            self.waited.set()
            self._lock.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self._lock.release()


def test_another_execution_never_builds_its_lambda_client_while_a_function_runs(stack, domain):
    # Given two executions started together, and the first function to run holding on until the
    # other execution has moved: either waiting for its turn, or building its Lambda client
    domain.progress = SnapshotProgress(polls=1, outcome="SUCCESS")
    other_moved = threading.Event()
    lock = ObservedLock(waited=other_moved)
    stack._invocation_lock = lock
    environments_seen: list[str | None] = []
    build_client = lambda_eval_utils.boto_client_for

    def observed_build_client(*args: Any, **kwargs: Any) -> Any:
        environments_seen.append(os.environ.get("AWS_LAMBDA_FUNCTION_NAME"))
        other_moved.set()
        return build_client(*args, **kwargs)

    validate = _load_handler(function_code_dir(stack.template, "ValidateInputFunction"))
    calls = []

    def first_holds_on(event: Any, context: Any) -> Any:
        calls.append(event["execution_id"])
        if len(calls) == 1:
            assert other_moved.wait(timeout=30), "the other execution never reached its first task"
        return validate(event, context)

    stack.replace_handler("ValidateInputFunction", first_holds_on)

    # When they run
    with mock.patch.object(lambda_eval_utils, "boto_client_for", observed_build_client):
        first, second = stack.run_together([{"skip_retention": True}, {"skip_retention": True}])

    # Then the other execution waited for its turn, every Lambda client was built outside any
    # function's environment, and both runs went their normal way
    assert environments_seen and set(environments_seen) == {None}
    assert lock.waits >= 1
    assert len(calls) == 2
    assert {first.status, second.status} == {"SUCCEEDED"}
    assert first.alerts == []
