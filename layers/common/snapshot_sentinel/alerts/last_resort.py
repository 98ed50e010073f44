"""The last-resort alert: an execution of this stack's state machines ended FAILED, TIMED_OUT or
ABORTED without its own alert. EventBridge delivers a "Step Functions Execution Status Change"
event; this module reads it, decides whether the run already alerted, and writes the message.

An ending already alerted when the workflow's alert path reached its Fail state after publishing:
its Cause ends with :data:`ALERTED_CAUSE_SUFFIX`. Everything else alerts here:
an uncatchable error (``States.DataLimitExceeded``, ``States.Runtime``), a timeout, a stop, an
``AlertNotSentError`` Fail after the alert itself could not be published, or an ending of an
older definition. The decision is made in code, not in the rule's pattern: for TIMED_OUT and
ABORTED the event's ``cause`` can be null or absent, and a pattern that misjudged that would drop
the very alerts this exists for.

:func:`last_resort_alert` (LastResortAlertFunction's one call) publishes the :class:`EndingAlert`
through the one ``Publish`` and envelope of :mod:`snapshot_sentinel.alerts.sns`; everything else
here is pure.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from snapshot_sentinel.alerts.console import console_url
from snapshot_sentinel.alerts.facts import ALERTED_CAUSE_SUFFIX
from snapshot_sentinel.alerts.settings import AlertSettings
from snapshot_sentinel.alerts.sns import envelope, publish, string_attributes
from snapshot_sentinel.alerts.text import human_duration, safe_subject
from snapshot_sentinel.observability import logger

if TYPE_CHECKING:
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sns.type_defs import MessageAttributeValueTypeDef

ENDINGS = ("FAILED", "TIMED_OUT", "ABORTED")
MAX_CAUSE_CHARS = 4_000

_ADVICE = {
    "States.DataLimitExceeded": (
        "A state's input or output passed Step Functions' 256 KB limit. That error ends the execution at once: "
        "no Catch handles it, so the run could not send its own alert. The snapshot may still have been taken "
        "or be running: look at the repository below."
    ),
    "States.Runtime": (
        "Step Functions stopped the execution with a runtime error (a path or intrinsic function that failed on "
        "the data, or a service quota such as the 25,000-event history). No Catch handles it."
    ),
    "States.Timeout": "A state or the whole execution ran past its TimeoutSeconds.",
    "AlertNotSentError": (
        "The run ended badly AND its own alert could not be published: the cause below is the publish error. "
        "Check AlertTopic, its KMS key (AlertTopicKey) and the alert function's role and logs."
    ),
}
_STATUS_ADVICE = {
    "TIMED_OUT": "The execution ran past its time limit and Step Functions ended it; no state of it could alert.",
    "ABORTED": (
        "The execution was stopped (StopExecution from the console, the CLI, an SDK or a redrive). If nobody "
        "meant to, look for StopExecution in CloudTrail."
    ),
}


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _time(value: Any) -> datetime | None:
    """``startDate``/``stopDate``: epoch milliseconds in the event (ISO text tolerated)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value / 1000, tz=UTC)
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return None


@dataclass(frozen=True)
class Ending:
    """One execution's ending, from the event's ``detail``."""

    execution_arn: str
    state_machine_arn: str
    name: str
    status: str
    error: str
    cause: str
    start: datetime | None
    stop: datetime | None
    region: str

    @classmethod
    def from_event(cls, event: Any) -> Ending:
        document: dict[str, Any] = event if isinstance(event, dict) else {}
        raw = document.get("detail")
        detail: dict[str, Any] = raw if isinstance(raw, dict) else {}
        execution_arn = _text(detail.get("executionArn"))
        return cls(
            execution_arn=execution_arn,
            state_machine_arn=_text(detail.get("stateMachineArn")),
            name=_text(detail.get("name")) or execution_arn.rsplit(":", 1)[-1],
            status=_text(detail.get("status")) or "UNKNOWN",
            error=_text(detail.get("error")),
            cause=_text(detail.get("cause")),
            start=_time(detail.get("startDate")),
            stop=_time(detail.get("stopDate")),
            region=_text(document.get("region")),
        )

    @property
    def state_machine(self) -> str:
        """The state machine's name (``...:stateMachine:<name>``)."""
        return self.state_machine_arn.rsplit(":", 1)[-1] or "state machine"

    @property
    def already_alerted(self) -> bool:
        return self.status == "FAILED" and self.cause.endswith(ALERTED_CAUSE_SUFFIX)


@dataclass(frozen=True)
class EndingAlert:
    subject: str
    text: str
    facts: dict[str, Any]


def what_it_means(ending: Ending) -> str:
    if ending.error in _ADVICE:
        return _ADVICE[ending.error]
    if ending.status in _STATUS_ADVICE:
        return _STATUS_ADVICE[ending.status]
    return (
        f"The execution failed with {ending.error or 'no error name'} in a way its own alert path did not report "
        "(a step outside every Catch, or an ending of an older definition)."
    )


