"""Two drills of the same snapshot at once: EventBridge Scheduler delivers at least once, and anyone
may run ``sentinel drill`` while the scheduled one runs. Each drill restores under names of its own
execution, verifies them, and its clean-up deletes exactly what it restored: both pass, nothing pages.

The race is held open, not hoped for: the first drill to reach its wait after sending its restore is
held there until the other drill has planned, restored, verified, cleaned up and reported. Its own
indices must then still be there to check and verify."""

from __future__ import annotations

import threading
from typing import Any
from unittest import mock

from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import WaitFunction

from snapshot_sentinel.drills.plan import drill_stamp
from tests.support.drills import backed_up, drill_indices
from tests.support.stack import _load_handler
from tests.support.template import function_code_dir

DRILL = "DrillStateMachine"


class HoldFirstWaiter:
    """Hold the first execution that reaches a Wait state until another execution has reported."""

    def __init__(self) -> None:
        self.first: str | None = None
        self.other_reported = threading.Event()
        self.indices_when_released: list[str] = []
        self._lock = threading.Lock()

    def waits(self, wait: Any, domain: Any) -> Any:
        holder = self

        def held_wait(self: Any, env: Any, wait_seconds: int) -> None:
            execution = env.states.context_object.context_object_data["Execution"]["Id"]
            with holder._lock:
                holder.first = holder.first or execution
            if execution == holder.first and not holder.other_reported.is_set():
                assert holder.other_reported.wait(timeout=60), "the other drill never reported"
                holder.indices_when_released = drill_indices(domain)
            wait(self, env, wait_seconds)

        return held_wait

    def reports(self, report: Any) -> Any:
        def observed_report(event: Any, context: Any) -> Any:
            result = report(event, context)
            if self.first is not None and event["execution_id"] != self.first:
                self.other_reported.set()
            return result

        return observed_report


def test_two_drills_of_the_same_snapshot_at_once_both_pass_and_each_deletes_only_its_own(stack, domain):
    # Given a nightly backup of two indices, and an index that looks like a drill's but is no one's
    domain.create_index("orders", shards=2, docs=1_000)
    domain.create_index("logs", docs=300)
    snapshot = backed_up(stack, domain)
    look_alike = f"drill-{drill_stamp(snapshot.start_time)}-logs-copy"
    domain.create_index(look_alike, docs=3)
    hold = HoldFirstWaiter()
    report = _load_handler(function_code_dir(stack.template, "ReportDrillFunction"))
    stack.replace_handler("ReportDrillFunction", hold.reports(report))

    # When two drills of that snapshot start together, the first one held after its restore until the
    # other one has finished
    with mock.patch.object(WaitFunction, "_wait_interval", hold.waits(WaitFunction._wait_interval, domain)):
        first, second = stack.run_together([{}, {}], state_machine=DRILL)

    # Then both pass, and no failure is published
    assert (first.status, second.status) == ("SUCCEEDED", "SUCCEEDED"), (first.cause, second.cause)
    assert sorted(a["subject"][: len("[DRILL OK]")] for a in first.alerts) == ["[DRILL OK]", "[DRILL OK]"]
    # and each restored and deleted names of its own, both indices each
    runs = {r.arn: r for r in (first, second)}
    assert len(first.calls("CleanUpDrillFunction")) == 2
    targets, sources = {}, []
    for arn, run in runs.items():
        picks = run.output["plan"]["picks"]
        targets[arn] = sorted(p["target"] for p in picks)
        sources.append(sorted(p["source"] for p in picks))
        assert sorted(run.output["cleanup"]["deleted"]) == targets[arn], "exactly its own indices"
        assert all(i["count"].startswith("ok") for i in run.output["verify"]["indices"])
    assert sources[0] == sources[1] and {"orders", "logs"} <= set(sources[0]), "the same sample"
    assert not set(targets[first.arn]) & set(targets[second.arn]), "no name shared"
    # and the held drill's indices were all there when the other had cleaned up
    assert hold.indices_when_released == sorted([look_alike, *targets[hold.first]])
    # and nothing else was deleted
    assert drill_indices(domain) == [look_alike]
    assert domain.index(look_alike).doc_count == 3
    assert {"orders", "logs"} <= set(domain.index_names())
