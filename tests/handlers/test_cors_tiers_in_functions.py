"""CORS tiers through the real functions (issue 14): the admin function's `admin` tier at /api/v1/admin/,
with its own origins (CORS_ADMIN_ALLOWED_ORIGINS) and credentials, and the users function's route-level
`profile` tier, which keeps DELETE of a user away from browsers.

Events: admin-*-{admin,app}-origin (REST v1 and HTTP API v2), preflight and actual, from the admin
console's origin and from the app's.
"""

from __future__ import annotations

import io
import json
import logging

import pytest
from api_core.observability import logger
from api_core.settings import ConfigError
from support.handlers import ADMIN_ORIGIN, ALLOWED_ORIGIN, DEV_ENV, PROD_ENV, invoke

STATS = "/api/v1/admin/stats"
# Each scenario's event and the tier's answer: the admin console's origin is the admin tier's only one;
# the app's origin, allowed everywhere else, is refused there.
SCENARIOS = ["admin-origin", "app-origin"]
ORIGIN_OF = {"admin-origin": ADMIN_ORIGIN, "app-origin": ALLOWED_ORIGIN}


def events(kind: str) -> list[str]:
    return [f"admin-{fmt}{kind}" for fmt in ("", "v2-")]


@pytest.fixture
def admin(dynamodb_table, cold_start):
    return cold_start("admin", PROD_ENV)


@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize("event", events("options-preflight-get"))
def test_the_admin_tier_answers_preflights_from_its_own_origin_only(admin, load_event, event, scenario):
    # GIVEN a preflight for the stats (GET with Authorization), v1 or v2, from either tier's origin
    result = invoke(admin, load_event(f"{event}-{scenario}"))
    if scenario == "admin-origin":
        # THEN the admin console's origin gets the admin tier's answer, credentials on
        assert result.status == 204
        assert result.cors_headers() == {
            "access-control-allow-origin": ADMIN_ORIGIN,
            "access-control-allow-credentials": "true",
            "access-control-allow-methods": "GET, HEAD",
            "access-control-allow-headers": "authorization",
            "access-control-max-age": "7200",  # inherited from the environment's tier
        }
    else:
        # THEN the app's origin, allowed by the app tier, is refused by the admin tier, which says so
        assert result.status == 403
        assert result.cors_headers() == {}
        problem = result.json()
        assert (problem["check"], problem["tier"]) == ("origin-not-allowed", "admin")
        assert "CORS tier 'admin'" in problem["detail"]
        assert ADMIN_ORIGIN not in result.body  # never the allowed list


@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize("event", events("get-stats"))
def test_the_stats_are_readable_from_the_admin_origin_only(admin, load_event, event, scenario):
    # GIVEN the stats, asked for from either tier's origin
    result = invoke(admin, load_event(f"{event}-{scenario}"))
    # THEN both are served (CORS binds the browser, not the server), but only the admin console's origin
    # gets the headers that let its page read them, with credentials
    assert result.status == 200, result.body
    assert result.json() == {"collections": {"items": 0, "users": 0}}
    assert "Origin" in result.headers["vary"]
    if scenario == "admin-origin":
        assert result.headers["access-control-allow-origin"] == ADMIN_ORIGIN
        assert result.headers["access-control-allow-credentials"] == "true"
        assert "x-request-id" in result.headers["access-control-expose-headers"].lower()
    else:
        assert result.cors_headers() == {}


def test_the_admin_origin_is_refused_by_the_app_tier(dynamodb_table, cold_start, load_event):
    # GIVEN the items function, which has no admin tier WHEN the admin console's origin calls it
    items = cold_start("items", PROD_ENV)
    preflight = invoke(
        items, load_event("items-options-preflight-put-allowed-origin", headers={"Origin": ADMIN_ORIGIN})
    )
    read = invoke(items, load_event("items-get-list", headers={"Origin": ADMIN_ORIGIN}))
    write = invoke(items, load_event("items-post-create", headers={"Origin": ADMIN_ORIGIN}))
    # THEN the app tier refuses it: the other way round from the admin tier
    assert (preflight.status, preflight.json()["check"], preflight.json()["tier"]) == (
        403,
        "origin-not-allowed",
        "app",
    )
    assert read.status == 200
    assert read.cors_headers() == {}
    assert (write.status, write.json()["tier"]) == (403, "app")


