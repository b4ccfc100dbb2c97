"""make dev's DynamoDB as tests reach it: endpoint and key from the banner; an attacker's calls."""

from __future__ import annotations

import json
import re
from typing import Any

import boto3

from support.devserver import DevServer

TABLE = "local-api-table"
# What a page could send: SigV4's shape with made-up values (moto checks no signature).
FAKE_AUTHORIZATION = (
    "AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, "
    "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=" + "0" * 64
)


def endpoint_and_key(server: DevServer) -> tuple[str, str]:
    """moto's endpoint and this run's access key id, as make dev's banner gives them."""
    log = server.log()
    endpoint = re.search(r"^DynamoDB: moto on (http://127\.0\.0\.1:\d+),", log, re.MULTILINE)
    key = re.search(r"AWS_ACCESS_KEY_ID=(\w+)", log)
    assert endpoint, log
    assert key, log
    return endpoint.group(1), key.group(1)


def snapshot(server: DevServer) -> list[dict[str, Any]]:
    """Every item of the local table, read as make dev's own clients read it, in a stable order."""
    endpoint, key = endpoint_and_key(server)
    client = boto3.client(
        "dynamodb",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=key,
        aws_secret_access_key="local",
    )
    items = [
        item for page in client.get_paginator("scan").paginate(TableName=TABLE) for item in page["Items"]
    ]
    return sorted(items, key=lambda item: json.dumps(item, sort_keys=True))


def dynamodb_request(target: str, payload: dict[str, Any]) -> tuple[dict[str, str], bytes]:
    """The headers and body of a DynamoDB JSON-protocol call, signed with a made-up signature."""
    headers = {
        "Content-Type": "application/x-amz-json-1.0",
        "X-Amz-Target": f"DynamoDB_20120810.{target}",
        "X-Amz-Date": "20260101T000000Z",
        "Authorization": FAKE_AUTHORIZATION,
    }
    return headers, json.dumps(payload).encode()


# Calls an attacker would make, reads first: read everything, write an item, drop the table.
ATTACKS = {
    "scan": ("Scan", {"TableName": TABLE}),
    "list": ("ListTables", {}),
    "put": ("PutItem", {"TableName": TABLE, "Item": {"PK": {"S": "PWNED"}, "SK": {"S": "PWNED"}}}),
    "drop": ("DeleteTable", {"TableName": TABLE}),
}
