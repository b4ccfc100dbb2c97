"""DynamoDB access for resources stored in the single table: collections, counters, conditional writes.

Layout (see docs/ARCHITECTURE.md): each collection lives in one partition. Its records are
`PK=<partition>, SK=<prefix><id>` and its size is a counter record `PK=<partition>, SK="#COUNT"`, updated
in the same transaction as every create and delete, so `total` never needs a scan. Each record carries a
`version` number; writes are conditional on it (optimistic concurrency, surfaced as ETag / If-Match).

A function builds one `Database` at cold start (`db = Database.from_env()`, reading TABLE_NAME) and
describes its collections with `Collection`. Failures surface as `api_core.errors` (404, 409, 412), so a
repository rarely needs a try/except of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from api_core.aws_faults import CONNECT_TIMEOUT_S, READ_TIMEOUT_S, guard_client
from api_core.errors import BadCursor, Conflict, InvalidField, NotFound, PreconditionFailed
from api_core.ids import is_id
from api_core.pagination import (
    CursorRequest,
    Listing,
    ListRequest,
    PageRequest,
    decode_cursor,
    encode_cursor,
)
from api_core.problems import RETRY_AFTER_SECONDS
from api_core.settings import required_env

Record = dict[str, Any]
Key = dict[str, str]
Versions = frozenset[int] | None
"""Versions a write may replace: None for any (no If-Match, or `If-Match: *`), else the listed ones."""

COUNTER_SK = "#COUNT"
VERSION = "version"
# Items a cursor-style search may evaluate per request, matched or not: keeps each request's cost bounded.
SEARCH_READ_BUDGET = 1000
# Standard retry mode (throttling and 5xx retried with backoff). Short timeouts, so that an attempt that
# cannot finish before the Lambda deadline is never started (aws_faults.guard_client).
BOTO_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 3},
    connect_timeout=CONNECT_TIMEOUT_S,
    read_timeout=READ_TIMEOUT_S,
)


@dataclass(frozen=True, slots=True)
class Collection:
    """One collection stored in one partition, e.g. `Collection("items", "item", "ITEMS", "ITEM#")`.

    - `name` identifies the collection in cursors (`"users/<id>/orders"` for a nested one).
    - `label` is the singular noun used in error messages ("no item with id ...").
    - `partition` is the PK of all its records, `prefix` the SK prefix before each id.
    - `search_attribute`, when set, names a stored attribute holding `search_value(name)`; `search`
      filters on it (case-insensitive substring).
    """

    name: str
    label: str
    partition: str
    prefix: str
    search_attribute: str | None = None

    def key(self, record_id: str) -> Key:
        return {"PK": self.partition, "SK": f"{self.prefix}{record_id}"}

    @property
    def counter_key(self) -> Key:
        return {"PK": self.partition, "SK": COUNTER_SK}

    @staticmethod
    def search_value(text: str) -> str:
        """The normalized form stored for search and compared against the normalized query."""
        return text.casefold()


@dataclass(frozen=True, slots=True)
class Guarded:
    """A TransactWriteItems operation and the error to raise if its condition fails."""

    operation: dict[str, Any]
    on_failure: Exception


class _ConditionFailed(Exception):
    def __init__(self, index: int, existed: bool) -> None:
        super().__init__(index)
        self.index = index
        self.existed = existed


class Database:
    """The table, with the few operations resources need. Build one per cold start."""

    def __init__(self, table_name: str) -> None:
        self.table_name = table_name
        # One session per Database, shared by every client made for this table (the idempotency store's
        # too): a second session would load botocore's DynamoDB model again, about 70 ms of cold start.
        self.session = boto3.session.Session()
        self.table = self.session.resource("dynamodb", config=BOTO_CONFIG).Table(table_name)
        # The resource's client converts Python values to and from DynamoDB's typed JSON for every call,
        # transactions included.
        self.client = self.table.meta.client
        guard_client(self.client)

    @classmethod
    def from_env(cls, variable: str = "TABLE_NAME") -> Database:
        """The table named by an environment variable; ConfigError naming it if unset."""
        return cls(required_env(variable))

    # -- reads ----------------------------------------------------------------------------------------
    def get(self, collection: Collection, record_id: str) -> Record | None:
        """The record, read strongly consistent, or None (also for an id that is not a valid id)."""
        if not is_id(record_id):
            return None
        return self.table.get_item(Key=collection.key(record_id), ConsistentRead=True).get("Item")

    def require(self, collection: Collection, record_id: str) -> Record:
        """The record, or NotFound naming the collection's label and the id."""
        record = self.get(collection, record_id)
        if record is None:
            raise NotFound(f"no {collection.label} with id {record_id}")
        return record

    def count(self, collection: Collection) -> int:
        """The collection's size, from its counter record (one read)."""
        item = self.table.get_item(Key=collection.counter_key, ConsistentRead=True).get("Item")
        return int(item["total"]) if item else 0

    def list(self, collection: Collection, request: ListRequest) -> Listing[Record]:
        """One page of the collection in id (creation) order, in the style `request` asks for."""
        if request.search is not None and collection.search_attribute is None:
            raise InvalidField("query.search", f"{collection.name} cannot be searched")
        if isinstance(request, PageRequest):
            return self._page(collection, request)
        return self._cursor_page(collection, request)

    # -- writes ---------------------------------------------------------------------------------------
    def create(self, collection: Collection, record: Record, *, also: Sequence[Guarded] = ()) -> Record:
        """Store a new record (it must hold `id`) at version 1 and count it, in one transaction.

        `also` adds operations to the same transaction, e.g. a uniqueness marker or a check that a
        referenced record exists; the first one whose condition fails raises its `on_failure`.
        """
        stored = {**record, **collection.key(record["id"]), VERSION: 1}
        put = self.put_op(stored, unique=True)
        created = Guarded(put, Conflict(f"{collection.label} {record['id']} already exists"))
        self._transact([created, self._counter_op(collection, +1), *also])
        return stored

    def update(
        self,
        collection: Collection,
        record_id: str,
        *,
        set_values: Mapping[str, Any],
        remove: Iterable[str] = (),
        expected: Versions = None,
    ) -> Record:
        """Set and remove attributes of an existing record and bump its version, in one conditional write.

        NotFound if there is no such record, PreconditionFailed if its version is not in `expected`.
        No read happens first: DynamoDB evaluates the condition and the write atomically.
        """
        if not is_id(record_id):
            raise NotFound(f"no {collection.label} with id {record_id}")
        names = {"#version": VERSION}
        values: dict[str, Any] = {":one": 1}
        assignments = []
        for index, (attribute, value) in enumerate(set_values.items()):
            names[f"#s{index}"], values[f":s{index}"] = attribute, value
            assignments.append(f"#s{index} = :s{index}")
        assignments.append("#version = #version + :one")
        expression = "SET " + ", ".join(assignments)
        removals = list(remove)
        if removals:
            names.update({f"#r{index}": attribute for index, attribute in enumerate(removals)})
            expression += " REMOVE " + ", ".join(f"#r{index}" for index in range(len(removals)))
        condition, condition_values = _condition_exists(expected)
        try:
            response = self.table.update_item(
                Key=collection.key(record_id),
                UpdateExpression=expression,
                ConditionExpression=condition,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues={**values, **condition_values},
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            if _code(error) != "ConditionalCheckFailedException":
                raise
            raise _failed_write(collection, record_id, existed="Item" in error.response) from None
        return response["Attributes"]

    def modify(
        self,
        collection: Collection,
        record_id: str,
        change: Callable[[Record], tuple[Record, Sequence[Guarded]]],
        *,
        expected: Versions = None,
        attempts: int = 3,
    ) -> Record:
        """Read, change and write back a record, for changes that need the current state (e.g. to
        release an old unique email). `change(current)` returns the new record and extra transaction
        operations.

        The write is conditional on the version read, so a concurrent writer is never overwritten: without
        If-Match (`expected` None) the change is re-applied on the fresh state, with If-Match it is 412.
        """
        for _ in range(attempts):
            current = self.require(collection, record_id)
            _check_expected(collection, record_id, current, expected)
            new, also = change(current)
            stored = {**new, **collection.key(record_id), VERSION: int(current[VERSION]) + 1}
            put = self.put_op(
                stored,
                condition="#version = :read",
                names={"#version": VERSION},
                values={":read": current[VERSION]},
            )
            try:
                self._transact([Guarded(put, _StaleRead()), *also])
            except _ConditionFailed:
                continue  # someone wrote since the read: the next read decides (404, 412 or retry)
            return stored
        raise Conflict(f"{collection.label} {record_id} is being changed by other requests: retry")

    def delete(
        self,
        collection: Collection,
        record_id: str,
        *,
        expected: Versions = None,
        also: Callable[[Record], Sequence[Guarded]] | None = None,
    ) -> None:
        """Delete a record and uncount it, in one transaction conditional on `expected`.

        `also(current)` adds operations that depend on the record's content (e.g. releasing a unique
        email); the record is then read first and the delete is conditional on the version read.
        """
        if not is_id(record_id):
            raise NotFound(f"no {collection.label} with id {record_id}")
        extra: Sequence[Guarded] = ()
        if also is not None:
            current = self.require(collection, record_id)
            _check_expected(collection, record_id, current, expected)
            expected, extra = frozenset({int(current[VERSION])}), also(current)
        condition, values = _condition_exists(expected)
        delete_op: dict[str, Any] = {
            "Delete": {
                "TableName": self.table_name,
                "Key": collection.key(record_id),
                "ConditionExpression": condition,
                "ExpressionAttributeNames": {"#version": VERSION} if values else None,
                "ExpressionAttributeValues": values or None,
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        }
        delete_op["Delete"] = {k: v for k, v in delete_op["Delete"].items() if v is not None}
        try:
            self._transact([Guarded(delete_op, _StaleRead()), self._counter_op(collection, -1), *extra])
        except _ConditionFailed as failed:
            raise _failed_write(collection, record_id, existed=failed.existed) from None

    def delete_partition(self, partition: str) -> int:
        """Delete every record under one PK (e.g. a deleted user's orders); returns how many. Not atomic:
        use it for cleanup after the transaction that made the records unreachable."""
        deleted = 0
        with self.table.batch_writer() as batch:
            for record in self._query_all({"PK": partition}, projection="PK, SK"):
                batch.delete_item(Key={"PK": record["PK"], "SK": record["SK"]})
                deleted += 1
        return deleted

    # -- transaction operations -----------------------------------------------------------------------
    def put_op(
        self,
        item: Record,
        *,
        unique: bool = False,
        condition: str | None = None,
        names: Mapping[str, str] | None = None,
        values: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A Put for `_transact`/`Guarded`; `unique=True` fails if the key already exists."""
        put: dict[str, Any] = {"TableName": self.table_name, "Item": item}
        if unique:
            condition = "attribute_not_exists(PK)"
        if condition:
            put["ConditionExpression"] = condition
        if names:
            put["ExpressionAttributeNames"] = dict(names)
        if values:
            put["ExpressionAttributeValues"] = dict(values)
        return {"Put": put}

    def exists_op(self, key: Key) -> dict[str, Any]:
        """A ConditionCheck that the record at `key` exists (e.g. a referenced item or a parent)."""
        return {
            "ConditionCheck": {
                "TableName": self.table_name,
                "Key": key,
                "ConditionExpression": "attribute_exists(PK)",
            }
        }

    def delete_op(
        self, key: Key, *, condition: str | None = None, values: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """A Delete for `_transact`/`Guarded`, optionally conditional."""
        delete: dict[str, Any] = {"TableName": self.table_name, "Key": key}
        if condition:
            delete["ConditionExpression"] = condition
        if values:
            delete["ExpressionAttributeValues"] = dict(values)
        return {"Delete": delete}

    def _counter_op(self, collection: Collection, delta: int) -> Guarded:
        update = {
            "Update": {
                "TableName": self.table_name,
                "Key": collection.counter_key,
                "UpdateExpression": "ADD #total :delta",
                "ExpressionAttributeNames": {"#total": "total"},
                "ExpressionAttributeValues": {":delta": delta},
            }
        }
        return Guarded(update, RuntimeError("a counter update has no condition"))

    def _transact(self, operations: Sequence[Guarded]) -> None:
        try:
            self.client.transact_write_items(TransactItems=[g.operation for g in operations])
        except ClientError as error:
            if _code(error) != "TransactionCanceledException":
                raise
            reasons = error.response.get("CancellationReasons", [])
            for index, reason in enumerate(reasons):
                if reason.get("Code") == "ConditionalCheckFailed":
                    failure = operations[index].on_failure
                    if isinstance(failure, _StaleRead):
                        raise _ConditionFailed(index, "Item" in reason) from None
                    raise failure from None
            if any(reason.get("Code") == "TransactionConflict" for reason in reasons):
                raise Conflict(
                    "another request is changing the same records: retry",
                    headers={"Retry-After": RETRY_AFTER_SECONDS},
                ) from None
            raise

    # -- listing --------------------------------------------------------------------------------------
    def _page(self, collection: Collection, request: PageRequest) -> Listing[Record]:
        if request.search is None:
            total = self.count(collection)
            if request.offset >= total:
                return Listing(request, [], total)
            start = self._skip(collection, request.offset)
            if start is False:  # the counter ran ahead of the records (a delete in flight)
                return Listing(request, [], total)
            return Listing(request, self._query(collection, start, request.per_page), total)
        # A search has no counter: one pass over the whole partition counts the matches and keeps the
        # requested page. Reads grow with the collection, not with the page (see docs).
        matched: list[Record] = []
        total = 0
        search = self._search(collection, request.search)
        for record in self._query_all(self._key_condition(collection), search=search):
            if request.offset <= total < request.offset + request.per_page:
                matched.append(record)
            total += 1
        return Listing(request, matched, total)

    def _cursor_page(self, collection: Collection, request: CursorRequest) -> Listing[Record]:
        start = None
        if request.cursor is not None:
            position = decode_cursor(request.cursor, collection.name, request.search)
            # The binding hash is not a secret, so a cursor can be forged; it can still only name an id
            # inside this collection's partition, and anything else is refused before reaching DynamoDB.
            if not is_id(position):
                raise BadCursor("the cursor is malformed: pass next_cursor back exactly as received")
            start = collection.key(position)
        search = self._search(collection, request.search) if request.search is not None else None
        items: list[Record] = []
        read = 0
        next_position: str | None = None
        while True:
            # One extra item tells whether a next page exists without another request.
            wanted = request.limit + 1 - len(items)
            limit = wanted if search is None else max(wanted, SEARCH_READ_BUDGET - read)
            response = self.table.query(**self._query_args(collection, start, limit, search))
            read += response["ScannedCount"]
            items.extend(response["Items"])
            last = response.get("LastEvaluatedKey")
            if len(items) > request.limit:
                items = items[: request.limit]
                next_position = self._id_of(collection, items[-1])
                break
            if last is None:
                break
            if search is not None and read >= SEARCH_READ_BUDGET:
                # Budget spent: a short (even empty) page with a cursor; only a null cursor means the end.
                next_position = self._id_of(collection, last)
                break
            start = last
        total = self.count(collection) if request.search is None else None
        cursor = None
        if next_position is not None:
            cursor = encode_cursor(collection.name, request.search, next_position)
        return Listing(request, items, total, cursor)

    def _skip(self, collection: Collection, offset: int) -> Key | bool | None:
        """The ExclusiveStartKey after `offset` records (None for 0, False if there are fewer)."""
        start: Key | None = None
        remaining = offset
        while remaining > 0:
            args = self._query_args(collection, start, remaining, None)
            args["ProjectionExpression"] = "PK, SK"  # the skipped records are not sent back
            response = self.table.query(**args)
            found = response["Items"]
            remaining -= len(found)
            if found:
                start = {"PK": found[-1]["PK"], "SK": found[-1]["SK"]}
            if remaining > 0 and "LastEvaluatedKey" not in response:
                return False
        return start

    def _query(self, collection: Collection, start: Key | None, limit: int) -> list[Record]:
        items: list[Record] = []
        while len(items) < limit:
            # DynamoDB stops at 1 MB per response, so a page may take more than one query.
            response = self.table.query(**self._query_args(collection, start, limit - len(items), None))
            items.extend(response["Items"])
            start = response.get("LastEvaluatedKey")
            if start is None:
                break
        return items

    def _query_all(
        self,
        key_condition: Mapping[str, str],
        *,
        search: tuple[str, str] | None = None,
        projection: str | None = None,
    ) -> Iterator[Record]:
        args: dict[str, Any] = {"ConsistentRead": True}
        names: dict[str, str] = {}
        values: dict[str, Any] = {":pk": key_condition["PK"]}
        args["KeyConditionExpression"] = "PK = :pk"
        if "prefix" in key_condition:
            args["KeyConditionExpression"] += " AND begins_with(SK, :prefix)"
            values[":prefix"] = key_condition["prefix"]
        if search is not None:
            names["#search"], values[":search"] = search
            args["FilterExpression"] = "contains(#search, :search)"
        if projection:
            args["ProjectionExpression"] = projection
        if names:
            args["ExpressionAttributeNames"] = names
        args["ExpressionAttributeValues"] = values
        while True:
            response = self.table.query(**args)
            yield from response["Items"]
            if "LastEvaluatedKey" not in response:
                return
            args["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    @staticmethod
    def _key_condition(collection: Collection) -> dict[str, str]:
        return {"PK": collection.partition, "prefix": collection.prefix}

    @staticmethod
    def _search(collection: Collection, text: str) -> tuple[str, str]:
        assert collection.search_attribute is not None  # checked by list()
        return collection.search_attribute, collection.search_value(text)

    @staticmethod
    def _query_args(
        collection: Collection, start: Key | None, limit: int, search: tuple[str, str] | None
    ) -> dict[str, Any]:
        args: dict[str, Any] = {
            "KeyConditionExpression": "PK = :pk AND begins_with(SK, :prefix)",
            "ExpressionAttributeValues": {":pk": collection.partition, ":prefix": collection.prefix},
            "Limit": limit,
            "ConsistentRead": True,
        }
        if start is not None:
            args["ExclusiveStartKey"] = start
        if search is not None:
            args["FilterExpression"] = "contains(#search, :search)"
            args["ExpressionAttributeNames"] = {"#search": search[0]}
            args["ExpressionAttributeValues"][":search"] = search[1]
        return args

    @staticmethod
    def _id_of(collection: Collection, record: Mapping[str, Any]) -> str:
        return str(record["SK"])[len(collection.prefix) :]


class _StaleRead(Exception):
    """Internal: the record's version changed between the read and the conditional write."""


def _condition_exists(expected: Versions) -> tuple[str, dict[str, Any]]:
    if expected is None:
        return "attribute_exists(PK)", {}
    # An If-Match that names no usable version (e.g. only weak tags) can match nothing: -1 is never stored.
    versions = sorted(expected) or [-1]
    placeholders = {f":v{index}": version for index, version in enumerate(versions)}
    return f"attribute_exists(PK) AND #version IN ({', '.join(placeholders)})", placeholders


def _check_expected(collection: Collection, record_id: str, current: Record, expected: Versions) -> None:
    if expected is not None and int(current[VERSION]) not in expected:
        raise PreconditionFailed(
            f"{collection.label} {record_id} has changed since that ETag: GET it again, then retry"
        )


def _failed_write(collection: Collection, record_id: str, *, existed: bool) -> Exception:
    if existed:
        return PreconditionFailed(
            f"{collection.label} {record_id} has changed since that ETag: GET it again, then retry"
        )
    return NotFound(f"no {collection.label} with id {record_id}")


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))
