"""The drill's start step under transient errors: whatever reaches its Retry came before the restore
request or was a refusal (a lost answer to the request is no error there), so the step is sent
again and the drill goes on; nothing is restored twice."""

from __future__ import annotations

from tests.emulator import Fault
from tests.support.drills import DRILL, backed_up, drill_indices, restore_bodies


def test_a_throttled_drill_restore_is_sent_again_and_the_drill_passes(stack, domain):
    domain.create_index("orders", shards=2, docs=1_000)
    backed_up(stack, domain)
    domain.inject(Fault(method="POST", path=r"/_restore$", kind="throttle", times=1))

    run = stack.run({}, state_machine=DRILL)

    assert run.status == "SUCCEEDED", run.cause
    assert [c.error for c in run.calls("StartDrillFunction")] == ["ThrottledError", None]
    statuses = [r.status for r in domain.requests if r.method == "POST" and r.path.endswith("/_restore")]
    assert statuses == [429, 200]
    assert len(restore_bodies(domain)) == 2
    assert drill_indices(domain) == [], "the drill deletes its own indices"
