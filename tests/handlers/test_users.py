"""/api/v1/users through the real handler, against a moto table built from template.yaml."""

from __future__ import annotations

import pytest
from support.handlers import ALLOWED_ORIGIN, PROD_ENV, invoke
from support.rest import links, query_of, retarget

EXECUTE_API = "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/dev"


@pytest.fixture
def users(dynamodb_table, cold_start):
    return cold_start("users", PROD_ENV)


def create(users, load_event, name="Ada Lovelace", email="ada@example.com"):
    result = invoke(users, load_event("users-post-create", body={"name": name, "email": email}))
    assert result.status == 201, result.body
    return result.json()


def email_claims(dynamodb_table):
    return sorted(r["PK"] for r in dynamodb_table.scan()["Items"] if r["PK"].startswith("EMAIL#"))


@pytest.mark.parametrize(
    ("event", "status"),
    [
        ("users-get-list", 200),
        ("users-post-create", 201),
        ("users-post-duplicate-email", 409),
        ("users-post-invalid-email", 422),
        ("users-get-one", 200),
        ("users-get-one-unknown", 404),
        ("users-put-replace", 200),
        ("users-patch-merge", 200),
        ("users-delete", 204),
    ],
)
def test_every_users_event_gets_its_status_and_cors_headers(users, load_event, event, status):
    # GIVEN one user at version 1: ada@example.com, unless the event is the one that creates Ada
    email = "grace@example.com" if event == "users-post-create" else "ada@example.com"
    user = create(users, load_event, email=email)
    # WHEN the event arrives, pointed at that user
    result = invoke(users, retarget(load_event, event, user_id=user["id"]))
    # THEN the documented status, with CORS headers, and problem+json for errors
    assert result.status == status, result.body
    assert result.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    if status >= 400:
        assert result.headers["content-type"] == "application/problem+json"
        assert result.json()["status"] == status


def test_post_creates_a_user_with_location_and_etag(users, load_event):
    result = invoke(users, load_event("users-post-create"))
    body = result.json()
    assert result.status == 201
    assert (body["name"], body["email"], body["version"]) == ("Ada Lovelace", "ada@example.com", 1)
    assert result.headers["location"] == f"{EXECUTE_API}/api/v1/users/{body['id']}"
    assert result.headers["etag"] == '"v1"'


def test_a_duplicate_email_is_409_whatever_its_case(users, load_event, dynamodb_table):
    # GIVEN ada@example.com exists
    first = create(users, load_event)
    # WHEN someone signs up as ADA@example.com
    result = invoke(users, load_event("users-post-duplicate-email"))
    # THEN 409, and neither a second user nor a second claim was written
    assert result.status == 409
    assert result.json()["type"] == "urn:problem-type:conflict"
    assert "ADA@example.com" in result.json()["detail"]
    listing = invoke(users, load_event("users-get-list")).json()
    assert [u["id"] for u in listing["items"]] == [first["id"]]
    assert listing["pagination"]["total"] == 1
    assert email_claims(dynamodb_table) == ["EMAIL#ada@example.com"]


def test_an_invalid_email_is_422_naming_the_field(users, load_event):
    result = invoke(users, load_event("users-post-invalid-email"))
    assert result.status == 422
    assert [e["field"] for e in result.json()["errors"]] == ["body.email"]


def test_changing_the_email_releases_the_old_one(users, load_event, dynamodb_table):
    # GIVEN ada@example.com
    ada = create(users, load_event)
    # WHEN she changes to countess@example.com
    result = invoke(users, retarget(load_event, "users-patch-merge", user_id=ada["id"]))
    assert result.status == 200
    assert (result.json()["email"], result.json()["name"], result.json()["version"]) == (
        "countess@example.com",
        "Ada Lovelace",
        2,
    )
    # THEN her old address is free for someone else, and the new one is not
    assert email_claims(dynamodb_table) == ["EMAIL#countess@example.com"]
    assert invoke(users, load_event("users-post-create")).status == 201
    taken = invoke(
        users, load_event("users-post-create", body={"name": "X", "email": "Countess@example.com"})
    )
    assert taken.status == 409


def test_changing_to_a_taken_email_is_409_and_changes_nothing(users, load_event, dynamodb_table):
    ada = create(users, load_event)
    create(users, load_event, "Grace", "grace@example.com")
    result = invoke(
        users,
        retarget(
            load_event,
            "users-put-replace",
            user_id=ada["id"],
            body={"name": "Ada", "email": "grace@example.com"},
        ),
    )
    assert result.status == 409
    assert invoke(users, retarget(load_event, "users-get-one", user_id=ada["id"])).json() == ada
    assert email_claims(dynamodb_table) == ["EMAIL#ada@example.com", "EMAIL#grace@example.com"]


