"""The documented standalone command serves an emulated domain until interrupted."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import requests
from requests_aws4auth import AWS4Auth

ROOT = Path(__file__).resolve().parents[3]


def test_python_m_tests_emulator_serves_a_signed_domain_and_stops_on_ctrl_c() -> None:
    # Given the runner started on a free port
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "layers/common")])}
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.emulator", "--port", "0", "--polls", "1", "--seed", "2"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        printed = []
        for line in process.stdout:
            printed.append(line)
            if line.startswith("Ctrl-C"):
                break
        text = "".join(printed)
        endpoint = re.search(r"listening on (http://127\.0\.0\.1:\d+)", text)
        exported = dict(re.findall(r"export (AWS_\w+)=(\S+)", text))
        assert endpoint is not None
        # When a client signs with the printed credentials
        auth = AWS4Auth(
            exported["AWS_ACCESS_KEY_ID"],
            exported["AWS_SECRET_ACCESS_KEY"],
            "us-east-1",
            "es",
            session_token=exported["AWS_SESSION_TOKEN"],
        )
        listing = requests.get(f"{endpoint.group(1)}/_snapshot/nightly-backups/_all", auth=auth, timeout=5)
        unsigned = requests.get(f"{endpoint.group(1)}/", timeout=5)
        # Then the seeded repository answers, unsigned requests do not, and Ctrl-C stops it cleanly
        assert listing.status_code == 200
        assert len(listing.json()["snapshots"]) == 2
        assert unsigned.status_code == 403
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
