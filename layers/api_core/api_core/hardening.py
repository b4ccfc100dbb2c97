"""Limits, security headers and fault handling every function gets (docs/RELIABILITY.md has the figures).

Three small pieces, each hooked into the layer with one line:
- `screen_request` runs in the Lambda entry point before the app: a body over `MAX_BODY_BYTES` (413), a
  body flagged base64 that is not base64 or JSON nested deeper than `MAX_JSON_DEPTH` (400), a write
  whose body is not labelled JSON (415), or a write started with too little of the invocation's time
  left (503) is answered with problem+json and never parsed or run. Null values inside header and query
  maps are dropped (Mangum would fail on them).
- `add_security_headers` runs on every response the entry point decorates: `nosniff`, `no-store` on
  credentialed responses, HSTS when the client came over HTTPS.
- `unavailable` tells which exceptions mean "DynamoDB is throttling or unreachable", after the SDK's own
  retries (standard mode) gave up; `app_factory` answers those with 503 and `Retry-After`.

`guard_client` registers a botocore hook so that no DynamoDB attempt starts unless it can finish (connect
plus read timeout) before the Lambda runtime's deadline: a write is never cut off half-way by the runtime.
Pure apart from that hook: nothing here imports FastAPI, Mangum or botocore.
"""

from __future__ import annotations

import base64
import binascii
import time
from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any

from api_core.events import HttpRequest, LambdaResponse, json_response
from api_core.problems import PROBLEM_JSON, Problem, problem_body

# API Gateway accepts up to 10 MB and Lambda 6 MB per synchronous invocation; a JSON resource of this
# template is a few KB. 1 MiB leaves room for large documents while keeping parsing cheap.
MAX_BODY_BYTES = 1024 * 1024
# Python's json parser recurses per level; anything this deep is not a resource, and far deeper input
# would end in a RecursionError (a 500) instead of a 400.
MAX_JSON_DEPTH = 64
# DynamoDB attempts: connect and read timeouts (botocore Config in dynamo.py), and the time one attempt
# may take at worst. No attempt starts with less than that left before the runtime's deadline.
CONNECT_TIMEOUT_S = 1.0
READ_TIMEOUT_S = 2.0
ATTEMPT_BUDGET_MS = int((CONNECT_TIMEOUT_S + READ_TIMEOUT_S) * 1000) + 250
RETRY_AFTER_S = "1"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
HSTS = "max-age=31536000"

TYPE_PAYLOAD_TOO_LARGE = "urn:problem-type:payload-too-large"
TYPE_MALFORMED_BODY = "urn:problem-type:malformed-body"
TYPE_UNSUPPORTED_MEDIA_TYPE = "urn:problem-type:unsupported-media-type"
TYPE_UNAVAILABLE = "urn:problem-type:service-unavailable"
TYPE_OUT_OF_TIME = "urn:problem-type:out-of-time"

# Error codes DynamoDB answers when it sheds load or fails on its side (the SDK retried them already).
_UNAVAILABLE_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "TransactionInProgressException",
    }
)
_UNAVAILABLE_REASONS = frozenset({"ThrottlingError", "ProvisionedThroughputExceeded", "TransactionConflict"})
# botocore's network errors, by class name (botocore.exceptions), so this module need not import it.
_NETWORK_ERRORS = frozenset(
    {"EndpointConnectionError", "ConnectTimeoutError", "ReadTimeoutError", "ConnectionClosedError"}
)

_deadline: ContextVar[float | None] = ContextVar("api_core_deadline", default=None)


class OutOfTime(Problem):
    """Too little of the invocation's time is left to finish a DynamoDB call: 503, retry later."""

    def __init__(self) -> None:
        super().__init__(
            503,
            "the request ran out of time before it could be completed safely: retry",
            type=TYPE_OUT_OF_TIME,
            headers={"Retry-After": RETRY_AFTER_S},
        )


