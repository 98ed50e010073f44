"""The engine's REST layer: routes, 400 ``no handler found``, 405, 406, bodies, unknown parameters.

A ``Router`` holds ``Route``s (a path pattern and, per method, a handler with the query parameters
it accepts). ``dispatch`` finds the handler the way OpenSearch's RestController does, parses the
body, refuses unknown parameters with the engine's "did you mean" text, calls the handler and renders
its reply (``filter_path``, ``pretty``). Handlers take a ``Call`` and return a ``Reply`` or raise
``ApiError``; they know nothing of HTTP, SigV4 or faults.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, unquote_plus

from tests.emulator.filtering import filter_path
from tests.emulator.responses import ApiError, Reply, engine_error, string_error

COMMON_PARAMS = frozenset({"pretty", "human", "error_trace", "filter_path", "format", "source", "source_content_type"})
_JSON_CONTENT_TYPES = ("application/json", "application/x-ndjson", "application/yaml", "application/cbor")
_METHOD_ORDER = ("GET", "POST", "PUT", "DELETE", "OPTIONS", "HEAD", "PATCH")


class Call:
    """One routed request: decoded path parameters, query, parsed body."""

    def __init__(
        self,
        method: str,
        path: str,
        uri: str,
        params: dict[str, str],
        query: dict[str, str],
        body: Any,
        raw_body: bytes = b"",
    ) -> None:
        self.method = method
        self.path = path
        self.uri = uri
        self.params = params
        self.query = query
        self.body = body
        self.raw_body = raw_body

    def flag(self, name: str, default: bool) -> bool:
        value = self.query.get(name)
        if value is None:
            return default
        if value in ("", "true"):
            return True
        if value == "false":
            return False
        raise engine_error(
            400,
            "illegal_argument_exception",
            f"Failed to parse value [{value}] as only [true] or [false] are allowed.",
        )


Handler = Callable[[Call], Reply]


@dataclass(frozen=True)
class Endpoint:
    """A handler, the query parameters it accepts (besides the common ones) and how it takes a body.

    ``body``: False refuses one; True parses JSON; "ndjson" hands the raw bytes over (``_bulk``).
    """

    handler: Handler
    params: frozenset[str]
    body: bool | str = False


class Route:
    def __init__(self, pattern: str, methods: Mapping[str, Endpoint]) -> None:
        self.pattern = pattern
        self.segments = [s for s in pattern.split("/") if s]
        self.methods = dict(methods)

    def match(self, segments: list[str]) -> tuple[tuple[bool, ...], dict[str, str]] | None:
        if len(segments) != len(self.segments):
            return None
        params: dict[str, str] = {}
        explicit: list[bool] = []
        for mine, theirs in zip(self.segments, segments, strict=True):
            if mine.startswith("{"):
                params[mine[1:-1]] = theirs
                explicit.append(False)
            elif mine == theirs:
                explicit.append(True)
            else:
                return None
        return tuple(explicit), params


def _levenshtein_similarity(a: str, b: str) -> float:
    """Lucene's LevenshteinDistance.getDistance: 1 - edits / longest length."""
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i]
        for j, char_b in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b)))
        previous = current
    return 1.0 - previous[-1] / max(len(a), len(b), 1)


def parse_query(raw_query: str) -> dict[str, str]:
    query: dict[str, str] = {}
    for item in raw_query.split("&"):
        if item:
            name, _, value = item.partition("=")
            query[unquote_plus(name)] = unquote_plus(value)
    return query


def json_or_none(body: bytes) -> Any:
    if not body:
        return None
    try:
        return json.loads(body)
    except ValueError:
        return None


