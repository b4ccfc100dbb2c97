"""/api/v1/users/{user_id}/orders: nested under a user, referring to items of the items function."""

from __future__ import annotations

import pytest
from support.handlers import ALLOWED_ORIGIN, PROD_ENV, invoke
from support.rest import retarget

EXECUTE_API = "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/dev"
UNKNOWN = "0192f3a0-0000-7000-8000-000000000000"


@pytest.fixture
def world(dynamodb_table, cold_start, load_event):
    """An item created through the items function, then the users function with one user."""
    items = cold_start("items", PROD_ENV)
    item = invoke(items, load_event("items-post-create")).json()
    other_item = invoke(items, load_event("items-post-create", body={"name": "Chair"})).json()
    users = cold_start("users", PROD_ENV)
    user = invoke(users, load_event("users-post-create")).json()
    return {"users": users, "item": item["id"], "other_item": other_item["id"], "user": user["id"]}


def order_event(load_event, world, name, **overrides):
    return retarget(load_event, name, user_id=world["user"], item_id=world["item"], **overrides)


def place(world, load_event, **overrides):
    result = invoke(world["users"], order_event(load_event, world, "users-orders-post-create", **overrides))
    assert result.status == 201, result.body
    return result


@pytest.mark.parametrize(
    ("event", "status"),
    [
        ("users-orders-get-list", 200),
        ("users-orders-get-unknown-user", 404),
        ("users-orders-post-create", 201),
        ("users-orders-post-unknown-item", 422),
        ("users-orders-get-one", 200),
        ("users-orders-put-replace", 200),
        ("users-orders-patch-merge", 200),
        ("users-orders-delete", 204),
    ],
)
def test_every_orders_event_gets_its_status_and_cors_headers(world, load_event, event, status):
    # GIVEN a user with one order (version 1) of an existing item
    order = place(world, load_event).json()
    # WHEN the event arrives, pointed at them
    result = invoke(world["users"], order_event(load_event, world, event, order_id=order["id"]))
    # THEN the documented status, with CORS headers
    assert result.status == status, result.body
    assert result.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    if status >= 400:
        assert result.headers["content-type"] == "application/problem+json"


def test_post_creates_an_order_under_the_user(world, load_event):
    result = place(world, load_event)
    order = result.json()
    assert order | {"id": None, "created_at": None, "updated_at": None} == {
        "id": None,
        "user_id": world["user"],
        "item_id": world["item"],
        "quantity": 2,
        "status": "pending",
        "created_at": None,
        "updated_at": None,
        "version": 1,
    }
    assert result.headers["location"] == f"{EXECUTE_API}/api/v1/users/{world['user']}/orders/{order['id']}"
    fetched = invoke(
        world["users"], order_event(load_event, world, "users-orders-get-one", order_id=order["id"])
    )
    assert fetched.json() == order
    assert fetched.headers["etag"] == '"v1"'


def test_orders_of_an_unknown_user_are_404_on_every_route(world, load_event):
    order = place(world, load_event).json()
    for name in (
        "users-orders-get-list",
        "users-orders-post-create",
        "users-orders-get-one",
        "users-orders-put-replace",
        "users-orders-patch-merge",
        "users-orders-delete",
    ):
        event = retarget(load_event, name, user_id=UNKNOWN, item_id=world["item"], order_id=order["id"])
        result = invoke(world["users"], event)
        assert result.status == 404, name
        assert result.json()["detail"] == f"no user with id {UNKNOWN}"


def test_an_order_of_another_user_is_404(world, load_event):
    order = place(world, load_event).json()
    other = invoke(
        world["users"], load_event("users-post-create", body={"name": "B", "email": "b@example.com"})
    )
    event = retarget(load_event, "users-orders-get-one", user_id=other.json()["id"], order_id=order["id"])
    assert invoke(world["users"], event).status == 404


