"""What the items API does, independent of HTTP: create, read, replace, patch, delete, list."""

from __future__ import annotations

from api_core.idempotency import Idempotency, IdempotencyKey
from api_core.pagination import Listing, ListRequest
from api_core.records import ANY_VERSION, ExpectedVersions, Record
from models import Item, ItemIn, ItemPatch
from repository import get_repository

# The repository, and its Database, are built here, at the routes' import and not on a first request:
# under SnapStart, import time is inside the snapshot.
creates = Idempotency("items.create", get_repository().db)


def create_item(data: ItemIn, key: IdempotencyKey | None = None) -> Item:
    """A new item; with a key, a retry with the same body returns this item instead of a second one."""
    return creates.run(key, data, Item, lambda: _item(get_repository().create(data.name, data.description)))


def get_item(item_id: str) -> Item:
    return _item(get_repository().get(item_id))


def replace_item(item_id: str, data: ItemIn, expected: ExpectedVersions = ANY_VERSION) -> Item:
    changes = {"name": data.name, "description": data.description}
    return _item(get_repository().update(item_id, changes, expected))


def patch_item(item_id: str, patch: ItemPatch, expected: ExpectedVersions = ANY_VERSION) -> Item:
    return _item(get_repository().update(item_id, patch.model_dump(exclude_unset=True), expected))


def delete_item(item_id: str, expected: ExpectedVersions = ANY_VERSION) -> None:
    get_repository().delete(item_id, expected)


def list_items(request: ListRequest) -> Listing[Item]:
    return get_repository().list_items(request).validated(Item)


def _item(record: Record) -> Item:
    return Item.model_validate(record, from_attributes=False)
