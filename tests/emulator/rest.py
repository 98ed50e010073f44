"""A thin raw-HTTP caller for tests that assert on exact statuses and bodies of the emulator."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import requests
from requests_aws4auth import AWS4Auth

from tests.emulator.domain import EmulatedDomain
from tests.emulator.server import serve
from tests.emulator.sigv4 import EmulatorCredentials


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    content_type: str

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def error_type(self) -> str | None:
        error = self.json.get("error") if self.body.startswith(b"{") else None
        return error.get("type") if isinstance(error, dict) else None

    @property
    def reason(self) -> str | None:
        error = self.json.get("error") if self.body.startswith(b"{") else None
        return error.get("reason") if isinstance(error, dict) else None


class RestCaller:
    """``call("PUT", "/_snapshot/r/s", params={...}, body={...})`` -> Answer; signs when given credentials."""

    def __init__(
        self, endpoint: str, credentials: EmulatorCredentials | None = None, region: str = "us-east-1"
    ) -> None:
        self.endpoint = endpoint
        self.session = requests.Session()
        if credentials is not None:
            self.session.auth = AWS4Auth(
                credentials.access_key,
                credentials.secret_key,
                region,
                "es",
                session_token=credentials.session_token,
            )

    def call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        data = json.dumps(body).encode() if body is not None else None
        all_headers = {"Content-Type": "application/json"} if data is not None else {}
        all_headers.update(headers or {})
        response = self.session.request(
            method, self.endpoint + path, params=params, data=data, headers=all_headers, timeout=10
        )
        return Answer(response.status_code, response.content, response.headers.get("Content-Type", ""))

    def get(self, path: str, **params: str) -> Answer:
        return self.call("GET", path, params=params or None)

    def put(self, path: str, body: Any = None, **params: str) -> Answer:
        return self.call("PUT", path, params=params or None, body=body)

    def post(self, path: str, body: Any = None, **params: str) -> Answer:
        return self.call("POST", path, params=params or None, body=body)

    def delete(self, path: str, **params: str) -> Answer:
        return self.call("DELETE", path, params=params or None)

    def head(self, path: str, **params: str) -> Answer:
        return self.call("HEAD", path, params=params or None)

    def bulk(self, path: str, lines: list[Any], **params: str) -> Answer:
        """POST newline-delimited JSON (``_bulk``): each item of ``lines`` is one line."""
        data = "".join(json.dumps(line) + "\n" for line in lines).encode()
        response = self.session.request(
            "POST",
            self.endpoint + path,
            params=params or None,
            data=data,
            headers={"Content-Type": "application/x-ndjson"},
            timeout=10,
        )
        return Answer(response.status_code, response.content, response.headers.get("Content-Type", ""))

    def close(self) -> None:
        self.session.close()


@dataclass
class Emulated:
    """An emulated domain being served, and a caller pointed at it."""

    domain: EmulatedDomain
    api: RestCaller


@contextmanager
def emulated(repository: str, *, bucket: str = "my-bucket", **options: Any) -> Iterator[Emulated]:
    """Serve an ``EmulatedDomain(**options)`` with ``repository`` registered, for the test's duration."""
    domain = EmulatedDomain(**options)
    domain.register_repository(repository, bucket=bucket)
    with serve(domain) as server:
        api = RestCaller(server.endpoint)
        try:
            yield Emulated(domain, api)
        finally:
            api.close()
