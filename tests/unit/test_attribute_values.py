"""DynamoDB's typed JSON both ways (api_core.attribute_values), held to boto3's own TypeSerializer and
TypeDeserializer, which the data layer used (through the Table resource) before it spoke to botocore's
low-level client: callers must see the same values, numbers as exact Decimals above all."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal

import pytest
from api_core.attribute_values import (
    from_attribute,
    from_item,
    python_response,
    to_attribute,
    to_item,
    typed_request,
)
from boto3.dynamodb.types import Binary, TypeDeserializer, TypeSerializer
from hypothesis import given
from hypothesis import strategies as st
from support.paths import LAYER_DIR

# Numbers DynamoDB holds exactly: at most 38 significant digits, exponents within its range.
numbers = st.one_of(
    st.integers(min_value=-(10**38) + 1, max_value=10**38 - 1),
    st.decimals(allow_nan=False, allow_infinity=False, places=6, min_value=-(10**20), max_value=10**20),
)
scalars = st.one_of(st.text(), numbers, st.booleans(), st.none(), st.binary(min_size=1))
sets = st.one_of(
    st.frozensets(st.text(), min_size=1),
    st.frozensets(st.integers(min_value=-(10**30), max_value=10**30), min_size=1),
    st.frozensets(st.binary(min_size=1), min_size=1),
)
values = st.recursive(
    st.one_of(scalars, sets),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


@given(values)
def test_values_are_written_as_boto3_writes_them(value):
    assert to_attribute(value) == TypeSerializer().serialize(value)


@given(values)
def test_values_are_read_as_boto3_reads_them(value):
    typed = TypeSerializer().serialize(value)
    assert from_attribute(typed) == TypeDeserializer().deserialize(typed)


@given(st.dictionaries(st.text(max_size=8), values, max_size=6))
def test_a_record_round_trips(record):
    typed = to_item(record)
    assert typed == {name: TypeSerializer().serialize(value) for name, value in record.items()}
    assert from_item(typed) == {name: TypeDeserializer().deserialize(v) for name, v in typed.items()}


def test_numbers_come_back_as_exact_decimals():
    record = from_item({"version": {"N": "3"}, "price": {"N": "0.1"}, "big": {"N": "9" * 38}})
    assert record == {"version": Decimal(3), "price": Decimal("0.1"), "big": Decimal("9" * 38)}
    assert all(type(value) is Decimal for value in record.values())
    assert to_attribute(10**37) == {"N": "1" + "0" * 37}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (1.5, "Float types are not supported"),
        (Decimal("NaN"), "Infinity and NaN not supported"),
        (Decimal("Infinity"), "Infinity and NaN not supported"),
        (object(), "Unsupported type"),
        ({1, "a"}, "Unsupported type"),
    ],
    ids=["float", "nan", "infinity", "object", "mixed set"],
)
def test_what_boto3_refuses_is_refused(value, message):
    with pytest.raises(Exception, match=message) as ours:
        to_attribute(value)
    with pytest.raises(Exception) as theirs:  # noqa: PT011 - the same exception as boto3's, whatever it is
        TypeSerializer().serialize(value)
    assert type(ours.value) is type(theirs.value)


def test_a_number_dynamodb_cannot_hold_exactly_is_refused_not_rounded():
    with pytest.raises(ArithmeticError):
        to_attribute(10**38 + 1)  # 39 significant digits
    with pytest.raises(ArithmeticError):
        TypeSerializer().serialize(10**38 + 1)


@pytest.mark.parametrize("typed", [{}, {"X": "1"}], ids=["empty", "unknown type"])
def test_an_unknown_attribute_value_is_refused(typed):
    with pytest.raises(TypeError):
        from_attribute(typed)


def test_a_binary_comes_back_as_bytes_equal_to_boto3s_binary():
    read = from_attribute({"B": b"\x00\x01"})
    assert read == b"\x00\x01"
    assert read == Binary(b"\x00\x01")


def test_a_request_has_its_items_keys_and_values_typed_and_nothing_else():
    request = typed_request(
        {
            "TableName": "t",
            "Key": {"PK": "ITEMS", "SK": "ITEM#1"},
            "ExclusiveStartKey": {"PK": "ITEMS", "SK": "ITEM#0"},
            "ExpressionAttributeNames": {"#version": "version"},
            "ExpressionAttributeValues": {":one": 1, ":name": "lamp"},
            "ConditionExpression": "attribute_exists(PK)",
            "Limit": 21,
        }
    )
    assert request == {
        "TableName": "t",
        "Key": {"PK": {"S": "ITEMS"}, "SK": {"S": "ITEM#1"}},
        "ExclusiveStartKey": {"PK": {"S": "ITEMS"}, "SK": {"S": "ITEM#0"}},
        "ExpressionAttributeNames": {"#version": "version"},
        "ExpressionAttributeValues": {":one": {"N": "1"}, ":name": {"S": "lamp"}},
        "ConditionExpression": "attribute_exists(PK)",
        "Limit": 21,
    }
    put = typed_request({"TableName": "t", "Item": {"PK": "P", "total": 2}})
    assert put["Item"] == {"PK": {"S": "P"}, "total": {"N": "2"}}


def test_a_response_has_its_items_and_keys_read_and_the_rest_left_alone():
    response = python_response(
        {
            "Items": [{"PK": {"S": "ITEMS"}, "version": {"N": "1"}}],
            "LastEvaluatedKey": {"PK": {"S": "ITEMS"}, "SK": {"S": "ITEM#1"}},
            "ScannedCount": 1,
            "Attributes": {"name": {"S": "lamp"}},
            "Item": {"total": {"N": "4"}},
        }
    )
    assert response == {
        "Items": [{"PK": "ITEMS", "version": Decimal(1)}],
        "LastEvaluatedKey": {"PK": "ITEMS", "SK": "ITEM#1"},
        "ScannedCount": 1,
        "Attributes": {"name": "lamp"},
        "Item": {"total": Decimal(4)},
    }


def test_the_data_modules_do_not_import_boto3():
    # boto3's package (resource layer, s3transfer) is what the low-level client saves every cold start;
    # only Powertools' idempotency store imports it, on the first request that sends a key.
    code = (
        "import json, sys\n"
        "import api_core.dynamo, api_core.listing, api_core.transactions, api_core.idempotency\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore'))))\n"
    )
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": os.pathsep.join([str(LAYER_DIR), *sys.path])}
    completed = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    loaded = json.loads(completed.stdout)
    assert "botocore.session" in loaded
    assert [name for name in loaded if name.startswith("boto3")] == []
