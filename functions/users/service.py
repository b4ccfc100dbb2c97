"""What the users API does, independent of HTTP: users, and the orders nested under each user."""

from __future__ import annotations

from api_core.errors import NotFound
from api_core.idempotency import Idempotency, IdempotencyKey
from api_core.pagination import Listing, ListRequest
from api_core.records import ANY_VERSION, ExpectedVersions, Record
from models import Order, OrderIn, OrderPatch, User, UserIn, UserPatch
from repository import USERS, get_repository

# The repository, and its Database, are built here, at the routes' import and not on a first request:
# under SnapStart, import time is inside the snapshot.
user_creates = Idempotency("users.create", get_repository().db)
order_creates = Idempotency("orders.create", get_repository().db)


# -- users ----------------------------------------------------------------------------------------------
def create_user(data: UserIn, key: IdempotencyKey | None = None, *, user_id: str | None = None) -> User:
    """A new user; 409 (Conflict) if another user has the email, whatever its case.

    `user_id` is the signed-in caller's `sub`, the profile's id: a second profile for it is a 409 too.
    None (AUTH=none) makes a new id. A key is the caller's own: another caller's same key is another
    request, not a replay of someone else's profile.
    """

    def create() -> User:
        return _user(get_repository().create_user(data.name, data.email, user_id=user_id))

    return user_creates.run(key, data, User, create, within=user_id or "")


def get_user(user_id: str) -> User:
    return _user(get_repository().get_user(user_id))


def replace_user(user_id: str, data: UserIn, expected: ExpectedVersions = ANY_VERSION) -> User:
    return _user(get_repository().update_user(user_id, data.model_dump(), expected))


def patch_user(user_id: str, patch: UserPatch, expected: ExpectedVersions = ANY_VERSION) -> User:
    return _user(get_repository().update_user(user_id, patch.model_dump(exclude_unset=True), expected))


def delete_user(user_id: str, expected: ExpectedVersions = ANY_VERSION) -> None:
    get_repository().delete_user(user_id, expected)


def list_users(request: ListRequest) -> Listing[User]:
    return get_repository().list_users(request).validated(User)


# -- orders ---------------------------------------------------------------------------------------------
def create_order(user_id: str, data: OrderIn, key: IdempotencyKey | None = None) -> Order:
    """A new order of an existing item for an existing user (404 for an unknown user)."""
    if not USERS.id_shape(user_id):
        raise NotFound(f"no user with id {user_id}")

    def create() -> Order:
        order = get_repository().create_order(user_id, data.item_id, data.quantity, data.status.value)
        return _order(order)

    return order_creates.run(key, data, Order, create, within=user_id)


def get_order(user_id: str, order_id: str) -> Order:
    return _order(get_repository().get_order(user_id, order_id))


def replace_order(
    user_id: str, order_id: str, data: OrderIn, expected: ExpectedVersions = ANY_VERSION
) -> Order:
    changes = data.model_dump(mode="json")
    return _order(get_repository().update_order(user_id, order_id, changes, expected))


def patch_order(
    user_id: str, order_id: str, patch: OrderPatch, expected: ExpectedVersions = ANY_VERSION
) -> Order:
    changes = patch.model_dump(mode="json", exclude_unset=True)
    return _order(get_repository().update_order(user_id, order_id, changes, expected))


def delete_order(user_id: str, order_id: str, expected: ExpectedVersions = ANY_VERSION) -> None:
    get_repository().delete_order(user_id, order_id, expected)


def list_orders(user_id: str, request: ListRequest) -> Listing[Order]:
    return get_repository().list_orders(user_id, request).validated(Order)


def _user(record: Record) -> User:
    return User.model_validate(record)


def _order(record: Record) -> Order:
    return Order.model_validate(record)
