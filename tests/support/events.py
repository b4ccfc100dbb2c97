"""Load an event from events/ and override what a test varies, keeping the event self-consistent.

v1 (REST) events are edited by the one v1 builder, tools.rest_events (`make dev` seeds with it too): an
override updates every place API Gateway repeats it. v2 events (HTTP API, Function URL) carry lowercase
headers and a raw query string.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from typing import Any
from urllib.parse import urlencode

from support.paths import EVENTS_DIR
from tools.rest_events import rest_event

Absent = None  # pass as a header value to remove that header


@cache
def _read(name: str) -> dict[str, Any]:
    return json.loads((EVENTS_DIR / f"{name}.json").read_text())


def load_event(
    name: str,
    *,
    method: str | None = None,
    path: str | None = None,
    headers: dict[str, str | list[str] | None] | None = None,
    query: dict[str, str | list[str]] | None = None,
    body: str | dict[str, Any] | list[Any] | None = None,
    path_parameters: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A fresh copy of events/<name>.json with the given parts replaced."""
    text = body if body is None or isinstance(body, str) else json.dumps(body)
    if _read(name).get("version") != "2.0":
        return rest_event(
            _read(name),
            method=method,
            path=path,
            headers=headers,
            query=query,
            body=text,
            path_parameters=path_parameters,
        )
    event = copy.deepcopy(_read(name))
    if method is not None:
        event["requestContext"]["http"]["method"] = method
    if path is not None:
        event["rawPath"] = path
        event["requestContext"]["http"]["path"] = path
    for header, value in (headers or {}).items():
        _set_v2_header(event, header, value)
    if query is not None:
        multi = {k: v if isinstance(v, list) else [v] for k, v in query.items()}
        event["rawQueryString"] = urlencode(multi, doseq=True)
        event["queryStringParameters"] = {k: ",".join(v) for k, v in multi.items()} or None
    if text is not None:
        event["body"] = text
        event["isBase64Encoded"] = False
    if path_parameters is not None:
        event["pathParameters"] = path_parameters or None
    return event


def _set_v2_header(event: dict[str, Any], name: str, value: str | list[str] | None) -> None:
    lower = name.lower()
    headers = event.setdefault("headers", {})
    for key in [k for k in headers if k.lower() == lower]:
        del headers[key]
    if value is not None:
        headers[lower] = ",".join(value) if isinstance(value, list) else value
