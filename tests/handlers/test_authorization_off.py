"""AUTH=none, the default: no check applies, and claims in the event change nothing (today's behaviour)."""

from __future__ import annotations

from typing import Any

import pytest
from support.handlers import DEV_ENV, PROD_ENV, Handler, invoke
from support.identity import ADMIN_SUB, OTHER_SUB, OWNER_SUB, as_caller

ITEMS = "/api/v1/items"
USERS = "/api/v1/users"


def start(cold_start: Any, function: str, env: dict[str, str]) -> Handler:
    handler = cold_start(function, env)
    handler.app  # noqa: B018 - the property imports the app
    return handler


# -- AUTH=none: no check, and claims change nothing -----------------------------------------------------
@pytest.mark.parametrize("env", [DEV_ENV, PROD_ENV], ids=["dev", "prod-anonymous-writes"])
def test_with_auth_none_claims_are_ignored_and_everyone_may_do_everything(
    dynamodb_table, cold_start, load_event, env
):
    items = start(cold_start, "items", env)
    users = start(cold_start, "users", env)
    # bob (no group) creates an item, anonymous creates a profile, bob lists users and reads any profile
    item = invoke(items, as_caller(load_event, "signed-in-other-user", "POST", ITEMS, body={"name": "Lamp"}))
    assert item.status == 201, item.body
    profile_body = {"name": "Alice", "email": "alice@example.com"}
    created = invoke(users, as_caller(load_event, "no-claims", "POST", USERS, body=profile_body))
    assert created.status == 201, created.body
    # the id is made by the server (a UUIDv7), not taken from any claim
    user_id = created.json()["id"]
    assert user_id not in (OWNER_SUB, OTHER_SUB, ADMIN_SUB)
    assert user_id[14] == "7"
    listing = invoke(users, as_caller(load_event, "signed-in-other-user", "GET", USERS))
    assert listing.status == 200
    assert (
        invoke(users, as_caller(load_event, "signed-in-other-user", "GET", f"{USERS}/{user_id}")).status
        == 200
    )
    # a signed-in caller's profile is not at their sub either
    mine = invoke(
        users,
        as_caller(load_event, "signed-in-owner", "POST", USERS, body={"name": "A", "email": "a@example.com"}),
    )
    assert mine.json()["id"] != OWNER_SUB
