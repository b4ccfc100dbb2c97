"""The usual allowed preflight, answered from the few headers it depends on.

A browser's preflight through API Gateway (CloudFront in front) carries 25-30 headers in both of a v1
event's header maps, and the general path (`api_core.lambda_handler`) reads them all into one map before
deciding anything. An allowed preflight's answer depends on five of them (Origin, Access-Control-Request-
Method and -Headers, Host, X-Forwarded-Proto), on whether the request carries credentials, and on the
event being one the general path would not refuse: every text part Unicode, the Host well-formed.

`quick_preflight` answers such a preflight when the event has API Gateway's usual shape and its text is
all ASCII; for anything else (another shape, a refusal, a header the two maps disagree on) it returns None
and the general path decides, exactly as it would have. tests/handlers/test_quick_preflight.py holds the two
paths to the same answer on every sample event and on generated variations of them.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from api_core.authority import MalformedHost, authority_of
from api_core.cors.tiers import TieredPolicy
from api_core.decoration import preflight_response
from api_core.events import EventFormat, LambdaResponse, lowered_names
from api_core.observability import logger
from api_core.routes import RouteTable
from api_core.screening import ascii_v1_text

# The headers whose values an allowed preflight's answer depends on, in the order `_spellings` gives them.
_READ = (
    "origin",
    "access-control-request-method",
    "access-control-request-headers",
    "host",
    "x-forwarded-proto",
)


def quick_preflight(event: Any, routes: RouteTable, policy: TieredPolicy) -> LambdaResponse | None:
    """The answer to an allowed preflight in a v1 event of API Gateway's usual shape, exactly as the
    general path gives it; None for any other event, which the general path then answers."""
    seen = _read(event)
    if seen is None:
        return None
    path, request_id, (origin, method, requested, _, proto), credentialed = seen
    match = routes.lookup(path)
    if match is None:  # no route: a refusal (unknown path), the general path's to answer and log
        return None
    tier = policy.policy_for(path, match.tier, matched=True)
    answer = tier.preflight((origin,), method, requested, match.methods)
    if answer.refusal is not None:  # answered and logged by the general path
        return None
    logger.set_correlation_id(request_id)
    return preflight_response(answer, EventFormat.REST_V1, request_id, credentialed=credentialed, proto=proto)


def _read(event: Any) -> tuple[str, str | None, list[Any], bool] | None:
    # The path, request id, `_READ`'s values and whether the request carries credentials, of a v1
    # preflight whose text is all ASCII and whose Host (if any) is well-formed; None for anything else.
    if type(event) is not dict or event.get("httpMethod") != "OPTIONS" or event.get("version") == "2.0":
        return None
    context, path = event.get("requestContext"), event.get("path")
    if type(context) is not dict or type(path) is not str or not path.startswith("/"):
        return None
    headers = _headers(event.get("headers"), event.get("multiValueHeaders"))
    if headers is None:
        return None
    (origin, method, _, host, proto), credentialed = headers
    if origin is None or not method or not ascii_v1_text(event):
        return None
    if host is not None:
        try:
            authority_of(proto or "", host)
        except MalformedHost:  # the general path's 400
            return None
    request_id = context.get("requestId")
    return path, request_id if isinstance(request_id, str) else None, headers[0], credentialed


def _headers(single: Any, multi: Any) -> tuple[list[Any], bool] | None:
    # `_READ`'s values (None: absent) and whether the request carries credentials, from a v1 event's two
    # maps when they have API Gateway's usual shape: the same names in the same order, ASCII and distinct
    # once lowercased, and each header once, as the same ASCII text in both maps. Anything else, even a
    # header the answer does not depend on, is the general path's to read.
    if type(single) is not dict or type(multi) is not dict or [*single] != [*multi]:
        return None
    values = [*single.values()]
    try:
        # ValueError unless each entry of `multiValueHeaders` holds one value; TypeError for a value that
        # is not text. The two maps agreeing, one check of `headers`' text covers both.
        if [value for (value,) in multi.values()] != values or not "".join(values).isascii():
            return None
    except (TypeError, ValueError):
        return None
    spelled = _spellings("\n".join(single))
    if spelled is None or spelled[0] != len(values):  # a name holding a line break
        return None
    return [None if key is None else single[key] for key in spelled[1]], spelled[2]


@lru_cache(maxsize=256)
def _spellings(names: str) -> tuple[int, tuple[str | None, ...], bool] | None:
    # For one set of header names (joined by line breaks): how many there are, the event's own spelling of
    # each name in `_READ` (None: absent), and whether the request carries credentials (Authorization or
    # Cookie). None unless the names are ASCII and distinct once lowercased, as api_core.events requires
    # of the usual shape. A function sees a few sets (one per kind of client and request), so 256 holds
    # them all; a client sending new sets only evicts, and each key is at most the event's header names
    # (API Gateway caps the headers at 10 KB per request).
    lowered = lowered_names(names)
    if lowered is None:
        return None
    by_name = dict(zip(lowered, names.split("\n"), strict=True))
    credentialed = "authorization" in by_name or "cookie" in by_name
    return len(lowered), tuple(by_name.get(name) for name in _READ), credentialed
