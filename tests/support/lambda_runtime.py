"""What the Lambda runtime gives a handler, for every test: its context object and its environment.

One fake context and one environment builder, used by the handler tests (through the root
conftest's ``lambda_context`` and ``handler_env`` fixtures) and by the rehearsal stack.
"""

from __future__ import annotations

from dataclasses import dataclass

from tests.emulator import EmulatorCredentials
from tests.support.constants import ACCOUNT, REGION


@dataclass
class FakeLambdaContext:
    """The context object the Lambda runtime hands ``lambda_handler``.

    ``seconds_left`` is the time before the function's timeout, as
    ``get_remaining_time_in_millis()`` reports it (constant: tests control time themselves).
    """

    function_name: str = "snapshot-sentinel-Function-Ab12Cd34"
    seconds_left: float = 60.0
    memory_limit_in_mb: int = 256
    aws_request_id: str = "6f1c2d3e-4f50-4a6b-8c7d-8e9fa0b1c2d3"
    log_stream_name: str = "2026/11/28/[$LATEST]0123456789abcdef"
    region: str = REGION

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:{self.region}:{ACCOUNT}:function:{self.function_name}"

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return int(self.seconds_left * 1000)


def handler_environment(
    *,
    endpoint: str = "https://search-my-domain-abcdefghijklmnopqrstuvwxyz.us-east-1.es.amazonaws.com",
    credentials: EmulatorCredentials | None = None,
    region: str = REGION,
    **variables: str,
) -> dict[str, str]:
    """The environment a function of this stack runs with: its region, its role's session credentials
    (the emulator's by default, so the domain accepts the signatures), the domain and Powertools'
    settings. ``variables`` add to or override these (REPOSITORY_NAME, RETENTION_DAYS, ...)."""
    return {
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        **(credentials or EmulatorCredentials.testing()).as_environment(),
        "DOMAIN_ENDPOINT": endpoint,
        "DOMAIN_ARN": f"arn:aws:es:{region}:{ACCOUNT}:domain/my-domain",
        "REPOSITORY_NAME": "nightly-backups",
        "POWERTOOLS_SERVICE_NAME": "snapshot-sentinel",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
        **variables,
    }
