"""The CORS policy's decisions, table-driven: origins, preflights, headers. No HTTP, no Lambda."""

import pytest
from api_core.cors.policy import Check, CorsPolicy, Mode
from api_core.settings import ConfigError, cors_policy_from_settings, load_settings

ALLOWED = "https://app.example.com"
PROD = {"STAGE": "prod", "CORS_ALLOWED_ORIGINS": f"{ALLOWED},https://*.preview.example.com"}
DEV = {"STAGE": "dev"}
SERVED = frozenset({"GET", "PUT", "PATCH", "DELETE"})


def policy(env):
    return cors_policy_from_settings(load_settings(env))


@pytest.mark.parametrize(
    ("env", "origin", "refusal"),
    [
        (PROD, ALLOWED, None),
        (PROD, "https://pr-7.preview.example.com", None),
        (PROD, "https://evil.example.net", Check.ORIGIN_NOT_ALLOWED),
        (PROD, "http://app.example.com", Check.ORIGIN_NOT_ALLOWED),
        (PROD, "https://app.example.com:8443", Check.ORIGIN_NOT_ALLOWED),
        (PROD, "https://app.example.com.evil.net", Check.ORIGIN_NOT_ALLOWED),
        (PROD, "https://evilapp.example.com", Check.ORIGIN_NOT_ALLOWED),
        (PROD, "https://APP.example.com", Check.ORIGIN_MALFORMED),
        (PROD, "https://app.example.com/", Check.ORIGIN_MALFORMED),
        (PROD, f"{ALLOWED} {ALLOWED}", Check.ORIGIN_MALFORMED),
        (PROD, f"{ALLOWED},https://evil.example.net", Check.ORIGIN_MALFORMED),
        (PROD, "null", Check.ORIGIN_NULL),
        (DEV, "https://anything.example.org", None),
        (DEV, "http://localhost:5173", None),
        (DEV, "null", Check.ORIGIN_NULL),
        (DEV, "https://x.example/evil", Check.ORIGIN_MALFORMED),
        ({"STAGE": "dev", "CORS_ALLOWED_ORIGINS": "null"}, "null", None),
        (
            {"STAGE": "dev", "CORS_ALLOWED_ORIGINS": ALLOWED},
            "http://localhost:5173",
            Check.ORIGIN_NOT_ALLOWED,
        ),
    ],
)
def test_origin_decisions(env, origin, refusal):
    result = policy(env).check_origin((origin,))
    assert (result.check if result else None) == refusal


def test_a_repeated_origin_header_is_refused_even_if_each_value_is_allowed():
    assert policy(PROD).check_origin((ALLOWED, ALLOWED)).check is Check.ORIGIN_MULTIPLE
    assert policy(DEV).check_origin(()).check is Check.ORIGIN_MULTIPLE


def test_actual_headers_echo_the_origin_byte_for_byte_with_credentials_and_expose():
    headers = policy(PROD).actual_headers(ALLOWED)
    assert headers["Access-Control-Allow-Origin"] == ALLOWED
    assert headers["Access-Control-Allow-Credentials"] == "true"
    exposed = {h.strip().lower() for h in headers["Access-Control-Expose-Headers"].split(",")}
    assert {"location", "etag", "link", "x-total-count", "x-request-id"} <= exposed


def test_public_policy_sends_star_and_never_credentials():
    public = CorsPolicy.public()
    assert public.actual_headers("https://a.example") == {"Access-Control-Allow-Origin": "*"}
    with pytest.raises(ValueError, match="credentials"):
        CorsPolicy(
            Mode.PUBLIC, allow_credentials=True, allow_headers=frozenset(), expose_headers=(), max_age=1
        )


@pytest.mark.parametrize(
    ("method", "requested", "served", "check", "allow_headers"),
    [
        ("PUT", "Content-Type, If-Match", SERVED, None, "content-type, if-match"),
        ("PUT", None, SERVED, None, None),
        ("PUT", "", SERVED, None, None),
        ("PUT", "AUTHORIZATION", SERVED, None, "authorization"),
        ("POST", "content-type", SERVED, Check.METHOD_NOT_ALLOWED, None),
        ("put", None, SERVED, Check.METHOD_NOT_ALLOWED, None),
        ("PUT", "x-unknown", SERVED, Check.HEADER_NOT_ALLOWED, None),
        ("PUT", "content-type;evil", SERVED, Check.HEADER_NOT_ALLOWED, None),
        ("GET", None, None, Check.UNKNOWN_PATH, None),
    ],
)
def test_preflight_decisions(method, requested, served, check, allow_headers):
    answer = policy(PROD).preflight((ALLOWED,), method, requested, served)
    assert (answer.refusal.check if answer.refusal else None) == check
    if check is None:
        assert answer.headers["Access-Control-Allow-Origin"] == ALLOWED
        assert answer.headers["Access-Control-Allow-Methods"] == "DELETE, GET, PATCH, PUT"
        assert answer.headers["Access-Control-Allow-Credentials"] == "true"
        assert answer.headers["Access-Control-Max-Age"] == "7200"
        assert answer.headers.get("Access-Control-Allow-Headers") == allow_headers
    else:
        assert answer.headers == {}


