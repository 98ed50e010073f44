"""A stand-in for CloudFormation's pre-signed ResponseURL: a tiny HTTP server on 127.0.0.1 that
records every answer a custom resource PUTs to it."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Answer:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


class CloudFormationInbox:
    def __init__(self, server: ThreadingHTTPServer) -> None:
        self._server = server
        self._answers: list[Answer] = []
        self._arrived = threading.Condition()
        self.refuse_next = 0

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/cloudformation-response?X-Amz-Signature=test"

    @property
    def answers(self) -> list[Answer]:
        with self._arrived:
            return list(self._answers)

    def record(self, answer: Answer) -> None:
        with self._arrived:
            self._answers.append(answer)
            self._arrived.notify_all()

    def wait_for_answer(self, timeout: float = 10.0) -> Answer:
        with self._arrived:
            if not self._arrived.wait_for(lambda: self._answers, timeout=timeout):
                raise AssertionError(f"no answer reached CloudFormation within {timeout} s")
            return self._answers[0]

    @property
    def only_answer(self) -> dict[str, Any]:
        answers = self.answers
        assert len(answers) == 1, f"CloudFormation got {len(answers)} answers, expected exactly one"
        return answers[0].body


@contextmanager
def cloudformation_inbox() -> Iterator[CloudFormationInbox]:
    inbox: CloudFormationInbox

    class Handler(BaseHTTPRequestHandler):
        def do_PUT(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            payload = self.rfile.read(length)
            if inbox.refuse_next > 0:
                inbox.refuse_next -= 1
                self.send_response(503)
                self.end_headers()
                return
            inbox.record(Answer(self.path, dict(self.headers.items()), json.loads(payload)))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    inbox = CloudFormationInbox(server)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield inbox
    finally:
        server.shutdown()
        server.server_close()
