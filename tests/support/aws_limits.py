"""AWS Step Functions' quotas, enforced on moto's ASL interpreter as AWS enforces them.

moto checks a state's output against 256 KB, but it raises an ordinary task failure that a
``Catch`` on ``States.ALL`` handles, so a test shows an alert AWS would never send; it checks
no state input, and counts no history events. AWS documents:

- **States.DataLimitExceeded**: a task result, or a state's input or output, over 256 KB
  (UTF-8 bytes of the JSON) is a terminal error: no ``Retry`` or ``Catch`` matches it, not
  even ``States.ALL``, and the execution ends FAILED with that error.
- **25,000 history events**: when event 25,000 would not be ``ExecutionSucceeded``, it is
  ``ExecutionFailed`` with ``States.Runtime`` / "The execution reached the maximum number of
  history events (25000)." (AWS's wording), again with no Catch.

:func:`aws_limit_patches` returns the patches that make moto do the same. The hooks, all in
``moto.stepfunctions.parser``:

- ``quotas.is_within_size_quota`` (imported by the state, the Lambda task and service tasks):
  the byte limit, inclusive as AWS's "256 KB" (262,144 bytes allowed);
- ``CommonStateField._eval_state_input``: a state's input is checked when it is entered
  (moto only checks outputs), and ``StateTaskLambda._eval_parameters`` checks the payload sent
  to the function (what ``Parameters`` built from the input);
- ``ExecutionState._handle_retry`` / ``_handle_catch``: a DataLimitExceeded failure matches no
  retrier and no catcher, so moto's own "uncaught" path ends the execution;
- ``EventManager.add_event``: counts events; the 25,000th must be ``ExecutionSucceeded``,
  anything else ends the execution (every later event but ``ExecutionFailed`` raises again,
  so no Retry/Catch handler can add events past the quota).

And one behaviour moto leaves out: a **Distributed Map's tolerated failures**. AWS fails the Map Run
(``States.ExceedToleratedFailureThreshold``, which Retry and Catch match) when more items fail than
``ToleratedFailureCount`` / ``ToleratedFailurePercentage`` allow, both 0 when absent: one failed item
fails the map. moto counts the failed items and then succeeds with a ``null`` result for each, so a
workflow that would fail in AWS succeeds in a test. The hook is
``DistributedIterationComponent._map_run``; an item fails when its child execution fails or times
out. (A map declaring both thresholds fails here only when both are exceeded; none of ours does.)
An inline Map's iteration that fails with a ``States.*`` error (this one, or ``States.Timeout``)
passes it on to the Map as AWS does: moto's ``iteration_worker`` wraps every error name in a
``CustomErrorName``, which refuses the ``States.`` prefix, and ends the execution with States.Runtime.
"""

from __future__ import annotations

import json
from typing import Any
from unittest import mock

MAX_PAYLOAD_BYTES = 256 * 1024
MAX_HISTORY_EVENTS = 25_000
HISTORY_QUOTA_CAUSE = "The execution reached the maximum number of history events ({limit})."
DATA_LIMIT_EXCEEDED = "States.DataLimitExceeded"


def payload_bytes(value: Any) -> int:
    """UTF-8 bytes of a value as Step Functions serialises it (compact JSON)."""
    if isinstance(value, str):
        return len(value.encode("utf-8"))
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=_iso_or_text)
    return len(text.encode("utf-8"))


