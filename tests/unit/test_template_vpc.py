"""In a VPC deployment every function can reach what its code calls.

A function attached to the domain's VPC reaches only what the VPC routes: the domain (its security
group admits the functions on 443) and, through gateway endpoints, S3 and DynamoDB. It never
reaches SNS, Step Functions or any other AWS API without a NAT gateway or an interface endpoint,
which this stack neither creates nor asks for.

The services each function calls are read from its code, not declared: the handler and every
``snapshot_sentinel`` module it imports (transitively) are parsed, and each literal
``boto3.client("<service>")`` counts, as does a call of a ``snapshot_sentinel.wiring`` factory
(``sns_client(...)`` is SNS; the factories are counted where they are called, not where they are
defined), a ``domain_client(...)`` is the domain. A custom resource's function (its ServiceToken)
answers CloudFormation with an HTTP PUT to the request's pre-signed S3 URL: that is S3.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path
from typing import Any

from tests.support.template import ROOT, Resolver, function_code_dir

LAYER = ROOT / "layers" / "common"
DOMAIN = "es"
GATEWAY_SERVICES = {"s3": "S3", "dynamodb": "DynamoDB"}
"""The only AWS services a VPC serves through gateway endpoints (free, a route in a route table)."""
WIRING = "snapshot_sentinel.wiring"
"""Where the client factories are defined: each one counts at its call sites (FACTORIES)."""
CFN_ANSWER = "snapshot_sentinel.repository.cfn_response"
"""The module that PUTs a custom resource's answer to CloudFormation's pre-signed S3 URL."""

VPC = {"SubnetIds": "subnet-1,subnet-2", "SecurityGroupIds": "sg-1"}
ROUTES = {**VPC, "VpcId": "vpc-0abc", "RouteTableIds": "rtb-1,rtb-2"}


def resolver(template: dict[str, Any], **parameters: str) -> Resolver:
    return Resolver(template, {"DomainEndpoint": "https://search-d.us-east-1.es.amazonaws.com", **parameters}, {})


def functions(template: dict[str, Any]) -> list[str]:
    return [name for name, spec in template["Resources"].items() if spec["Type"] == "AWS::Serverless::Function"]


def in_vpc(template: dict[str, Any], name: str, parameters: dict[str, str]) -> bool:
    """Whether Lambda attaches ``name`` to the VPC: its own VpcConfig, else the Globals' one."""
    own = template["Resources"][name]["Properties"].get("VpcConfig")
    shared = template.get("Globals", {}).get("Function", {}).get("VpcConfig")
    config = own if own is not None else shared
    if config is None:
        return False
    return bool(resolver(template, **parameters).resolve({"VpcConfig": config}).get("VpcConfig", {}).get("SubnetIds"))


def _module_path(module: str) -> Path | None:
    base = LAYER.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.exists():
            return candidate
    return None


@cache
def _parsed(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), filename=str(path))


def _factories() -> dict[str, str]:
    """Each client factory of ``wiring`` and the service its ``boto3.client("<service>")`` builds."""
    found = {}
    for factory in _parsed(LAYER / "snapshot_sentinel" / "wiring.py").body:
        if not isinstance(factory, ast.FunctionDef):
            continue
        for node in ast.walk(factory):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "client" and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    found[factory.name] = first.value
    return found


FACTORIES = _factories()


def _imports(tree: ast.Module) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("snapshot_sentinel"):
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("snapshot_sentinel"))
    return found


def _calls(tree: ast.Module) -> set[str]:
    services: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        callee = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
        if callee in ("domain_client", "alert_domain_client"):
            services.add(DOMAIN)
        elif callee in FACTORIES:
            services.add(FACTORIES[callee])
        elif callee == "client" and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                services.add(first.value)
    return services


def modules_reached(template: dict[str, Any], name: str) -> set[str]:
    handler = function_code_dir(template, name) / "app.py"
    pending, seen = list(_imports(_parsed(handler))), set()
    while pending:
        module = pending.pop()
        if module in seen:
            continue
        seen.add(module)
        path = _module_path(module)
        if path is not None:
            pending.extend(_imports(_parsed(path)))
    return seen


def answers_cloudformation(template: dict[str, Any], name: str) -> bool:
    """Whether ``name`` is the ServiceToken of one of the template's custom resources."""
    token = {"Fn::GetAtt": [name, "Arn"]}
    return any(
        spec["Type"].startswith("Custom::") and spec["Properties"].get("ServiceToken") == token
        for spec in template["Resources"].values()
    )


def services_called(template: dict[str, Any], name: str) -> set[str]:
    """What ``name``'s handler and every layer module it reaches call."""
    handler = function_code_dir(template, name) / "app.py"
    services = _calls(_parsed(handler))
    for module in modules_reached(template, name) - {WIRING}:
        path = _module_path(module)
        if path is not None:
            services |= _calls(_parsed(path))
    if answers_cloudformation(template, name):
        services.add("s3")
    return services


