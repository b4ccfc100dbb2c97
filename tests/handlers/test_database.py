"""The data layer on botocore's low-level client (api_core.dynamo): what it stores and reads back is what
boto3's Table resource stores and reads, and a partition's cleanup deletes everything, in batches."""

from __future__ import annotations

import os
from decimal import Decimal

import botocore.loaders
import botocore.session
import pytest
from api_core.dynamo import Database
from api_core.dynamodb_client import BATCH_WRITE_LIMIT, dynamodb_client
from api_core.records import Collection
from botocore.exceptions import UnknownServiceError
from pydantic import BaseModel

THINGS = Collection("things", "thing", "THINGS", "THING#")
THING_ID = "0192f3a0-1c2d-7e3f-8a4b-5c6d7e8f9a01"


def test_a_record_reads_back_as_boto3s_table_reads_it(dynamodb_table):
    # GIVEN a record holding every kind of value the layer writes, and then some
    db = Database(dynamodb_table.name)
    record = {
        "id": THING_ID,
        "name": "Desk lamp",
        "quantity": 3,
        "price": Decimal("19.99"),
        "flags": {"a", "b"},
        "sizes": {1, 2},
        "details": {"watts": 40, "tags": ["desk", None, True]},
        "note": None,
    }
    # WHEN it is created and read back through the layer
    stored = db.create(THINGS, record)
    read = db.require(THINGS, THING_ID)
    # THEN the layer reads what boto3's resource reads from the same table: numbers as Decimal
    via_boto3 = dynamodb_table.get_item(Key=THINGS.key(THING_ID), ConsistentRead=True)["Item"]
    assert read == via_boto3
    assert read == {**record, **THINGS.key(THING_ID), "version": 1}
    assert type(read["quantity"]) is Decimal
    assert type(read["version"]) is Decimal
    assert stored["version"] == 1
    assert db.count(THINGS) == 1


def test_an_update_returns_the_new_record_with_decimal_numbers(dynamodb_table):
    db = Database(dynamodb_table.name)
    db.create(THINGS, {"id": THING_ID, "name": "lamp"})
    updated = db.update_attributes(THINGS, THING_ID, set_values={"name": "desk lamp", "watts": 40})
    assert updated == {**THINGS.key(THING_ID), "id": THING_ID, "name": "desk lamp", "watts": 40, "version": 2}
    assert type(updated["version"]) is Decimal

    class Thing(BaseModel):  # what a route's model makes of it, as with boto3's Decimals
        version: int
        watts: int

    assert Thing.model_validate(updated).model_dump() == {"version": 2, "watts": 40}


def test_a_partition_is_deleted_in_batches_of_twenty_five(dynamodb_table):
    # GIVEN a partition with more records than two batches hold, and another partition beside it
    db = Database(dynamodb_table.name)
    count = 2 * BATCH_WRITE_LIMIT + 3
    with dynamodb_table.batch_writer() as batch:
        for number in range(count):
            batch.put_item(Item={"PK": "USER#1", "SK": f"ORDER#{number:04d}"})
        batch.put_item(Item={"PK": "USER#2", "SK": "ORDER#0000"})
    calls: list[int] = []
    db.client.meta.events.register(
        "provide-client-params.dynamodb.BatchWriteItem",
        lambda params, **_: calls.append(len(params["RequestItems"][dynamodb_table.name])),
    )
    # WHEN the partition is deleted
    deleted = db.delete_partition("USER#1")
    # THEN every record of it is gone, in batches DynamoDB accepts, and nothing else
    assert deleted == count
    assert calls == [BATCH_WRITE_LIMIT, BATCH_WRITE_LIMIT, 3]
    assert [item["PK"] for item in dynamodb_table.scan()["Items"]] == ["USER#2"]


def test_what_dynamodb_leaves_unprocessed_is_sent_again(dynamodb_table, monkeypatch):
    # GIVEN DynamoDB processes only the first request of each batch call (as when throttled)
    db = Database(dynamodb_table.name)
    with dynamodb_table.batch_writer() as batch:
        for number in range(4):
            batch.put_item(Item={"PK": "USER#1", "SK": f"ORDER#{number}"})
    original = db.client.batch_write_item
    sent: list[int] = []

    def partly(RequestItems):
        requests = RequestItems[dynamodb_table.name]
        sent.append(len(requests))
        original(RequestItems={dynamodb_table.name: requests[:1]})
        rest = requests[1:]
        return {"UnprocessedItems": {dynamodb_table.name: rest} if rest else {}}

    monkeypatch.setattr(db.client, "batch_write_item", partly)
    # WHEN the partition is deleted THEN the rest is sent again until nothing is left
    assert db.delete_partition("USER#1") == 4
    assert sent == [4, 3, 2, 1]
    assert dynamodb_table.scan()["Items"] == []


def test_the_client_is_botocores_own_dynamodb_client_without_listing_every_service(monkeypatch):
    # GIVEN every directory listing botocore's loader makes is counted
    listings: list[str] = []
    original = os.listdir

    def listdir(path):
        listings.append(path)
        return original(path)

    monkeypatch.setattr(botocore.loaders.os, "listdir", listdir)
    # WHEN the data layer builds its client, and then a plain botocore session builds one
    session, client = dynamodb_client()
    ours = len(listings)
    plain = botocore.session.get_session().create_client("dynamodb")
    theirs = len(listings) - ours
    # THEN it is the client the plain session builds, with the same model and endpoint
    assert client.meta.service_model.service_name == "dynamodb"
    assert client.meta.service_model.operation_names == plain.meta.service_model.operation_names
    assert (client.meta.endpoint_url, client.meta.region_name) == (
        plain.meta.endpoint_url,
        plain.meta.region_name,
    )
    # AND it looked into DynamoDB's directory only, where the plain one listed every service's
    assert ours < 10
    assert theirs > 100
    # the session serves DynamoDB only: another service is named as unknown, not half-loaded
    with pytest.raises(UnknownServiceError):
        session.create_client("s3")
