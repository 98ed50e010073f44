"""Answers to CloudFormation custom resource requests.

CloudFormation waits for one JSON document PUT to the request's pre-signed ``ResponseURL``
(``Status``, ``Reason``, ``PhysicalResourceId``, ``StackId``, ``RequestId``, ``LogicalResourceId``,
``Data``); until it arrives the stack waits (for ``ServiceTimeout``, an hour by default). The
:class:`Responder` sends that answer exactly once, whichever of the work or the timeout watchdog
gets there first. The URL is a credential for that one answer: it is never logged.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import requests

from snapshot_sentinel.errors import InvalidRegistrationError
from snapshot_sentinel.observability import logger

SUCCESS = "SUCCESS"
FAILED = "FAILED"
REQUEST_TYPES = frozenset({"Create", "Update", "Delete"})

# CloudFormation refuses answers over 4096 bytes, and a refused answer leaves the stack waiting.
MAX_RESPONSE_BYTES = 4096
_MIN_REASON_BYTES = 512
"""Data is dropped rather than leave the Reason less room than this."""
_ELLIPSIS = "…"


@dataclass(frozen=True)
class CustomResourceRequest:
    """The parts of a custom resource event this project acts on."""

    request_type: str
    response_url: str = field(repr=False)
    stack_id: str
    request_id: str
    logical_resource_id: str
    physical_resource_id: str | None
    properties: Mapping[str, Any]

    @classmethod
    def from_event(cls, event: Mapping[str, Any]) -> CustomResourceRequest:
        missing = [key for key in ("RequestType", "ResponseURL", "StackId", "RequestId") if not event.get(key)]
        if missing:
            raise InvalidRegistrationError(
                f"not a CloudFormation custom resource request: {', '.join(missing)} missing"
            )
        request_type = str(event["RequestType"])
        if request_type not in REQUEST_TYPES:
            raise InvalidRegistrationError(f"unknown RequestType {request_type!r}")
        return cls(
            request_type=request_type,
            response_url=str(event["ResponseURL"]),
            stack_id=str(event["StackId"]),
            request_id=str(event["RequestId"]),
            logical_resource_id=str(event.get("LogicalResourceId", "")),
            physical_resource_id=event.get("PhysicalResourceId") or None,
            properties=dict(event.get("ResourceProperties") or {}),
        )


def encoded_size(document: Any) -> int:
    """Bytes of ``document`` as :class:`Responder` sends it: ``json.dumps`` (non-ASCII escaped to
    ``\\uXXXX``, six bytes a character, twelve outside the Basic Multilingual Plane), UTF-8."""
    return len(json.dumps(document).encode())


def clip_to_bytes(text: str, max_bytes: int) -> str:
    """The longest start of ``text`` whose JSON-escaped form, with a closing ``…`` when cut, takes at
    most ``max_bytes``; ``text`` itself when it fits."""
    if encoded_size(text) - 2 <= max_bytes:
        return text
    budget = max_bytes - (encoded_size(_ELLIPSIS) - 2)
    kept: list[str] = []
    for character in text:
        cost = encoded_size(character) - 2
        if cost > budget:
            break
        budget -= cost
        kept.append(character)
    return "".join(kept) + _ELLIPSIS


def response_body(
    request: CustomResourceRequest,
    status: str,
    reason: str,
    physical_resource_id: str,
    data: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The standard cfn-response document, at most :data:`MAX_RESPONSE_BYTES` as sent.

    The Reason is clipped by its encoded size, not by characters; Data is dropped only when it
    would leave the Reason less than :data:`_MIN_REASON_BYTES`.
    """
    body: dict[str, Any] = {
        "Status": status,
        "Reason": "",
        "PhysicalResourceId": physical_resource_id,
        "StackId": request.stack_id,
        "RequestId": request.request_id,
        "LogicalResourceId": request.logical_resource_id,
        "NoEcho": False,
        "Data": dict(data or {}),
    }
    if MAX_RESPONSE_BYTES - encoded_size(body) < _MIN_REASON_BYTES:
        body["Data"] = {}
    body["Reason"] = clip_to_bytes(reason, max(0, MAX_RESPONSE_BYTES - encoded_size(body)))
    return body


class Responder:
    """Sends the single answer to one request; any later answer is dropped.

    Thread-safe: the work and a timeout watchdog may race to answer, and only the first wins.
    """

    def __init__(
        self,
        request: CustomResourceRequest,
        session: requests.Session,
        *,
        attempts: int = 3,
        timeout_seconds: float = 10.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._request = request
        self._session = session
        self._attempts = attempts
        self._timeout = timeout_seconds
        self._sleep = sleep
        self._lock = threading.Lock()
        self._sent: dict[str, Any] | None = None

    @property
    def sent(self) -> dict[str, Any] | None:
        """The answer sent so far, or None."""
        return self._sent

    def answer(
        self,
        status: str,
        reason: str,
        physical_resource_id: str,
        data: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """Send the answer unless one was already sent; returns the answer that stands."""
        with self._lock:
            if self._sent is not None:
                return self._sent
            body = response_body(self._request, status, reason, physical_resource_id, data)
            self._sent = body
            self._put(body)
            return body

    def _put(self, body: dict[str, Any]) -> None:
        payload = json.dumps(body).encode()
        # The URL is pre-signed without a content type: sending one would break the signature.
        headers = {"Content-Type": "", "Content-Length": str(len(payload))}
        for attempt in range(1, self._attempts + 1):
            try:
                response = self._session.put(
                    self._request.response_url, data=payload, headers=headers, timeout=self._timeout
                )
            except requests.RequestException as exc:
                problem = type(exc).__name__
            else:
                if response.status_code < 300:
                    logger.info("answered CloudFormation", extra={"status": body["Status"]})
                    return
                problem = f"HTTP {response.status_code}"
            logger.warning("CloudFormation answer not accepted", extra={"attempt": attempt, "problem": problem})
            if attempt < self._attempts:
                self._sleep(float(attempt))
        logger.error(
            "could not deliver the answer to CloudFormation; the resource fails when its ServiceTimeout ends",
            extra={"status": body["Status"]},
        )
