"""The health function, end to end through its handler with the events in events/."""

import pytest
from api_core.settings import ConfigError
from support.handlers import DEV_ENV, PROD_ENV, invoke


def test_get_health_answers_ok_with_the_stage(cold_start, load_event):
    # GIVEN the health function started in prod
    handler = cold_start("health", PROD_ENV)
    # WHEN a plain GET arrives (curl, no Origin)
    result = invoke(handler, load_event("health-get-no-origin"))
    # THEN the body is the one README documents, and no CORS header is sent
    assert result.status == 200
    assert result.headers["content-type"] == "application/json"
    assert result.json() == {"status": "ok", "stage": "prod"}
    assert result.cors_headers() == {}
    assert result.headers["vary"] == "Origin"


def test_health_is_public_star_without_credentials_even_in_prod(cold_start, load_event):
    handler = cold_start("health", PROD_ENV)
    # an origin that is not in PROD_ENV's list: health overrides the policy in code
    result = invoke(handler, load_event("health-get-cross-origin"))
    assert result.status == 200
    assert result.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in result.headers


def test_health_preflight_lists_only_get_and_head(cold_start, load_event):
    handler = cold_start("health", DEV_ENV)
    result = invoke(handler, load_event("health-options-preflight"))
    assert result.status == 204
    assert result.headers["access-control-allow-methods"] == "GET, HEAD"
    assert result.headers["access-control-allow-origin"] == "*"


def test_health_refuses_writes_with_405_and_allow(cold_start, load_event):
    handler = cold_start("health", DEV_ENV)
    result = invoke(handler, load_event("health-get-no-origin", method="POST"))
    assert result.status == 405
    assert result.headers["allow"] == "GET, HEAD"
    assert result.headers["content-type"] == "application/problem+json"
    assert result.json()["status"] == 405


def test_health_refuses_to_start_on_an_unsafe_prod_origin_list_too(cold_start):
    # health overrides CORS in code, but a misconfigured stack must fail in every function
    with pytest.raises(ConfigError, match="CORS_ALLOWED_ORIGINS"):
        cold_start("health", {"STAGE": "prod", "CORS_ALLOWED_ORIGINS": "*"})