# -- before the app -----------------------------------------------------------------------------------
def screen_request(event: Mapping[str, Any], request: HttpRequest, context: Any) -> LambdaResponse | None:
    """A problem response for a request that must not reach the app, else None. Also starts the deadline."""
    _start_deadline(context)
    _drop_nulls(event)
    body = event.get("body")
    if isinstance(body, str) and body:
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
    if request.method in WRITE_METHODS and remaining_ms() < ATTEMPT_BUDGET_MS:
        return problem(request, 503, OutOfTime().detail, TYPE_OUT_OF_TIME, retry_after=True)
    return None


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


def problem(
    request: HttpRequest, status: int, detail: str, type: str, *, retry_after: bool = False, **members: Any
) -> LambdaResponse:
    body = problem_body(status, detail, request.path, type=type, **members)
    response = json_response(request.format, status, body, PROBLEM_JSON)
    if retry_after:
        response["headers"]["Retry-After"] = RETRY_AFTER_S
    return response


# -- the invocation's time budget ---------------------------------------------------------------------
def _start_deadline(context: Any) -> None:
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    deadline = None
    if callable(remaining):
        try:
            deadline = time.monotonic() + float(remaining()) / 1000
        except (TypeError, ValueError):
            deadline = None
    _deadline.set(deadline)


def remaining_ms() -> float:
    """Milliseconds left before the Lambda runtime ends this invocation (infinite outside Lambda)."""
    deadline = _deadline.get()
    return float("inf") if deadline is None else (deadline - time.monotonic()) * 1000


def guard_client(client: Any) -> None:
    """Refuse (OutOfTime, a 503) to start a botocore attempt that might not finish before the deadline."""
    client.meta.events.register_first("before-send", _check_time_before_send)


def _check_time_before_send(**_: Any) -> None:
    if remaining_ms() < ATTEMPT_BUDGET_MS:
        raise OutOfTime


# -- after the app ------------------------------------------------------------------------------------
def add_security_headers(request: HttpRequest, response: LambdaResponse) -> None:
    """nosniff always; no-store on credentialed responses without their own Cache-Control; HSTS on HTTPS."""
    headers = response.get("headers")
    if not isinstance(headers, dict):
        headers = response["headers"] = {}
    present = {name.lower(): value for name, value in headers.items()}
    multi = response.get("multiValueHeaders")
    if isinstance(multi, dict):
        present.update({name.lower(): ", ".join(map(str, v)) for name, v in multi.items()})
    headers.setdefault("X-Content-Type-Options", "nosniff")
    credentialed = (
        "authorization" in request.headers
        or "cookie" in request.headers
        or present.get("access-control-allow-credentials", "").lower() == "true"
        or headers.get("Access-Control-Allow-Credentials", "").lower() == "true"
    )
    if credentialed and "cache-control" not in present:
        headers["Cache-Control"] = "no-store"
    proto = (request.header("x-forwarded-proto") or "").split(",")[0].strip().lower()
    if proto == "https" and "strict-transport-security" not in present:
        headers["Strict-Transport-Security"] = HSTS


def unavailable(exc: BaseException) -> bool:
    """Whether `exc` (or what caused it) means DynamoDB is throttling or unreachable, retries spent, or
    that no attempt could start in the time left (OutOfTime wrapped by a library)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if _is_unavailable(current):
            return True
        current = current.__cause__ or current.__context__
    return False


def _is_unavailable(exc: BaseException) -> bool:
    if isinstance(exc, OutOfTime):  # e.g. wrapped by Powertools' idempotency layer
        return True
    names = {cls.__name__ for cls in type(exc).__mro__ if cls.__module__.startswith("botocore")}
    if names & _NETWORK_ERRORS:
        return True
    if "ClientError" not in names:
        return False
    response = getattr(exc, "response", None) or {}
    code = str(response.get("Error", {}).get("Code", ""))
    if code in _UNAVAILABLE_CODES:
        return True
    reasons = response.get("CancellationReasons") or []
    return code == "TransactionCanceledException" and any(
        isinstance(r, dict) and r.get("Code") in _UNAVAILABLE_REASONS for r in reasons
    )


__all__ = [
    "MAX_BODY_BYTES",
    "MAX_JSON_DEPTH",
    "OutOfTime",
    "add_security_headers",
    "guard_client",
    "remaining_ms",
    "screen_request",
    "unavailable",
]
