"""What the single table stores: records, their keys, collections and versions. Pure: no AWS.

Each collection lives in one partition (docs/ARCHITECTURE.md): its records are `PK=<partition>,
SK=<prefix><id>`, its size a counter record `PK=<partition>, SK="#COUNT"`. Every record carries a
`version` number that writes are conditional on (optimistic concurrency).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from api_core.ids import is_id

Record = dict[str, Any]
Key = dict[str, str]

COUNTER_SK = "#COUNT"
VERSION = "version"

ANY_VERSION: Final = None
"""`expected=ANY_VERSION`: the write replaces whichever version is stored (no If-Match, or `If-Match: *`)."""
ExpectedVersions = frozenset[int] | None
"""The versions a write may replace: the listed ones (an empty set matches none), or ANY_VERSION."""


@dataclass(frozen=True, slots=True)
class Collection:
    """One collection stored in one partition, e.g. `Collection("items", "item", "ITEMS", "ITEM#")`.

    - `name` identifies the collection in cursors (`"users/<id>/orders"` for a nested one).
    - `label` is the singular noun used in error messages ("no item with id ...").
    - `partition` is the PK of all its records, `prefix` the SK prefix before each id.
    - `search_attribute`, when set, names a stored attribute holding `search_value(name)`; `search`
      filters on it (case-insensitive substring).
    - `id_shape` tells whether a text can be one of its ids; anything else is unknown without a read, and
      never goes into a key. `is_id` (the server's UUIDv7) unless the ids come from elsewhere, e.g.
      `api_core.ids.is_uuid` for users keyed by their Cognito `sub`.
    """

    name: str
    label: str
    partition: str
    prefix: str
    search_attribute: str | None = None
    id_shape: Callable[[str], bool] = is_id

    def key(self, record_id: str) -> Key:
        """The primary key of the record with that id."""
        return {"PK": self.partition, "SK": f"{self.prefix}{record_id}"}

    @property
    def counter_key(self) -> Key:
        """The primary key of the collection's counter record."""
        return {"PK": self.partition, "SK": COUNTER_SK}

    def id_of(self, record: Record) -> str:
        """The id in a record's (or a key's) sort key."""
        return str(record["SK"])[len(self.prefix) :]

    @staticmethod
    def search_value(text: str) -> str:
        """The normalized form stored for search and compared against the normalized query."""
        return text.casefold()


def version_condition(expected: ExpectedVersions) -> tuple[str, dict[str, Any]]:
    """The ConditionExpression of a write to an existing record whose version must be in `expected`,
    and its values (`#version` names the version attribute when there are any)."""
    if expected is ANY_VERSION:
        return "attribute_exists(PK)", {}
    # No usable version (e.g. If-Match naming only weak tags) must match nothing: -1 is never stored.
    versions = sorted(expected) or [-1]
    placeholders = {f":v{index}": version for index, version in enumerate(versions)}
    return f"attribute_exists(PK) AND #version IN ({', '.join(placeholders)})", placeholders
