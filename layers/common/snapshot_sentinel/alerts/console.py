"""Links from an alert to the execution it is about: its page in the Step Functions console, and
its state machine's ARN."""

from __future__ import annotations


def console_url(execution_arn: str, region: str = "") -> str | None:
    """The execution's page in the Step Functions console, in the ARN's own partition."""
    parts = execution_arn.split(":")
    if len(parts) < 7 or parts[2] != "states":
        return None
    partition, arn_region = parts[1], parts[3] or region
    host = {
        "aws-cn": "console.amazonaws.cn",
        "aws-us-gov": "console.amazonaws-us-gov.com",
    }.get(partition, "console.aws.amazon.com")
    return f"https://{arn_region}.{host}/states/home?region={arn_region}#/v2/executions/details/{execution_arn}"


def state_machine_arn(execution_arn: str) -> str | None:
    """``arn:...:execution:<machine>:<id>`` -> ``arn:...:stateMachine:<machine>``."""
    parts = execution_arn.split(":")
    if len(parts) < 7 or parts[2] != "states" or parts[5] not in ("execution", "express"):
        return None
    return ":".join([*parts[:5], "stateMachine", parts[6]])
