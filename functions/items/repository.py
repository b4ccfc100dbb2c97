"""Items in DynamoDB: `PK="ITEMS", SK="ITEM#<id>"`, counted by `PK="ITEMS", SK="#COUNT"`.

The users function checks that an order's item exists with the same key layout (users/repository.py).
"""

from __future__ import annotations

from typing import Any

from api_core.dynamo import Collection, Database, Record, Versions
from api_core.ids import new_id, utc_now
from api_core.pagination import Listing, ListRequest

ITEMS = Collection(
    name="items", label="item", partition="ITEMS", prefix="ITEM#", search_attribute="search_name"
)

db = Database.from_env()


def create(name: str, description: str | None) -> Record:
    now = utc_now()
    record: Record = {"id": new_id(), "created_at": now, "updated_at": now, **_named(name)}
    if description is not None:
        record["description"] = description
    return db.create(ITEMS, record)


def get(item_id: str) -> Record:
    return db.require(ITEMS, item_id)


def update(item_id: str, changes: dict[str, Any], expected: Versions) -> Record:
    """Apply `changes` (None removes an attribute) to an existing item, if its version is expected."""
    set_values = {"updated_at": utc_now()}
    remove = []
    for attribute, value in changes.items():
        if value is None:
            remove.append(attribute)
        elif attribute == "name":
            set_values.update(_named(value))
        else:
            set_values[attribute] = value
    return db.update(ITEMS, item_id, set_values=set_values, remove=remove, expected=expected)


def delete(item_id: str, expected: Versions) -> None:
    db.delete(ITEMS, item_id, expected=expected)


def list_items(request: ListRequest) -> Listing[Record]:
    return db.list(ITEMS, request)


def _named(name: str) -> Record:
    return {"name": name, ITEMS.search_attribute or "": Collection.search_value(name)}
