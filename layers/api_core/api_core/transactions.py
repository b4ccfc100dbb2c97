"""Write transactions: operations on the table that succeed or fail together, each with its own error.

A create is its record's Put plus the counter's update, and whatever a repository adds alongside (a
uniqueness claim, a check that a referenced record exists): one TransactWriteItems call, so a failed
condition anywhere leaves nothing half-written. `Database.put_op`, `exists_op` and `delete_op` build the
operations for its table.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from api_core.attribute_values import typed_request
from api_core.errors import Conflict
from api_core.problems import RETRY_AFTER_SECONDS
from api_core.records import Key, Record


@dataclass(frozen=True, slots=True)
class TransactOp:
    """One operation of a write transaction, and the error to raise if its condition fails.

    `on_failure` None is for the Database's own operations, whose failure it interprets itself
    (ConditionFailed): a repository always names its error.
    """

    request: dict[str, Any]
    on_failure: Exception | None


class ConditionFailed(Exception):
    """The condition of a TransactOp without `on_failure` failed; `existed`: its record was there."""

    def __init__(self, existed: bool) -> None:
        super().__init__(existed)
        self.existed = existed


def put_op(
    table_name: str,
    item: Record,
    *,
    on_failure: Exception | None,
    unique: bool = False,
    condition: str | None = None,
    names: Mapping[str, str] | None = None,
    values: Mapping[str, Any] | None = None,
) -> TransactOp:
    """A Put; `unique=True` fails if the key already exists, raising `on_failure`."""
    if unique:
        condition = "attribute_not_exists(PK)"
    put = _conditional({"TableName": table_name, "Item": item}, condition, names, values)
    return TransactOp({"Put": put}, on_failure)


def exists_op(table_name: str, key: Key, *, on_failure: Exception) -> TransactOp:
    """A check that the record at `key` exists (e.g. a referenced item or a parent)."""
    check = {"TableName": table_name, "Key": key, "ConditionExpression": "attribute_exists(PK)"}
    return TransactOp({"ConditionCheck": check}, on_failure)


def delete_op(
    table_name: str,
    key: Key,
    *,
    on_failure: Exception | None,
    condition: str | None = None,
    names: Mapping[str, str] | None = None,
    values: Mapping[str, Any] | None = None,
) -> TransactOp:
    """A Delete, optionally conditional (raising `on_failure` if the condition fails)."""
    delete = _conditional({"TableName": table_name, "Key": key}, condition, names, values)
    if condition:
        # A failed condition then reports whether the record existed: 404 and 412 are told apart.
        delete["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
    return TransactOp({"Delete": delete}, on_failure)


def counter_op(table_name: str, key: Key, delta: int) -> TransactOp:
    """Adds `delta` to the counter record at `key` (created at 0 if missing). It has no condition."""
    update = {
        "TableName": table_name,
        "Key": key,
        "UpdateExpression": "ADD #total :delta",
        "ExpressionAttributeNames": {"#total": "total"},
        "ExpressionAttributeValues": {":delta": delta},
    }
    return TransactOp({"Update": update}, None)


def transact(client: Any, operations: Sequence[TransactOp]) -> None:
    """Run the operations as one TransactWriteItems call of botocore's low-level `client` (their Python
    values typed on the way); the first failed condition raises its error.

    A clash with another transaction on the same records is a Conflict worth retrying shortly.
    """
    try:
        client.transact_write_items(TransactItems=[_typed(op.request) for op in operations])
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "TransactionCanceledException":
            raise
        reasons = error.response.get("CancellationReasons", [])
        for index, reason in enumerate(reasons):
            if reason.get("Code") == "ConditionalCheckFailed":
                failure = operations[index].on_failure
                if failure is None:
                    raise ConditionFailed("Item" in reason) from None
                raise failure from None
        if any(reason.get("Code") == "TransactionConflict" for reason in reasons):
            raise Conflict(
                "another request is changing the same records: retry",
                headers={"Retry-After": RETRY_AFTER_SECONDS},
            ) from None
        raise


def _typed(operation: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    # {"Put": {...}}: the operation's items, keys and values typed for the low-level client.
    return {kind: typed_request(request) for kind, request in operation.items()}


def _conditional(
    request: dict[str, Any],
    condition: str | None,
    names: Mapping[str, str] | None,
    values: Mapping[str, Any] | None,
) -> dict[str, Any]:
    if condition:
        request["ConditionExpression"] = condition
    if names:
        request["ExpressionAttributeNames"] = dict(names)
    if values:
        request["ExpressionAttributeValues"] = dict(values)
    return request
