"""DynamoDB's typed JSON (`{"S": "..."}`, `{"N": "1"}`, ...) to and from Python values, both ways.

The data modules speak to botocore's low-level DynamoDB client, not to boto3's Table resource: importing
anything under `boto3` runs its package (the resource machinery, s3transfer), which a cold start would pay
for conversions this small module does (docs/PERFORMANCE.md). The conversions are boto3's own
(`boto3.dynamodb.types`), so callers see what the resource gave them: numbers as `Decimal` (exact, in
DynamoDB's 38-digit context), sets as `set`, a float refused. One difference: a binary comes back as
`bytes`, where boto3 wraps it in its `Binary` (which compares equal to the bytes); no record stores one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Set
from decimal import Clamped, Context, Decimal, Inexact, Overflow, Rounded, Underflow
from typing import Any

# boto3's DYNAMODB_CONTEXT: a number DynamoDB cannot hold exactly is an error, never rounded.
DYNAMODB_CONTEXT = Context(
    Emin=-128, Emax=126, prec=38, traps=[Clamped, Overflow, Inexact, Rounded, Underflow]
)

# The request members that hold one item or key (an attribute name -> value map), and the one that holds
# placeholder -> value; everything else in a request is passed as it is.
_ITEM_MEMBERS = ("Item", "Key", "ExclusiveStartKey")
_VALUE_MEMBERS = "ExpressionAttributeValues"
# Response members holding one item, and a list of items.
_RESPONSE_ITEM = ("Item", "Attributes", "LastEvaluatedKey")


def to_attribute(value: Any) -> dict[str, Any]:
    """One Python value as a DynamoDB attribute value, as boto3's TypeSerializer writes it."""
    # Most values are text: tested first, the order of the rest is boto3's (bool before int).
    if isinstance(value, str):
        return {"S": value}
    if value is None:
        return {"NULL": True}
    if isinstance(value, bool):
        return {"BOOL": value}
    if _is_number(value):
        return {"N": _number(value)}
    if isinstance(value, bytes | bytearray):
        return {"B": bytes(value)}
    return _collection(value)


def to_item(values: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """A record, key or placeholder map with every value typed (`to_attribute`)."""
    return {name: to_attribute(value) for name, value in values.items()}


def from_attribute(typed: Mapping[str, Any]) -> Any:
    """One DynamoDB attribute value as Python, as boto3's TypeDeserializer reads it."""
    for kind, value in typed.items():
        read = _READERS.get(kind)
        if read is None:
            raise TypeError(f"Dynamodb type {kind} is not supported")
        return read(value)
    raise TypeError("Value must be a nonempty dictionary whose key is a valid dynamodb type.")


def from_item(typed: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """A record (or key) read from DynamoDB, every value as Python (`from_attribute`)."""
    return {name: from_attribute(value) for name, value in typed.items()}


_READERS: dict[str, Callable[[Any], Any]] = {
    "S": lambda value: value,
    "N": DYNAMODB_CONTEXT.create_decimal,
    "M": from_item,
    "L": lambda value: [from_attribute(member) for member in value],
    "BOOL": lambda value: value,
    "NULL": lambda _: None,
    "SS": set,
    "NS": lambda value: {DYNAMODB_CONTEXT.create_decimal(member) for member in value},
    "B": bytes,
    "BS": lambda value: {bytes(member) for member in value},
}


def typed_request(params: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters of one call (GetItem, Query, UpdateItem, ... or one operation of a transaction)
    with the items, keys and expression values written as Python values typed for the low-level client."""
    request = dict(params)
    for member in _ITEM_MEMBERS:
        if member in request:
            request[member] = to_item(request[member])
    if _VALUE_MEMBERS in request:
        request[_VALUE_MEMBERS] = to_item(request[_VALUE_MEMBERS])
    return request


def python_response(response: dict[str, Any]) -> dict[str, Any]:
    """A call's response with its item(s) and keys read as Python values; the rest as it came."""
    for member in _RESPONSE_ITEM:
        if member in response:
            response[member] = from_item(response[member])
    if "Items" in response:
        response["Items"] = [from_item(item) for item in response["Items"]]
    return response


def _collection(value: Any) -> dict[str, Any]:
    if isinstance(value, Set):
        # As boto3: in a set, a bool counts as a number (True is 1).
        if all(_is_number(member, bool_is_number=True) for member in value):
            return {"NS": [_number(member) for member in value]}
        if all(isinstance(member, str) for member in value):
            return {"SS": list(value)}
        if all(isinstance(member, bytes | bytearray) for member in value):
            return {"BS": [bytes(member) for member in value]}
    elif isinstance(value, Mapping):
        return {"M": to_item(value)}
    elif isinstance(value, list | tuple):
        return {"L": [to_attribute(member) for member in value]}
    raise TypeError(f'Unsupported type "{type(value)}" for value "{value}"')


def _is_number(value: Any, *, bool_is_number: bool = False) -> bool:
    if isinstance(value, int | Decimal) and (bool_is_number or not isinstance(value, bool)):
        return True
    if isinstance(value, float):
        raise TypeError("Float types are not supported. Use Decimal types instead.")
    return False


def _number(value: int | Decimal) -> str:
    text = str(DYNAMODB_CONTEXT.create_decimal(value))
    if text in ("Infinity", "NaN"):
        raise TypeError("Infinity and NaN not supported")
    return text
