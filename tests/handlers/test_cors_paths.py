"""CORS on every path a response can take, through the layer's real Lambda entry point.

The product functions never produce some of these (an unhandled exception, a 304, a redirect, an app that
sets its own Vary or CORS headers), so a small app built with the same factory stands in for them
(support/cors_app.py). Events come from events/ with the path and method overridden.
"""

from __future__ import annotations

import io
import json
import logging

import pytest
from api_core.observability import logger
from support.cors_app import build_handler
from support.handlers import ALLOWED_ORIGIN, DEV_ENV, DISALLOWED_ORIGIN, PROD_ENV, invoke


@pytest.fixture
def prod_handler(monkeypatch):
    return build_handler(monkeypatch, PROD_ENV)


@pytest.fixture
def dev_handler(monkeypatch):
    return build_handler(monkeypatch, DEV_ENV)


def actual(load_event, path, method="GET", origin=ALLOWED_ORIGIN, headers=None, **overrides):
    headers = {"Origin": origin, **(headers or {})}
    return load_event("items-get-list-allowed-origin", path=path, method=method, headers=headers, **overrides)


def assert_allowed_cors(result, origin=ALLOWED_ORIGIN):
    assert result.headers["access-control-allow-origin"] == origin
    assert result.headers["access-control-allow-credentials"] == "true"
    assert "etag" in result.headers["access-control-expose-headers"].lower()
    assert result.header_count("vary") == 1
    assert [v.strip().lower() for v in result.headers["vary"].split(",")].count("origin") == 1


@pytest.mark.parametrize(
    ("path", "method", "body", "status"),
    [
        ("/api/v1/things", "GET", None, 200),
        ("/api/v1/things", "POST", {"name": "x", "size": 2}, 201),
        ("/api/v1/moved", "GET", None, 302),
        ("/api/v1/not-modified", "GET", None, 304),
        ("/api/v1/nowhere", "GET", None, 404),
        ("/api/v1/things", "DELETE", None, 405),
        ("/api/v1/things", "POST", {"name": "x"}, 422),
        ("/api/v1/things", "POST", "{not json", 400),
        ("/api/v1/boom", "GET", None, 500),
    ],
)
def test_allowed_origin_gets_cors_headers_on_every_status(
    prod_handler, load_event, path, method, body, status
):
    # GIVEN a prod policy and an allowed origin WHEN the app answers with `status`
    event = actual(load_event, path, method, body=body, headers={"Content-Type": "application/json"})
    result = invoke(prod_handler, event)
    # THEN the CORS headers are there whatever the status
    assert result.status == status
    assert_allowed_cors(result)
    if status >= 400:
        assert result.headers["content-type"] == "application/problem+json"
        problem = result.json()
        assert problem["status"] == status
        assert set(problem) >= {"type", "title", "status", "detail", "instance"}


def test_unhandled_exception_is_a_problem_without_the_exception_text(prod_handler, load_event):
    result = invoke(prod_handler, actual(load_event, "/api/v1/boom"))
    assert result.status == 500
    assert "hunter2" not in result.body
    assert "Traceback" not in result.body
    assert result.json()["type"] == "urn:problem-type:internal-error"


def test_405_lists_every_method_of_the_path_not_just_the_first_route(prod_handler, load_event):
    result = invoke(prod_handler, actual(load_event, "/api/v1/things", "DELETE"))
    assert result.headers["allow"] == "GET, HEAD, POST"


def test_app_vary_is_merged_without_duplicates(prod_handler, load_event):
    result = invoke(prod_handler, actual(load_event, "/api/v1/things"))
    assert result.headers["vary"] == "Accept-Encoding, origin"


def test_app_set_cors_headers_are_replaced_by_the_layer(prod_handler, load_event):
    result = invoke(prod_handler, actual(load_event, "/api/v1/self-cors", origin=DISALLOWED_ORIGIN))
    assert result.cors_headers() == {}
    allowed = invoke(prod_handler, actual(load_event, "/api/v1/self-cors"))
    assert allowed.headers["access-control-allow-origin"] == ALLOWED_ORIGIN


