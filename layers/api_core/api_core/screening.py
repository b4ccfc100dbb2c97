"""Limits a request must pass before the app sees it (docs/RELIABILITY.md has the figures). Pure.

`malformed_request` answers, before anything else is decided, a request the layer cannot even describe
safely: text that is not Unicode in what the app reads (400 `malformed-request`), or a Host that is not a
valid `host[:port]` (400 `malformed-host`, `api_core.authority`).

`screen_request` answers with problem+json, and never parses or runs, a body over `MAX_BODY_BYTES` (413),
a body that is not UTF-8 text, not base64 when flagged so, or JSON nested deeper than `MAX_JSON_DEPTH`
(400 `malformed-body`), and a write whose body is not labelled JSON (415). Null values inside header and
query maps are dropped on the way (Mangum would fail on them).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from itertools import chain
from typing import Any

from api_core.authority import Authority, MalformedHost, read_authority
from api_core.events import WRITE_METHODS, HttpRequest, LambdaResponse, json_response
from api_core.problems import (
    PROBLEM_JSON,
    RETRY_AFTER_SECONDS,
    TYPE_MALFORMED_BODY,
    TYPE_MALFORMED_HOST,
    TYPE_MALFORMED_REQUEST,
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
# Where text lives in an event (either format), besides the body, and what a client calls that part. A
# lone surrogate in any of them fails the moment Mangum, the app or a URL encodes it: a 500.
_TEXT_PARTS = (
    ("httpMethod", "method"),
    ("path", "path"),
    ("rawPath", "path"),
    ("rawQueryString", "query"),
    ("pathParameters", "path"),
    ("headers", "headers"),
    ("multiValueHeaders", "headers"),
    ("queryStringParameters", "query"),
    ("multiValueQueryStringParameters", "query"),
    ("cookies", "cookies"),
)
_TEXT_PARTS_BUT_HEADERS = tuple(part for part in _TEXT_PARTS if part[1] != "headers")
_NO_TEXT: dict[str, str] = {}
_QUERY_MAPS = ("queryStringParameters", "multiValueQueryStringParameters")
_HEADER_AND_QUERY_MAPS = ("headers", "multiValueHeaders", *_QUERY_MAPS)


def malformed_request(event: Mapping[str, Any], request: HttpRequest) -> LambdaResponse | None:
    """A 400 problem for a request with text that is not Unicode, or a malformed Host; else None."""
    return checked_authority(event, request)[1]


def checked_authority(
    event: Mapping[str, Any], request: HttpRequest
) -> tuple[Authority | None, LambdaResponse | None]:
    """The request's validated authority (`api_core.authority.read_authority`), or, for a request with
    text that is not Unicode or a malformed Host, the 400 problem to answer it with."""
    part = _non_unicode_part(event, request.plain_headers)
    if part is not None:
        detail = f"text in the request's {part} is not valid Unicode (it holds a lone surrogate)"
        return None, problem(request, 400, detail, TYPE_MALFORMED_REQUEST)
    try:
        return read_authority(event, request.headers), None
    except MalformedHost as error:
        return None, problem(request, 400, str(error), TYPE_MALFORMED_HOST)


def screen_request(event: Mapping[str, Any], request: HttpRequest) -> LambdaResponse | None:
    """A problem response for a request whose body must not reach the app, else None."""
    _drop_nulls(event, request.plain_headers)
    body = event.get("body")
    if not isinstance(body, str) or not body:
        return None
    encoded = bool(event.get("isBase64Encoded"))
    # Base64 is 4 characters for 3 bytes: the decoded size is known without decoding. A lone surrogate is
    # counted as the 3 bytes it would take, and refused just below.
    size = len(body) * 3 // 4 if encoded else len(body.encode(errors="surrogatepass"))
    if size > MAX_BODY_BYTES:
        return problem(
            request,
            413,
            f"the request body is larger than {MAX_BODY_BYTES} bytes",
            TYPE_PAYLOAD_TOO_LARGE,
            max_bytes=MAX_BODY_BYTES,
        )
    is_json = _is_json(request.header("content-type"))
    malformed = _malformed_body(body, encoded=encoded, is_json=is_json)
    if malformed is not None:
        return problem(request, 400, malformed, TYPE_MALFORMED_BODY)
    if request.method in WRITE_METHODS and not is_json:
        detail = "the request body must be JSON (Content-Type: application/json)"
        return problem(request, 415, detail, TYPE_UNSUPPORTED_MEDIA_TYPE)
    return None


def problem(
    request: HttpRequest, status: int, detail: str, type: str, *, retry_after: bool = False, **members: Any
) -> LambdaResponse:
    """A problem+json Lambda response for an answer the layer gives before the app runs."""
    # The path is echoed as `instance`; one that is not Unicode is echoed with its surrogates replaced.
    instance = request.path if _is_unicode(request.path) else request.path.encode(errors="replace").decode()
    body = problem_body(status, detail, instance, type=type, **members)
    response = json_response(request.format, status, body, PROBLEM_JSON)
    if retry_after:
        response["headers"]["Retry-After"] = RETRY_AFTER_SECONDS
    return response


def _malformed_body(body: str, *, encoded: bool, is_json: bool) -> str | None:
    """Why the body cannot be handed to the app (the problem's detail), or None."""
    text: str | None = body
    if encoded:
        try:
            decoded = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            return "the request body is not valid base64"
        try:
            # JSON is UTF-8 (RFC 8259 8.1); other media types may be binary, and are the app's to read.
            text = decoded.decode() if is_json else None
        except UnicodeDecodeError:
            return "the JSON request body is not UTF-8"
    elif not _is_unicode(body):
        return "the request body is not UTF-8 text (it holds a lone surrogate)"
    if text is not None and _too_deep(text):
        return f"the JSON body is nested deeper than {MAX_JSON_DEPTH} levels"
    return None


def _is_json(content_type: str | None) -> bool:
    media_type = (content_type or "").split(";")[0].strip().lower()
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


def _is_unicode(text: str) -> bool:
    if text.isascii():  # the common case, and a cheap one
        return True
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def _non_unicode_part(event: Mapping[str, Any], plain_headers: bool) -> str | None:
    # With `plain_headers`, the reading of the header maps found every name and value ASCII.
    if plain_headers and ascii_v1_text(event):
        return None
    get = event.get
    for key, label in _TEXT_PARTS_BUT_HEADERS if plain_headers else _TEXT_PARTS:
        value = get(key)
        if value is not None and not _ascii(value) and not _all_unicode(value):
            return label
    context = get("requestContext")
    if type(context) is not dict and not isinstance(context, Mapping):
        return None
    path = context.get("path")  # a v1 event's client path, read for the stage in URLs
    if path is not None and not _ascii(path) and not _all_unicode(path):
        return "path"
    http = context.get("http")
    if isinstance(http, Mapping):  # what Mangum reads of a v2 event
        for label, value in (("path", http.get("path")), ("method", http.get("method"))):
            if not _all_unicode(value):
                return label
    return None


def ascii_v1_text(event: Mapping[str, Any]) -> bool:
    """True when a v1 event's text but its headers (method, paths, parameters) is all ASCII, known from
    one join: the usual event. False for any other shape or text, which the part-by-part reading decides."""
    get = event.get
    context = get("requestContext")
    if type(context) is not dict or "http" in context:
        return False
    if get("rawPath") is not None or get("rawQueryString") is not None or get("cookies") is not None:
        return False
    params = get("pathParameters") or _NO_TEXT
    query = get("queryStringParameters") or _NO_TEXT
    multi_query = get("multiValueQueryStringParameters") or _NO_TEXT
    if type(params) is not dict or type(query) is not dict or type(multi_query) is not dict:
        return False
    try:
        parts = (get("httpMethod"), get("path"), context.get("path") or "", *params, *params.values())
        text = "".join((*parts, *query, *query.values(), *multi_query) if query or multi_query else parts)
        if multi_query:
            text += "".join(chain.from_iterable(multi_query.values()))
    except TypeError:  # a part that is not text (or not lists of text): the general reading
        return False
    return text.isascii()


def _ascii(value: Any) -> bool:
    # A text part, or a map of them, all ASCII (hence Unicode): the usual case, known without a loop.
    kind = type(value)
    return (kind is str and value.isascii()) or (kind is dict and _ascii_map(value))


def _all_unicode(value: Any) -> bool:
    # A string, a list of them, or a map of names to either: the shapes of an event's text parts.
    if type(value) is dict and _ascii_map(value):  # the common case, checked without a loop per entry
        return True
    if isinstance(value, str):
        return _is_unicode(value)
    if isinstance(value, list):
        return all(not isinstance(item, str) or _is_unicode(item) for item in value)
    if isinstance(value, Mapping):
        for name, item in value.items():
            if isinstance(name, str) and not _is_unicode(name):
                return False
            if isinstance(item, str | list) and not _all_unicode(item):
                return False
    return True


def _ascii_map(mapping: Mapping[Any, Any]) -> bool:
    # True only when every name and every value (text, or lists of text) is ASCII, hence Unicode. False
    # also for any other shape: the caller then looks at each entry.
    try:
        names = "".join(mapping)
        if isinstance(next(iter(mapping.values()), None), list):  # multiValueHeaders and the like
            values = "".join(chain.from_iterable(mapping.values()))
        else:
            values = "".join(mapping.values())
    except TypeError:
        return False
    return names.isascii() and values.isascii()


def _drop_nulls(event: Mapping[str, Any], plain_headers: bool) -> None:
    # API Gateway sends null for an empty map; a null *value* inside one (hand-made or test events) would
    # crash Mangum's header encoding, so it is dropped here, in place, before Mangum reads the event.
    # Plain header maps (api_core.events.HttpRequest) hold text only: nothing to drop there.
    for key in _QUERY_MAPS if plain_headers else _HEADER_AND_QUERY_MAPS:
        mapping = event.get(key)
        if not isinstance(mapping, dict) or _all_text(mapping):
            continue
        for name in list(mapping):
            value = mapping[name]
            if isinstance(value, list):
                mapping[name] = [v for v in value if isinstance(v, str)]
            elif not isinstance(value, str):
                del mapping[name]


def _all_text(mapping: dict[Any, Any]) -> bool:
    # Every value text or a list of text, the usual event, known without a loop per entry: nothing to drop.
    kinds = set(map(type, mapping.values()))
    if kinds <= {str}:
        return True
    if kinds <= {str, list}:
        try:
            "".join(chain.from_iterable(mapping.values()))  # TypeError for any item that is not text
        except TypeError:
            return False
        return True
    return False


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