def test_the_stats_count_each_collection_from_its_counter(dynamodb_table, cold_start, load_event):
    # GIVEN two items and one user, created through their functions
    items = cold_start("items", PROD_ENV)
    for name in ("Lamp", "Desk"):
        assert invoke(items, load_event("items-post-create", body={"name": name})).status == 201
    users = cold_start("users", PROD_ENV)
    assert invoke(users, load_event("users-post-create")).status == 201
    # WHEN the admin console asks for the stats
    stats = invoke(cold_start("admin", PROD_ENV), load_event("admin-get-stats-admin-origin"))
    # THEN they are the counters' totals (the counters are what the collections' lists report)
    assert stats.status == 200, stats.body
    assert stats.json() == {"collections": {"items": 2, "users": 1}}
    assert dynamodb_table.get_item(Key={"PK": "ITEMS", "SK": "#COUNT"})["Item"]["total"] == 2


def test_a_write_from_the_app_origin_to_the_admin_prefix_is_refused_before_the_app(admin, load_event):
    event = load_event(
        "admin-get-stats-app-origin", method="POST", body={}, headers={"Content-Type": "text/plain"}
    )
    result = invoke(admin, event)
    assert result.status == 403
    assert (result.json()["type"], result.json()["tier"]) == ("urn:problem-type:cors-refused", "admin")


def test_an_unknown_path_under_the_prefix_is_decided_by_the_admin_tier(admin, load_event):
    # GIVEN a path no route serves, under the admin prefix: its tier is the prefix's, from the path alone
    event = load_event("admin-options-preflight-get-admin-origin", path="/api/v1/admin/nothing")
    result = invoke(admin, event)
    assert (result.status, result.json()["check"], result.json()["tier"]) == (403, "unknown-path", "admin")
    refused = invoke(
        admin, load_event("admin-options-preflight-get-app-origin", path="/api/v1/admin/nothing")
    )
    assert (refused.json()["check"], refused.json()["tier"]) == ("origin-not-allowed", "admin")


def test_a_refusal_log_line_names_the_tier(admin, load_event, monkeypatch):
    stream = io.StringIO()
    monkeypatch.setattr(logger.registered_handler, "stream", stream)
    level = logger.log_level
    logger.setLevel(logging.INFO)
    try:
        invoke(admin, load_event("admin-v2-options-preflight-get-app-origin"))
    finally:
        logger.setLevel(level)
    lines = [json.loads(text) for text in stream.getvalue().splitlines()]
    (line,) = [line for line in lines if line.get("message") == "CORS refused"]
    assert (line["cors_tier"], line["cors_check"], line["path"]) == ("admin", "origin-not-allowed", STATS)


def test_in_dev_an_empty_admin_list_reflects(dynamodb_table, cold_start, load_event):
    admin = cold_start("admin", DEV_ENV)
    result = invoke(admin, load_event("admin-options-preflight-get-app-origin"))
    assert result.status == 204
    assert result.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert result.headers["access-control-allow-credentials"] == "true"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (None, "must list the allowed origins when STAGE=prod"),
        ("", "must list the allowed origins when STAGE=prod"),
        (" , ", "an empty entry"),
        ("*", "'*' is refused for the CORS tier 'admin', which sends credentials"),
        ("https://admin.example.com,*", "'*' is refused for the CORS tier 'admin'"),
        ("https://admin.example.com/", "no path, query or trailing slash"),
        ("https://*.github.io", "Public Suffix List"),
        ("null", "'null' is refused when STAGE=prod"),
    ],
)
def test_a_prod_admin_function_refuses_to_start_without_an_explicit_list(
    dynamodb_table, cold_start, monkeypatch, value, message
):
    env = {k: v for k, v in PROD_ENV.items() if k != "CORS_ADMIN_ALLOWED_ORIGINS"}
    monkeypatch.delenv("CORS_ADMIN_ALLOWED_ORIGINS", raising=False)
    if value is not None:
        env["CORS_ADMIN_ALLOWED_ORIGINS"] = value
    # WHEN the admin function cold-starts THEN it stops, naming its tier's variable and the rule
    with pytest.raises(ConfigError) as raised:
        cold_start("admin", env)
    assert raised.value.variable == "CORS_ADMIN_ALLOWED_ORIGINS"
    assert message in str(raised.value)