def test_no_origin_means_no_cors_headers_but_vary(prod_handler, load_event):
    event = load_event("items-get-list-no-origin", path="/api/v1/things")
    result = invoke(prod_handler, event)
    assert result.status == 200
    assert result.cors_headers() == {}
    assert "origin" in result.headers["vary"].lower()


def test_disallowed_origin_read_is_served_without_cors_headers(prod_handler, load_event):
    result = invoke(prod_handler, actual(load_event, "/api/v1/things", origin=DISALLOWED_ORIGIN))
    assert result.status == 200
    assert result.cors_headers() == {}
    assert "origin" in result.headers["vary"].lower()


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_disallowed_origin_write_is_refused_before_the_app(prod_handler, load_event, method):
    path = "/api/v1/things" if method == "POST" else "/api/v1/things/1"
    event = load_event(
        "items-post-disallowed-origin", path=path, method=method, body={"name": "x", "size": 1}
    )
    result = invoke(prod_handler, event)
    assert result.status == 403
    assert result.cors_headers() == {}
    assert result.headers["vary"] == "Origin"
    problem = result.json()
    assert problem["check"] == "origin-not-allowed"
    assert "app.example.com" not in result.body


def test_writes_without_origin_are_not_affected(prod_handler, load_event):
    event = load_event(
        "items-get-list-no-origin",
        path="/api/v1/things",
        method="POST",
        headers={"Content-Type": "application/json"},
        body={"name": "x", "size": 1},
    )
    assert invoke(prod_handler, event).status == 201


def test_preflight_allowed(prod_handler, load_event):
    event = load_event("items-options-preflight-put-allowed-origin", path="/api/v1/things/1")
    result = invoke(prod_handler, event)
    assert result.status == 204
    assert result.body == ""
    assert result.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert result.headers["access-control-allow-methods"] == "PUT"
    assert result.headers["access-control-allow-headers"] == "content-type, if-match"
    assert result.headers["access-control-allow-credentials"] == "true"
    assert result.headers["access-control-max-age"] == "7200"
    assert result.headers["vary"] == "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"


@pytest.mark.parametrize(
    ("overrides", "check"),
    [
        ({"headers": {"Origin": DISALLOWED_ORIGIN}}, "origin-not-allowed"),
        ({"headers": {"Access-Control-Request-Method": "DELETE"}}, "method-not-allowed"),
        ({"headers": {"Access-Control-Request-Headers": "x-secret-header"}}, "header-not-allowed"),
        ({"path": "/api/v1/unknown"}, "unknown-path"),
        ({"headers": {"Origin": "null"}}, "origin-null"),
    ],
)
def test_preflight_refusals_are_403_naming_the_check(prod_handler, load_event, overrides, check, caplog):
    event = load_event(
        "items-options-preflight-put-allowed-origin", **{"path": "/api/v1/things/1", **overrides}
    )
    result = invoke(prod_handler, event)
    assert result.status == 403
    assert result.cors_headers() == {}
    assert result.headers["content-type"] == "application/problem+json"
    assert result.json()["check"] == check
    assert "app.example.com" not in result.body


def test_refusals_are_logged_with_origin_and_check(prod_handler, load_event, monkeypatch):
    # Powertools' handler keeps the stream it was created with; read the log lines from our own.
    stream = io.StringIO()
    monkeypatch.setattr(logger.registered_handler, "stream", stream)
    level = logger.log_level
    logger.setLevel(logging.INFO)
    event = load_event("items-options-preflight-put-disallowed-origin", path="/api/v1/things/1")
    try:
        invoke(prod_handler, event)
    finally:
        logger.setLevel(level)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    refused = [line for line in lines if line.get("message") == "CORS refused"]
    assert len(refused) == 1
    assert refused[0]["origin"] == [DISALLOWED_ORIGIN]
    assert refused[0]["cors_check"] == "origin-not-allowed"
    assert refused[0]["correlation_id"] == event["requestContext"]["requestId"]


def test_options_without_request_method_is_not_a_preflight(prod_handler, load_event):
    result = invoke(prod_handler, load_event("items-options-no-request-method", path="/api/v1/things"))
    assert result.status == 204
    assert result.headers["allow"] == "GET, HEAD, OPTIONS, POST"
    assert result.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    unknown = invoke(prod_handler, load_event("items-options-no-request-method", path="/api/v1/nowhere"))
    assert unknown.status == 404


