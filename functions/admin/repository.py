"""The counters the admin API reads: `PK="ITEMS"` and `PK="USERS"`, `SK="#COUNT"` (docs/ARCHITECTURE.md).

Read-only: template.yaml grants this function GetItem on those two partitions and nothing else.
"""

from __future__ import annotations

from api_core.accessor import CachedAccessor
from api_core.dynamo import Database
from api_core.records import Collection

# The items and users functions' key layout (their repository.py), restated for the counters only.
COLLECTIONS = (
    Collection(name="items", label="item", partition="ITEMS", prefix="ITEM#"),
    Collection(name="users", label="user", partition="USERS", prefix="USER#"),
)


class AdminRepository:
    """The counters of one table; `get_repository()` is the one the function uses."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def counts(self) -> dict[str, int]:
        """Each collection's name and size."""
        return {collection.name: self.db.count(collection) for collection in COLLECTIONS}


@CachedAccessor
def get_repository() -> AdminRepository:
    """The function's repository, on the table named by TABLE_NAME (app.py checks it at cold start)."""
    return AdminRepository(Database.from_env())
