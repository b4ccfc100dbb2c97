"""What the users API does, independent of HTTP: users, and the orders nested under each user."""

from __future__ import annotations

import repository
from api_core.dynamo import Record, Versions
from api_core.errors import NotFound
from api_core.idempotency import Idempotency, IdempotencyKey
from api_core.ids import is_id
from api_core.pagination import Listing, ListRequest
from models import Order, OrderIn, OrderPatch, User, UserIn, UserPatch

user_creates = Idempotency("users.create", repository.db)
order_creates = Idempotency("orders.create", repository.db)


# -- users ----------------------------------------------------------------------------------------------
def create_user(data: UserIn, key: IdempotencyKey | None = None) -> User:
    """A new user; 409 (Conflict) if another user has the email, whatever its case."""
    return user_creates.run(
        key,
        payload=data.model_dump(mode="json"),
        create=lambda: _user(repository.create_user(data.name, data.email)),
        model=User,
    )


def get_user(user_id: str) -> User:
    return _user(repository.get_user(user_id))


def replace_user(user_id: str, data: UserIn, expected: Versions = None) -> User:
    return _user(repository.update_user(user_id, data.model_dump(), expected))


def patch_user(user_id: str, patch: UserPatch, expected: Versions = None) -> User:
    return _user(repository.update_user(user_id, patch.model_dump(exclude_unset=True), expected))


def delete_user(user_id: str, expected: Versions = None) -> None:
    repository.delete_user(user_id, expected)


def list_users(request: ListRequest) -> Listing[User]:
    return repository.list_users(request).map(_user)


# -- orders ---------------------------------------------------------------------------------------------
def create_order(user_id: str, data: OrderIn, key: IdempotencyKey | None = None) -> Order:
    """A new order of an existing item for an existing user (404 for an unknown user)."""
    if not is_id(user_id):
        raise NotFound(f"no user with id {user_id}")
    return order_creates.run(
        key,
        within=user_id,
        payload=data.model_dump(mode="json"),
        create=lambda: _order(
            repository.create_order(user_id, data.item_id, data.quantity, data.status.value)
        ),
        model=Order,
    )


def get_order(user_id: str, order_id: str) -> Order:
    return _order(repository.get_order(user_id, order_id))


def replace_order(user_id: str, order_id: str, data: OrderIn, expected: Versions = None) -> Order:
    changes = data.model_dump(mode="json")
    return _order(repository.update_order(user_id, order_id, changes, expected))


def patch_order(user_id: str, order_id: str, patch: OrderPatch, expected: Versions = None) -> Order:
    changes = patch.model_dump(mode="json", exclude_unset=True)
    return _order(repository.update_order(user_id, order_id, changes, expected))


def delete_order(user_id: str, order_id: str, expected: Versions = None) -> None:
    repository.delete_order(user_id, order_id, expected)


def list_orders(user_id: str, request: ListRequest) -> Listing[Order]:
    return repository.list_orders(user_id, request).map(_order)


def _user(record: Record) -> User:
    return User.model_validate(record)


def _order(record: Record) -> Order:
    return Order.model_validate(record)
