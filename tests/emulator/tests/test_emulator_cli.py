"""The emulator's command line as the README documents it: exports for ``eval``, a busy port, the curl example."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
README = ROOT / "tests" / "emulator" / "README.md"
ENVIRONMENT = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "layers/common")])}


def emulator(*arguments: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tests.emulator", *arguments],
        cwd=ROOT,
        env=ENVIRONMENT,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def exported(lines: str) -> dict[str, str]:
    """What ``eval`` of these ``export NAME=value`` lines sets."""
    variables: dict[str, str] = {}
    for line in lines.splitlines():
        words = shlex.split(line)
        assert words[0] == "export", line
        for word in words[1:]:
            name, value = word.split("=", 1)
            variables[name] = value
    return variables


@pytest.fixture
def running_emulator(tmp_path: Path) -> Iterator[dict[str, str]]:
    """``python -m tests.emulator --port 0 --env-file ...`` serving; yields the exports it wrote."""
    env_file = tmp_path / "emulator.env"
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.emulator", "--port", "0", "--seed", "2", "--env-file", str(env_file)],
        cwd=ROOT,
        env=ENVIRONMENT,
        stdout=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        for line in process.stdout:  # the banner ends with "Ctrl-C to stop." once it listens
            if line.startswith("Ctrl-C"):
                break
        yield exported(env_file.read_text())
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0


def test_print_env_prints_only_exports_and_exits_so_eval_can_use_it() -> None:
    # When the documented one-liner's command runs (it must end for "$(...)" to return)
    completed = emulator("--port", "9200", "--print-env", timeout=30)
    # Then it exits at once with nothing but export lines: the credentials, the region and the endpoint
    assert completed.returncode == 0, completed.stderr
    variables = exported(completed.stdout)
    assert set(variables) == {
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_REGION",
        "DOMAIN_ENDPOINT",
    }
    assert variables["DOMAIN_ENDPOINT"] == "http://127.0.0.1:9200"
    assert variables["AWS_REGION"] == "us-east-1"


def test_print_env_without_sigv4_exports_no_credentials() -> None:
    completed = emulator("--port", "9300", "--no-sigv4", "--region", "eu-west-1", "--print-env", timeout=30)
    assert exported(completed.stdout) == {"AWS_REGION": "eu-west-1", "DOMAIN_ENDPOINT": "http://127.0.0.1:9300"}


def test_the_documented_one_liner_is_in_the_readme() -> None:
    assert 'eval "$(.venv/bin/python -m tests.emulator --port 9200 --print-env)"' in README.read_text()


def test_a_busy_port_gives_one_line_naming_the_port_and_how_to_pick_another() -> None:
    # Given a port something else listens on
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        # When the emulator is asked to serve on it
        completed = emulator("--port", str(port), timeout=30)
    # Then it stops with one line, no traceback, naming the port and the option to change
    assert completed.returncode == 2
    assert completed.stdout == ""
    [line] = completed.stderr.splitlines()
    assert f"port {port} on 127.0.0.1 is already in use" in line
    assert "--port" in line
    assert "Traceback" not in completed.stderr


def readme_curl_commands() -> list[str]:
    """The signed curl commands of the emulator README's shell blocks, continuation lines joined."""
    blocks = re.findall(r"```sh\n(.*?)```", README.read_text(), flags=re.DOTALL)
    commands = [line for block in blocks for line in block.replace("\\\n", " ").splitlines()]
    return [command for command in commands if command.startswith("curl ") and "--aws-sigv4" in command]


def curl_signs() -> bool:
    curl = shutil.which("curl")
    if curl is None:
        return False
    return "--aws-sigv4" in subprocess.run([curl, "--help", "all"], capture_output=True, text=True).stdout


def test_the_readme_has_a_signed_curl_example() -> None:
    assert readme_curl_commands() != []


@pytest.mark.skipif(not curl_signs(), reason="needs curl >= 7.75 (--aws-sigv4)")
@pytest.mark.parametrize("command", readme_curl_commands())
def test_the_readme_curl_example_works_as_written(command: str, running_emulator: dict[str, str]) -> None:
    # Given the exports the emulator gives; when the README's curl command runs in a shell with them
    completed = subprocess.run(
        ["bash", "-c", command], env={**os.environ, **running_emulator}, capture_output=True, text=True, timeout=30
    )
    # Then the signature is accepted and the seeded snapshots come back
    assert completed.returncode == 0, completed.stderr
    assert '"snapshots"' in completed.stdout, completed.stdout
    assert "signature" not in completed.stdout
