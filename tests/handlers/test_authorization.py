"""Who may call what (AUTH=cognito), through the real handlers: every route x every caller -> status.

The routes come from the functions' route manifests (held to the apps by tests/unit/test_route_manifests),
so a route added without a rule here fails `test_every_route_has_a_rule`. The callers are the events in
events/ with authorizer claims (support/identity.py). The rules are README's table.
"""

from __future__ import annotations

import importlib.util
import io
import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from api_core.observability import logger
from support.handlers import (
    ADMIN_ORIGIN,
    ALLOWED_ORIGIN,
    PROD_COGNITO_ENV,
    Handler,
    invoke,
    load_handler,
)
from support.identity import (
    ADMIN_SUB,
    CALLERS,
    EMAILS,
    FORMATS,
    OTHER_SUB,
    OWNER_SUB,
    SUBS,
    as_caller,
    claims_of,
    event_name,
)
from support.paths import FUNCTIONS_DIR
from support.sandbox import SANDBOX_ENV, TABLE_NAME

ITEMS = "/api/v1/items"
USERS = "/api/v1/users"
ADMIN = "/api/v1/admin/"  # the `admin` CORS tier: its own origin (functions/admin)
SUCCESS = {"GET": 200, "POST": 201, "PUT": 200, "PATCH": 200, "DELETE": 204}
OK = 0  # the method's success status


def rule(anonymous: int, owner: int, other: int, admin: int) -> dict[str, int]:
    return dict(zip(CALLERS, (anonymous, owner, other, admin), strict=True))


PUBLIC = rule(OK, OK, OK, OK)
ADMIN_ONLY = rule(401, 403, 403, OK)
OWNER_OR_ADMIN = rule(401, OK, 404, OK)
OWN_PROFILE_ONCE = rule(401, 409, OK, OK)  # the owner has a profile already: a second one is 409

# (method, route) -> caller -> status: README's "Who may call what" table.
RULES: dict[tuple[str, str], dict[str, int]] = {
    ("GET", "/api/v1/health"): PUBLIC,
    ("GET", ITEMS): PUBLIC,
    ("POST", ITEMS): ADMIN_ONLY,
    ("GET", f"{ITEMS}/{{item_id}}"): PUBLIC,
    ("PUT", f"{ITEMS}/{{item_id}}"): ADMIN_ONLY,
    ("PATCH", f"{ITEMS}/{{item_id}}"): ADMIN_ONLY,
    ("DELETE", f"{ITEMS}/{{item_id}}"): ADMIN_ONLY,
    ("GET", USERS): ADMIN_ONLY,
    ("POST", USERS): OWN_PROFILE_ONCE,
    **{(m, f"{USERS}/{{user_id}}"): OWNER_OR_ADMIN for m in ("GET", "PUT", "PATCH", "DELETE")},
    **{(m, f"{USERS}/{{user_id}}/orders"): OWNER_OR_ADMIN for m in ("GET", "POST")},
    **{
        (m, f"{USERS}/{{user_id}}/orders/{{order_id}}"): OWNER_OR_ADMIN
        for m in ("GET", "PUT", "PATCH", "DELETE")
    },
    ("GET", f"{ADMIN}stats"): ADMIN_ONLY,
}


def manifest_routes() -> dict[tuple[str, str], str]:
    """(method, route) -> function, for every route of every function (their routes.json)."""
    routes = {}
    for manifest in sorted(FUNCTIONS_DIR.glob("*/routes.json")):
        for entry in json.loads(manifest.read_text())["routes"]:
            for method in entry["methods"]:
                routes[(method, entry["path"])] = manifest.parent.name
    return routes


ROUTES = manifest_routes()
# The functions this module's world serves; any other function holds its rules, and tests them, in its
# own handler tests (`RULES` in tests/handlers/test_<function>.py, as `make resource` writes them).
WORLD = {"health", "items", "users", "admin"}


