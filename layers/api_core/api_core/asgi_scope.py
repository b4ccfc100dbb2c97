"""Mangum's API Gateway handlers, with the ASGI scope's `server`, `scheme` and Host from `api_core.authority`.

Mangum reads the server from the Host header itself, with `split(":")` and `int()`: a valid IPv6 literal
(`[::1]:3000`), or any Host without a port next to a non-numeric `X-Forwarded-Port`, would fail there
before the app runs, and the scheme would be `X-Forwarded-Proto` copied as sent. These handlers give the
app (`request.url`, `request.base_url`) the same scheme and host as the URLs the layer builds.

The entry point has already read the request (`api_core.events.read_request`) and validated its
authority, and hands both over with `run_app`. A v1 event whose header maps have API Gateway's usual
shape gets its scope from them: the same headers Mangum would list (lowercase, in the order of the
event's `headers`, the validated Host last), without reading the event again. Any other event has Mangum
build the scope from a copy of the event with a placeholder Host, then gets the validated authority set.
Both give the same scope (tests/unit/test_asgi_scope.py). Imported with Mangum, on the first request that
runs the app.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextvars import ContextVar
from typing import Any

from mangum.handlers import APIGateway, HTTPGateway
from mangum.handlers.api_gateway import _encode_query_string_for_apigw
from mangum.handlers.utils import strip_api_gateway_path
from mangum.types import Scope

from api_core.authority import AUTHORITY_SCOPE_KEY, HEADERS_SCOPE_KEY, Authority, read_authority
from api_core.events import HttpRequest

_PLACEHOLDER_HOST = "placeholder:80"  # parses in Mangum; replaced before the app sees the scope
_ASGI = {"version": "3.0", "spec_version": "2.0"}
# The event being run, as the entry point read it: (the event handed to Mangum, its request, authority).
_read: ContextVar[tuple[dict[str, Any], HttpRequest, Authority | None] | None] = ContextVar(
    "api_core_read_request", default=None
)


def run_app(
    handler: Callable[[dict[str, Any], Any], Any],
    event: dict[str, Any],
    context: Any,
    request: HttpRequest,
    authority: Authority | None,
) -> Any:
    """`handler(event, context)`, Mangum's, with the request and authority the entry point read from
    `event` at hand for the scope."""
    token = _read.set((event, request, authority))
    try:
        return handler(event, context)
    finally:
        _read.reset(token)


class _ValidatedAuthority:
    event: dict[str, Any]
    context: Any
    config: Any
    _scope: Scope | None = None

    @property
    def scope(self) -> Scope:
        # Mangum asks more than once (HTTPGateway again for the response): built once.
        if self._scope is None:
            read = _read.get()
            if read is not None and read[0] is self.event and read[1].plain_headers:
                self._scope = self._read_scope(read[1], read[2])
            else:
                self._scope = self._mangum_scope()
        return self._scope

    def _read_scope(self, request: HttpRequest, authority: Authority | None) -> Scope:
        # What APIGateway.scope builds for a v1 event, from the request read in its usual shape: one value
        # per name, so Mangum's joining of multiValueHeaders changes nothing.
        event = self.event
        headers = [
            [name.encode(), values[0].encode()] for name, values in request.headers.items() if name != "host"
        ]
        if authority is not None:
            headers.append([b"host", authority.netloc.encode()])
        return {
            "type": "http",
            "http_version": "1.1",
            "method": event["httpMethod"],
            "headers": headers,
            "path": strip_api_gateway_path(
                event["path"], api_gateway_base_path=self.config["api_gateway_base_path"]
            ),
            "raw_path": None,
            "root_path": "",
            "scheme": authority.scheme if authority is not None else "https",
            "query_string": _encode_query_string_for_apigw(event),
            "server": authority.server if authority is not None else None,
            "client": (event["requestContext"].get("identity", {}).get("sourceIp"), 0),
            "asgi": dict(_ASGI),
            "aws.event": event,
            "aws.context": self.context,
            AUTHORITY_SCOPE_KEY: authority,  # api_core.resources builds URLs from it
            HEADERS_SCOPE_KEY: request.headers,  # and reads a header without Starlette's scan of the list
        }

    def _mangum_scope(self) -> Scope:
        original = self.event
        self.event = _with_placeholder_host(original)
        try:
            scope: Scope = super().scope  # the Mangum handler this is mixed into
        finally:
            self.event = original
        # The entry point answered 400 to a malformed Host, so this read cannot fail.
        authority = read_authority(original)
        headers = [pair for pair in scope["headers"] if pair[0] != b"host"]
        if authority is not None:
            headers.append([b"host", authority.netloc.encode()])
        scope["headers"] = headers
        scope["server"] = authority.server if authority is not None else None
        scope["scheme"] = authority.scheme if authority is not None else "https"
        scope["aws.event"] = original
        scope[AUTHORITY_SCOPE_KEY] = authority  # api_core.resources builds URLs from it
        return scope


class RestApiHandler(_ValidatedAuthority, APIGateway):
    """Mangum's handler of API Gateway REST (v1) events, with the validated authority."""


class HttpApiHandler(_ValidatedAuthority, HTTPGateway):
    """Mangum's handler of HTTP API (v1, v2) and Function URL events, with the validated authority."""


# Mangum tries custom handlers first, in this order; HTTP API events are recognised by their `version`.
HANDLERS = [HttpApiHandler, RestApiHandler]


def _with_placeholder_host(event: Mapping[str, Any]) -> dict[str, Any]:
    # Mangum merges `headers` and a non-empty `multiValueHeaders` (the latter wins): both get the placeholder.
    copy = dict(event)
    copy["headers"] = {**_without_host(event.get("headers")), "host": _PLACEHOLDER_HOST}
    multi = event.get("multiValueHeaders")
    if isinstance(multi, dict) and multi:
        copy["multiValueHeaders"] = {**_without_host(multi), "host": [_PLACEHOLDER_HOST]}
    return copy


def _without_host(headers: Any) -> dict[str, Any]:
    if not isinstance(headers, dict):
        return {}
    try:  # the usual event: names are text, and "host" is found by lowercasing them all at once
        lowered = "\n".join(headers).lower().split("\n")
    except TypeError:
        lowered = []
    if len(lowered) != len(headers):
        return {name: value for name, value in headers.items() if str(name).lower() != "host"}
    copy = dict(headers)
    if "host" in lowered:
        for name in [name for name, lower in zip(headers, lowered, strict=True) if lower == "host"]:
            del copy[name]
    return copy