def test_refusal_details_never_list_the_allowed_origins():
    answer = policy(PROD).preflight(("https://evil.example.net",), "PUT", None, SERVED)
    assert answer.refusal is not None
    assert "app.example.com" not in answer.refusal.detail
    assert "preview" not in answer.refusal.detail


def test_wildcard_allow_headers_never_covers_authorization():
    wide = policy({**PROD, "CORS_ALLOW_HEADERS": "*"})
    assert wide.preflight((ALLOWED,), "PUT", "x-anything", SERVED).refusal is None
    refused = wide.preflight((ALLOWED,), "PUT", "x-anything, authorization", SERVED).refusal
    assert refused.check is Check.HEADER_NOT_ALLOWED
    listed = policy({**PROD, "CORS_ALLOW_HEADERS": "*,Authorization"})
    assert listed.preflight((ALLOWED,), "PUT", "authorization", SERVED).refusal is None


def test_credentials_can_be_turned_off():
    headers = policy({**PROD, "CORS_ALLOW_CREDENTIALS": "false"}).actual_headers(ALLOWED)
    assert "Access-Control-Allow-Credentials" not in headers


@pytest.mark.parametrize(
    ("env", "variable", "message"),
    [
        ({}, "STAGE", "not set"),
        ({"STAGE": "staging"}, "STAGE", "'dev' or 'prod'"),
        ({"STAGE": "prod"}, "CORS_ALLOWED_ORIGINS", "must list"),
        ({"STAGE": "prod", "CORS_ALLOWED_ORIGINS": "*"}, "CORS_ALLOWED_ORIGINS", "refused when STAGE=prod"),
        ({"STAGE": "prod", "CORS_ALLOWED_ORIGINS": f"{ALLOWED},*"}, "CORS_ALLOWED_ORIGINS", "refused"),
        ({"STAGE": "prod", "CORS_ALLOWED_ORIGINS": "null"}, "CORS_ALLOWED_ORIGINS", "null"),
        (
            {"STAGE": "prod", "CORS_ALLOWED_ORIGINS": "https://app.example.com/"},
            "CORS_ALLOWED_ORIGINS",
            "path",
        ),
        ({"STAGE": "dev", "CORS_ALLOWED_ORIGINS": "https://a.example/x"}, "CORS_ALLOWED_ORIGINS", "path"),
        ({"STAGE": "dev", "CORS_ALLOWED_ORIGINS": f"*,{ALLOWED}"}, "CORS_ALLOWED_ORIGINS", "combined"),
        ({"STAGE": "prod", "CORS_ALLOWED_ORIGINS": "app.example.com"}, "CORS_ALLOWED_ORIGINS", "scheme"),
        (
            {"STAGE": "prod", "CORS_ALLOWED_ORIGINS": "https://u@app.example.com"},
            "CORS_ALLOWED_ORIGINS",
            "userinfo",
        ),
        (
            {"STAGE": "prod", "CORS_ALLOWED_ORIGINS": "https://App.example.com"},
            "CORS_ALLOWED_ORIGINS",
            "lowercase",
        ),
        ({"STAGE": "dev", "CORS_ALLOW_CREDENTIALS": "yes"}, "CORS_ALLOW_CREDENTIALS", "'true' or 'false'"),
        ({"STAGE": "dev", "CORS_MAX_AGE": "-1"}, "CORS_MAX_AGE", "whole number"),
        ({"STAGE": "dev", "CORS_MAX_AGE": "999999"}, "CORS_MAX_AGE", "whole number"),
    ],
)
def test_bad_configuration_fails_naming_the_variable(env, variable, message):
    with pytest.raises(ConfigError, match=message) as raised:
        policy(env)
    assert raised.value.variable == variable
    assert str(raised.value).startswith(f"{variable}:")


def test_dev_modes():
    assert policy(DEV).mode is Mode.DEV_REFLECTION
    assert policy({"STAGE": "dev", "CORS_ALLOWED_ORIGINS": "*"}).mode is Mode.DEV_REFLECTION
    assert policy({"STAGE": "dev", "CORS_ALLOWED_ORIGINS": ALLOWED}).mode is Mode.ALLOW_LIST
    assert policy(PROD).mode is Mode.ALLOW_LIST
