"""DynamoDB access for resources stored in the single table: reads, creates, conditional updates, deletes.

The layout (collections, counters, versions) is `api_core.records`'; reading pages is `api_core.listing`'s;
transactions are `api_core.transactions`'. Every create and delete updates the collection's counter in the
same transaction, so `total` never needs a scan; every write is conditional on the record's version
(optimistic concurrency).

A function's repository holds one `Database` per process (`Database.from_env()`, reading TABLE_NAME),
behind a `CachedAccessor` (api_core.accessor) that tests and benchmarks can replace. Failures surface
as `api_core.errors` (404, 409, 412), so a repository rarely needs a try/except of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from botocore.exceptions import ClientError

from api_core import transactions
from api_core.attribute_values import python_response, typed_request
from api_core.dynamodb_client import batch_write, dynamodb_client
from api_core.errors import Conflict, NotFound, VersionMismatch
from api_core.listing import KEYS_ONLY, list_records, query_args, query_records
from api_core.pagination import Listing, ListRequest
from api_core.records import (
    ANY_VERSION,
    VERSION,
    Collection,
    ExpectedVersions,
    Key,
    Record,
    version_condition,
)
from api_core.settings import required_env
from api_core.transactions import ConditionFailed, TransactOp, counter_op, transact


class Database:
    """The table, with the few operations resources need. Build one per process."""

    def __init__(self, table_name: str) -> None:
        self.table_name = table_name
        # botocore's low-level client (api_core.dynamodb_client), with Python values converted in `call`.
        # The idempotency store uses this same client, which speaks the typed JSON it sends: one session,
        # one loaded DynamoDB model.
        self.session, self.client = dynamodb_client()

    # -- the client's calls, with Python values in and out (api_core.attribute_values) ------------------
    def call(self, operation: str, **params: Any) -> dict[str, Any]:
        """One call of the low-level client, e.g. `call("query", **query_args(...))`, on this table: its
        items, keys and expression values as Python values, and the response's read back as Python."""
        request = typed_request({"TableName": self.table_name, **params})
        return python_response(getattr(self.client, operation)(**request))

    def query(self, **params: Any) -> dict[str, Any]:
        """One Query page of this table (Python values in and out): `Items`, `ScannedCount`, and
        `LastEvaluatedKey` when DynamoDB stopped before the end."""
        return self.call("query", **params)

    @classmethod
    def from_env(cls, variable: str = "TABLE_NAME") -> Database:
        """The table named by an environment variable; ConfigError naming it if unset."""
        return cls(required_env(variable))

    # -- reads ----------------------------------------------------------------------------------------
    def get(self, collection: Collection, record_id: str) -> Record | None:
        """The record, read strongly consistent, or None (also for an id that is not a valid id)."""
        if not collection.id_shape(record_id):
            return None
        return self.call("get_item", Key=collection.key(record_id), ConsistentRead=True).get("Item")

    def require(self, collection: Collection, record_id: str) -> Record:
        """The record, or NotFound naming the collection's label and the id."""
        record = self.get(collection, record_id)
        if record is None:
            raise _not_found(collection, record_id)
        return record

    def count(self, collection: Collection) -> int:
        """The collection's size, from its counter record (one read)."""
        item = self.call("get_item", Key=collection.counter_key, ConsistentRead=True).get("Item")
        return int(item["total"]) if item else 0

    def list(self, collection: Collection, request: ListRequest) -> Listing[Record]:
        """One page of the collection in id (creation) order, in the style `request` asks for."""
        return list_records(self, collection, request)

    # -- writes ---------------------------------------------------------------------------------------
    def create(
        self, collection: Collection, record: Record, *, alongside: Sequence[TransactOp] = ()
    ) -> Record:
        """Store a new record (it must hold `id`) at version 1 and count it, in one transaction.

        `alongside` adds operations to the same transaction, e.g. a uniqueness claim or a check that a
        referenced record exists; the first one whose condition fails raises its `on_failure`.
        """
        stored = {**record, **collection.key(record["id"]), VERSION: 1}
        exists = Conflict(f"{collection.label} {record['id']} already exists")
        put = self.put_op(stored, unique=True, on_failure=exists)
        count = counter_op(self.table_name, collection.counter_key, +1)
        transact(self.client, [put, count, *alongside])
        return stored

    def update_attributes(
        self,
        collection: Collection,
        record_id: str,
        *,
        set_values: Mapping[str, Any],
        remove: Iterable[str] = (),
        expected: ExpectedVersions = ANY_VERSION,
    ) -> Record:
        """Set and remove attributes of an existing record and bump its version, in one conditional write
        with no read first (DynamoDB evaluates the condition and the write atomically).

        NotFound if there is no such record, VersionMismatch if its version is not in `expected`.
        """
        if not collection.id_shape(record_id):
            raise _not_found(collection, record_id)
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
        condition, condition_values = version_condition(expected)
        try:
            response = self.call(
                "update_item",
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

    def read_modify_write(
        self,
        collection: Collection,
        record_id: str,
        change: Callable[[Record], tuple[Record, Sequence[TransactOp]]],
        *,
        expected: ExpectedVersions = ANY_VERSION,
        attempts: int = 3,
    ) -> Record:
        """Read a record, change it and write it back, for changes that need the current state (e.g. to
        release an old unique email). `change(current)` returns the new record and the operations to run
        alongside its write.

        The write is conditional on the version read, so a concurrent writer is never overwritten: with
        ANY_VERSION the change is re-applied on the fresh state, else VersionMismatch.
        """
        for _ in range(attempts):
            current = self.require(collection, record_id)
            _check_expected(collection, record_id, current, expected)
            new, alongside = change(current)
            stored = {**new, **collection.key(record_id), VERSION: int(current[VERSION]) + 1}
            put = self.put_op(
                stored,
                condition="#version = :read",
                names={"#version": VERSION},
                values={":read": current[VERSION]},
                on_failure=None,
            )
            try:
                transact(self.client, [put, *alongside])
            except ConditionFailed:
                continue  # someone wrote since the read: the next read decides (404, 412 or retry)
            return stored
        raise Conflict(f"{collection.label} {record_id} is being changed by other requests: retry")

    def delete(
        self,
        collection: Collection,
        record_id: str,
        *,
        expected: ExpectedVersions = ANY_VERSION,
        alongside: Sequence[TransactOp] = (),
    ) -> None:
        """Delete a record and uncount it, in one transaction conditional on `expected`.

        NotFound if there is no such record, VersionMismatch if its version is not in `expected`.
        """
        if not collection.id_shape(record_id):
            raise _not_found(collection, record_id)
        try:
            self._delete(collection, record_id, expected, alongside)
        except ConditionFailed as failed:
            raise _failed_write(collection, record_id, existed=failed.existed) from None

    def read_then_delete(
        self,
        collection: Collection,
        record_id: str,
        alongside: Callable[[Record], Sequence[TransactOp]],
        *,
        expected: ExpectedVersions = ANY_VERSION,
        attempts: int = 3,
    ) -> None:
        """Read a record, then delete it with operations built from its content (e.g. releasing its
        unique email): `alongside(current)`.

        The delete is conditional on the version read, so it never acts on a stale read. As with
        `read_modify_write`, a concurrent write is not an error for a delete with ANY_VERSION: the record
        is read again and the delete retried. Only an `expected` version can end in VersionMismatch.
        """
        for _ in range(attempts):
            current = self.require(collection, record_id)
            _check_expected(collection, record_id, current, expected)
            read = frozenset({int(current[VERSION])})
            try:
                self._delete(collection, record_id, read, alongside(current))
            except ConditionFailed:
                continue  # changed or deleted since the read: the next read decides (404, 412 or retry)
            return
        raise Conflict(f"{collection.label} {record_id} is being changed by other requests: retry")

    def _delete(
        self,
        collection: Collection,
        record_id: str,
        expected: ExpectedVersions,
        alongside: Sequence[TransactOp],
    ) -> None:
        condition, values = version_condition(expected)
        delete = self.delete_op(
            collection.key(record_id),
            condition=condition,
            names={"#version": VERSION} if values else None,
            values=values,
            on_failure=None,
        )
        uncount = counter_op(self.table_name, collection.counter_key, -1)
        transact(self.client, [delete, uncount, *alongside])

    def delete_partition(self, partition: str) -> int:
        """Delete every record under one PK (e.g. a deleted user's orders); returns how many. Not atomic:
        use it for cleanup after the transaction that made the records unreachable."""
        deletes = [
            {"DeleteRequest": typed_request({"Key": {"PK": record["PK"], "SK": record["SK"]}})}
            for record in query_records(self, query_args(partition, projection=KEYS_ONLY))
        ]
        batch_write(self.client, self.table_name, deletes)
        return len(deletes)

    # -- transaction operations (api_core.transactions) ------------------------------------------------
    def put_op(self, item: Record, **options: Any) -> TransactOp:
        """A Put on this table, e.g. `put_op(claim, unique=True, on_failure=Conflict(...))`
        (transactions.put_op)."""
        return transactions.put_op(self.table_name, item, **options)

    def exists_op(self, key: Key, *, on_failure: Exception) -> TransactOp:
        """A check that the record at `key` exists, raising `on_failure` if not (transactions.exists_op)."""
        return transactions.exists_op(self.table_name, key, on_failure=on_failure)

    def delete_op(self, key: Key, **options: Any) -> TransactOp:
        """A Delete on this table, optionally conditional (transactions.delete_op)."""
        return transactions.delete_op(self.table_name, key, **options)


def _check_expected(
    collection: Collection, record_id: str, current: Record, expected: ExpectedVersions
) -> None:
    if expected is not ANY_VERSION and int(current[VERSION]) not in expected:
        raise VersionMismatch(collection.label, record_id)


def _failed_write(collection: Collection, record_id: str, *, existed: bool) -> Exception:
    return VersionMismatch(collection.label, record_id) if existed else _not_found(collection, record_id)


def _not_found(collection: Collection, record_id: str) -> NotFound:
    return NotFound(f"no {collection.label} with id {record_id}")


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))
