"""An unconditional DELETE racing another writer: only an If-Match may turn a change into a 412.

Deleting a user reads it first (the delete releases the email the user holds) and is conditional on the
version read. Another writer may change the user between that read and the delete. Without If-Match the
client asked for the user to be gone whatever its version, so the delete reads again and retries, as a
PATCH does; with If-Match the change is exactly what the 412 is for. The race is made deterministic: the
rival write runs inside the delete's read, between the read and the transaction.
"""

from __future__ import annotations

import importlib

import pytest
from reliability.conftest import assert_clean_problem
from support.handlers import invoke

RIVAL_CHANGES = {
    "name": {"name": "Ada King"},
    "email": {"email": "countess@example.com"},
    "name and email": {"name": "Ada King", "email": "countess@example.com"},
}


def create_user(users, load_event) -> dict:
    result = invoke(users, load_event("users-post-create", body={"name": "Ada", "email": "ada@example.com"}))
    assert result.status == 201, result.body
    return result.json()


def rival_writes_after_the_first_read(monkeypatch, user_id: str, changes: dict, times: int = 1) -> list:
    """Make the next `times` reads of the user each followed by another writer's change to it."""
    repository = importlib.import_module("repository").get_repository()
    db = repository.db
    original = db.require
    raced: list[int] = []
    rival_running = []

    def require(collection, record_id):
        record = original(collection, record_id)
        if record_id == user_id and len(raced) < times and not rival_running:
            raced.append(int(record["version"]))
            rival_running.append(True)  # the rival's own read is not raced
            changed = {
                key: f"{value}{len(raced)}" if key == "name" else value for key, value in changes.items()
            }
            if "email" in changes:
                changed["email"] = changes["email"].replace("@", f"{len(raced)}@")
            repository.update_user(user_id, changed, None)
            rival_running.clear()
        return record

    monkeypatch.setattr(db, "require", require)
    return raced


def email_claims(dynamodb_table) -> list[str]:
    return sorted(r["PK"] for r in dynamodb_table.scan()["Items"] if r["PK"].startswith("EMAIL#"))


@pytest.mark.parametrize("changes", RIVAL_CHANGES.values(), ids=RIVAL_CHANGES.keys())
def test_a_delete_without_if_match_retries_past_a_concurrent_change(
    users, load_event, dynamodb_table, monkeypatch, figures, changes
):
    # GIVEN a user, and a rival writer that changes it right after the delete has read it
    user = create_user(users, load_event)
    raced = rival_writes_after_the_first_read(monkeypatch, user["id"], changes)
    # WHEN the user is deleted without If-Match
    result = invoke(
        users, load_event("users-delete", path=f"/api/v1/users/{user['id']}", headers={"If-Match": None})
    )
    figures("delete races", cases=1, requests=1, status_412=int(result.status == 412))
    # THEN the race happened, the delete still succeeded, and nothing of the user is left: no record,
    # no email claim (the rival's new email included), the count back to zero
    assert raced == [1]
    assert result.status == 204, result.body
    gone = invoke(users, load_event("users-get-one", path=f"/api/v1/users/{user['id']}"))
    assert gone.status == 404
    assert email_claims(dynamodb_table) == []
    listing = invoke(users, load_event("users-get-list"))
    assert listing.json()["pagination"]["total"] == 0


def test_a_delete_with_if_match_is_412_after_a_concurrent_change(
    users, load_event, dynamodb_table, monkeypatch, figures
):
    # GIVEN a user at version 1, changed by a rival right after the delete's read
    user = create_user(users, load_event)
    rival_writes_after_the_first_read(monkeypatch, user["id"], RIVAL_CHANGES["name"])
    # WHEN the delete names version 1
    event = load_event("users-delete", path=f"/api/v1/users/{user['id']}", headers={"If-Match": '"v1"'})
    result = invoke(users, event)
    figures("delete races", cases=1, requests=1, status_412=0)
    # THEN 412: the client's condition no longer holds, and the user (now version 2) is kept
    assert_clean_problem(result, 412)
    kept = invoke(users, load_event("users-get-one", path=f"/api/v1/users/{user['id']}"))
    assert kept.json()["version"] == 2
    assert email_claims(dynamodb_table) == ["EMAIL#ada@example.com"]


def test_a_delete_that_keeps_losing_the_race_is_a_409_not_a_412(
    users, load_event, dynamodb_table, monkeypatch, figures
):
    # GIVEN a rival that changes the user after every read the delete makes
    user = create_user(users, load_event)
    raced = rival_writes_after_the_first_read(monkeypatch, user["id"], RIVAL_CHANGES["name"], times=10)
    # WHEN the user is deleted without If-Match
    result = invoke(
        users, load_event("users-delete", path=f"/api/v1/users/{user['id']}", headers={"If-Match": None})
    )
    figures("delete races", cases=1, requests=1, status_412=int(result.status == 412))
    # THEN after its attempts the delete gives up with a retryable 409, never a 412, and the user is kept
    assert len(raced) == 3
    assert assert_clean_problem(result, 409)["type"] == "urn:problem-type:conflict"
    kept = invoke(users, load_event("users-get-one", path=f"/api/v1/users/{user['id']}"))
    assert kept.status == 200
