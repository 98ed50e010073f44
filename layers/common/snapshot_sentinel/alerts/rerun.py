"""The command that starts the same backup run again, for the alert's "What to do"."""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping
from typing import Any

RERUN_INPUT_MAX_CHARS = 4_000
"""An input longer than this is read back from the execution instead of quoted (never cut)."""

_RERUN_KEYS = ("indices", "skip_retention", "retention_dry_run", "retention_only")


def rerun_command(
    machine_arn: str | None,
    execution_arn: str | None,
    config: Mapping[str, Any],
    run: Mapping[str, Any],
    *,
    keep_input: bool,
) -> str:
    """The same request again, as a shell command whose ``--input`` is always valid JSON.

    The run's own input, less its snapshot name (a new run names its own); the refused input as
    it was for an InvalidInputError. An input too long to quote is never cut: the command reads it
    back from the execution instead.
    """
    raw_input = run.get("input")
    run_input: Any
    if keep_input:
        run_input = raw_input
    elif isinstance(raw_input, Mapping):
        run_input = {key: value for key, value in raw_input.items() if key != "snapshot_name"}
    else:
        run_input = {key: config[key] for key in _RERUN_KEYS if config.get(key) not in (None, False, "")}
    arn = machine_arn or "<BackupStateMachine ARN: aws stepfunctions list-state-machines>"
    start = f"aws stepfunctions start-execution --state-machine-arn {shlex.quote(arn)} --input "
    payload = _json_text(run_input)
    if len(payload) <= RERUN_INPUT_MAX_CHARS or not execution_arn:
        return start + shlex.quote(payload if len(payload) <= RERUN_INPUT_MAX_CHARS else "{}")
    read_back = (
        f"aws stepfunctions describe-execution --execution-arn {shlex.quote(execution_arn)} --query input --output text"
    )
    if not keep_input and isinstance(raw_input, Mapping) and "snapshot_name" in raw_input:
        read_back += " | jq -c 'del(.snapshot_name)'"
    return start + f'"$({read_back})"'


def _json_text(value: Any) -> str:
    payload = json.dumps(value, ensure_ascii=False, default=str)
    try:
        payload.encode()
    except UnicodeEncodeError:  # a lone surrogate: SNS takes UTF-8 only, \\u escapes are still JSON
        payload = json.dumps(value, default=str)
    return payload
