"""Security headers on every response, and logs that never hold credentials or sensitive bodies."""

from __future__ import annotations

import io
import json
import logging

import pytest
from api_core.events import EventFormat, HttpRequest, make_response
from api_core.observability import logger
from api_core.security_headers import add_security_headers
from support.handlers import ALLOWED_ORIGIN, DISALLOWED_ORIGIN, invoke

SECRETS = ("Bearer s3cr3t-t0ken", "session=c00kie-secret", "hunter2-password-in-body")


def request_with(**headers: str) -> HttpRequest:
    return HttpRequest(EventFormat.REST_V1, "GET", "/x", {k: (v,) for k, v in headers.items()}, None)


@pytest.mark.parametrize(
    ("event", "overrides", "no_store", "hsts"),
    [
        ("items-get-list", {}, True, True),  # allowed origin, credentials on, over HTTPS
        ("items-get-list", {"X-Forwarded-Proto": "http"}, True, False),
        ("items-get-list", {"Origin": None}, False, True),  # no browser, no credentials
        ("items-get-list", {"Origin": None, "Authorization": "Bearer x"}, True, True),
        ("items-get-list", {"Origin": None, "Cookie": "a=b"}, True, True),
        ("items-get-list", {"Origin": DISALLOWED_ORIGIN}, False, True),
        ("items-post-invalid", {}, True, True),  # errors too
        ("items-get-one-unknown", {}, True, True),
        ("items-post-create", {"Content-Type": "text/plain"}, True, True),  # the layer's own 415
        ("items-post-disallowed-origin", {}, False, True),  # the layer's own 403
    ],
)
def test_security_headers(items, load_event, figures, event, overrides, no_store, hsts):
    result = invoke(items, load_event(event, headers=overrides))
    figures("security headers", cases=1, requests=1)
    assert result.headers["x-content-type-options"] == "nosniff"
    assert (result.headers.get("cache-control") == "no-store") is no_store
    assert (result.headers.get("strict-transport-security") == "max-age=31536000") is hsts
    assert result.header_count("x-content-type-options") == 1


def test_v2_and_function_url_get_them_too(items, load_event):
    for name in ("items-v2-get-list-allowed-origin", "items-function-url-get-list-allowed-origin"):
        result = invoke(items, load_event(name))
        assert result.headers["x-content-type-options"] == "nosniff"
        assert result.headers["cache-control"] == "no-store"


def test_a_resource_that_sets_its_own_cache_control_keeps_it():
    response = make_response(EventFormat.REST_V1, 200, {"cache-control": "max-age=60"})
    add_security_headers(request_with(authorization="Bearer x"), response)
    assert response["headers"]["cache-control"] == "max-age=60"
    assert "Cache-Control" not in response["headers"]


def test_logs_never_hold_credentials_or_bodies(items, load_event, monkeypatch, caplog, figures):
    # GIVEN every log line of the layer (Powertools) and of the libraries (Mangum, botocore) captured
    stream = io.StringIO()
    monkeypatch.setattr(logger.registered_handler, "stream", stream)
    monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", "DEBUG")
    logger.setLevel("DEBUG")
    # Libraries at INFO, Lambda's default: botocore's DEBUG lines hold every DynamoDB request's parameters,
    # i.e. whatever is stored, so DEBUG must never be turned on for botocore in prod (docs/RELIABILITY.md).
    caplog.set_level(logging.INFO)
    auth = {"Authorization": SECRETS[0], "Cookie": SECRETS[1]}
    body = {"name": "x", "password": SECRETS[2]}
    # WHEN requests carrying them take every path: success, 422, 400, 413, CORS refusal, preflight, 404
    events = [
        load_event("items-post-create", headers=auth, body={"name": "ok", "description": SECRETS[2]}),
        load_event("items-post-create", headers=auth, body=body),
        load_event("items-post-create", headers=auth, body=json.dumps(body)[:-1]),
        load_event("items-post-create", headers=auth, body={"name": "x", "description": SECRETS[2] * 60_000}),
        load_event("items-post-create", headers={**auth, "Origin": DISALLOWED_ORIGIN}, body=body),
        load_event(
            "items-options-preflight-put-allowed-origin", headers={**auth, "Origin": DISALLOWED_ORIGIN}
        ),
        load_event("items-get-one-unknown", headers=auth),
        load_event("items-get-list", headers={**auth, "Origin": ALLOWED_ORIGIN}),
    ]
    for event in events:
        invoke(items, event)
    logger.setLevel("WARNING")
    # THEN no secret appears in any line
    logged = stream.getvalue() + "\n".join(r.getMessage() + str(r.__dict__) for r in caplog.records)
    assert logged, "nothing was logged: the capture is broken"
    found = [secret for secret in (*SECRETS, "s3cr3t", "c00kie") if secret in logged]
    figures("logs", cases=len(events), requests=len(events), secrets_found=len(found))
    for secret in SECRETS:
        assert secret not in logged
    assert "s3cr3t" not in logged
    assert "c00kie" not in logged
