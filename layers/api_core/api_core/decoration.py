"""Every answer's headers, set in one place: CORS, Vary, X-Request-Id, Allow on 405, security headers.

`decorate` finishes any answer the entry point gives (api_core.lambda_handler), the app's included. An
allowed preflight's answer depends only on the policy's answer and two facts of the request, so its whole
header set is worked out once, by `decorate` itself, and remembered (`allowed_preflight`): each such
preflight then costs a lookup and a copy, with its own X-Request-Id.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

from api_core.cors.policy import VARY_ACTUAL, VARY_PREFLIGHT, PreflightAnswer
from api_core.events import (
    EventFormat,
    HttpRequest,
    LambdaResponse,
    make_response,
    merge_headers,
    strip_headers,
)
from api_core.security_headers import add_security_headers, credentialed_request

# Decorated answers remembered. A policy remembers as many answers (api_core.cors.policy.CACHE_SIZE), and
# each has at most four variants here (with or without credentials in the request, over HTTPS or not).
_PREFLIGHTS = 512


def decorate(
    request: HttpRequest,
    response: LambdaResponse,
    cors_headers: Mapping[str, str],
    *,
    preflight: bool,
    served: frozenset[str] | None,
) -> LambdaResponse:
    """`response`, in place, with the layer's headers; for a HEAD, without its body."""
    # The layer is the only owner of CORS headers: anything the app set is replaced.
    strip_headers(response, "access-control-")
    extra = {"X-Request-Id": request.request_id} if request.request_id else {}
    extra.update(cors_headers)
    if response.get("statusCode") == 405 and served:
        extra["Allow"] = ", ".join(sorted(served))
    merge_headers(response, extra, VARY_PREFLIGHT if preflight else VARY_ACTUAL)
    add_security_headers(request, response)  # preflight answers are responses like any other
    if request.method == "HEAD":
        # Headers stay as GET's, Content-Length included: RFC 9110 8.6 has it count the GET's content.
        response["body"], response["isBase64Encoded"] = "", False
    return response


def allowed_preflight(request: HttpRequest, answer: PreflightAnswer) -> LambdaResponse:
    """The 204 to a preflight the policy allowed, exactly as `decorate` would finish it."""
    proto = request.headers.get("x-forwarded-proto")
    known = _preflight_headers(answer, credentialed_request(request), proto[0] if proto else None)
    headers = {"X-Request-Id": request.request_id, **known} if request.request_id else dict(known)
    response = {"statusCode": 204, "headers": headers, "body": "", "isBase64Encoded": False}
    if request.format is EventFormat.REST_V1:
        response["multiValueHeaders"] = {}
    return response


@lru_cache(maxsize=_PREFLIGHTS)
def _preflight_headers(answer: PreflightAnswer, credentialed: bool, proto: str | None) -> dict[str, str]:
    # What `decorate` adds to an allowed preflight's 204, but its X-Request-Id: worked out by `decorate`
    # itself, for a request that has nothing else bearing on it. A dict (copied fastest), never handed
    # out: the caller copies it into each response.
    headers = {"authorization": ("",)} if credentialed else {}
    if proto is not None:
        headers["x-forwarded-proto"] = (proto,)
    # The event's format changes where a response keeps its headers, never which ones it gets.
    stand_in = HttpRequest(EventFormat.REST_V1, "OPTIONS", "/", headers, None)
    response = make_response(EventFormat.REST_V1, 204, {})
    response = decorate(stand_in, response, answer.headers, preflight=True, served=None)
    return response["headers"]
