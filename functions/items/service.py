"""What the items API does, independent of HTTP: create, read, replace, patch, delete, list."""

from __future__ import annotations

import repository
from api_core.dynamo import Record, Versions
from api_core.idempotency import Idempotency, IdempotencyKey
from api_core.pagination import Listing, ListRequest
from models import Item, ItemIn, ItemPatch

creates = Idempotency("items.create", repository.db)


def create_item(data: ItemIn, key: IdempotencyKey | None = None) -> Item:
    """A new item; with a key, a retry with the same body returns this item instead of a second one."""
    return creates.run(
        key,
        payload=data.model_dump(mode="json"),
        create=lambda: _item(repository.create(data.name, data.description)),
        model=Item,
    )


def get_item(item_id: str) -> Item:
    return _item(repository.get(item_id))


def replace_item(item_id: str, data: ItemIn, expected: Versions = None) -> Item:
    changes = {"name": data.name, "description": data.description}
    return _item(repository.update(item_id, changes, expected))


def patch_item(item_id: str, patch: ItemPatch, expected: Versions = None) -> Item:
    return _item(repository.update(item_id, patch.model_dump(exclude_unset=True), expected))


def delete_item(item_id: str, expected: Versions = None) -> None:
    repository.delete(item_id, expected)


def list_items(request: ListRequest) -> Listing[Item]:
    return repository.list_items(request).map(_item)


def _item(record: Record) -> Item:
    return Item.model_validate(record, from_attributes=False)
