"""The one builder of API Gateway REST (v1) proxy events, for the tests and for `make dev`.

A v1 event carries each header twice (`headers`, the last value, and `multiValueHeaders`, every value)
and the query string twice, and repeats the method and path in `requestContext`. `rest_event` takes a
base event (a sample from events/, or `bare_event()`) and replaces the parts asked for in every place
they appear, as API Gateway would have produced them.

Standard library only: `make dev` imports it under SAM CLI's Python, the tests under the dev venv
(tools/ is importable from the repository's root, which pytest's `pythonpath` puts on sys.path).
"""

from __future__ import annotations

import base64
import copy
from collections.abc import Mapping
from typing import Any

HeaderValue = str | list[str] | None


def bare_event(*, stage: str, request_id: str, source_ip: str = "127.0.0.1") -> dict[str, Any]:
    """The fewest fields a v1 event has: a GET of `/`, no headers, no query, no body."""
    return {
        "resource": "/",
        "path": "/",
        "httpMethod": "GET",
        "body": None,
        "isBase64Encoded": False,
        "headers": None,
        "multiValueHeaders": None,
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "stage": stage,
            "path": f"/{stage}/",
            "httpMethod": "GET",
            "requestId": request_id,
            "resourcePath": "/",
            "identity": {"sourceIp": source_ip},
        },
    }


def rest_event(
    base: Mapping[str, Any],
    *,
    method: str | None = None,
    path: str | None = None,
    resource: str | None = None,
    headers: Mapping[str, HeaderValue] | None = None,
    query: Mapping[str, str | list[str]] | None = None,
    body: str | bytes | None = None,
    path_parameters: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """A deep copy of `base` with the given parts replaced; a part left as None stays as in `base`.

    `path` is the decoded path; `requestContext.path` gets the stage in front, as API Gateway's does.
    `headers`: each one replaces that header in any spelling, keeping the given one; a list is a repeated
    header; None removes it. `query`: the whole query string (empty: none). `body`: text as it is, bytes
    as UTF-8 text or, when they are not UTF-8, base64 with `isBase64Encoded` (as for binary media types).
    `path_parameters`: the route's parameters (empty: none).
    """
    event = copy.deepcopy(dict(base))
    context = event["requestContext"]
    if method is not None:
        event["httpMethod"] = context["httpMethod"] = method
    if path is not None:
        event["path"] = path
        context["path"] = f"/{context['stage']}{path}"
    if resource is not None:
        event["resource"] = context["resourcePath"] = resource
    for name, value in (headers or {}).items():
        _set_header(event, name, value)
    if query is not None:
        multi = {name: value if isinstance(value, list) else [value] for name, value in query.items()}
        event["queryStringParameters"] = {name: values[-1] for name, values in multi.items()} or None
        event["multiValueQueryStringParameters"] = multi or None
    if body is not None:
        event["body"], event["isBase64Encoded"] = _body(body)
    if path_parameters is not None:
        event["pathParameters"] = dict(path_parameters) or None
    return event


def _set_header(event: dict[str, Any], name: str, value: HeaderValue) -> None:
    single = event.get("headers") or {}
    multi = event.get("multiValueHeaders") or {}
    lower = name.lower()
    for mapping in (single, multi):
        for key in [key for key in mapping if key.lower() == lower]:
            del mapping[key]
    if value is not None:
        values = value if isinstance(value, list) else [value]
        single[name] = values[-1]  # API Gateway keeps the last value in `headers`
        multi[name] = list(values)
    event["headers"], event["multiValueHeaders"] = single or None, multi or None


def _body(body: str | bytes) -> tuple[str, bool]:
    if isinstance(body, str):
        return body, False
    try:
        return body.decode("utf-8"), False
    except UnicodeDecodeError:
        return base64.b64encode(body).decode(), True
