"""The Powertools logger every function shares, and the quieting of noisy libraries.

Powertools reads ``POWERTOOLS_SERVICE_NAME`` and ``POWERTOOLS_LOG_LEVEL`` (template.yaml's
``Globals``). Events are logged only at DEBUG; no credential, signature or token is ever put
in a log line: the domain client logs method, path and status only.
"""

from __future__ import annotations

import logging

from aws_lambda_powertools.logging import Logger

logger = Logger(service="snapshot-sentinel")

for noisy in ("urllib3", "botocore", "requests_aws4auth"):
    logging.getLogger(noisy).setLevel(logging.WARNING)
