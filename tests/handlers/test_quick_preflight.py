"""api_core.quick_preflight: the usual allowed preflight, answered from the few headers it depends on, gets
exactly the general path's answer; anything else (another shape, a refusal, a 400) is left to the general
path. Checked on every sample event and on generated variations of the CloudFront-sized preflight."""

from __future__ import annotations

import copy
import json
from typing import Any
from unittest import mock

import pytest
from api_core import lambda_handler
from api_core.quick_preflight import quick_preflight
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.handlers import ADMIN_ORIGIN, ALLOWED_ORIGIN, DEV_ENV, PROD_ENV, LambdaContext
from support.paths import EVENTS_DIR

CLOUDFRONT = "items-options-preflight-put-cloudfront"


def read(name: str) -> dict[str, Any]:
    return json.loads((EVENTS_DIR / f"{name}.json").read_text())


def method_of(event: dict[str, Any]) -> str | None:
    return event.get("httpMethod") or event["requestContext"].get("http", {}).get("method")


OPTIONS_EVENTS = sorted(
    path.stem for path in EVENTS_DIR.glob("*.json") if method_of(read(path.stem)) == "OPTIONS"
)


def quick(handler: Any, event: dict[str, Any]) -> dict[str, Any] | None:
    return quick_preflight(copy.deepcopy(event), handler.routes, handler.policy)


def general(handler: Any, event: dict[str, Any]) -> dict[str, Any]:
    """The entry point's answer without the quick path: how every request was answered before it."""
    with mock.patch.object(lambda_handler, "quick_preflight", return_value=None):
        return handler(copy.deepcopy(event), LambdaContext())


@pytest.fixture
def start(cold_start, dynamodb_table):
    """`cold_start`, with the table every function's settings name."""
    return cold_start


def test_every_sample_preflight_is_under_test():
    assert CLOUDFRONT in OPTIONS_EVENTS
    # % if samples == "all"
    assert len(OPTIONS_EVENTS) >= 10
    # % endif
    assert len(OPTIONS_EVENTS) >= 5


@pytest.mark.parametrize("env", [PROD_ENV, DEV_ENV], ids=["prod", "dev"])
@pytest.mark.parametrize("name", OPTIONS_EVENTS)
def test_each_sample_options_request_gets_the_general_paths_answer(start, name, env):
    handler = start(name.split("-")[0], env)
    event = read(name)
    expected = general(handler, event)
    assert handler(copy.deepcopy(event), LambdaContext()) == expected
    answered = quick(handler, event)
    assert answered is None or answered == expected
    # Only an allowed preflight is answered by the quick path; a refusal keeps its 403 and its log line.
    if answered is not None:
        assert expected["statusCode"] == 204


