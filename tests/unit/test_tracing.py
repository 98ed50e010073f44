"""The handlers' tracer is lazy: importing a handler where tracing is off loads neither Powertools'
Tracer nor the X-Ray SDK nor botocore's client machinery (the cold start, docs/figures.md "Cold start"),
and where it is on (in Lambda, a stack with Tracing=Active) the handler is traced as before.

Each import happens in a fresh interpreter, since a module already imported by this test process
proves nothing about what an import loads."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from snapshot_sentinel.observability import tracing_enabled
from tests.support.lambda_runtime import handler_environment

ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS = ROOT / "functions"
HANDLERS = sorted(path.parent.name for path in FUNCTIONS.glob("*/app.py"))

# Every handler imported into one interpreter (each under its own module name): if together
# they load no X-Ray SDK, none of them does. botocore's package root is Powertools' own (it
# registers its user agent there) and costs nothing; its sessions and clients are the weight.
IMPORT_EVERY_HANDLER = """
import importlib.util, json, sys
for name in sys.argv[1:]:
    spec = importlib.util.spec_from_file_location(f"{name}_app", f"functions/{name}/app.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in ("aws_xray_sdk", "botocore", "boto3"))))
"""

# A handler invoked as the Lambda runtime would with X-Ray active: a sampled trace header, the
# SDK's streamed subsegments collected instead of sent to a daemon.
INVOKE_TRACED = """
import json, sys
sys.path.insert(0, "functions/validate_input")
import app
from aws_xray_sdk.core import patcher, xray_recorder
from tests.support.lambda_runtime import FakeLambdaContext

class Collected:
    entities = []
    def send_entity(self, entity):
        self.entities.append(json.loads(entity.serialize()))

xray_recorder.emitter = Collected()
app.lambda_handler(
    {"input": {}, "execution_id": "arn:aws:states:us-east-1:123456789012:execution:sm:run-1",
     "execution_start_time": "2026-11-28T02:00:00.000Z"},
    FakeLambdaContext(),
)
print(json.dumps({"entities": Collected.entities, "patched": sorted(patcher._PATCHED_MODULES)}))
"""

SAMPLED_TRACE = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"


def _environment(**variables: str) -> dict[str, str]:
    outside = ("PYTHON", "LAMBDA_TASK_ROOT", "POWERTOOLS_TRACE", "AWS_SAM_LOCAL", "AWS_CHALICE", "_X_AMZN")
    environ = {key: value for key, value in os.environ.items() if not key.startswith(outside)}
    environ["PYTHONPATH"] = os.pathsep.join([str(ROOT / "layers" / "common"), str(ROOT)])
    environ.update(variables)
    return environ


def _run(script: str, *args: str, **variables: str) -> Any:
    completed = subprocess.run(
        [sys.executable, "-c", script, *args],
        cwd=ROOT,
        env=_environment(**variables),
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout.splitlines()[-1])


@pytest.mark.parametrize(
    "where",
    [
        pytest.param({}, id="outside-lambda"),
        pytest.param({"LAMBDA_TASK_ROOT": "/var/task", "POWERTOOLS_TRACE_DISABLED": "true"}, id="tracing-passthrough"),
        pytest.param({"LAMBDA_TASK_ROOT": "/var/task", "AWS_SAM_LOCAL": "true"}, id="sam-local"),
    ],
)
def test_importing_any_handler_without_tracing_loads_no_xray_sdk_and_no_botocore_client(where: dict[str, str]) -> None:
    assert {"take_snapshot", "check_snapshot", "validate_input", "apply_retention"} <= set(HANDLERS)

    loaded = _run(IMPORT_EVERY_HANDLER, *HANDLERS, **where)

    assert loaded == ["botocore"], "only botocore's package root, which Powertools imports for its user agent"


def test_a_handler_in_lambda_with_tracing_active_records_its_subsegment_and_patches_http() -> None:
    run = _run(
        INVOKE_TRACED,
        **handler_environment(SNAPSHOT_PREFIX="nightly"),
        LAMBDA_TASK_ROOT="/var/task",
        _X_AMZN_TRACE_ID=SAMPLED_TRACE,
    )

    (subsegment,) = run["entities"]
    assert subsegment["name"] == "## lambda_handler"
    assert subsegment["trace_id"] == "1-5759e988-bd862e3fe1be46a994272793"
    assert subsegment["parent_id"] == "53995c3f42cd8ad8"
    assert subsegment["annotations"] == {"ColdStart": True, "Service": "snapshot-sentinel"}
    assert "metadata" not in subsegment, "capture_response=False: the run's input stays out of the trace"
    assert {"requests", "botocore"} <= set(run["patched"])


ENVIRONMENTS = [
    {},
    {"LAMBDA_TASK_ROOT": "/var/task"},
    {"LAMBDA_TASK_ROOT": ""},
    {"LAMBDA_TASK_ROOT": "/var/task", "POWERTOOLS_TRACE_DISABLED": "true"},
    {"LAMBDA_TASK_ROOT": "/var/task", "POWERTOOLS_TRACE_DISABLED": "1"},
    {"LAMBDA_TASK_ROOT": "/var/task", "POWERTOOLS_TRACE_DISABLED": "FALSE"},
    {"LAMBDA_TASK_ROOT": "/var/task", "POWERTOOLS_TRACE_DISABLED": "off"},
    {"LAMBDA_TASK_ROOT": "/var/task", "AWS_SAM_LOCAL": "true"},
    {"LAMBDA_TASK_ROOT": "/var/task", "AWS_CHALICE_CLI_MODE": "true"},
    {"POWERTOOLS_TRACE_DISABLED": "false"},
    {"_X_AMZN_TRACE_ID": SAMPLED_TRACE},
]


@pytest.mark.parametrize("environ", ENVIRONMENTS, ids=lambda environ: ",".join(f"{k}={v}" for k, v in environ.items()))
def test_tracing_is_on_exactly_where_powertools_tracer_would_trace(
    environ: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from aws_lambda_powertools.tracing import Tracer

    for name in ("LAMBDA_TASK_ROOT", "POWERTOOLS_TRACE_DISABLED", "AWS_SAM_LOCAL", "AWS_CHALICE_CLI_MODE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)

    assert tracing_enabled(environ) is not Tracer._is_tracer_disabled()


def test_a_trace_disabled_value_that_is_not_a_boolean_is_refused_as_powertools_refuses_it() -> None:
    with pytest.raises(ValueError, match="maybe"):
        tracing_enabled({"LAMBDA_TASK_ROOT": "/var/task", "POWERTOOLS_TRACE_DISABLED": "maybe"})
