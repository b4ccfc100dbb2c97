"""CORS through each real function's handler, with its own events, DynamoDB in moto: dev versus prod."""

from __future__ import annotations

import pytest
from support.handlers import ALLOWED_ORIGIN, DEV_ENV, PROD_ENV, invoke

PREFLIGHTS = {
    # function: (event prefix, expected Access-Control-Allow-Methods for that path)
    "items": ("items-options-preflight-put", "DELETE, GET, HEAD, PATCH, PUT"),
    "users": ("users-options-preflight-post-orders", "GET, HEAD, POST"),
}


def table_size(table) -> int:
    return table.scan(Select="COUNT")["Count"]


@pytest.mark.parametrize("function", sorted(PREFLIGHTS))
def test_preflight_from_a_listed_origin_is_answered_with_the_paths_methods(
    dynamodb_table, cold_start, load_event, function
):
    prefix, methods = PREFLIGHTS[function]
    handler = cold_start(function, PROD_ENV)
    result = invoke(handler, load_event(f"{prefix}-allowed-origin"))
    assert result.status == 204
    assert result.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert result.headers["access-control-allow-methods"] == methods
    assert result.headers["access-control-allow-credentials"] == "true"


@pytest.mark.parametrize("function", sorted(PREFLIGHTS))
def test_localhost_preflight_is_allowed_in_dev_and_refused_in_prod(
    dynamodb_table, cold_start, load_event, function
):
    prefix, _ = PREFLIGHTS[function]
    event = load_event(f"{prefix}-localhost-origin")
    dev = invoke(cold_start(function, DEV_ENV), event)
    assert dev.status == 204
    assert dev.headers["access-control-allow-origin"] == "http://localhost:5173"
    prod = invoke(cold_start(function, PROD_ENV), event)
    assert prod.status == 403
    assert prod.cors_headers() == {}
    assert prod.json()["check"] == "origin-not-allowed"


@pytest.mark.parametrize("function", sorted(PREFLIGHTS))
def test_preflight_from_an_unlisted_origin_is_refused(dynamodb_table, cold_start, load_event, function):
    prefix, _ = PREFLIGHTS[function]
    result = invoke(cold_start(function, PROD_ENV), load_event(f"{prefix}-disallowed-origin"))
    assert result.status == 403
    assert result.cors_headers() == {}


@pytest.mark.parametrize("function", ["items", "users"])
def test_reads_without_origin_or_from_an_unlisted_origin_carry_no_cors_headers(
    dynamodb_table, cold_start, load_event, function
):
    handler = cold_start(function, PROD_ENV)
    for scenario in ("no-origin", "disallowed-origin"):
        result = invoke(handler, load_event(f"{function}-get-list-{scenario}"))
        assert result.status == 200, scenario
        assert result.cors_headers() == {}, scenario
        assert "Origin" in result.headers["vary"], scenario


@pytest.mark.parametrize("function", ["items", "users"])
def test_a_cross_site_write_from_an_unlisted_origin_touches_no_data(
    dynamodb_table, cold_start, load_event, function
):
    # GIVEN a prod function and its table
    handler = cold_start(function, PROD_ENV)
    before = table_size(dynamodb_table)
    # WHEN another site's page posts a simple (non-preflighted) form-like request
    result = invoke(handler, load_event(f"{function}-post-disallowed-origin"))
    # THEN it is refused before the app runs, and nothing was written
    assert result.status == 403
    assert result.json()["type"] == "urn:problem-type:cors-refused"
    assert table_size(dynamodb_table) == before


def test_reads_from_a_listed_origin_carry_cors_headers_in_every_function(
    dynamodb_table, cold_start, load_event
):
    for function, event in (("items", "items-get-list"), ("users", "users-get-list")):
        result = invoke(cold_start(function, PROD_ENV), load_event(event))
        assert result.status == 200
        assert result.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
        assert "x-total-count" in result.headers["access-control-expose-headers"].lower()
