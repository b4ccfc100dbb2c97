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
from api_core.events import EventFormat, HttpRequest, LambdaResponse, make_response, merge_vary
from api_core.security_headers import HSTS, credentialed_request

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
    """`response`, in place, with the layer's headers; for a HEAD, without its body.

    What `strip_headers(response, "access-control-")`, `merge_headers` and `add_security_headers` do
    one after the other (api_core.events, api_core.security_headers), in one pass over the response's
    headers (tests/unit/test_decoration.py holds the two to the same result)."""
    headers = response.get("headers")
    if not isinstance(headers, dict):
        headers = response["headers"] = {}
    multi = response.get("multiValueHeaders")
    extra = {"X-Request-Id": request.request_id} if request.request_id else {}
    extra.update(cors_headers.copy())  # read-only from the policy: a copy merges as a dict, fastest
    if response.get("statusCode") == 405 and served:
        extra["Allow"] = ", ".join(sorted(served))
    # The layer is the only owner of CORS headers: anything the app set is replaced. So are the names it
    # sets, in any spelling, in either map (API Gateway merges both into one response), and Vary, merged.
    replaced, credentials = _layer_names(tuple(extra))
    kept: set[str] = set()  # the lowercase names of the app's headers that stay
    vary: list[str] = []
    for mapping in (headers, multi) if isinstance(multi, dict) else (headers,):
        dropped = []
        for name in mapping:
            lower = name.lower()
            if lower.startswith("access-control-") or lower in replaced:
                dropped.append(name)
            else:
                kept.add(lower)
        for name in dropped:
            value = mapping.pop(name)
            if name.lower() == "vary":
                vary.extend(value if isinstance(value, list) else [value])
    headers.update(extra)
    headers["Vary"] = _merge_vary(vary, VARY_PREFLIGHT if preflight else VARY_ACTUAL)
    # Security headers (api_core.security_headers): preflight answers are responses like any other.
    headers.setdefault("X-Content-Type-Options", "nosniff")
    credentialed = credentialed_request(request)
    for name in credentials if not credentialed else ():
        credentialed = credentialed or extra[name].lower() == "true"
    if credentialed and "cache-control" not in kept and "cache-control" not in replaced:
        headers["Cache-Control"] = "no-store"
    proto = request.headers.get("x-forwarded-proto")
    https = proto is not None and len(proto) > 0 and _is_https(proto[0])
    if https and "strict-transport-security" not in kept and "strict-transport-security" not in replaced:
        headers["Strict-Transport-Security"] = HSTS
    if request.method == "HEAD":
        # Headers stay as GET's, Content-Length included: RFC 9110 8.6 has it count the GET's content.
        response["body"], response["isBase64Encoded"] = "", False
    return response


@lru_cache(maxsize=16)
def _layer_names(names: tuple[str, ...]) -> tuple[frozenset[str], tuple[str, ...]]:
    # The layer's own header names lowercased, with Vary; and those that are Allow-Credentials. A handful
    # of sets (with or without X-Request-Id, Allow, and each tier's CORS headers), never the client's.
    lowered = frozenset(name.lower() for name in names) | {"vary"}
    return lowered, tuple(name for name in names if name.lower() == "access-control-allow-credentials")


@lru_cache(maxsize=64)
def _is_https(proto: str) -> bool:
    # X-Forwarded-Proto's first value; API Gateway sends "https", CloudFront passes it on: few values.
    return proto.split(",", maxsplit=1)[0].strip().lower() == "https"


@lru_cache(maxsize=64)
def _merge_vary_alone(vary: tuple[str, ...]) -> str:
    return merge_vary([], vary)


def _merge_vary(existing: list[str], vary: tuple[str, ...]) -> str:
    # The layer's Vary alone (no Vary from the app, the usual answer) is one of two constants.
    return merge_vary(existing, vary) if existing else _merge_vary_alone(vary)


def allowed_preflight(request: HttpRequest, answer: PreflightAnswer) -> LambdaResponse:
    """The 204 to a preflight the policy allowed, exactly as `decorate` would finish it."""
    proto = request.headers.get("x-forwarded-proto")
    return preflight_response(
        answer,
        request.format,
        request.request_id,
        credentialed=credentialed_request(request),
        proto=proto[0] if proto else None,
    )


def preflight_response(
    answer: PreflightAnswer,
    fmt: EventFormat,
    request_id: str | None,
    *,
    credentialed: bool,
    proto: str | None,
) -> LambdaResponse:
    """`allowed_preflight` from what it reads of the request: whether it carries credentials (Authorization,
    Cookie), and its first X-Forwarded-Proto value (None without one)."""
    known = _preflight_headers(answer, credentialed, proto)
    headers = {"X-Request-Id": request_id, **known} if request_id else dict(known)
    response = {"statusCode": 204, "headers": headers, "body": "", "isBase64Encoded": False}
    if fmt is EventFormat.REST_V1:
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
