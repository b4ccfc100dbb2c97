"""A `requests` transport that hands each request to a Lambda handler as an API Gateway REST (v1) event.

HTTP clients (schemathesis) can then drive the functions in-process, with every byte they generate: SAM's
emulator decodes each body as UTF-8 and answers a 502 itself when it cannot, so a body that is not UTF-8
never reaches a function through `make dev`. API Gateway passes such a body base64-encoded
(`isBase64Encoded: true`, binary media types), and so does this transport; text bodies go as text.

The event is built as API Gateway builds it: the route is matched on the raw path (an encoded `%2F` stays
inside one segment), then `path` and `pathParameters` are URL-decoded; headers and the query string are
given both single- and multi-value.
"""

from __future__ import annotations

import base64
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from urllib3 import HTTPHeaderDict, HTTPResponse

from support.events import load_event
from support.handlers import Handler, invoke
from support.template import api_events
from tools import rest_events

BASE_URL = "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com"
# Added by API Gateway to every request it passes on.
GATEWAY_HEADERS = {
    "Host": "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com",
    "X-Forwarded-For": "203.0.113.10",
    "X-Forwarded-Port": "443",
    "X-Forwarded-Proto": "https",
}


@dataclass(frozen=True)
class Route:
    """One `Type: Api` event of template.yaml: its resource path (/api/v1/items/{item_id}), its function."""

    resource: str
    function: str

    @property
    def pattern(self) -> re.Pattern[str]:
        parts = re.split(r"(\{[^}/]+\})", self.resource)
        regex = "".join(
            f"(?P<{part[1:-1]}>[^/]+)" if part.startswith("{") else re.escape(part) for part in parts
        )
        return re.compile(f"^{regex}$")

    def match(self, raw_path: str) -> dict[str, str] | None:
        found = self.pattern.match(raw_path)
        return None if found is None else {name: unquote(value) for name, value in found.groupdict().items()}


def api_routes() -> list[Route]:
    """Every route of the REST API, from template.yaml (the function is its CodeUri's folder name)."""
    return [Route(event.path, event.function) for event in api_events()]


class LambdaAdapter(BaseAdapter):
    """Mount on a `requests.Session`; `handler_for(function)` returns the handler of that function.

    A path no route matches gets API Gateway's own 403 `Missing Authentication Token`, as a REST API does.
    """

    def __init__(self, routes: list[Route], handler_for: Callable[[str], Handler]) -> None:
        super().__init__()
        self.routes = routes
        self.handler_for = handler_for
        self.events_sent = 0
        self.binary_bodies = 0  # not UTF-8: sent base64-encoded

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        url = urlsplit(request.url or "")
        for route in self.routes:
            path_parameters = route.match(url.path)
            if path_parameters is not None:
                break
        else:
            gateway_headers = HTTPHeaderDict({"Content-Type": "application/json"})
            return _response(request, 403, gateway_headers, b'{"message":"Missing Authentication Token"}')
        event = rest_event(request, route.resource, path_parameters)
        self.events_sent += 1
        self.binary_bodies += event["isBase64Encoded"]
        result = invoke(self.handler_for(route.function), event)
        headers = HTTPHeaderDict()
        for name, value in (result.raw.get("headers") or {}).items():
            headers.add(name, value)
        for name, values in (result.raw.get("multiValueHeaders") or {}).items():
            for value in values:
                headers.add(name, value)
        raw_body = result.raw.get("body") or ""
        body = base64.b64decode(raw_body) if result.raw.get("isBase64Encoded") else raw_body.encode()
        return _response(request, result.status, headers, body)

    def close(self) -> None:
        pass


def rest_event(
    request: requests.PreparedRequest, resource: str, path_parameters: dict[str, str]
) -> dict[str, Any]:
    """The REST (v1) proxy event API Gateway would deliver for this request on this route."""
    url = urlsplit(request.url or "")
    headers: dict[str, list[str]] = {}
    for name, value in request.headers.items():
        headers.setdefault(name, []).append(value)
    # What the client sent and what API Gateway adds, not the sample event's browser headers (an Origin
    # there would turn every case into a CORS request the client never made).
    for name, value in GATEWAY_HEADERS.items():
        if name.lower() not in {sent.lower() for sent in headers}:
            headers[name] = [value]
    query: dict[str, list[str]] = {}
    for name, value in parse_qsl(url.query, keep_blank_values=True):
        query.setdefault(name, []).append(value)
    # The sample's requestContext; its headers and body are replaced by this request's.
    sample = load_event("health-get-no-origin")
    bare = {**sample, "headers": None, "multiValueHeaders": None, "body": None, "isBase64Encoded": False}
    event = rest_events.rest_event(
        bare,
        method=request.method,
        path=unquote(url.path),
        resource=resource,
        headers=headers,
        query=query,
        body=request.body,
        path_parameters=path_parameters,
    )
    json.dumps(event)  # the runtime delivers only JSON
    return event


def _response(
    request: requests.PreparedRequest, status: int, headers: HTTPHeaderDict, body: bytes
) -> requests.Response:
    """A response as requests' HTTP adapter builds one, with urllib3's `raw` (schemathesis reads it)."""
    raw = HTTPResponse(
        body=io.BytesIO(body), headers=headers, status=status, version=11, preload_content=False
    )
    response = requests.Response()
    response.status_code = status
    response.headers = CaseInsensitiveDict(headers)
    response.raw = raw
    response._content = body
    response.encoding = "utf-8"
    response.url = request.url or ""
    response.request = request
    response.reason = ""
    return response
