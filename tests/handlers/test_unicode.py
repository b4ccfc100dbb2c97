"""Strings that are not Unicode, through the real handlers (issue 19.6): a lone surrogate anywhere the app
reads, in v1 and v2 events, is a typed 400; base64 bodies are held to UTF-8 and the depth limit too."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import pytest
from support.handlers import PROD_ENV, invoke

PROBLEM = "application/problem+json"
MALFORMED_REQUEST = "urn:problem-type:malformed-request"
MALFORMED_BODY = "urn:problem-type:malformed-body"
LONE = "\ud800"  # a high surrogate with no low one: a str Python holds, and UTF-8 cannot encode
Event = dict[str, Any]


def _v1_path(event: Event) -> None:
    event["path"] += f"/{LONE}"
    event["requestContext"]["path"] += f"/{LONE}"


def _v1_both_header_maps(name: str, value: str) -> Callable[[Event], None]:
    def place(event: Event) -> None:
        event["headers"][name] = value
        event["multiValueHeaders"][name] = [value]

    return place


def _v1_both_query_maps(name: str, value: str) -> Callable[[Event], None]:
    def place(event: Event) -> None:
        event["queryStringParameters"] = {**(event["queryStringParameters"] or {}), name: value}
        event["multiValueQueryStringParameters"] = {
            **(event["multiValueQueryStringParameters"] or {}),
            name: [value],
        }

    return place


def _set(*keys: str, value: Any) -> Callable[[Event], None]:
    def place(event: Event) -> None:
        target = event
        for key in keys[:-1]:
            if not isinstance(target.get(key), dict):
                target[key] = {}
            target = target[key]
        target[keys[-1]] = value

    return place


# Each place a surrogate can hide in a REST (v1) event, and what the app, Mangum or a URL reads it for.
V1_PLACES: dict[str, Callable[[Event], None]] = {
    "path": _v1_path,
    "client path (requestContext.path, read for the stage in URLs)": _set(
        "requestContext", "path", value=f"/dev/{LONE}/api/v1/items"
    ),
    "path parameter": _set("pathParameters", "item_id", value=LONE),
    "header value, both maps": _v1_both_header_maps("X-Note", f"a{LONE}"),
    "header name, both maps": _v1_both_header_maps(f"X-{LONE}", "a"),
    "header value, headers only": _set("headers", "X-Note", value=LONE),
    "header value, multiValueHeaders only": _set("multiValueHeaders", "X-Note", value=["ok", LONE]),
    "Origin header": _v1_both_header_maps("Origin", f"https://app.example.com{LONE}"),
    "Host header": _v1_both_header_maps("Host", f"api.example.com{LONE}"),
    "Content-Type header": _v1_both_header_maps("Content-Type", f"application/json{LONE}"),
    "query value, both maps": _v1_both_query_maps("q", LONE),
    "query name, both maps": _v1_both_query_maps(f"q{LONE}", "a"),
    "query value, queryStringParameters only": _set("queryStringParameters", "q", value=LONE),
    "query value, multiValueQueryStringParameters only": _set(
        "multiValueQueryStringParameters", "q", value=["a", LONE]
    ),
    "method": _set("httpMethod", value=f"GET{LONE}"),
}


def _v2_path(event: Event) -> None:
    event["rawPath"] += f"/{LONE}"
    event["requestContext"]["http"]["path"] += f"/{LONE}"


V2_PLACES: dict[str, Callable[[Event], None]] = {
    "path": _v2_path,
    "path, requestContext.http.path only": _set("requestContext", "http", "path", value=f"/api/v1/{LONE}"),
    "path parameter": _set("pathParameters", "item_id", value=LONE),
    "header value": _set("headers", "x-note", value=LONE),
    "header name": _set("headers", f"x-{LONE}", value="a"),
    "Origin header": _set("headers", "origin", value=f"https://app.example.com{LONE}"),
    "Host header": _set("headers", "host", value=f"{LONE}.example.com"),
    "query value": _set("queryStringParameters", "q", value=LONE),
    "query name": _set("queryStringParameters", f"q{LONE}", value="a"),
    "raw query string": _set("rawQueryString", value=f"q={LONE}"),
    "cookie": _set("cookies", value=["a=b", f"c={LONE}"]),
    "method": _set("requestContext", "http", "method", value=f"GET{LONE}"),
}

# (event, function) pairs: a read and a write of each format.
V1_ROUTES = ["items-get-list", "items-post-create", "items-put-replace"]
V2_ROUTES = ["items-v2-get-list-allowed-origin", "items-function-url-get-list-allowed-origin"]


@pytest.fixture
def items(dynamodb_table, cold_start):
    return cold_start("items", PROD_ENV)


def assert_typed_400(result, type_: str, label: str) -> None:
    assert result.status == 400, (label, result.status, result.body)
    assert result.headers["content-type"] == PROBLEM, label
    problem = result.json()
    assert problem["type"] == type_, (label, problem)
    assert problem["status"] == 400
    result.body.encode()  # the answer itself is Unicode text: no surrogate is echoed back


@pytest.mark.parametrize("route", V1_ROUTES)
@pytest.mark.parametrize("place", list(V1_PLACES))
def test_a_lone_surrogate_anywhere_in_a_v1_event_is_a_400(items, dynamodb_table, load_event, route, place):
    # GIVEN a REST event with a lone surrogate in one place
    event = load_event(route)
    V1_PLACES[place](event)
    # WHEN it reaches the function THEN a typed 400, never a 500, and nothing written
    assert_typed_400(invoke(items, event), MALFORMED_REQUEST, place)
    assert dynamodb_table.scan()["Items"] == []


@pytest.mark.parametrize("route", V2_ROUTES)
@pytest.mark.parametrize("place", list(V2_PLACES))
def test_a_lone_surrogate_anywhere_in_a_v2_event_is_a_400(items, load_event, route, place):
    event = load_event(route)
    V2_PLACES[place](event)
    assert_typed_400(invoke(items, event), MALFORMED_REQUEST, place)


@pytest.mark.parametrize("route", ["items-post-create", "items-v2-get-list-allowed-origin"])
def test_a_text_body_with_a_lone_surrogate_is_a_malformed_body(items, dynamodb_table, load_event, route):
    event = load_event(route)
    event["body"] = json.dumps({"name": f"Lamp {LONE}"}, ensure_ascii=False)
    event["isBase64Encoded"] = False
    assert_typed_400(invoke(items, event), MALFORMED_BODY, route)
    assert dynamodb_table.scan()["Items"] == []


def base64_event(load_event, raw: bytes, content_type: str = "application/json") -> Event:
    event = load_event("items-post-create", headers={"Content-Type": content_type})
    event["body"] = base64.b64encode(raw).decode()
    event["isBase64Encoded"] = True
    return event


@pytest.mark.parametrize(
    "raw",
    [
        b'{"name": "\xff"}',  # not UTF-8 at all
        b'{"name": "\xed\xa0\x80"}',  # a surrogate, UTF-8-encoded: invalid UTF-8 too
        b'{"name": "caf\xe9"}',  # Latin-1
        b"\xef\xbb\xbf" + b"[" * 65 + b"\xff",
        b"[" * 65 + b"]" * 65,  # deeper than 64 levels
        b'{"name": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    ],
    ids=["0xff", "encoded-surrogate", "latin-1", "bom-deep-invalid", "65-levels", "100000-levels"],
)
def test_a_base64_json_body_that_is_not_utf8_or_too_deep_is_a_malformed_body(
    items, dynamodb_table, load_event, raw
):
    assert_typed_400(invoke(items, base64_event(load_event, raw)), MALFORMED_BODY, repr(raw[:20]))
    assert dynamodb_table.scan()["Items"] == []


def test_a_base64_json_body_in_utf8_is_served(items, load_event):
    result = invoke(items, base64_event(load_event, json.dumps({"name": "Café ☕"}).encode()))
    assert result.status == 201, result.body
    assert result.json()["name"] == "Café ☕"


def test_a_base64_body_of_another_media_type_is_still_415(items, load_event):
    result = invoke(items, base64_event(load_event, b"\xff\xfe", content_type="application/octet-stream"))
    assert result.status == 415
    assert result.json()["type"] == "urn:problem-type:unsupported-media-type"