def test_in_dev_a_wildcard_with_credentials_is_refused_too(dynamodb_table, cold_start):
    with pytest.raises(ConfigError, match="CORS_ADMIN_ALLOWED_ORIGINS: '\\*' is refused for the CORS tier"):
        cold_start("admin", {**DEV_ENV, "CORS_ADMIN_ALLOWED_ORIGINS": "*"})


def test_the_other_functions_start_without_the_admin_variable(dynamodb_table, cold_start, monkeypatch):
    monkeypatch.delenv("CORS_ADMIN_ALLOWED_ORIGINS", raising=False)
    env = {k: v for k, v in PROD_ENV.items() if k != "CORS_ADMIN_ALLOWED_ORIGINS"}
    for function in ("health", "items", "users"):
        assert callable(cold_start(function, env))


# -- a route-level tier: the users function's `profile` ----------------------------------------------------
USER = "/api/v1/users/0192f3a0-1c2d-7e3f-8a4b-5c6d7e8f9b02"


def preflight(load_event, method: str, origin: str = ALLOWED_ORIGIN, path: str = USER):
    headers = {
        "Origin": origin,
        "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": None,
    }
    return load_event("users-options-preflight-post-orders-allowed-origin", path=path, headers=headers)


@pytest.fixture
def users(dynamodb_table, cold_start):
    return cold_start("users", PROD_ENV)


def test_a_browser_may_not_delete_a_user(users, load_event):
    # GIVEN the user route, which serves DELETE WHEN a page asks to DELETE there
    result = invoke(users, preflight(load_event, "DELETE"))
    # THEN the route's tier refuses it: the browser never sends the DELETE
    assert result.status == 403
    assert result.cors_headers() == {}
    assert (result.json()["check"], result.json()["tier"]) == ("method-not-exposed", "profile")


def test_the_profile_tier_exposes_fewer_methods_than_the_route_serves(users, load_event):
    result = invoke(users, preflight(load_event, "PUT"))
    assert result.status == 204
    # origins and credentials inherited from the app tier; DELETE left out of the methods
    assert result.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert result.headers["access-control-allow-credentials"] == "true"
    assert result.headers["access-control-allow-methods"] == "GET, HEAD, PATCH, PUT"
    # the nested orders are not the route's: they keep every method they serve
    orders = invoke(
        users, preflight(load_event, "DELETE", path=f"{USER}/orders/0192f3a0-1c2d-7e3f-8a4b-5c6d7e8f9c03")
    )
    assert orders.status == 204
    assert orders.headers["access-control-allow-methods"] == "DELETE, GET, HEAD, PATCH, PUT"


def test_a_client_that_is_no_browser_still_deletes(users, load_event):
    # GIVEN a user, created WHEN a client without an Origin (curl, a script) deletes it
    created = invoke(users, load_event("users-post-create"))
    assert created.status == 201, created.body
    path = f"/api/v1/users/{created.json()['id']}"
    result = invoke(users, load_event("users-delete", path=path, headers={"Origin": None, "If-Match": None}))
    # THEN CORS does not stop it: the method is served, and the function's own rules decide
    assert result.status == 204
    assert invoke(users, load_event("users-get-one", path=path)).status == 404
