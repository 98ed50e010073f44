"""template.yaml as data: load it with CloudFormation's short tags, and resolve the
intrinsic functions the stack uses so tests can build each function's real environment.

The template tests share one deployment (:data:`ATTRIBUTES`, :func:`resolver`, the domain of
:data:`tests.support.constants.ENDPOINT`) and read the functions' inline policies through
:func:`function_statements` and :func:`granted`.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

from cfnlint.decode import decode_str

from tests.support.constants import ACCOUNT, ENDPOINT, REGION

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"

NO_VALUE = object()


@cache
def _load(path: Path) -> dict[str, Any]:
    template, problems = decode_str(path.read_text())
    if problems or template is None:
        raise ValueError(f"{path} does not parse: {problems}")
    return dict(template)


def load_template(path: Path = TEMPLATE) -> dict[str, Any]:
    return _load(path)


class Resolver:
    """Evaluates Ref, Fn::GetAtt, Fn::Sub, Fn::If, Fn::Join, Fn::Select, Fn::Split and conditions.

    ``attributes`` maps ``"Logical"`` (for Ref) and ``"Logical.Attr"`` (for GetAtt) to values.
    """

    def __init__(
        self,
        template: dict[str, Any],
        parameters: dict[str, Any],
        attributes: dict[str, str],
        *,
        region: str = REGION,
        account: str = ACCOUNT,
        stack_name: str = "snapshot-sentinel",
    ) -> None:
        self.template = template
        declared = template.get("Parameters", {})
        unknown = set(parameters) - set(declared)
        if unknown:
            raise KeyError(f"not parameters of template.yaml: {sorted(unknown)}")
        self.values: dict[str, Any] = {
            name: parameters.get(name, spec.get("Default")) for name, spec in declared.items()
        }
        missing = [name for name, value in self.values.items() if value is None]
        if missing:
            raise KeyError(f"parameters without a value or default: {missing}")
        self.values.update(
            {
                "AWS::Region": region,
                "AWS::AccountId": account,
                "AWS::StackName": stack_name,
                "AWS::Partition": "aws",
                "AWS::URLSuffix": "amazonaws.com",
                "AWS::StackId": f"arn:aws:cloudformation:{region}:{account}:stack/{stack_name}/0",
            }
        )
        self.attributes = attributes

    def condition(self, name: str) -> bool:
        return bool(self.resolve(self.template["Conditions"][name]))

    def _ref(self, name: str) -> Any:
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in self.values:
            value = self.values[name]
            if self.template.get("Parameters", {}).get(name, {}).get("Type") == "CommaDelimitedList":
                return str(value).split(",") if isinstance(value, str) else value
            return value
        return self.attributes.get(name, f"<{name}>")

    def _sub(self, text: str, variables: dict[str, Any]) -> str:
        def replace(match: re.Match[str]) -> str:
            key = match.group(1)
            if key in variables:
                return str(self.resolve(variables[key]))
            if "." in key:
                return str(self.attributes.get(key, f"<{key}>"))
            return str(self._ref(key))

        return re.sub(r"\$\{([^!}][^}]*)\}", replace, text)

    def resolve(self, node: Any) -> Any:
        if isinstance(node, list):
            return [item for item in (self.resolve(i) for i in node) if item is not NO_VALUE]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            ((key, arg),) = node.items()
            if key == "Ref":
                return self._ref(arg)
            if key == "Fn::GetAtt":
                logical, attr = arg if isinstance(arg, list) else arg.split(".", 1)
                return self.attributes.get(f"{logical}.{attr}", f"<{logical}.{attr}>")
            if key == "Fn::Sub":
                text, variables = (arg, {}) if isinstance(arg, str) else arg
                return self._sub(text, variables)
            if key == "Fn::If":
                name, when_true, when_false = arg
                return self.resolve(when_true if self.condition(name) else when_false)
            if key == "Fn::Join":
                sep, items = arg
                return sep.join(str(i) for i in self.resolve(items))
            if key == "Fn::Select":
                index, items = arg
                return self.resolve(items)[int(self.resolve(index))]
            if key == "Fn::Split":
                sep, text = arg
                return str(self.resolve(text)).split(sep)
            if key == "Fn::Equals":
                left, right = (self.resolve(a) for a in arg)
                return str(left) == str(right)
            if key == "Fn::Not":
                return not self.resolve(arg[0])
            if key == "Fn::And":
                return all(self.resolve(a) for a in arg)
            if key == "Fn::Or":
                return any(self.resolve(a) for a in arg)
            if key == "Condition":
                return self.condition(arg)
        return {k: v for k, v in ((k, self.resolve(v)) for k, v in node.items()) if v is not NO_VALUE}


def function_environment(resolver: Resolver, logical_id: str) -> dict[str, str]:
    """The environment Lambda would give ``logical_id``: Globals merged with the function's own."""
    template = resolver.template
    shared = template.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {})
    own = template["Resources"][logical_id].get("Properties", {}).get("Environment", {}).get("Variables", {})
    merged = {**resolver.resolve(shared), **resolver.resolve(own)}
    return {key: str(value) for key, value in merged.items()}


def function_code_dir(template: dict[str, Any], logical_id: str) -> Path:
    code_uri = template["Resources"][logical_id]["Properties"]["CodeUri"]
    return ROOT / str(code_uri)


ATTRIBUTES = {
    "SnapshotBucket": "sentinel-snapshotbucket-1a2b3c",
    "SnapshotBucket.Arn": "arn:aws:s3:::sentinel-snapshotbucket-1a2b3c",
    "SnapshotRole.Arn": "arn:aws:iam::123456789012:role/sentinel-SnapshotRole-X",
    "AlertTopic": "arn:aws:sns:us-east-1:123456789012:sentinel-AlertTopic-X",
    "AlertTopicKey.Arn": "arn:aws:kms:us-east-1:123456789012:key/1234",
    "ScheduleDeadLetterQueue.Arn": "arn:aws:sqs:us-east-1:123456789012:sentinel-dlq",
    "ScheduleDeadLetterQueue.QueueName": "sentinel-dlq",
}
"""What CloudFormation would answer for the resources the template tests' policies name."""


def resolver(template: dict[str, Any], **parameters: Any) -> Resolver:
    """The stack deployed for the domain at ENDPOINT, with ``parameters`` over the defaults."""
    return Resolver(template, {"DomainEndpoint": ENDPOINT, **parameters}, ATTRIBUTES)


def resource(template: dict[str, Any], logical_id: str) -> dict[str, Any]:
    found: dict[str, Any] = template["Resources"][logical_id]
    return found


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def function_statements(template: dict[str, Any], logical_id: str, **parameters: Any) -> list[dict[str, Any]]:
    """The inline statements of a function's SAM ``Policies`` (policy templates excluded)."""
    policies = resource(template, logical_id)["Properties"].get("Policies", [])
    resolved = resolver(template, **parameters).resolve(policies)
    return [statement for policy in resolved if isinstance(policy, dict) for statement in policy.get("Statement", [])]


def granted(statements: list[dict[str, Any]]) -> dict[str, set[str]]:
    """Action -> the resources it is allowed on."""
    grants: dict[str, set[str]] = {}
    for statement in statements:
        assert statement["Effect"] == "Allow"
        for action in as_list(statement["Action"]):
            grants.setdefault(action, set()).update(as_list(statement["Resource"]))
    return grants