class Router:
    """Answers a request that passed the front end, from the routes it was given."""

    def __init__(self, routes: list[Route]) -> None:
        self.routes = routes

    def dispatch(
        self, method: str, target: str, raw_path: str, query: dict[str, str], headers: Mapping[str, str], body: bytes
    ) -> Reply:
        segments = [unquote(s) for s in raw_path.split("/") if s]
        matches = []
        for route in self.routes:
            found = route.match(segments)
            if found is not None:
                matches.append((found[0], route, found[1]))
        if not matches:
            raise string_error(400, f"no handler found for uri [{target}] and method [{method}]", with_status=False)
        # RestController: the most explicit route that has the method; 405 lists every matching route's methods
        matches.sort(key=lambda m: m[0], reverse=True)
        chosen = next(((route, params) for _, route, params in matches if method in route.methods), None)
        if chosen is None:
            methods = {m for _, route, _ in matches for m in route.methods}
            allowed = [m for m in _METHOD_ORDER if m in methods]
            error = string_error(
                405, f"Incorrect HTTP method for uri [{target}] and method [{method}], allowed: [{', '.join(allowed)}]"
            )
            error.reply.headers["Allow"] = ",".join(allowed)
            raise error
        route, params = chosen
        endpoint = route.methods[method]
        lowered = {k.lower(): v for k, v in headers.items()}
        parsed: Any = None
        if body:
            content_type = lowered.get("content-type")
            if content_type is None:
                raise string_error(406, "Content-Type header is missing")
            if not content_type.split(";")[0].strip().lower().startswith(_JSON_CONTENT_TYPES):
                raise string_error(406, f"Content-Type header [{content_type}] is not supported")
            if not endpoint.body:
                raise engine_error(
                    400,
                    "illegal_argument_exception",
                    f"request [{method} {unquote(raw_path)}] does not support having a body",
                )
            if endpoint.body is True:
                parsed = self._parse_json(body)
        call = Call(method, unquote(raw_path), target, params, query, parsed, body)
        try:
            self._check_parameters(call, endpoint.params | COMMON_PARAMS)
            reply = endpoint.handler(call)
        except ApiError as error:
            # the engine pretty-prints errors too, but never filters them (filter_path is off for errors)
            raise ApiError(self._render(error.reply, call, filtering=False)) from None
        return self._render(reply, call)

    @staticmethod
    def _parse_json(body: bytes) -> Any:
        try:
            return json.loads(body)
        except json.JSONDecodeError as exc:
            raise engine_error(
                400,
                "json_parse_exception",
                f"Unexpected character: {exc.msg} at [Source: (byte[]); line: {exc.lineno}]",
            ) from None
        except UnicodeDecodeError:
            raise engine_error(400, "json_parse_exception", "Invalid UTF-8 start byte") from None

    @staticmethod
    def _check_parameters(call: Call, accepted: frozenset[str]) -> None:
        unknown = sorted(set(call.query) - accepted)
        if not unknown:
            return
        noun = "parameters" if len(unknown) > 1 else "parameter"
        parts = []
        for name in unknown:
            scored = sorted(
                ((_levenshtein_similarity(name, c), c) for c in accepted if _levenshtein_similarity(name, c) > 0.5),
                key=lambda sc: (-sc[0], sc[1]),
            )
            text = f"[{name}]"
            if scored:
                keys = [c for _, c in scored]
                text += (
                    " -> did you mean " + (f"[{keys[0]}]" if len(keys) == 1 else f"any of [{', '.join(keys)}]") + "?"
                )
            parts.append(text)
        path = call.path or "/"
        raise engine_error(
            400, "illegal_argument_exception", f"request [{path}] contains unrecognized {noun}: {', '.join(parts)}"
        )

    @staticmethod
    def _render(reply: Reply, call: Call, *, filtering: bool = True) -> Reply:
        if reply.content_type.startswith("application/json") and reply.body:
            document = json.loads(reply.body)
            if filtering and call.query.get("filter_path"):
                document = filter_path(document, call.query["filter_path"])
            if call.query.get("pretty") in ("", "true"):
                text = json.dumps(document, indent=2, separators=(",", " : ")) + "\n"
                return Reply(reply.status, text.encode(), reply.content_type, headers=reply.headers)
            return Reply(reply.status, json.dumps(document, separators=(",", ":")).encode(), headers=reply.headers)
        return reply