def gateway_endpoints(template: dict[str, Any], parameters: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Service ("s3", "dynamodb") -> the gateway endpoint this stack creates for it with ``parameters``."""
    resolve = resolver(template, **parameters)
    found = {}
    for spec in template["Resources"].values():
        created = "Condition" not in spec or resolve.condition(spec["Condition"])
        if spec["Type"] != "AWS::EC2::VPCEndpoint" or not created:
            continue
        properties = resolve.resolve(spec["Properties"])
        if properties.get("VpcEndpointType") == "Gateway":
            found[properties["ServiceName"].rsplit(".", 1)[-1]] = properties
    return found


def test_the_code_scan_finds_what_the_handlers_call(template: dict[str, Any]) -> None:
    # The scan is what every other test here relies on: it must see the catalog, the alert topic,
    # the CloudFormation answer and the domain where they are.
    assert FACTORIES == {
        "s3_client": "s3",
        "sns_client": "sns",
        "dynamodb_client": "dynamodb",
        "stepfunctions_client": "stepfunctions",
    }
    assert services_called(template, "PlanDrillFunction") >= {DOMAIN, "dynamodb"}
    assert services_called(template, "SendAlertFunction") >= {DOMAIN, "sns"}
    assert services_called(template, "RegisterRepositoryFunction") >= {DOMAIN, "s3"}
    assert services_called(template, "ValidateInputFunction") == set()
    assert 'event["ResponseURL"]' in (LAYER / "snapshot_sentinel" / "repository" / "cfn_response.py").read_text()
    for name in functions(template):
        if answers_cloudformation(template, name):
            assert CFN_ANSWER in modules_reached(template, name), name


def test_every_function_runs_in_the_vpc_exactly_when_it_calls_the_domain(template: dict[str, Any]) -> None:
    # SendAlert reads a public domain only (ALERT_READS_DOMAIN), so it stays out like the rest.
    out_by_design = {"SendAlertFunction"}
    for name in functions(template):
        expected = DOMAIN in services_called(template, name) and name not in out_by_design
        assert in_vpc(template, name, VPC) is expected, name
        assert not in_vpc(template, name, {}), name


def test_no_function_in_the_vpc_needs_more_than_the_domain_and_gateway_endpoints(template: dict[str, Any]) -> None:
    # SNS, Step Functions, CloudWatch... need a NAT gateway or a paid interface endpoint per AZ:
    # a function that calls one of them runs outside the VPC (or hands the call to one that does).
    needs = {
        name: services_called(template, name) - {DOMAIN} for name in functions(template) if in_vpc(template, name, VPC)
    }
    beyond = {name: sorted(services - set(GATEWAY_SERVICES)) for name, services in needs.items()}
    assert {name: services for name, services in beyond.items() if services} == {}


def test_with_route_tables_the_stack_creates_a_gateway_endpoint_for_everything_in_vpc_functions_call(
    template: dict[str, Any],
) -> None:
    endpoints = gateway_endpoints(template, ROUTES)
    for name in functions(template):
        if in_vpc(template, name, ROUTES):
            missing = services_called(template, name) - {DOMAIN} - set(endpoints)
            assert not missing, f"{name} calls {sorted(missing)} and nothing routes it"
    for service, endpoint in endpoints.items():
        assert endpoint["ServiceName"] == f"com.amazonaws.us-east-1.{service}"
        assert endpoint["VpcId"] == "vpc-0abc"
        assert endpoint["RouteTableIds"] == ["rtb-1", "rtb-2"]


def test_without_route_tables_or_outside_a_vpc_the_stack_creates_no_endpoint(template: dict[str, Any]) -> None:
    assert gateway_endpoints(template, VPC) == {}
    assert gateway_endpoints(template, {}) == {}


def test_without_route_tables_the_parameter_says_what_the_vpc_must_route(template: dict[str, Any]) -> None:
    # Where the stack creates nothing, the deployer is told, at the parameter itself, which
    # services the in-VPC functions reach (existing gateway endpoints or a NAT gateway).
    needed = {
        service
        for name in functions(template)
        if in_vpc(template, name, VPC)
        for service in services_called(template, name) - {DOMAIN}
    }
    assert needed, "no in-VPC function calls S3 or DynamoDB: drop the route tables parameter instead"
    description = template["Parameters"]["RouteTableIds"]["Description"]
    for service in needed:
        assert GATEWAY_SERVICES[service] in description, service


def test_route_tables_go_with_the_vpc_and_its_subnets(template: dict[str, Any]) -> None:
    assert "GatewayEndpointsNeedTheVpcAndItsSubnets" in template["Rules"]
    for parameter in ("VpcId", "RouteTableIds"):
        assert template["Parameters"][parameter]["Default"] == ""


def test_the_registration_waits_for_the_s3_endpoint_it_answers_through(template: dict[str, Any]) -> None:
    # CloudFormation orders resources by reference only: without one, the custom resource could
    # be sent before the route exists and its answer would be lost (and again on deletion).
    for name in ("SnapshotRepository", "DrillSnapshotRepository"):
        properties = template["Resources"][name]["Properties"]
        assert properties["AnswerRoute"] == {
            "Fn::If": ["CreatesGatewayEndpoints", {"Ref": "S3GatewayEndpoint"}, {"Ref": "AWS::NoValue"}]
        }, name
        assert "AnswerRoute" not in resolver(template, **VPC).resolve(properties), name


def test_the_deploying_guide_lists_each_in_vpc_function_with_what_it_calls(template: dict[str, Any]) -> None:
    # The guide's table is what a network team reads to approve the set-up: it must name exactly
    # the functions in the VPC that call more than the domain, with those services.
    guide = (ROOT / "docs" / "deploying.md").read_text()
    section = guide.split("## A domain in a VPC", 1)[1].split("\n## ", 1)[0]
    documented: dict[str, set[str]] = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) < 2 or not cells[0].startswith("`"):
            continue
        services = {code for code, label in GATEWAY_SERVICES.items() if label in cells[1]}
        for name in cells[0].replace("`", "").split(","):
            documented[name.strip()] = services
    derived = {
        name: services_called(template, name) - {DOMAIN}
        for name in functions(template)
        if in_vpc(template, name, VPC) and services_called(template, name) - {DOMAIN}
    }
    assert documented == derived
