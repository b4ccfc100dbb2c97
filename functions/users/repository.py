"""Users and their orders in DynamoDB.

- user: `PK="USERS", SK="USER#<id>"`; users counted by `PK="USERS", SK="#COUNT"`. The id is the
  owner's Cognito `sub` (a UUIDv4) with AUTH=cognito, a server-made UUIDv7 with AUTH=none: the list is
  in id order, which is creation order only for the latter.
- email claim: `PK="EMAIL#<casefolded email>", SK="EMAIL"`, holding `user_id`. Written with
  attribute_not_exists in the same transaction as the user, so two users can never share an email.
- order: `PK="USER#<user id>", SK="ORDER#<id>"`; a user's orders counted by `PK="USER#<id>", SK="#COUNT"`.
- items are owned by the items function; orders only check that one exists, with its key layout
  (functions/items/repository.py).
"""

from __future__ import annotations

from typing import Any

from api_core.accessor import CachedAccessor
from api_core.dynamo import Database
from api_core.errors import Conflict, InvalidField, NotFound
from api_core.ids import is_id, is_uuid, new_id, utc_now
from api_core.pagination import Listing, ListRequest
from api_core.records import Collection, ExpectedVersions, Key, Record
from api_core.transactions import TransactOp

USERS = Collection(
    name="users",
    label="user",
    partition="USERS",
    prefix="USER#",
    search_attribute="search_name",
    id_shape=is_uuid,  # a Cognito sub, or a UUIDv7 made here
)
ITEMS = Collection(name="items", label="item", partition="ITEMS", prefix="ITEM#")


def orders_of(user_id: str) -> Collection:
    return Collection(
        name=f"users/{user_id}/orders", label="order", partition=f"USER#{user_id}", prefix="ORDER#"
    )


class UsersRepository:
    """Users and their orders in one table; `get_repository()` is the one the function uses."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- users ------------------------------------------------------------------------------------------
    def create_user(self, name: str, email: str, *, user_id: str | None = None) -> Record:
        """A new user with the given id (its owner's `sub`), or a new one; Conflict if the id is taken."""
        now = utc_now()
        user_id = user_id or new_id()
        record = {"id": user_id, "email": email, "created_at": now, "updated_at": now, **_named(name)}
        return self.db.create(USERS, record, alongside=[self._claim_email(email, user_id)])

    def get_user(self, user_id: str) -> Record:
        return self.db.require(USERS, user_id)

    def update_user(self, user_id: str, changes: dict[str, Any], expected: ExpectedVersions) -> Record:
        """Change name and/or email; a new email is claimed and the old one released atomically."""

        def change(current: Record) -> tuple[Record, list[TransactOp]]:
            new = {**current, "updated_at": utc_now()}
            if "name" in changes:
                new.update(_named(changes["name"]))
            alongside = []
            if "email" in changes:
                new["email"] = changes["email"]
                if _email_key(changes["email"]) != _email_key(current["email"]):
                    claim = self._claim_email(changes["email"], user_id)
                    alongside = [claim, self._release_email(current["email"], user_id)]
            return new, alongside

        return self.db.read_modify_write(USERS, user_id, change, expected=expected)

    def delete_user(self, user_id: str, expected: ExpectedVersions) -> None:
        """Delete the user and release the email in one transaction, then remove the user's orders."""
        self.db.read_then_delete(
            USERS,
            user_id,
            lambda current: [self._release_email(current["email"], user_id)],
            expected=expected,
        )
        # The orders are unreachable from here on (every order route checks the user), so removing them
        # after the transaction, and not inside it (100 operations at most), loses nothing if cut short.
        self.db.delete_partition(orders_of(user_id).partition)

    def list_users(self, request: ListRequest) -> Listing[Record]:
        return self.db.list(USERS, request)

    # -- orders -----------------------------------------------------------------------------------------
    def create_order(self, user_id: str, item_id: str, quantity: int, status: str) -> Record:
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
        checks = [self._user_exists(user_id), self._item_exists(item_id)]
        return self.db.create(orders_of(user_id), record, alongside=checks)

    def get_order(self, user_id: str, order_id: str) -> Record:
        self.get_user(user_id)
        return self.db.require(orders_of(user_id), order_id)

    def update_order(
        self, user_id: str, order_id: str, changes: dict[str, Any], expected: ExpectedVersions
    ) -> Record:
        self.get_user(user_id)

        def change(current: Record) -> tuple[Record, list[TransactOp]]:
            alongside = [self._user_exists(user_id)]
            if "item_id" in changes and changes["item_id"] != current["item_id"]:
                alongside.append(self._item_exists(changes["item_id"]))
            return {**current, **changes, "updated_at": utc_now()}, alongside

        return self.db.read_modify_write(orders_of(user_id), order_id, change, expected=expected)

    def delete_order(self, user_id: str, order_id: str, expected: ExpectedVersions) -> None:
        self.get_user(user_id)
        self.db.delete(orders_of(user_id), order_id, expected=expected)

    def list_orders(self, user_id: str, request: ListRequest) -> Listing[Record]:
        self.get_user(user_id)
        return self.db.list(orders_of(user_id), request)

    # -- transaction operations -------------------------------------------------------------------------
    def _claim_email(self, email: str, user_id: str) -> TransactOp:
        taken = Conflict(f"a user with email {email} already exists", field="email")
        return self.db.put_op({**_email_key(email), "user_id": user_id}, unique=True, on_failure=taken)

    def _release_email(self, email: str, user_id: str) -> TransactOp:
        # Conditional on the owner, so a stale read can never release another user's email.
        return self.db.delete_op(
            _email_key(email),
            condition="user_id = :owner",
            values={":owner": user_id},
            on_failure=Conflict(f"the email {email} is not held by user {user_id}"),
        )

    def _user_exists(self, user_id: str) -> TransactOp:
        return self.db.exists_op(USERS.key(user_id), on_failure=NotFound(f"no user with id {user_id}"))

    def _item_exists(self, item_id: str) -> TransactOp:
        unknown = InvalidField("body.item_id", f"no item with id {item_id}")
        if not is_id(item_id):
            raise unknown
        return self.db.exists_op(ITEMS.key(item_id), on_failure=unknown)


@CachedAccessor
def get_repository() -> UsersRepository:
    """The function's repository, on the table named by TABLE_NAME (app.py checks it at cold start)."""
    return UsersRepository(Database.from_env())


def _named(name: str) -> Record:
    return {"name": name, "search_name": Collection.search_value(name)}


def _email_key(email: str) -> Key:
    # Case-insensitive uniqueness: mail providers treat the local part case-insensitively in practice.
    return {"PK": f"EMAIL#{email.casefold()}", "SK": "EMAIL"}
