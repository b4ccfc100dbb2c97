"""Users and their orders in DynamoDB.

- user: `PK="USERS", SK="USER#<id>"`; users counted by `PK="USERS", SK="#COUNT"`.
- email claim: `PK="EMAIL#<casefolded email>", SK="EMAIL"`, holding `user_id`. Written with
  attribute_not_exists in the same transaction as the user, so two users can never share an email.
- order: `PK="USER#<user id>", SK="ORDER#<id>"`; a user's orders counted by `PK="USER#<id>", SK="#COUNT"`.
- items are owned by the items function; orders only check that one exists, with its key layout
  (functions/items/repository.py).
"""

from __future__ import annotations

from typing import Any

from api_core.dynamo import Collection, Database, Guarded, Key, Record, Versions
from api_core.errors import Conflict, InvalidField, NotFound
from api_core.ids import is_id, new_id, utc_now
from api_core.pagination import Listing, ListRequest

USERS = Collection(
    name="users", label="user", partition="USERS", prefix="USER#", search_attribute="search_name"
)
ITEMS = Collection(name="items", label="item", partition="ITEMS", prefix="ITEM#")

db = Database.from_env()


def orders_of(user_id: str) -> Collection:
    return Collection(
        name=f"users/{user_id}/orders", label="order", partition=f"USER#{user_id}", prefix="ORDER#"
    )


# -- users ----------------------------------------------------------------------------------------------
def create_user(name: str, email: str) -> Record:
    now = utc_now()
    user_id = new_id()
    record = {"id": user_id, "email": email, "created_at": now, "updated_at": now, **_named(name)}
    return db.create(USERS, record, also=[_claim_email(email, user_id)])


def get_user(user_id: str) -> Record:
    return db.require(USERS, user_id)


def update_user(user_id: str, changes: dict[str, Any], expected: Versions) -> Record:
    """Change name and/or email; a new email is claimed and the old one released atomically."""

    def change(current: Record) -> tuple[Record, list[Guarded]]:
        new = {**current, "updated_at": utc_now()}
        if "name" in changes:
            new.update(_named(changes["name"]))
        also = []
        if "email" in changes:
            new["email"] = changes["email"]
            if _email_key(changes["email"]) != _email_key(current["email"]):
                also = [_claim_email(changes["email"], user_id), _release_email(current["email"], user_id)]
        return new, also

    return db.modify(USERS, user_id, change, expected=expected)


def delete_user(user_id: str, expected: Versions) -> None:
    """Delete the user and release the email in one transaction, then remove the user's orders."""
    db.delete(
        USERS, user_id, expected=expected, also=lambda current: [_release_email(current["email"], user_id)]
    )
    # The orders are unreachable from here on (every order route checks the user), so removing them
    # after the transaction, and not inside it (100 operations at most), loses nothing if it is cut short.
    db.delete_partition(orders_of(user_id).partition)


def list_users(request: ListRequest) -> Listing[Record]:
    return db.list(USERS, request)


# -- orders ---------------------------------------------------------------------------------------------
def create_order(user_id: str, item_id: str, quantity: int, status: str) -> Record:
    now = utc_now()
    record = {
        "id": new_id(),
        "user_id": user_id,
        "item_id": item_id,
        "quantity": quantity,
        "status": status,
        "created_at": now,
        "updated_at": now,
    }
    return db.create(orders_of(user_id), record, also=[_user_exists(user_id), _item_exists(item_id)])


def get_order(user_id: str, order_id: str) -> Record:
    get_user(user_id)
    return db.require(orders_of(user_id), order_id)


def update_order(user_id: str, order_id: str, changes: dict[str, Any], expected: Versions) -> Record:
    get_user(user_id)

    def change(current: Record) -> tuple[Record, list[Guarded]]:
        also = [_user_exists(user_id)]
        if "item_id" in changes and changes["item_id"] != current["item_id"]:
            also.append(_item_exists(changes["item_id"]))
        return {**current, **changes, "updated_at": utc_now()}, also

    return db.modify(orders_of(user_id), order_id, change, expected=expected)


def delete_order(user_id: str, order_id: str, expected: Versions) -> None:
    get_user(user_id)
    db.delete(orders_of(user_id), order_id, expected=expected)


def list_orders(user_id: str, request: ListRequest) -> Listing[Record]:
    get_user(user_id)
    return db.list(orders_of(user_id), request)


# -- helpers --------------------------------------------------------------------------------------------
def _named(name: str) -> Record:
    return {"name": name, "search_name": Collection.search_value(name)}


def _email_key(email: str) -> Key:
    # Case-insensitive uniqueness: mail providers treat the local part case-insensitively in practice.
    return {"PK": f"EMAIL#{email.casefold()}", "SK": "EMAIL"}


def _claim_email(email: str, user_id: str) -> Guarded:
    claim = db.put_op({**_email_key(email), "user_id": user_id}, unique=True)
    return Guarded(claim, Conflict(f"a user with email {email} already exists", field="email"))


def _release_email(email: str, user_id: str) -> Guarded:
    # Conditional on the owner, so a stale read can never release another user's email.
    release = db.delete_op(_email_key(email), condition="user_id = :owner", values={":owner": user_id})
    return Guarded(release, Conflict(f"the email {email} is not held by user {user_id}"))


def _user_exists(user_id: str) -> Guarded:
    return Guarded(db.exists_op(USERS.key(user_id)), NotFound(f"no user with id {user_id}"))


def _item_exists(item_id: str) -> Guarded:
    unknown = InvalidField("body.item_id", f"no item with id {item_id}")
    if not is_id(item_id):
        raise unknown
    return Guarded(db.exists_op(ITEMS.key(item_id)), unknown)
