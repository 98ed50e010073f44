"""The bodies the engine and Amazon's front end answer with, built in one place.

Shapes follow tests/emulator/SNAPSHOT_API.md §1 and §9: the engine envelope
``{"error": {"root_cause": [...], "type", "reason", ...}, "status": N}``, the plain-string ``error``
of the REST layer, Amazon's ``{"Message"}``/``{"message"}`` and the gateway's HTML pages.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

JSON_CONTENT_TYPE = "application/json; charset=UTF-8"
HTML_CONTENT_TYPE = "text/html"

GATEWAY_TIMEOUT_BODY = (
    "<html>\r\n<head><title>504 Gateway Time-out</title></head>\r\n<body>\r\n"
    "<center><h1>504 Gateway Time-out</h1></center>\r\n</body>\r\n</html>\r\n"
)
PROXY_LOGIN_BODY = (
    "<!DOCTYPE html>\r\n<html>\r\n<head><title>Sign in - Corporate Proxy</title></head>\r\n<body>\r\n"
    '<form method="post" action="/login"><input name="user"><input type="password" name="pass"></form>\r\n'
    "</body>\r\n</html>\r\n"
)
"""What a proxy or portal in front of the endpoint answers with 200: a page, not the domain's API."""
SERVICE_UNAVAILABLE_BODY = (
    "<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n"
    "<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n</body>\r\n</html>\r\n"
)


@dataclass
class Reply:
    """What the emulator sends back; ``reset`` closes the connection without any response."""

    status: int
    body: bytes = b""
    content_type: str = JSON_CONTENT_TYPE
    reset: bool = False
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, status: int, document: Any) -> Reply:
        return cls(status, json.dumps(document, separators=(",", ":")).encode())

    @classmethod
    def html(cls, status: int, text: str) -> Reply:
        return cls(status, text.encode(), content_type=HTML_CONTENT_TYPE)

    @classmethod
    def connection_reset(cls) -> Reply:
        return cls(0, reset=True)

    def document(self) -> Any:
        """The JSON body, or None when the body is not JSON."""
        try:
            return json.loads(self.body) if self.body else None
        except ValueError:
            return None


class ApiError(Exception):
    """An error answer; raising it anywhere in a handler ends the request with ``reply``."""

    def __init__(self, reply: Reply) -> None:
        super().__init__(reply.body[:200].decode("utf-8", "replace"))
        self.reply = reply


def cause(error_type: str, reason: str, caused_by: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    """One exception of an engine envelope, as ``caused_by`` nests it."""
    doc: dict[str, Any] = {"type": error_type, "reason": reason, **extra}
    if caused_by is not None:
        doc["caused_by"] = caused_by
    return doc


def engine_error(
    status: int,
    error_type: str,
    reason: str,
    *,
    caused_by: dict[str, Any] | None = None,
    root_cause: list[dict[str, Any]] | None = None,
    **extra: Any,
) -> ApiError:
    """The engine's standard envelope; ``root_cause`` defaults to the error itself (engine rule:
    the innermost *engine* exception, and causes thrown by libraries such as the AWS SDK are not)."""
    top = cause(error_type, reason, caused_by, **extra)
    roots = root_cause if root_cause is not None else [cause(error_type, reason, **extra)]
    return ApiError(Reply.json(status, {"error": {"root_cause": roots, **top}, "status": status}))


def string_error(status: int, message: str, *, with_status: bool = True) -> ApiError:
    """The REST layer's plain-string errors (405, 406; ``no handler found`` has no status field)."""
    document: dict[str, Any] = {"error": message}
    if with_status:
        document["status"] = status
    return ApiError(Reply.json(status, document))


def validation_error(*messages: str) -> ApiError:
    reason = "Validation Failed: " + "".join(f"{i}: {m};" for i, m in enumerate(messages, start=1))
    return engine_error(400, "action_request_validation_exception", reason)


def amazon_error(status: int, message: str, *, key: str = "message") -> ApiError:
    """Amazon's front end: ``{"Message": ...}`` for IAM denials, ``{"message": ...}`` for signing."""
    return ApiError(Reply.json(status, {key: message}))