def test_changing_only_the_case_of_the_own_email_is_allowed(users, load_event, dynamodb_table):
    ada = create(users, load_event)
    result = invoke(
        users, retarget(load_event, "users-patch-merge", user_id=ada["id"], body={"email": "Ada@example.com"})
    )
    assert (result.status, result.json()["email"]) == (200, "Ada@example.com")
    assert email_claims(dynamodb_table) == ["EMAIL#ada@example.com"]


def test_put_replaces_and_a_stale_if_match_is_412(users, load_event):
    ada = create(users, load_event)
    put = invoke(users, retarget(load_event, "users-put-replace", user_id=ada["id"]))
    assert put.status == 200
    assert (put.json()["name"], put.json()["email"], put.headers["etag"]) == (
        "Ada King",
        "ada.king@example.com",
        '"v2"',
    )
    # the same request again still says If-Match "v1"
    stale = invoke(
        users,
        retarget(
            load_event,
            "users-put-replace",
            user_id=ada["id"],
            body={
                "name": "Someone else",
                "email": "else@example.com",
            },
        ),
    )
    assert stale.status == 412
    assert stale.json()["detail"] == f"user {ada['id']} has changed since that ETag: GET it again, then retry"
    assert invoke(users, retarget(load_event, "users-get-one", user_id=ada["id"])).json() == put.json()


def test_two_writers_with_the_same_etag_exactly_one_wins(users, load_event, dynamodb_table):
    # GIVEN two clients holding ETag "v1" of the same user
    ada = create(users, load_event)
    # WHEN both change the email with If-Match "v1"
    a = invoke(
        users, retarget(load_event, "users-patch-merge", user_id=ada["id"], body={"email": "a@example.com"})
    )
    b = invoke(
        users, retarget(load_event, "users-patch-merge", user_id=ada["id"], body={"email": "b@example.com"})
    )
    # THEN exactly one wins, and only the winner's email is claimed
    assert (a.status, b.status) == (200, 412)
    assert email_claims(dynamodb_table) == ["EMAIL#a@example.com"]


def test_patch_cannot_remove_a_required_field(users, load_event):
    ada = create(users, load_event)
    result = invoke(users, retarget(load_event, "users-patch-merge", user_id=ada["id"], body={"email": None}))
    assert result.status == 422
    assert [e["field"] for e in result.json()["errors"]] == ["body.email"]


def test_delete_releases_the_email_and_uncounts(users, load_event, dynamodb_table):
    ada = create(users, load_event)
    result = invoke(users, retarget(load_event, "users-delete", user_id=ada["id"]))
    assert (result.status, result.body) == (204, "")
    assert invoke(users, retarget(load_event, "users-get-one", user_id=ada["id"])).status == 404
    assert email_claims(dynamodb_table) == []
    assert invoke(users, load_event("users-get-list")).headers["x-total-count"] == "0"
    assert invoke(users, retarget(load_event, "users-delete", user_id=ada["id"])).status == 404


def test_delete_with_a_stale_if_match_is_412(users, load_event):
    ada = create(users, load_event)
    result = invoke(
        users, retarget(load_event, "users-delete", user_id=ada["id"], headers={"If-Match": '"v9"'})
    )
    assert result.status == 412
    assert (
        result.json()["detail"] == f"user {ada['id']} has changed since that ETag: GET it again, then retry"
    )
    assert invoke(users, retarget(load_event, "users-get-one", user_id=ada["id"])).status == 200


def test_the_same_idempotency_key_twice_creates_one_user(users, load_event):
    event = load_event("users-post-create", headers={"Idempotency-Key": "signup-1"})
    first, retry = invoke(users, event), invoke(users, event)
    assert (first.status, retry.status) == (201, 201)
    assert retry.json() == first.json()
    assert invoke(users, load_event("users-get-list")).json()["pagination"]["total"] == 1


def test_users_paginate_with_cursors_and_search(users, load_event):
    ids = [create(users, load_event, f"user {n}", f"u{n}@example.com")["id"] for n in range(5)]
    result = invoke(users, load_event("users-get-list", query={"limit": "2"}))
    assert [u["id"] for u in result.json()["items"]] == ids[:2]
    # a cursor page reads no counter (issue 18): the total is for page-number requests
    assert "x-total-count" not in result.headers
    assert invoke(users, load_event("users-get-list")).headers["x-total-count"] == "5"
    nxt = query_of(links(result.headers["link"])["next"])
    second = invoke(users, load_event("users-get-list", query=nxt))
    assert [u["id"] for u in second.json()["items"]] == ids[2:4]
    search = invoke(users, load_event("users-get-list", query={"search": "USER 3"}))
    assert [u["id"] for u in search.json()["items"]] == [ids[3]]
