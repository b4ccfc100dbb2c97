"""Properties of the CORS policy that must hold for any input, checked with generated origins and requests."""

from __future__ import annotations

import re

import pytest
from api_core.cors.policy import Check
from api_core.settings import cors_policy_from_settings, load_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.cors_app import build_handler
from support.handlers import ALLOWED_ORIGIN, DEV_ENV, PROD_ENV, invoke

PROD_POLICY = cors_policy_from_settings(load_settings(PROD_ENV))
DEV_POLICY = cors_policy_from_settings(load_settings(DEV_ENV))
# The oracle, written independently of the implementation: the exact origin, or https + one or more
# labels + .preview.example.com, no port. Anchored at both ends.
LABEL = r"[a-z0-9]([a-z0-9-]*[a-z0-9])?"
PROD_ORACLE = re.compile(rf"\Ahttps://app\.example\.com\Z|\Ahttps://({LABEL}\.)+preview\.example\.com\Z")

PIECES = [
    "app",
    "example",
    "com",
    "preview",
    "evil",
    "net",
    "app.example.com",
    "preview.example.com",
    "-",
    "xn--p1a",
]
hosts = st.lists(st.sampled_from(PIECES), min_size=1, max_size=4).map(".".join) | st.sampled_from(
    [
        "app.example.com",
        "APP.example.com",
        "app.example.com.",
        "app.example.com.evil.net",
        "evilapp.example.com",
    ]
)
origins = (
    st.builds(
        lambda scheme, host, port, tail: f"{scheme}://{host}{port}{tail}",
        st.sampled_from(["https", "http", "HTTPS", "wss", "ftp"]),
        hosts,
        st.sampled_from(["", ":443", ":8443", ":80", ":3000", ":"]),
        st.sampled_from(["", "/", "/x", "@evil.net", " ", ",https://app.example.com", "%2e"]),
    )
    | st.text(max_size=40)
    | st.just("null")
)


@given(origins)
def test_prod_never_allows_an_origin_outside_the_list(origin):
    allowed = PROD_POLICY.check_origin((origin,)) is None
    assert allowed == bool(PROD_ORACLE.match(origin))


@given(origins)
def test_dev_reflection_never_allows_null_and_reflects_exactly(origin):
    refusal = DEV_POLICY.check_origin((origin,))
    if origin == "null":
        assert refusal is not None
        assert refusal.check is Check.ORIGIN_NULL
    if refusal is None:
        assert DEV_POLICY.actual_headers(origin)["Access-Control-Allow-Origin"] == origin


@given(st.lists(origins, min_size=2, max_size=3))
def test_more_than_one_origin_value_is_never_allowed(values):
    assert PROD_POLICY.check_origin(tuple(values)) is not None
    assert DEV_POLICY.check_origin(tuple(values)) is not None


@pytest.fixture(scope="module")
def handlers():
    monkeypatch = pytest.MonkeyPatch()
    built = {"prod": build_handler(monkeypatch, PROD_ENV), "dev": build_handler(monkeypatch, DEV_ENV)}
    yield built
    monkeypatch.undo()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    stage=st.sampled_from(["prod", "dev"]),
    method=st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD", "TRACE"]),
    path=st.sampled_from(["/api/v1/things", "/api/v1/things/1", "/api/v1/boom", "/api/v1/nowhere", "/"]),
    origin=st.none() | origins | st.just(ALLOWED_ORIGIN),
    request_method=st.none() | st.sampled_from(["GET", "PUT", "DELETE", "get", "X Y"]),
)
def test_every_response_varies_on_origin_and_only_allowed_origins_get_allow_headers(
    handlers, load_event, stage, method, path, origin, request_method
):
    headers = {"Origin": origin, "Access-Control-Request-Method": request_method}
    event = load_event("health-get-no-origin", method=method, path=path, headers=headers)
    result = invoke(handlers[stage], event)
    assert "origin" in [name.strip().lower() for name in result.headers["vary"].split(",")]
    policy = PROD_POLICY if stage == "prod" else DEV_POLICY
    if origin is None or policy.check_origin((origin,)) is not None:
        assert result.cors_headers() == {}
    else:
        assert result.headers.get("access-control-allow-origin") in (origin, None)
    assert result.status < 500 or path == "/api/v1/boom"