def rules_of(function: str) -> dict[tuple[str, str], Any]:
    """The RULES declared by tests/handlers/test_<function>.py (empty when it declares none)."""
    path = Path(__file__).with_name(f"test_{function}.py")
    if not path.is_file():
        return {}
    spec = importlib.util.spec_from_file_location(f"_rules_of_{function}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, "RULES", {})


def test_every_route_has_a_rule():
    others = {}
    for function in sorted(set(ROUTES.values()) - WORLD):
        others.update(rules_of(function))
    assert sorted(RULES | others) == sorted(ROUTES)


# -- the world each case starts from ------------------------------------------------------------------
class World:
    """A fresh table with one item (made by the admin), alice's profile and one order of hers."""

    def __init__(self, handlers: dict[str, Handler], load_event: Any) -> None:
        self.handlers = handlers
        self.items, self.users = self.handlers["items"], self.handlers["users"]
        self.load_event = load_event
        item = self.call("signed-in-admin", "POST", ITEMS, {"name": "Lamp"})
        assert item.status == 201, item.body
        self.item_id = item.json()["id"]
        owner = self.call("signed-in-owner", "POST", USERS, {"name": "Alice", "email": EMAILS[OWNER_SUB]})
        assert owner.status == 201, owner.body
        assert owner.json()["id"] == OWNER_SUB
        order = self.call("signed-in-owner", "POST", f"{USERS}/{OWNER_SUB}/orders", self.order_body())
        assert order.status == 201, order.body
        self.order_id = order.json()["id"]

    def order_body(self) -> dict[str, Any]:
        return {"item_id": self.item_id, "quantity": 2}

    def handler_for(self, path: str) -> Handler:
        for (_, route), function in ROUTES.items():
            if re.fullmatch(re.sub(r"\{\w+\}", "[^/]+", route), path):
                return self.handlers[function]
        raise AssertionError(f"no function serves {path}")

    def call(self, caller: str, method: str, path: str, body: Any = None, fmt: str = "v1", **kw: Any):
        if path.startswith(ADMIN):  # from the admin console's page: the app's origin is refused there
            kw["headers"] = {"Origin": ADMIN_ORIGIN, **kw.get("headers", {})}
        event = as_caller(self.load_event, caller, method, path, fmt=fmt, body=body, **kw)
        return invoke(self.handler_for(path), event)

    def path(self, route: str) -> str:
        ids = {"item_id": self.item_id, "user_id": OWNER_SUB, "order_id": self.order_id}
        return re.sub(r"\{(\w+)\}", lambda match: ids[match.group(1)], route)

    def body(self, method: str, route: str, caller: str) -> dict[str, Any] | None:
        if method in ("GET", "DELETE"):
            return None
        if route.startswith(ITEMS):
            return {"name": "Desk lamp"}
        if route == USERS:  # the caller's own profile
            sub = SUBS.get(caller, OWNER_SUB)
            return {"name": "New profile", "email": EMAILS[sub]}
        if "orders" in route:
            return self.order_body() if method != "PATCH" else {"quantity": 3}
        return {"name": "Alice Liddell", "email": EMAILS[OWNER_SUB]} if method == "PUT" else {"name": "Al"}


@pytest.fixture(scope="module")
def cognito_handlers() -> Iterator[dict[str, Handler]]:
    """Every function, cold-started once for the module with AUTH=cognito: a cold start per case made
    this matrix the slowest file of the suite. State does not leak between cases: each brings a fresh
    table (`dynamodb_table`), and moto answers the handlers' clients from whichever mock is active."""
    functions = sorted(set(ROUTES.values()) & WORLD)
    with pytest.MonkeyPatch.context() as patch:
        for name, value in {**SANDBOX_ENV, **PROD_COGNITO_ENV, "TABLE_NAME": TABLE_NAME}.items():
            patch.setenv(name, value)
        handlers = {}
        for function in functions:
            handlers[function] = load_handler(function)
            # Imported now, while the function's folder is the one on sys.path (the next load swaps it).
            handlers[function].app  # noqa: B018 - the property imports the app
        yield handlers


@pytest.fixture
def world(dynamodb_table, cognito_handlers, load_event):
    return World(cognito_handlers, load_event)


def cases(formats: tuple[str, ...]) -> list[Any]:
    return [
        pytest.param(method, route, caller, fmt, id=f"{fmt}-{method}-{route}-{caller}")
        for fmt in formats
        for (method, route) in sorted(RULES)
        for caller in CALLERS
    ]


# -- the matrix -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(("method", "route", "caller", "fmt"), cases(("v1",)))
def test_rest_v1_route_by_caller(world, method, route, caller, fmt):
    check_rule(world, method, route, caller, fmt)


# HTTP API v2 reads claims from another place and renders groups another way: one route per rule there.
V2_ROUTES = [
    ("POST", ITEMS),
    ("GET", USERS),
    ("POST", USERS),
    ("GET", f"{USERS}/{{user_id}}/orders/{{order_id}}"),
]


@pytest.mark.parametrize(("method", "route"), V2_ROUTES)
@pytest.mark.parametrize("caller", CALLERS)
def test_http_api_v2_route_by_caller(world, method, route, caller):
    check_rule(world, method, route, caller, "v2")


def check_rule(world: World, method: str, route: str, caller: str, fmt: str) -> None:
    # GIVEN the world, and the caller's event pointed at the route
    expected = RULES[(method, route)][caller] or SUCCESS[method]
    # WHEN the caller calls it
    result = world.call(caller, method, world.path(route), world.body(method, route, caller), fmt=fmt)
    # THEN the rule's status; refusals are problem+json of the gateway's types, with CORS headers
    assert result.status == expected, result.body
    origin = ADMIN_ORIGIN if route.startswith(ADMIN) else ALLOWED_ORIGIN  # the origin each tier allows
    assert result.headers["access-control-allow-origin"] in (origin, "*")  # health: public
    problem_types = {
        401: "urn:problem-type:unauthenticated",
        403: "urn:problem-type:forbidden",
        404: "urn:problem-type:not-found",
        409: "urn:problem-type:conflict",
    }
    if expected in problem_types:
        assert result.headers["content-type"] == "application/problem+json"
        assert result.json()["type"] == problem_types[expected]
        assert result.json()["title"] == {401: "Unauthorized", 403: "Forbidden"}.get(
            expected, result.json()["title"]
        )


def test_a_profile_created_signed_in_is_at_the_callers_sub(world):
    # GIVEN bob, signed in, without a profile
    # WHEN he creates one
    created = world.call("signed-in-other-user", "POST", USERS, {"name": "Bob", "email": EMAILS[OTHER_SUB]})
    # THEN its id is his sub, and Location points there
    assert created.status == 201, created.body
    assert created.json()["id"] == OTHER_SUB
    assert created.headers["location"].endswith(f"{USERS}/{OTHER_SUB}")
    assert world.call("signed-in-other-user", "GET", f"{USERS}/{OTHER_SUB}").json()["name"] == "Bob"


def test_a_second_profile_for_the_same_sub_is_409_and_changes_nothing(world):
    again = world.call("signed-in-owner", "POST", USERS, {"name": "Alice 2", "email": "alice2@example.com"})
    assert again.status == 409
    assert world.call("signed-in-owner", "GET", f"{USERS}/{OWNER_SUB}").json()["name"] == "Alice"
    # the email of the refused profile was not claimed: bob can take it
    bob = world.call("signed-in-other-user", "POST", USERS, {"name": "Bob", "email": "alice2@example.com"})
    assert bob.status == 201, bob.body


def test_an_idempotency_key_is_the_callers_own(world):
    # GIVEN bob creates his profile with a key
    key = {"Idempotency-Key": "0b9f3d52-1f7e-4c1a-9d3e-6a2b8c4d5e6f"}
    body = {"name": "Same body", "email": "same@example.com"}
    bob = world.call("signed-in-other-user", "POST", USERS, body, headers=key)
    assert bob.status == 201, bob.body
    # WHEN the admin sends the same key and body THEN that is the admin's own request, not bob's replayed
    admin = world.call("signed-in-admin", "POST", USERS, body, headers=key)
    assert admin.status == 409  # the email is bob's: a new request ran, and nothing of bob's came back
    assert bob.json()["id"] == OTHER_SUB
    assert "id" not in admin.json()


def test_the_other_users_404_is_the_same_answer_as_for_no_such_user(world):
    # GIVEN bob's answer for alice's profile, which exists
    path = f"{USERS}/{OWNER_SUB}"
    hidden = world.call("signed-in-other-user", "GET", path)
    # WHEN alice's profile is gone, and the admin asks for it
    assert world.call("signed-in-admin", "DELETE", path).status == 204
    missing = world.call("signed-in-admin", "GET", path)
    # THEN the two answers cannot be told apart
    assert (hidden.status, hidden.json()) == (missing.status, missing.json()) == (404, missing.json())
    ignored = {"x-request-id"}
    assert {k: v for k, v in hidden.headers.items() if k not in ignored} == {
        k: v for k, v in missing.headers.items() if k not in ignored
    }


def test_a_refused_write_leaves_the_data_alone(world):
    # bob cannot delete alice's order, nor rename the item
    order_path = f"{USERS}/{OWNER_SUB}/orders/{world.order_id}"
    assert world.call("signed-in-other-user", "DELETE", order_path).status == 404
    assert (
        world.call("signed-in-other-user", "PATCH", f"{ITEMS}/{world.item_id}", {"name": "x"}).status == 403
    )
    assert world.call("signed-in-owner", "GET", order_path).json()["version"] == 1
    assert world.call("no-claims", "GET", f"{ITEMS}/{world.item_id}").json()["name"] == "Lamp"


# -- identity comes only from the authorizer ------------------------------------------------------------
FORGED_HEADERS = {
    "X-Sub": ADMIN_SUB,
    "X-User-Id": ADMIN_SUB,
    "X-Cognito-Groups": "admin",
    "X-Amzn-Oidc-Identity": ADMIN_SUB,  # what an ALB with OIDC sets: not this API's front door
    "X-Apigateway-Context": json.dumps(
        {"authorizer": {"claims": {"sub": ADMIN_SUB, "cognito:groups": "admin"}}}
    ),
    "Claims": json.dumps({"sub": ADMIN_SUB, "cognito:groups": "admin"}),
}
FORGED_QUERY = {
    "sub": ADMIN_SUB,
    "cognito:groups": "admin",
    "requestContext.authorizer.claims.sub": ADMIN_SUB,
}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("caller", "status"), [("no-claims", 401), ("signed-in-other-user", 403)], ids=["anonymous", "bob"]
)
def test_admin_claims_in_headers_query_or_body_are_ignored(world, caller, status, fmt):
    # GIVEN a caller who is not an admin, claiming to be one everywhere a client can write
    body = {
        "name": "Forged",
        "sub": ADMIN_SUB,
        "cognito:groups": "admin",
        "requestContext": {"authorizer": {}},
    }
    # WHEN they create an item THEN the claims count for nothing (the authorizer's part decides)
    result = world.call(caller, "POST", ITEMS, body, fmt=fmt, headers=FORGED_HEADERS, query=FORGED_QUERY)
    assert result.status == status, result.body
    listing = world.call("no-claims", "GET", ITEMS).json()
    assert [item["name"] for item in listing["items"]] == ["Lamp"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_owner_sub_in_headers_or_query_does_not_make_bob_the_owner(world, fmt):
    headers = {**FORGED_HEADERS, "X-Sub": OWNER_SUB, "X-User-Id": OWNER_SUB}
    query = {"sub": OWNER_SUB, "user_id": OWNER_SUB}
    result = world.call(
        "signed-in-other-user", "GET", f"{USERS}/{OWNER_SUB}", fmt=fmt, headers=headers, query=query
    )
    assert result.status == 404


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_valid_looking_token_without_the_authorizer_is_401(world, load_event, fmt):
    # The no-claims event carries alice's token in Authorization: only a verified token counts.
    event = load_event(event_name("no-claims", fmt))
    headers = event["headers"]
    assert (headers.get("Authorization") or headers.get("authorization", "")).count(".") == 2
    assert claims_of(event) is None
    assert invoke(world.users, event).status == 401


# -- groups, as each API type renders them --------------------------------------------------------------
@pytest.mark.parametrize(
    ("fmt", "groups", "status"),
    [
        ("v1", "admin", 201),
        ("v1", "editors,admin", 201),
        ("v1", "[admin editors]", 201),
        ("v2", "[admin editors]", 201),
        ("v2", "[admin]", 201),
        ("v2", "admin", 201),
        ("v1", "administrators", 403),
        ("v1", "Admin", 403),
        ("v2", "[admins editors]", 403),
        ("v1", "", 403),
    ],
)
def test_group_membership_in_each_rendering(world, load_event, fmt, groups, status):
    # GIVEN bob's event with his cognito:groups claim rendered as given
    event = as_caller(load_event, "signed-in-other-user", "POST", ITEMS, fmt=fmt, body={"name": "Chair"})
    claims_of(event)["cognito:groups"] = groups
    # WHEN he creates an item THEN only membership of exactly `admin` lets him
    assert invoke(world.items, event).status == status


def test_a_claims_section_without_sub_is_no_one(world, load_event):
    event = as_caller(load_event, "signed-in-admin", "POST", ITEMS, body={"name": "Chair"})
    del claims_of(event)["sub"]
    assert invoke(world.items, event).status == 401


# -- refusals are logged with the check that refused --------------------------------------------------
def test_refusals_are_logged_with_the_check_that_refused(world, monkeypatch):
    stream = io.StringIO()
    monkeypatch.setattr(logger.registered_handler, "stream", stream)
    level = logger.log_level
    logger.setLevel(logging.INFO)
    try:
        world.call("no-claims", "POST", ITEMS, {"name": "x"})
        world.call("signed-in-other-user", "GET", USERS)
        world.call("signed-in-other-user", "GET", f"{USERS}/{OWNER_SUB}")
        world.call("signed-in-owner", "GET", f"{USERS}/{OWNER_SUB}")  # allowed: no line
    finally:
        logger.setLevel(level)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    refused = [line for line in lines if line.get("message") == "access refused"]
    # (Powertools leaves out a key whose value is None: an anonymous caller's line has no sub)
    assert [(r["auth_check"], r["status"], r.get("sub"), r["method"]) for r in refused] == [
        ("signed-in", 401, None, "POST"),
        ("in-group:admin", 403, OTHER_SUB, "GET"),
        ("owner-or-admin", 404, OTHER_SUB, "GET"),
    ]
    assert refused[2]["path"] == f"{USERS}/{OWNER_SUB}"
    assert refused[0]["correlation_id"] == "00000000-0000-0000-0000-00005eed0a04"