def render_ending(ending: Ending, *, domain: str, endpoint: str, repository: str, region: str) -> EndingAlert:
    """The readable alert for an ending that sent none of its own."""
    region = ending.region or region
    cause = ending.cause if len(ending.cause) <= MAX_CAUSE_CHARS else ending.cause[:MAX_CAUSE_CHARS] + " [...]"
    took = human_duration((ending.stop - ending.start).total_seconds()) if ending.start and ending.stop else None
    lines = [
        f"{ending.state_machine} run '{ending.name}' ended {ending.status} and sent no alert of its own.",
        "",
        "What happened",
        f"  Domain:         {domain} ({endpoint})",
        f"  Repository:     {repository}",
        f"  State machine:  {ending.state_machine}",
        f"  Execution:      {ending.name}",
        f"  Status:         {ending.status}",
        f"  Error:          {ending.error or '(none given)'}",
        f"  Cause:          {cause or '(none given)'}",
        f"  Started:        {ending.start.isoformat() if ending.start else 'unknown'}",
        f"  Stopped:        {ending.stop.isoformat() if ending.stop else 'unknown'}"
        + (f" (after {took})" if took else ""),
        "",
        "What it means",
        f"  {what_it_means(ending)}",
        "",
        "What to do",
        "  Read the execution's last events; they name the state that ended it:",
    ]
    url = console_url(ending.execution_arn, region) if ending.execution_arn else None
    if url:
        lines.append(f"    {url}")
    lines += [
        f"    aws stepfunctions describe-execution --execution-arn {ending.execution_arn}",
        (
            f"    aws stepfunctions get-execution-history --execution-arn {ending.execution_arn} "
            "--reverse-order --max-items 25"
        ),
        f"  See which snapshots exist: GET _cat/snapshots/{repository}?v&s=start_epoch",
        "",
        "This alert comes from the stack's last-resort rule (EventBridge, Step Functions Execution Status Change):",
        "it reports the endings a run could not report itself.",
    ]
    facts = {
        "schema_version": 1,
        "kind": "execution_ended_without_alert",
        "outcome": ending.status,
        "domain": domain,
        "repository": repository,
        "state_machine": ending.state_machine,
        "execution": {
            "arn": ending.execution_arn,
            "name": ending.name,
            "start": ending.start.isoformat() if ending.start else None,
            "stop": ending.stop.isoformat() if ending.stop else None,
            "console_url": url,
        },
        "error": ending.error or None,
        "cause": cause or None,
    }
    subject = safe_subject(f"[{ending.status}] {domain}: {ending.state_machine} {ending.name} ended without an alert")
    return EndingAlert(subject=subject, text="\n".join(lines), facts=facts)


def sns_message(alert: EndingAlert) -> str:
    """The ``Message`` this alert is published as (the one envelope of :mod:`snapshot_sentinel.alerts.sns`)."""
    return envelope(alert.subject, alert.text, alert.facts)


def message_attributes(alert: EndingAlert) -> dict[str, MessageAttributeValueTypeDef]:
    """``outcome`` (FAILED, TIMED_OUT, ABORTED), ``domain``, ``repository``, ``kind`` for filter policies."""
    return string_attributes({key: alert.facts[key] for key in ("outcome", "domain", "repository", "kind")})


def report_ending(
    sns: SNSClient, topic_arn: str, ending: Ending, *, domain: str, endpoint: str, repository: str, region: str
) -> dict[str, Any]:
    """Publish the alert of ``ending`` unless the run already sent its own; raises AlertNotSentError."""
    if ending.already_alerted:
        return {"published": False, "reason": "the run's own alert was sent"}
    alert = render_ending(ending, domain=domain, endpoint=endpoint, repository=repository, region=region)
    message_id = publish(
        sns,
        topic_arn,
        subject=alert.subject,
        text=alert.text,
        facts=alert.facts,
        attributes=message_attributes(alert),
    )
    return {"published": True, "message_id": message_id, "subject": alert.subject}


def last_resort_alert(sns: SNSClient, settings: AlertSettings, event: Any) -> dict[str, Any]:
    """LastResortAlertFunction: read the EventBridge event and alert unless the run already did;
    raises AlertNotSentError when SNS refuses (Lambda then retries the event)."""
    ending = Ending.from_event(event)
    logger.append_keys(domain=settings.domain_name, execution=ending.execution_arn, status=ending.status)
    result = report_ending(
        sns,
        settings.topic_arn,
        ending,
        domain=settings.domain_name,
        endpoint=settings.endpoint,
        repository=settings.repository,
        region=settings.region,
    )
    if result["published"]:
        logger.warning("last-resort alert published", extra={"error": ending.error, "message_id": result["message_id"]})
    else:
        logger.info("ending already alerted by the run itself", extra={"error": ending.error})
    return result
