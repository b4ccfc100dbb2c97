"""Items in DynamoDB: `PK="ITEMS", SK="ITEM#<id>"`, counted by `PK="ITEMS", SK="#COUNT"`.

The users function checks that an order's item exists with the same key layout (users/repository.py).
"""

from __future__ import annotations

from typing import Any

from api_core.accessor import CachedAccessor
from api_core.dynamo import Database
from api_core.ids import new_id, utc_now
from api_core.pagination import Listing, ListRequest
from api_core.records import Collection, ExpectedVersions, Record

ITEMS = Collection(
    name="items", label="item", partition="ITEMS", prefix="ITEM#", search_attribute="search_name"
)


class ItemsRepository:
    """The items collection of one table; `get_repository()` is the one the function uses."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def create(self, name: str, description: str | None) -> Record:
        now = utc_now()
        record: Record = {"id": new_id(), "created_at": now, "updated_at": now, **_named(name)}
        if description is not None:
            record["description"] = description
        return self.db.create(ITEMS, record)

    def get(self, item_id: str) -> Record:
        return self.db.require(ITEMS, item_id)

    def update(self, item_id: str, changes: dict[str, Any], expected: ExpectedVersions) -> Record:
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
        return self.db.update_attributes(
            ITEMS, item_id, set_values=set_values, remove=remove, expected=expected
        )

    def delete(self, item_id: str, expected: ExpectedVersions) -> None:
        self.db.delete(ITEMS, item_id, expected=expected)

    def list_items(self, request: ListRequest) -> Listing[Record]:
        return self.db.list(ITEMS, request)


@CachedAccessor
def get_repository() -> ItemsRepository:
    """The function's repository, on the table named by TABLE_NAME (app.py checks it at cold start)."""
    return ItemsRepository(Database.from_env())


def _named(name: str) -> Record:
    return {"name": name, ITEMS.search_attribute or "": Collection.search_value(name)}
