"""HEAD through the real handlers (issue 19.5): wherever GET is served, the same status and headers, no
body (RFC 9110 9.3.2); everywhere else the answer GET would get, without a body."""

from __future__ import annotations

import json
import re

import pytest
from support.cors_app import build_handler
from support.handlers import ALLOWED_ORIGIN, PROD_ENV, invoke
from support.paths import EVENTS_DIR, FUNCTIONS_DIR
from support.rest import retarget
from support.template import api_events

FUNCTIONS = sorted({event.function for event in api_events()})
_PARAMETER = re.compile(r"{(\w+)}")


def member_parameter(function: str) -> str | None:
    """The parameter of the function's first member path: /api/v1/things/{thing_id} -> thing_id."""
    for entry in json.loads((FUNCTIONS_DIR / function / "routes.json").read_text())["routes"]:
        found = _PARAMETER.findall(entry["path"])
        if found:
            return found[0]
    return None


@pytest.fixture
def stored_ids(dynamodb_table, cold_start, load_event) -> dict[str, str]:
    """One record of each collection (its events/<function>-post-create.json), for every path parameter
    the routes have."""
    ids = {}
    for function in FUNCTIONS:
        if (EVENTS_DIR / f"{function}-post-create.json").is_file():
            created = invoke(cold_start(function, PROD_ENV), load_event(f"{function}-post-create"))
            assert created.status == 201, created.body
            ids[member_parameter(function)] = created.json()["id"]
    # % if samples == "all"
    # An order of the user's, for the item: the users sample's nested collection.
    users = cold_start("users", PROD_ENV)
    order = retarget(load_event, "users-orders-post-create", user_id=ids["user_id"], item_id=ids["item_id"])
    created = invoke(users, order)
    assert created.status == 201, created.body
    ids["order_id"] = created.json()["id"]
    # % endif
    return ids


def get_paths(app) -> list[str]:
    """Every path the app serves GET at, as its routes declare it (not a hand-written list)."""
    return [route.path for route in app.routes if "GET" in (getattr(route, "methods", None) or ())]


def assert_head_mirrors_get(handler, event, label) -> None:
    get = invoke(handler, event)
    head_event = dict(event, httpMethod="HEAD")
    head_event["requestContext"] = dict(event["requestContext"], httpMethod="HEAD")
    head = invoke(handler, head_event)
    assert head.status == get.status, (label, head.body)
    # The same headers, Content-Length, ETag, Link and X-Total-Count included: the event is the same, so
    # even X-Request-Id is.
    assert head.raw.get("headers") == get.raw.get("headers"), label
    assert head.raw.get("multiValueHeaders") == get.raw.get("multiValueHeaders"), label
    assert head.body == "", label
    assert head.raw["isBase64Encoded"] is False, label
    assert get.status != 200 or get.body, label  # a GET with content: HEAD really left something out


@pytest.mark.parametrize("function", FUNCTIONS)
def test_head_gives_gets_status_and_headers_on_every_get_route(cold_start, load_event, stored_ids, function):
    # GIVEN the function's own GET routes, each pointed at stored resources
    handler = cold_start(function, PROD_ENV)
    paths = get_paths(handler.app)
    assert paths, f"{function} serves no GET"
    for template in paths:
        parameters = {name: stored_ids[name] for name in _PARAMETER.findall(template)}
        path = template.format(**parameters)
        event = load_event("items-get-one", path=path, path_parameters=parameters)
        # WHEN it is asked with HEAD THEN it answers as GET does, without the body
        assert_head_mirrors_get(handler, event, path)
        # ... also when GET's answer is a 404
        if parameters:
            missing = path.replace(next(iter(parameters.values())), "0192f3a0-0000-7000-8000-000000000000")
            assert_head_mirrors_get(handler, load_event("items-get-one", path=missing), missing)


def test_head_with_a_current_etag_is_304_like_get(dynamodb_table, cold_start, load_event):
    items = cold_start("items", PROD_ENV)
    item = invoke(items, load_event("items-post-create")).json()
    event = retarget(load_event, "items-get-one-if-none-match", item_id=item["id"])
    assert_head_mirrors_get(items, event, "If-None-Match")
    assert invoke(items, dict(event, httpMethod="HEAD")).status == 304


def test_a_v2_head_mirrors_get(dynamodb_table, cold_start, load_event):
    items = cold_start("items", PROD_ENV)
    invoke(items, load_event("items-post-create"))
    get = invoke(items, load_event("items-v2-get-list-allowed-origin"))
    head = invoke(items, load_event("items-v2-get-list-allowed-origin", method="HEAD"))
    assert (head.status, head.raw["headers"], head.body) == (get.status, get.raw["headers"], "")
    assert head.headers["x-total-count"] == "1"


def test_head_where_get_is_not_served_is_405_with_allow_and_no_body(monkeypatch, load_event):
    handler = build_handler(monkeypatch, PROD_ENV)
    result = invoke(
        handler, load_event("items-get-list-allowed-origin", path="/api/v1/things/1", method="HEAD")
    )
    assert result.status == 405
    assert result.headers["allow"] == "PUT"  # no GET there, so no HEAD either
    assert result.body == ""
    unknown = invoke(
        handler, load_event("items-get-list-allowed-origin", path="/api/v1/nowhere", method="HEAD")
    )
    assert (unknown.status, unknown.body) == (404, "")


def test_a_layer_answer_to_head_has_no_body_either(monkeypatch, load_event):
    handler = build_handler(monkeypatch, PROD_ENV)
    event = load_event(
        "items-get-list-allowed-origin", path="/api/v1/things", method="HEAD", headers={"Host": "a:b"}
    )
    result = invoke(handler, event)
    assert (result.status, result.headers["content-type"], result.body) == (
        400,
        "application/problem+json",
        "",
    )


def test_a_preflight_for_head_is_allowed_where_get_is_served(monkeypatch, load_event):
    handler = build_handler(monkeypatch, PROD_ENV)
    preflight = load_event(
        "items-options-preflight-put-allowed-origin",
        path="/api/v1/things",
        headers={"Access-Control-Request-Method": "HEAD", "Access-Control-Request-Headers": None},
    )
    result = invoke(handler, preflight)
    assert result.status == 204, result.body
    assert result.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert result.headers["access-control-allow-methods"] == "GET, HEAD, POST"
    refused = invoke(handler, dict(preflight, path="/api/v1/things/1"))
    assert refused.status == 403
