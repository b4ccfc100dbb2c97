"""CORS through each real function's handler, with its own events, DynamoDB in moto: dev versus prod."""

from __future__ import annotations

import json
import re

import pytest
from support.handlers import ALLOWED_ORIGIN, DEV_ENV, PROD_ENV, invoke
from support.paths import EVENTS_DIR, FUNCTIONS_DIR
from support.template import functions

# A function that sets a CORS policy of its own in code (health: public; a tier) is tested with it.
OWN_POLICY = re.compile(r"\bcors(_tiers)?\s*=")


def own_policy(function: str) -> bool:
    return any(OWN_POLICY.search(path.read_text()) for path in (FUNCTIONS_DIR / function).glob("*.py"))


# Every other function of template.yaml answers with the app's credentialed policy: all of them here.
APP_POLICY = sorted(f for f in functions() if not own_policy(f))


def preflight(function: str, scenario: str) -> str:
    """The function's preflight event name from `scenario` (allowed-origin, localhost-origin, ...)."""
    found = sorted(EVENTS_DIR.glob(f"{function}-options-preflight-*-{scenario}.json"))
    assert found, f"events/{function}-options-preflight-<verb>-{scenario}.json is missing"
    return found[0].stem


def methods_of(function: str, path: str) -> str:
    """Access-Control-Allow-Methods for `path`: its methods in routes.json, HEAD wherever GET."""
    methods = set()
    for entry in json.loads((FUNCTIONS_DIR / function / "routes.json").read_text())["routes"]:
        if re.fullmatch(entry["regex"], path):
            methods |= set(entry["methods"])
    if "GET" in methods:
        methods.add("HEAD")
    return ", ".join(sorted(methods))


def test_every_function_has_a_cors_policy_under_test():
    assert set(APP_POLICY) | {f for f in functions() if own_policy(f)} == set(functions())


def table_size(table) -> int:
    return table.scan(Select="COUNT")["Count"]


@pytest.mark.parametrize("function", APP_POLICY)
def test_preflight_from_a_listed_origin_is_answered_with_the_paths_methods(
    dynamodb_table, cold_start, load_event, function
):
    handler = cold_start(function, PROD_ENV)
    event = load_event(preflight(function, "allowed-origin"))
    result = invoke(handler, event)
    assert result.status == 204
    assert result.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert result.headers["access-control-allow-methods"] == methods_of(function, event["path"])
    assert result.headers["access-control-allow-credentials"] == "true"


@pytest.mark.parametrize("function", APP_POLICY)
def test_localhost_preflight_is_allowed_in_dev_and_refused_in_prod(
    dynamodb_table, cold_start, load_event, function
):
    event = load_event(preflight(function, "localhost-origin"))
    dev = invoke(cold_start(function, DEV_ENV), event)
    assert dev.status == 204
    assert dev.headers["access-control-allow-origin"] == "http://localhost:5173"
    prod = invoke(cold_start(function, PROD_ENV), event)
    assert prod.status == 403
    assert prod.cors_headers() == {}
    assert prod.json()["check"] == "origin-not-allowed"


@pytest.mark.parametrize("function", APP_POLICY)
def test_preflight_from_an_unlisted_origin_is_refused(dynamodb_table, cold_start, load_event, function):
    result = invoke(cold_start(function, PROD_ENV), load_event(preflight(function, "disallowed-origin")))
    assert result.status == 403
    assert result.cors_headers() == {}


@pytest.mark.parametrize("function", APP_POLICY)
def test_reads_without_origin_or_from_an_unlisted_origin_carry_no_cors_headers(
    dynamodb_table, cold_start, load_event, function
):
    handler = cold_start(function, PROD_ENV)
    for scenario in ("no-origin", "disallowed-origin"):
        result = invoke(handler, load_event(f"{function}-get-list-{scenario}"))
        assert result.status == 200, scenario
        assert result.cors_headers() == {}, scenario
        assert "Origin" in result.headers["vary"], scenario


@pytest.mark.parametrize("function", APP_POLICY)
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


@pytest.mark.parametrize("function", APP_POLICY)
def test_reads_from_a_listed_origin_carry_cors_headers_in_every_function(
    dynamodb_table, cold_start, load_event, function
):
    result = invoke(cold_start(function, PROD_ENV), load_event(f"{function}-get-list"))
    assert result.status == 200
    assert result.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert "x-total-count" in result.headers["access-control-expose-headers"].lower()