def test_an_unknown_item_is_422_on_item_id_and_nothing_is_written(world, load_event):
    result = invoke(world["users"], order_event(load_event, world, "users-orders-post-unknown-item"))
    assert result.status == 422
    assert result.json()["errors"][0]["field"] == "body.item_id"
    listing = invoke(world["users"], order_event(load_event, world, "users-orders-get-list"))
    assert listing.json()["pagination"]["total"] == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"item_id": "x", "quantity": 0}, "body.quantity"),
        ({"quantity": 1}, "body.item_id"),
        ({"item_id": "x", "quantity": 1, "status": "lost"}, "body.status"),
    ],
)
def test_order_validation(world, load_event, body, field):
    result = invoke(world["users"], order_event(load_event, world, "users-orders-post-create", body=body))
    assert result.status == 422
    assert [e["field"] for e in result.json()["errors"]] == [field]


def test_put_patch_and_stale_etags(world, load_event):
    order = place(world, load_event).json()
    oid = order["id"]
    put = invoke(world["users"], order_event(load_event, world, "users-orders-put-replace", order_id=oid))
    assert (put.status, put.json()["quantity"], put.json()["status"], put.headers["etag"]) == (
        200,
        3,
        "paid",
        '"v2"',
    )
    stale = invoke(world["users"], order_event(load_event, world, "users-orders-put-replace", order_id=oid))
    assert stale.status == 412
    patch = invoke(world["users"], order_event(load_event, world, "users-orders-patch-merge", order_id=oid))
    assert (patch.json()["status"], patch.json()["quantity"], patch.json()["version"]) == ("shipped", 3, 3)
    # pointing the order at another existing item works; at an unknown one is 422
    moved = invoke(
        world["users"],
        order_event(
            load_event, world, "users-orders-patch-merge", order_id=oid, body={"item_id": world["other_item"]}
        ),
    )
    assert (moved.status, moved.json()["item_id"]) == (200, world["other_item"])
    unknown = invoke(
        world["users"],
        order_event(load_event, world, "users-orders-patch-merge", order_id=oid, body={"item_id": UNKNOWN}),
    )
    assert unknown.status == 422


def test_delete_then_404_and_the_count_follows(world, load_event):
    first = place(world, load_event, headers={"Idempotency-Key": "first"}).json()
    second = place(world, load_event, headers={"Idempotency-Key": "second"}).json()
    deleted = invoke(
        world["users"], order_event(load_event, world, "users-orders-delete", order_id=first["id"])
    )
    assert (deleted.status, deleted.body) == (204, "")
    listing = invoke(world["users"], order_event(load_event, world, "users-orders-get-list"))
    assert [o["id"] for o in listing.json()["items"]] == [second["id"]]
    assert listing.headers["x-total-count"] == "1"


def test_the_same_idempotency_key_twice_places_one_order(world, load_event):
    first, retry = place(world, load_event), place(world, load_event)
    assert retry.json() == first.json()
    listing = invoke(world["users"], order_event(load_event, world, "users-orders-get-list"))
    assert listing.json()["pagination"]["total"] == 1
    changed = invoke(
        world["users"],
        order_event(
            load_event, world, "users-orders-post-create", body={"item_id": world["item"], "quantity": 9}
        ),
    )
    assert changed.status == 422


def test_the_same_idempotency_key_under_another_user_is_another_order(world, load_event):
    mine = place(world, load_event).json()
    other = invoke(
        world["users"], load_event("users-post-create", body={"name": "B", "email": "b@example.com"})
    )
    theirs = invoke(
        world["users"],
        retarget(load_event, "users-orders-post-create", user_id=other.json()["id"], item_id=world["item"]),
    )
    assert theirs.status == 201
    assert (theirs.json()["user_id"], mine["user_id"]) == (other.json()["id"], world["user"])


def test_deleting_a_user_removes_their_orders(world, load_event, dynamodb_table):
    place(world, load_event)
    place(world, load_event, headers={"Idempotency-Key": "another"})
    assert invoke(world["users"], retarget(load_event, "users-delete", user_id=world["user"])).status == 204
    assert [r for r in dynamodb_table.scan()["Items"] if r["PK"] == f"USER#{world['user']}"] == []
    assert invoke(world["users"], order_event(load_event, world, "users-orders-get-list")).status == 404


def test_a_search_on_orders_is_422(world, load_event):
    result = invoke(
        world["users"], order_event(load_event, world, "users-orders-get-list", query={"search": "x"})
    )
    assert result.status == 422
    assert [e["field"] for e in result.json()["errors"]] == ["query.search"]
