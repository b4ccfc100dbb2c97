"""Every answer's headers, set in one place: CORS, Vary, X-Request-Id, Allow on 405, security headers.

`decorate` finishes any answer the entry point gives (api_core.lambda_handler), the app's included. An
allowed preflight's answer depends only on the policy's answer and two facts of the request, so its whole
header set is worked out once, by `decorate` itself, and remembered (`allowed_preflight`): each such
preflight then costs a lookup and a copy, with its own X-Request-Id.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from types import MappingProxyType

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
    headers = _preflight_headers(
        answer, credentialed_request(request), request.header("x-forwarded-proto"), request.format
    )
    response = make_response(request.format, 204, {})
    if request.request_id:
        response["headers"]["X-Request-Id"] = request.request_id
    response["headers"].update(headers)
    return response


@lru_cache(maxsize=_PREFLIGHTS)
def _preflight_headers(
    answer: PreflightAnswer, credentialed: bool, proto: str | None, fmt: EventFormat
) -> Mapping[str, str]:
    # What `decorate` adds to an allowed preflight's 204, but its X-Request-Id: worked out by `decorate`
    # itself, for a request that has nothing else bearing on it. Never handed out: the caller copies it.
    headers = {"authorization": ("",)} if credentialed else {}
    if proto is not None:
        headers["x-forwarded-proto"] = (proto,)
    stand_in = HttpRequest(fmt, "OPTIONS", "/", headers, None)
    response = decorate(stand_in, make_response(fmt, 204, {}), answer.headers, preflight=True, served=None)
    return MappingProxyType(response["headers"])