@pytest.mark.parametrize(
    "name",
    [
        CLOUDFRONT,
        "items-options-preflight-put-allowed-origin",
        # % if samples == "all"
        "users-options-preflight-post-orders-allowed-origin",
        # % endif
    ],
)
def test_the_usual_allowed_preflight_takes_the_quick_path(start, name):
    handler = start(name.split("-")[0], PROD_ENV)
    event = read(name)
    answered = quick(handler, event)
    assert answered is not None
    assert answered["statusCode"] == 204
    assert answered["headers"]["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
    assert answered["headers"]["X-Request-Id"] == event["requestContext"]["requestId"]


@pytest.mark.parametrize(
    "name",
    [
        "items-options-preflight-put-disallowed-origin",
        "items-v2-options-preflight-put-allowed-origin",
        "items-options-no-request-method",
        # % if samples == "all"
        "admin-options-preflight-get-app-origin",
        # % endif
    ],
)
def test_refusals_other_shapes_and_plain_options_are_left_to_the_general_path(start, name):
    assert quick(start(name.split("-")[0], PROD_ENV), read(name)) is None


def test_a_non_options_event_is_left_to_the_general_path(start):
    handler = start("items", PROD_ENV)
    for path in sorted(EVENTS_DIR.glob("items-*.json")):
        event = json.loads(path.read_text())
        if event.get("httpMethod") != "OPTIONS":
            assert quick(handler, event) is None, path.stem


# -- variations of the CloudFront preflight -------------------------------------------------------------


def both(name: str, value: Any) -> Any:
    """Set (or with None remove) a header in both maps, under the spelling the event already has."""

    def change(event: dict[str, Any]) -> None:
        names = event["headers"] if isinstance(event.get("headers"), dict) else {}
        spelled = next((key for key in names if key.lower() == name.lower()), name)
        put("headers", spelled, value)(event)
        put("multiValueHeaders", spelled, None if value is None else [value])(event)

    return change


def put(key: str, name: str, value: Any) -> Any:
    """Set one map's entry only (`key`: headers or multiValueHeaders), whatever its shape."""

    def change(event: dict[str, Any]) -> None:
        if not isinstance(event.get(key), dict):
            return  # a map an earlier change removed
        if value is None:
            event[key].pop(name, None)
        else:
            event[key][name] = value

    return change


def top(key: str, value: Any) -> Any:
    def change(event: dict[str, Any]) -> None:
        event[key] = value

    return change


def context(key: str, value: Any) -> Any:
    def change(event: dict[str, Any]) -> None:
        if not isinstance(event.get("requestContext"), dict):
            return
        if value is None:
            event["requestContext"].pop(key, None)
        else:
            event["requestContext"][key] = value

    return change


def reorder(event: dict[str, Any]) -> None:
    if isinstance(event.get("multiValueHeaders"), dict):
        event["multiValueHeaders"] = dict(reversed(event["multiValueHeaders"].items()))


VALID_BUT_NOT_ASCII = "caf\u00e9"
SURROGATE = "\ud800"
CHANGES = [
    *(
        both("Origin", o)
        for o in [None, "https://evil.example.net", "null", "", ADMIN_ORIGIN, ALLOWED_ORIGIN]
    ),
    *(both("Origin", o) for o in ["https://app.example.com:443", "https://pr-7.preview.example.com"]),
    put("multiValueHeaders", "origin", [ALLOWED_ORIGIN, ALLOWED_ORIGIN]),
    put("multiValueHeaders", "origin", [ALLOWED_ORIGIN, "https://evil.example.net"]),
    put("headers", "origin", "https://evil.example.net"),
    both("ORIGIN", ALLOWED_ORIGIN),  # a second spelling of the same name: a repeated Origin
    *(both("access-control-request-method", m) for m in [None, "", "put", "PATCH", "GET", "TRACE", " PUT"]),
    *(both("access-control-request-headers", h) for h in [None, "", "Content-Type, If-Match", "x-evil"]),
    *(both("access-control-request-headers", h) for h in ["authorization", "content-type,,", "a b"]),
    *(both("Host", h) for h in [None, "API.Example.com", "a:b", "example.com:0", "[::1]", "[::1", "a b"]),
    put("multiValueHeaders", "Host", ["a.example.com", "b.example.com"]),
    *(both("X-Forwarded-Proto", p) for p in [None, "http", "HTTPS, http", ""]),
    both("Authorization", "Bearer x"),
    both("cookie", "a=b"),
    both("Accept", VALID_BUT_NOT_ASCII),
    both("Accept", SURROGATE),
    put("headers", "Accept", SURROGATE),
    put("multiValueHeaders", "accept", ["*/*", SURROGATE]),
    put("multiValueHeaders", "accept", ["*/*", "text/html"]),
    both("X-\u212a", "x"),
    both("a\nb", "x"),
    put("multiValueHeaders", "accept", []),
    put("multiValueHeaders", "accept", "*/*"),
    put("multiValueHeaders", "accept", None),
    put("multiValueHeaders", "accept", [None]),
    put("multiValueHeaders", "origin", (ALLOWED_ORIGIN,)),
    put("multiValueHeaders", "origin", ALLOWED_ORIGIN),
    put("headers", "accept", None),
    put("headers", "accept", 5),
    put("headers", "X-Only-Here", "x"),
    reorder,
    top("multiValueHeaders", None),
    top("multiValueHeaders", {}),
    top("headers", None),
    *(
        top("path", p)
        for p in ["/api/v1/nothing", "/api/v1/items", "/api/v1/items/caf\u00e9", "/x/" + SURROGATE]
    ),
    top("queryStringParameters", {"q": SURROGATE}),
    top("queryStringParameters", {"q": "x"}),
    top("multiValueQueryStringParameters", {"q": [VALID_BUT_NOT_ASCII]}),
    top("pathParameters", {"item_id": SURROGATE}),
    top("rawPath", "/api/v1/items"),
    top("version", "2.0"),
    top("requestContext", None),
    *(context("requestId", r) for r in [None, "", 5]),
    context("path", "/dev/" + SURROGATE),
    context("http", {"method": "OPTIONS"}),
]


@pytest.fixture
def items(start):
    return start("items", PROD_ENV)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=st.lists(st.sampled_from(CHANGES), max_size=4))
def test_a_varied_cloudfront_preflight_gets_the_general_paths_answer(items, changes):
    handler = items
    event = read(CLOUDFRONT)
    for change in changes:
        change(event)
    expected = general(handler, event)
    assert handler(copy.deepcopy(event), LambdaContext()) == expected
    answered = quick(handler, event)
    assert answered is None or (answered == expected and expected["statusCode"] == 204)
