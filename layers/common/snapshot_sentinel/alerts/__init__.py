"""Alerts: what AlertTopic carries when a run does not succeed, and the one way it is published.

One typed object, :class:`AlertFacts`, holds what an alert says; the modules around it each do
one job:

- :mod:`.facts`: the facts model and the JSON schema it writes;
- :mod:`.input`: read the state machine's event into :class:`AlertFacts` (never raises; an event
  of an unknown shape becomes an UNKNOWN alert carrying the raw JSON);
- :mod:`.json_values`: the tolerant readers of JSON values every report uses;
- :mod:`.rerun`: the command that starts the same run again; :mod:`.console`: links to the execution;
- :mod:`.advice`: what to do, keyed by the exception classes of :mod:`snapshot_sentinel.errors`;
- :mod:`.text`: the subject and the plain-text body;
- :mod:`.sns`: the SNS message within SNS's limits, the one envelope and the one ``Publish``;
- :mod:`.lookup`: what the alert function reads from the domain itself (every shard failure,
  the latest full backup);
- :mod:`.notice`: the registered-again message; :mod:`.steps`: SendAlertFunction's one call;
- :mod:`.last_resort`: the alert for an execution that ended without sending its own.
"""

from snapshot_sentinel.alerts.advice import ADVICE, advice_for
from snapshot_sentinel.alerts.console import console_url, state_machine_arn
from snapshot_sentinel.alerts.facts import (
    ALERTED_CAUSE_SUFFIX,
    DEADLINE,
    ERROR,
    FAILED,
    INCOMPATIBLE,
    OUTCOMES,
    PARTIAL,
    SCHEMA_VERSION,
    UNKNOWN,
    AlertFacts,
    Domain,
    DomainRead,
    Failure,
)
from snapshot_sentinel.alerts.input import read_facts
from snapshot_sentinel.alerts.rerun import RERUN_INPUT_MAX_CHARS
from snapshot_sentinel.alerts.sns import (
    FACTS_SEPARATOR,
    MESSAGE_BUDGET_BYTES,
    SNS_MESSAGE_MAX_BYTES,
    message_attributes,
    publish_alert,
    render_alert,
    sns_message,
)
from snapshot_sentinel.alerts.text import SUBJECT_MAX_CHARS, Alert, human_duration, safe_subject

__all__ = [
    "ADVICE",
    "ALERTED_CAUSE_SUFFIX",
    "DEADLINE",
    "ERROR",
    "FACTS_SEPARATOR",
    "FAILED",
    "INCOMPATIBLE",
    "MESSAGE_BUDGET_BYTES",
    "OUTCOMES",
    "PARTIAL",
    "RERUN_INPUT_MAX_CHARS",
    "SCHEMA_VERSION",
    "SNS_MESSAGE_MAX_BYTES",
    "SUBJECT_MAX_CHARS",
    "UNKNOWN",
    "Alert",
    "AlertFacts",
    "Domain",
    "DomainRead",
    "Failure",
    "advice_for",
    "console_url",
    "human_duration",
    "message_attributes",
    "publish_alert",
    "read_facts",
    "render_alert",
    "safe_subject",
    "sns_message",
    "state_machine_arn",
]