def _iso_or_text(value: Any) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def aws_limit_patches(*, payload_limit: int = MAX_PAYLOAD_BYTES, history_limit: int = MAX_HISTORY_EVENTS) -> list[Any]:
    """Patches (``mock.patch`` objects, not yet started) enforcing both quotas in moto."""
    from moto.stepfunctions.parser.api import ExecutionFailedEventDetails, HistoryEventType
    from moto.stepfunctions.parser.asl.component.common.catch.catch_outcome import CatchOutcome
    from moto.stepfunctions.parser.asl.component.common.error_name.custom_error_name import CustomErrorName
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
        FailureEvent,
        FailureEventException,
    )
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import StatesErrorName
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
        StatesErrorNameType,
    )
    from moto.stepfunctions.parser.asl.component.common.retry.retry_outcome import RetryOutcome
    from moto.stepfunctions.parser.asl.component.state import state as state_module
    from moto.stepfunctions.parser.asl.component.state.exec import execute_state
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration import (
        distributed_iteration_component as distributed_map,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration import iteration_worker
    from moto.stepfunctions.parser.asl.component.state.exec.state_task import state_task_lambda
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import state_task_service
    from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails
    from moto.stepfunctions.parser.asl.eval.event.event_manager import EventManager

    def is_within_size_quota(value: Any) -> bool:
        return payload_bytes(value) <= payload_limit

    def lambda_result_within_size_quota(value: Any) -> bool:
        # moto passes the Invoke response ({"StatusCode", "Payload"}); the task result is the Payload.
        if isinstance(value, dict) and "Payload" in value and "StatusCode" in value:
            value = value["Payload"]
        return is_within_size_quota(value)

    def states_failure(env: Any, error: Any, event_type: Any, cause: str) -> FailureEventException:
        """A ``States.*`` failure of the state being run, as the service raises it."""
        return FailureEventException(
            failure_event=FailureEvent(
                env=env,
                error_name=StatesErrorName(typ=error),
                event_type=event_type,
                event_details=EventDetails(
                    executionFailedEventDetails=ExecutionFailedEventDetails(error=error.to_name(), cause=cause)
                ),
            )
        )

    def data_limit_failure(env: Any, what: str) -> FailureEventException:
        return states_failure(
            env,
            StatesErrorNameType.StatesStatesDataLimitExceeded,
            HistoryEventType.TaskFailed,
            f"{what} has a size exceeding the maximum number of bytes service limit.",
        )

    original_eval_state_input = state_module.CommonStateField._eval_state_input

    def eval_state_input(self: Any, env: Any) -> None:
        if not is_within_size_quota(env.states.get_input()):
            raise data_limit_failure(env, f"The input of state '{self.name}'")
        original_eval_state_input(self, env)

    original_eval_parameters = state_task_lambda.StateTaskLambda._eval_parameters

    def eval_parameters(self: Any, env: Any) -> dict[str, Any]:
        parameters: dict[str, Any] = original_eval_parameters(self, env)
        if not is_within_size_quota(parameters["Payload"]):
            raise data_limit_failure(env, f"The payload sent to '{self.resource.resource_arn}'")
        return parameters

    def uncatchable(failure_event: Any) -> bool:
        name = getattr(failure_event.error_name, "error_name", None)
        return name == DATA_LIMIT_EXCEEDED

    original_handle_retry = execute_state.ExecutionState._handle_retry
    original_handle_catch = execute_state.ExecutionState._handle_catch

    def handle_retry(self: Any, env: Any, failure_event: Any) -> Any:
        if uncatchable(failure_event):
            return RetryOutcome.NoRetrier
        return original_handle_retry(self, env, failure_event)

    def handle_catch(self: Any, env: Any, failure_event: Any) -> None:
        if uncatchable(failure_event):
            env.stack.append(CatchOutcome.NotCaught)
            return
        original_handle_catch(self, env, failure_event)

    quota_cause = HISTORY_QUOTA_CAUSE.format(limit=history_limit)

    class HistoryQuotaReached(FailureEventException):
        """The execution's end, reported in AWS's words (moto would prefix a state name)."""

        def get_execution_failed_event_details(self) -> Any:
            return ExecutionFailedEventDetails(error=StatesErrorNameType.StatesRuntime.to_name(), cause=quota_cause)

    original_add_event = EventManager.add_event

    def history_quota_failure() -> FailureEventException:
        failure = FailureEvent.__new__(FailureEvent)
        failure.state_name = ""
        failure.source_event_id = 0
        failure.error_name = StatesErrorName(typ=StatesErrorNameType.StatesRuntime)
        # Not ExecutionFailed: a task's failure handler re-adds this event, which must raise again
        # (so it escapes Retry/Catch) rather than end the history early.
        failure.event_type = HistoryEventType.TaskFailed
        failure.event_details = EventDetails(
            executionFailedEventDetails=ExecutionFailedEventDetails(
                error=StatesErrorNameType.StatesRuntime.to_name(), cause=quota_cause
            )
        )
        return HistoryQuotaReached(failure_event=failure)

    def add_event(self: Any, context: Any, event_type: Any, event_details: Any = None, **kwargs: Any) -> int:
        next_id = len(self._history_event_list) + 1
        reached = getattr(self, "_sentinel_quota_reached", False)
        if reached and event_type == HistoryEventType.ExecutionFailed:
            event_details = EventDetails(
                executionFailedEventDetails=ExecutionFailedEventDetails(
                    error=StatesErrorNameType.StatesRuntime.to_name(), cause=quota_cause
                )
            )
        elif reached or (
            next_id >= history_limit
            and event_type not in (HistoryEventType.ExecutionSucceeded, HistoryEventType.ExecutionFailed)
        ):
            self._sentinel_quota_reached = True
            raise history_quota_failure()
        result: int = original_add_event(self, context, event_type, event_details, **kwargs)
        return result

    original_map_run = distributed_map.DistributedIterationComponent._map_run

    def map_run(self: Any, env: Any, eval_input: Any) -> None:
        original_map_run(self, env, eval_input)
        items = eval_input.map_run_record.item_counter
        failed, total = items.failed.get() + items.timed_out.get(), items.total.get()
        percentage = 100.0 * failed / total if total else 0.0
        if failed > eval_input.tolerated_failure_count and percentage > eval_input.tolerated_failure_percentage:
            env.stack.pop()  # the results the map would have output
            raise states_failure(
                env,
                StatesErrorNameType.StatesExceedToleratedFailureThreshold,
                HistoryEventType.MapStateFailed,
                f"The specified tolerated failure threshold was exceeded: {failed} of {total} items failed.",
            )

    def iteration_error_name(error_name: str) -> Any:
        if error_name.startswith("States."):
            return StatesErrorName.from_name(error_name)
        return CustomErrorName(error_name=error_name)

    return [
        mock.patch.object(distributed_map.DistributedIterationComponent, "_map_run", map_run),
        mock.patch.object(iteration_worker, "CustomErrorName", iteration_error_name),
        mock.patch.object(state_module, "is_within_size_quota", is_within_size_quota),
        mock.patch.object(state_task_lambda, "is_within_size_quota", lambda_result_within_size_quota),
        mock.patch.object(state_task_service, "is_within_size_quota", is_within_size_quota),
        mock.patch.object(state_module.CommonStateField, "_eval_state_input", eval_state_input),
        mock.patch.object(state_task_lambda.StateTaskLambda, "_eval_parameters", eval_parameters),
        mock.patch.object(execute_state.ExecutionState, "_handle_retry", handle_retry),
        mock.patch.object(execute_state.ExecutionState, "_handle_catch", handle_catch),
        mock.patch.object(EventManager, "add_event", add_event),
    ]
