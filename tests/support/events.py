"""Load an event from events/ and override what a test varies, keeping the event self-consistent.

v1 (REST) events carry each header twice (`headers` and `multiValueHeaders`) and the query string twice;
an override updates both, as API Gateway would have produced them. v2 events (HTTP API, Function URL)
carry lowercase headers and a raw query string.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from typing import Any
from urllib.parse import urlencode

from support.paths import EVENTS_DIR

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
    event = copy.deepcopy(_read(name))
    is_v2 = event.get("version") == "2.0"
    if method is not None:
        _set_method(event, method, is_v2)
    if path is not None:
        _set_path(event, path, is_v2)
    if headers:
        for header, value in headers.items():
            _set_header(event, header, value, is_v2)
    if query is not None:
        _set_query(event, query, is_v2)
    if body is not None:
        event["body"] = body if isinstance(body, str) else json.dumps(body)
        event["isBase64Encoded"] = False
    if path_parameters is not None:
        event["pathParameters"] = path_parameters or None
    return event


def _set_method(event: dict[str, Any], method: str, is_v2: bool) -> None:
    if is_v2:
        event["requestContext"]["http"]["method"] = method
    else:
        event["httpMethod"] = method
        event["requestContext"]["httpMethod"] = method


def _set_path(event: dict[str, Any], path: str, is_v2: bool) -> None:
    if is_v2:
        event["rawPath"] = path
        event["requestContext"]["http"]["path"] = path
    else:
        event["path"] = path
        event["requestContext"]["path"] = f"/{event['requestContext']['stage']}{path}"


def _set_header(event: dict[str, Any], name: str, value: str | list[str] | None, is_v2: bool) -> None:
    lower = name.lower()
    if is_v2:
        headers = event.setdefault("headers", {})
        for key in [k for k in headers if k.lower() == lower]:
            del headers[key]
        if value is not None:
            headers[lower] = ",".join(value) if isinstance(value, list) else value
        return
    single = event.get("headers") or {}
    multi = event.get("multiValueHeaders") or {}
    for mapping in (single, multi):
        for key in [k for k in mapping if k.lower() == lower]:
            del mapping[key]
    if value is not None:
        values = value if isinstance(value, list) else [value]
        single[name] = values[-1]  # API Gateway keeps the last value in `headers`
        multi[name] = list(values)
    event["headers"], event["multiValueHeaders"] = single or None, multi or None


def _set_query(event: dict[str, Any], query: dict[str, str | list[str]], is_v2: bool) -> None:
    multi = {k: v if isinstance(v, list) else [v] for k, v in query.items()}
    if is_v2:
        event["rawQueryString"] = urlencode(multi, doseq=True)
        event["queryStringParameters"] = {k: ",".join(v) for k, v in multi.items()} or None
    else:
        event["queryStringParameters"] = {k: v[-1] for k, v in multi.items()} or None
        event["multiValueQueryStringParameters"] = multi or None