def test_dev_reflects_any_origin_with_credentials(dev_handler, load_event):
    origin = "http://localhost:5173"
    result = invoke(dev_handler, actual(load_event, "/api/v1/things", origin=origin))
    assert_allowed_cors(result, origin)
    preflight = load_event("items-options-preflight-put-localhost-origin", path="/api/v1/things/1")
    assert invoke(dev_handler, preflight).headers["access-control-allow-origin"] == origin


def test_dev_reflection_never_allows_null(dev_handler, load_event):
    result = invoke(dev_handler, actual(load_event, "/api/v1/things", origin="null"))
    assert result.cors_headers() == {}


@pytest.mark.parametrize(
    "event_name",
    ["items-v2-get-list-allowed-origin", "items-function-url-get-list-allowed-origin"],
)
def test_v2_and_function_url_events_get_the_same_cors(prod_handler, load_event, event_name):
    result = invoke(prod_handler, load_event(event_name, path="/api/v1/things"))
    assert result.status == 200
    assert "multiValueHeaders" not in result.raw
    assert_allowed_cors(result)


def test_v2_preflight(prod_handler, load_event):
    allowed = invoke(
        prod_handler, load_event("items-v2-options-preflight-put-allowed-origin", path="/api/v1/things/1")
    )
    assert allowed.status == 204
    assert allowed.headers["access-control-allow-methods"] == "PUT"
    refused = invoke(
        prod_handler, load_event("items-v2-options-preflight-put-disallowed-origin", path="/api/v1/things/1")
    )
    assert refused.status == 403
    assert refused.cors_headers() == {}


def test_v1_without_multi_value_headers(prod_handler, load_event):
    event = actual(load_event, "/api/v1/things")
    event["multiValueHeaders"] = None
    assert_allowed_cors(invoke(prod_handler, event))


def test_header_names_in_any_case(prod_handler, load_event):
    event = load_event("items-options-preflight-put-allowed-origin", path="/api/v1/things/1")
    for mapping in ("headers", "multiValueHeaders"):
        event[mapping] = {
            k.upper() if k.lower().startswith(("origin", "access")) else k: v
            for k, v in event[mapping].items()
        }
    assert invoke(prod_handler, event).status == 204


def test_repeated_origin_header_is_disallowed_in_v1_and_v2(prod_handler, load_event):
    v1 = actual(load_event, "/api/v1/things", headers={"Origin": [ALLOWED_ORIGIN, ALLOWED_ORIGIN]})
    assert invoke(prod_handler, v1).cors_headers() == {}
    v1_two_spellings = actual(load_event, "/api/v1/things")
    v1_two_spellings["multiValueHeaders"]["ORIGIN"] = [ALLOWED_ORIGIN]
    assert invoke(prod_handler, v1_two_spellings).cors_headers() == {}
    v2 = load_event(
        "items-v2-get-list-allowed-origin",
        path="/api/v1/things",
        headers={"Origin": [ALLOWED_ORIGIN, ALLOWED_ORIGIN]},
    )
    assert invoke(prod_handler, v2).cors_headers() == {}


def test_malformed_event_is_a_400_problem(prod_handler):
    result = invoke(prod_handler, {"resource": "/", "requestContext": {}, "headers": None})
    assert result.status == 400
    assert result.json()["type"] == "urn:problem-type:malformed-event"


def test_startup_fails_on_unsafe_prod_config(monkeypatch):
    with pytest.raises(Exception, match="CORS_ALLOWED_ORIGINS"):
        build_handler(monkeypatch, {"STAGE": "prod", "CORS_ALLOWED_ORIGINS": "*"})


def test_preflight_answers_carry_the_security_headers_too(prod_handler, load_event):
    for name in (
        "items-options-preflight-put-allowed-origin",
        "items-options-preflight-put-disallowed-origin",
    ):
        result = invoke(prod_handler, load_event(name, path="/api/v1/things/1"))
        assert result.headers["x-content-type-options"] == "nosniff", name
        assert result.headers["strict-transport-security"].startswith("max-age="), name
