"""api_core.decoration: the one-pass decoration gives what its three steps give one after the other, and an
allowed preflight's remembered headers are exactly what decorating its 204 gives."""

from __future__ import annotations

import copy

from api_core.cors.policy import VARY_ACTUAL, VARY_PREFLIGHT, CorsPolicy
from api_core.decoration import allowed_preflight, decorate
from api_core.events import EventFormat, HttpRequest, make_response, merge_headers, strip_headers
from api_core.security_headers import add_security_headers
from hypothesis import given
from hypothesis import strategies as st

NAMES = st.sampled_from(
    [
        "Vary",
        "vary",
        "Cache-Control",
        "cache-control",
        "Access-Control-Allow-Origin",
        "access-control-allow-credentials",
        "X-Request-Id",
        "x-request-id",
        "Strict-Transport-Security",
        "strict-transport-security",
        "X-Content-Type-Options",
        "Allow",
        "content-type",
        "ETag",
    ]
)
VALUES = st.sampled_from(["Origin", "Accept, origin", "*", "true", "no-cache", "application/json", ""])
CREDENTIALED = {
    "Access-Control-Allow-Origin": "https://app.example.com",
    "Access-Control-Allow-Credentials": "true",
    "Access-Control-Expose-Headers": "ETag, Link",
}
CORS = st.sampled_from([{}, CREDENTIALED, {"Access-Control-Allow-Origin": "*"}])
REQUEST_HEADERS = st.fixed_dictionaries(
    {},
    optional={
        "authorization": st.just(("Bearer x",)),
        "cookie": st.just(("a=b",)),
        "x-forwarded-proto": st.sampled_from([("https",), ("http",), ("HTTPS , http",), ("",)]),
    },
)


def composed(request, response, cors_headers, *, preflight, served):
    """The decoration as three steps, as the entry point made it before the one-pass version."""
    strip_headers(response, "access-control-")
    extra = {"X-Request-Id": request.request_id} if request.request_id else {}
    extra.update(cors_headers)
    if response.get("statusCode") == 405 and served:
        extra["Allow"] = ", ".join(sorted(served))
    merge_headers(response, extra, VARY_PREFLIGHT if preflight else VARY_ACTUAL)
    add_security_headers(request, response)
    if request.method == "HEAD":
        response["body"], response["isBase64Encoded"] = "", False
    return response


@given(
    headers=st.dictionaries(NAMES, VALUES, max_size=6),
    multi=st.none() | st.dictionaries(NAMES, st.lists(VALUES, max_size=2), max_size=4),
    request_headers=REQUEST_HEADERS,
    request_id=st.sampled_from([None, "", "req-1"]),
    method=st.sampled_from(["GET", "HEAD", "OPTIONS", "POST"]),
    status=st.sampled_from([200, 204, 405, 500]),
    cors=CORS,
    preflight=st.booleans(),
    served=st.sampled_from([None, frozenset(), frozenset({"GET", "HEAD", "POST"})]),
)
def test_one_pass_decorates_as_the_three_steps(
    headers, multi, request_headers, request_id, method, status, cors, preflight, served
):
    request = HttpRequest(EventFormat.REST_V1, method, "/x", request_headers, request_id)
    response = {"statusCode": status, "headers": headers, "body": "{}", "isBase64Encoded": False}
    if multi is not None:
        response["multiValueHeaders"] = multi
    expected = composed(request, copy.deepcopy(response), cors, preflight=preflight, served=served)
    decorated = decorate(request, copy.deepcopy(response), cors, preflight=preflight, served=served)
    assert decorated == expected
    # the same headers in the same order, in both maps
    assert list(decorated["headers"].items()) == list(expected["headers"].items())
    assert list(decorated.get("multiValueHeaders", {}).items()) == list(
        expected.get("multiValueHeaders", {}).items()
    )


@given(
    request_headers=REQUEST_HEADERS,
    request_id=st.sampled_from([None, "req-1", "req-2"]),
    fmt=st.sampled_from(list(EventFormat)),
    policy=st.sampled_from(
        [
            CorsPolicy.public(),
            CorsPolicy(
                mode="allow-list",
                allow_credentials=True,
                allow_headers=frozenset({"content-type"}),
                expose_headers=("ETag",),
                max_age=600,
                exact_origins=frozenset({"https://app.example.com"}),
            ),
        ]
    ),
)
def test_an_allowed_preflight_is_answered_as_decorate_answers_it(request_headers, request_id, fmt, policy):
    # GIVEN a preflight the policy allows, from a request with or without credentials, over any scheme
    request = HttpRequest(fmt, "OPTIONS", "/x", request_headers, request_id)
    answer = policy.preflight(("https://app.example.com",), "PUT", "content-type", frozenset({"PUT"}))
    assert answer.refusal is None
    expected = decorate(request, make_response(fmt, 204, {}), answer.headers, preflight=True, served=None)
    # WHEN it is answered twice (the second from what was remembered)
    first, second = allowed_preflight(request, answer), allowed_preflight(request, answer)
    # THEN both are what decorating its 204 gives, headers in the same order, and share nothing
    for response in (first, second):
        assert response == expected
        assert list(response["headers"].items()) == list(expected["headers"].items())
    first["headers"]["X-Mutated"] = "yes"
    assert "X-Mutated" not in allowed_preflight(request, answer)["headers"]
