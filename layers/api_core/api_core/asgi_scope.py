"""Mangum's API Gateway handlers, with the ASGI scope's `server`, `scheme` and Host from `api_core.authority`.

Mangum reads the server from the Host header itself, with `split(":")` and `int()`: a valid IPv6 literal
(`[::1]:3000`), or any Host without a port next to a non-numeric `X-Forwarded-Port`, would fail there
before the app runs, and the scheme would be `X-Forwarded-Proto` copied as sent. These handlers let
Mangum build its scope from the event with a placeholder Host, then set the validated authority: the app
(`request.url`, `request.base_url`) sees the same scheme and host as the URLs the layer builds. Imported
with Mangum, on the first request that runs the app.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mangum.handlers import APIGateway, HTTPGateway
from mangum.types import Scope

from api_core.authority import AUTHORITY_SCOPE_KEY, read_authority

_PLACEHOLDER_HOST = "placeholder:80"  # parses in Mangum; replaced before the app sees the scope


class _ValidatedAuthority:
    event: dict[str, Any]

    @property
    def scope(self) -> Scope:
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
