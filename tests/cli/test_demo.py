"""`make demo` shows the command line working against the rehearsal, without an AWS account."""

from __future__ import annotations

from tests import rehearsal


def test_the_demo_runs_status_snapshots_and_doctor_and_ends_with_doctor_all_ok(capsys):
    code = rehearsal.main()
    shown = capsys.readouterr().out

    assert code == 0
    for command in ("$ sentinel status", "$ sentinel snapshots", "$ sentinel doctor", "$ sentinel confirm"):
        assert command in shown
    assert "shards 0/0" not in shown, "a running snapshot's progress is shown as it moves"
    doctor_runs = shown.split("$ sentinel doctor")
    assert "FAIL  Last backup" in doctor_runs[1]
    assert doctor_runs[-1].splitlines()[8:10] == ["7 OK: ready.", "(exit 0)"]
    assert "count ok: 0 within" not in shown, "every index the drill samples holds documents"
