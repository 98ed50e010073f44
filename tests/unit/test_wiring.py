"""The typed client factories of ``snapshot_sentinel.wiring``, and what they must not need.

The boto3 stubs that type them are a dev dependency: neither the Lambda runtime nor a user's
``pip install snapshot-sentinel`` (the ``sentinel`` command) has them. This test process has them
installed, so the check runs in a fresh interpreter where importing one fails as it would there."""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from snapshot_sentinel import wiring
from snapshot_sentinel.settings import DomainSettings

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = [ROOT / "layers" / "common" / "snapshot_sentinel", ROOT / "functions", ROOT / "cli" / "sentinel_cli"]
HANDLERS = sorted(path.parent.name for path in (ROOT / "functions").glob("*/app.py"))
FACTORIES = {
    "s3": wiring.s3_client,
    "sns": wiring.sns_client,
    "dynamodb": wiring.dynamodb_client,
    "stepfunctions": wiring.stepfunctions_client,
}

# Every layer and CLI module, every handler, every factory and every client of the CLI's gateway,
# with the stubs' packages made unimportable.
WITHOUT_STUBS = """
import importlib, importlib.util, json, pkgutil, sys

class NoStubs:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0].startswith("mypy_boto3"):
            raise ModuleNotFoundError(f"No module named {name!r}: the stubs are a dev dependency")
        return None

sys.meta_path.insert(0, NoStubs())
import boto3
import sentinel_cli, snapshot_sentinel
for package in (snapshot_sentinel, sentinel_cli):
    for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
        if not info.name.endswith(".__main__"):
            importlib.import_module(info.name)
for name in sys.argv[1:]:
    spec = importlib.util.spec_from_file_location(f"{name}_app", f"functions/{name}/app.py")
    spec.loader.exec_module(importlib.util.module_from_spec(spec))
from snapshot_sentinel import wiring
from sentinel_cli.gateway import AwsGateway
built = [f("us-east-1").meta.service_model.service_name
         for f in (wiring.s3_client, wiring.sns_client, wiring.dynamodb_client, wiring.stepfunctions_client)]
gateway = AwsGateway(boto3.session.Session(region_name="us-east-1"), "stack")
built += [client.meta.service_model.service_name for client in (
    gateway._cloudformation, gateway._stepfunctions, gateway._sns, gateway._cloudwatch, gateway._scheduler)]
print(json.dumps(built))
"""


FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_EC2_METADATA_DISABLED": "true",
}
"""boto3 looks for credentials when it builds a client: these stop it at the environment."""


@pytest.fixture(autouse=True)
def fresh_clients(monkeypatch: pytest.MonkeyPatch):
    for name, value in FAKE_CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    for factory in FACTORIES.values():
        factory.cache_clear()
    yield
    for factory in FACTORIES.values():
        factory.cache_clear()


@pytest.mark.parametrize("service", sorted(FACTORIES))
def test_each_factory_builds_its_services_client_once_per_region(service: str) -> None:
    factory = FACTORIES[service]

    client = factory("eu-west-1")

    assert client.meta.service_model.service_name == service
    assert client.meta.region_name == "eu-west-1"
    assert factory("eu-west-1") is client, "one client per warm container"
    assert factory("us-east-1").meta.region_name == "us-east-1"


def test_the_layer_the_handlers_and_the_cli_run_without_the_boto3_stubs() -> None:
    environ = {key: value for key, value in os.environ.items() if not key.startswith("PYTHON")}
    environ["PYTHONPATH"] = os.pathsep.join([str(ROOT / "layers" / "common"), str(ROOT / "cli"), str(ROOT)])
    environ.update(FAKE_CREDENTIALS)

    completed = subprocess.run(
        [sys.executable, "-c", WITHOUT_STUBS, *HANDLERS],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        check=False,
    )

    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout.splitlines()[-1]) == [
        "s3",
        "sns",
        "dynamodb",
        "stepfunctions",
        "cloudformation",
        "stepfunctions",
        "sns",
        "cloudwatch",
        "scheduler",
    ]


def services_built() -> dict[str, str]:
    """Each service a shipped module builds a boto3 client for (``client("<service>", ...)``): where."""
    found: dict[str, str] = {}
    for path in sorted(p for folder in SHIPPED for p in folder.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "client" and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    found.setdefault(first.value, str(path.relative_to(ROOT)))
    return found


def test_every_service_the_code_calls_has_its_stubs_in_the_dev_dependencies() -> None:
    # Without its stubs a service's client types as Any, and mypy checks none of its calls.
    dev = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["dev"]
    (stubs,) = [re.fullmatch(r"boto3-stubs\[([\w,-]+)\]==[\d.]+", d) for d in dev if d.startswith("boto3-stubs")]
    assert stubs is not None, "boto3-stubs[<services>]==<version>"
    built = services_built()

    assert set(built) >= {"s3", "sns", "dynamodb", "stepfunctions", "cloudformation", "cloudwatch", "scheduler"}
    missing = {service: where for service, where in built.items() if service not in stubs.group(1).split(",")}
    assert missing == {}, "add these services to boto3-stubs[...] in pyproject.toml"


def test_a_second_domain_client_only_for_another_domain():
    source = DomainSettings(endpoint="https://search-a.example", region="eu-west-1", repository="r", name="a")
    drills = DomainSettings(endpoint="https://search-b.example", region="eu-west-1", repository="r", name="b")
    environ = {"AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret"}

    assert wiring.other_domain_client(source, source, environ) is None
    other = wiring.other_domain_client(drills, source, environ)
    assert other is not None and other.endpoint == drills.endpoint
