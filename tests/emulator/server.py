"""Real HTTP on 127.0.0.1 in front of an EmulatedDomain; closes every connection and thread on exit."""

from __future__ import annotations

import contextlib
import logging
import socket
import struct
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.emulator.domain import EmulatedDomain

logger = logging.getLogger(__name__)

HOST = "127.0.0.1"


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _DomainHTTPServer
    timeout = 60
    # Headers and body go out in two writes; with Nagle on, each kept-alive exchange waits ~40 ms
    # for the client's delayed ACK.
    disable_nagle_algorithm = True

    def _dispatch(self) -> None:
        body = self._read_body()
        headers = dict(self.headers.items())
        reply = self.server.domain.handle(self.command, self.path, headers, body)
        if reply.reset:
            self._reset_connection()
            return
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(0 if self.command == "HEAD" else len(reply.body)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply.body)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = do_PATCH = do_OPTIONS = _dispatch

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _reset_connection(self) -> None:
        """Drop the connection with a TCP reset, no status line, as a dying load balancer does."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("emulator: " + format, *args)


class _DomainHTTPServer(ThreadingHTTPServer):
    daemon_threads = False
    block_on_close = True

    def __init__(self, domain: EmulatedDomain, port: int) -> None:
        self.domain = domain
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__((HOST, port), _RequestHandler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_idle_connections(self) -> None:
        """Wake handler threads blocked on kept-alive connections so they can end."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class EmulatorServer:
    """A running emulator: ``endpoint`` is ``http://127.0.0.1:<port>``."""

    def __init__(self, domain: EmulatedDomain, port: int = 0) -> None:
        self.domain = domain
        self._httpd = _DomainHTTPServer(domain, port)
        self.port: int = self._httpd.server_address[1]
        self.endpoint = f"http://{HOST}:{self.port}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.01},
            name=f"emulator-{self.port}",
            daemon=True,
        )

    def start(self) -> EmulatorServer:
        self._thread.start()
        return self

    def close(self) -> None:
        if self._thread.is_alive():
            self._httpd.shutdown()
            self._thread.join()
        self._httpd.close_idle_connections()
        self._httpd.server_close()

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()


@contextlib.contextmanager
def serve(domain: EmulatedDomain, port: int = 0) -> Iterator[EmulatorServer]:
    """Serve ``domain`` over HTTP on 127.0.0.1 (port 0: an ephemeral port) for the block's duration."""
    server = EmulatorServer(domain, port).start()
    try:
        yield server
    finally:
        server.close()
