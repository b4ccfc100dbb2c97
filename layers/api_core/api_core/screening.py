"""Limits a request must pass before the app sees it (docs/RELIABILITY.md has the figures). Pure.

`screen_request` answers with problem+json, and never parses or runs, a body over `MAX_BODY_BYTES` (413),
a body flagged base64 that is not base64 or JSON nested deeper than `MAX_JSON_DEPTH` (400), and a write
whose body is not labelled JSON (415). Null values inside header and query maps are dropped on the way
(Mangum would fail on them).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any

from api_core.events import WRITE_METHODS, HttpRequest, LambdaResponse, json_response
from api_core.problems import (
    PROBLEM_JSON,
    RETRY_AFTER_SECONDS,
    TYPE_MALFORMED_BODY,
    TYPE_PAYLOAD_TOO_LARGE,
    TYPE_UNSUPPORTED_MEDIA_TYPE,
    problem_body,
)

# API Gateway accepts up to 10 MB and Lambda 6 MB per synchronous invocation; a JSON resource of this
# template is a few KB. 1 MiB leaves room for large documents while keeping parsing cheap.
MAX_BODY_BYTES = 1024 * 1024
# Python's json parser recurses per level; anything this deep is not a resource, and far deeper input
# would end in a RecursionError (a 500) instead of a 400.
MAX_JSON_DEPTH = 64


def screen_request(event: Mapping[str, Any], request: HttpRequest) -> LambdaResponse | None:
    """A problem response for a request whose body must not reach the app, else None."""
    _drop_nulls(event)
    body = event.get("body")
    if not isinstance(body, str) or not body:
        return None
    encoded = bool(event.get("isBase64Encoded"))
    # Base64 is 4 characters for 3 bytes: the decoded size is known without decoding.
    size = len(body) * 3 // 4 if encoded else len(body.encode())
    if size > MAX_BODY_BYTES:
        return problem(
            request,
            413,
            f"the request body is larger than {MAX_BODY_BYTES} bytes",
            TYPE_PAYLOAD_TOO_LARGE,
            max_bytes=MAX_BODY_BYTES,
        )
    if encoded:
        try:
            base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            return problem(request, 400, "the request body is not valid base64", TYPE_MALFORMED_BODY)
    elif _too_deep(body):
        detail = f"the JSON body is nested deeper than {MAX_JSON_DEPTH} levels"
        return problem(request, 400, detail, TYPE_MALFORMED_BODY)
    if request.method in WRITE_METHODS and not _is_json(request.header("content-type")):
        detail = "the request body must be JSON (Content-Type: application/json)"
        return problem(request, 415, detail, TYPE_UNSUPPORTED_MEDIA_TYPE)
    return None


def problem(
    request: HttpRequest, status: int, detail: str, type: str, *, retry_after: bool = False, **members: Any
) -> LambdaResponse:
    """A problem+json Lambda response for an answer the layer gives before the app runs."""
    body = problem_body(status, detail, request.path, type=type, **members)
    response = json_response(request.format, status, body, PROBLEM_JSON)
    if retry_after:
        response["headers"]["Retry-After"] = RETRY_AFTER_SECONDS
    return response


def _is_json(content_type: str | None) -> bool:
    media_type = (content_type or "").split(";")[0].strip().lower()
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


def _drop_nulls(event: Mapping[str, Any]) -> None:
    # API Gateway sends null for an empty map; a null *value* inside one (hand-made or test events) would
    # crash Mangum's header encoding, so it is dropped here, in place, before Mangum reads the event.
    for key in ("headers", "multiValueHeaders", "queryStringParameters", "multiValueQueryStringParameters"):
        mapping = event.get(key)
        if not isinstance(mapping, dict):
            continue
        for name in list(mapping):
            value = mapping[name]
            if isinstance(value, list):
                mapping[name] = [v for v in value if isinstance(v, str)]
            elif not isinstance(value, str):
                del mapping[name]


def _too_deep(text: str) -> bool:
    # Cheap pre-test: a shallow document cannot hold MAX_JSON_DEPTH opening brackets.
    if text.count("[") + text.count("{") <= MAX_JSON_DEPTH:
        return False
    depth = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                return True
        elif char in "]}":
            depth -= 1
    return False
