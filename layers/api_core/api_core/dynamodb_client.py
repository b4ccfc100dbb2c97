"""The botocore session and low-level DynamoDB client the data layer uses (`api_core.dynamo.Database`).

botocore's, not boto3's: importing anything under `boto3` runs its package (the resource machinery,
s3transfer), and a Table resource loads a second model; `api_core.attribute_values` converts values as
the resource did. Building the client is most of what the data layer adds to a cold start, so it loads
no more than a DynamoDB client needs (docs/PERFORMANCE.md).
"""

from __future__ import annotations

from typing import Any

import botocore.session
from botocore.config import Config
from botocore.exceptions import DataNotFoundError

from api_core.aws_faults import CONNECT_TIMEOUT_S, READ_TIMEOUT_S, guard_client

SERVICE = "dynamodb"
BATCH_WRITE_LIMIT = 25
"""Requests per BatchWriteItem call: DynamoDB's limit."""

# Standard retry mode (throttling and 5xx retried with backoff). Short timeouts, so that an attempt that
# cannot finish before the Lambda deadline is never started (aws_faults.guard_client).
BOTO_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 3},
    connect_timeout=CONNECT_TIMEOUT_S,
    read_timeout=READ_TIMEOUT_S,
)


def dynamodb_client() -> tuple[botocore.session.Session, Any]:
    """A new botocore session, and its DynamoDB client: BOTO_CONFIG, and no attempt started that could
    outlive the invocation's deadline (`aws_faults.guard_client`)."""
    session = botocore.session.get_session()
    loader = session.get_component("data_loader")

    def services_with(type_name: str) -> list[str]:
        # botocore checks the service name against every service it ships before loading a model: a
        # listing of each of some 450 directories. This session serves DynamoDB alone, so only DynamoDB
        # is looked for (the check, and the model loaded, are otherwise botocore's own).
        try:
            loader.list_api_versions(SERVICE, type_name)
        except DataNotFoundError:
            return []
        return [SERVICE]

    loader.list_available_services = services_with
    client = session.create_client(SERVICE, config=BOTO_CONFIG)
    guard_client(client)
    return session, client


def batch_write(client: Any, table_name: str, requests: list[dict[str, Any]]) -> None:
    """Send every request (typed `PutRequest`s or `DeleteRequest`s) with BatchWriteItem, BATCH_WRITE_LIMIT
    per call; what DynamoDB leaves unprocessed (throttled) is sent again until done, as boto3's
    `batch_writer` does."""
    for start in range(0, len(requests), BATCH_WRITE_LIMIT):
        pending = requests[start : start + BATCH_WRITE_LIMIT]
        while pending:
            response = client.batch_write_item(RequestItems={table_name: pending})
            pending = response.get("UnprocessedItems", {}).get(table_name, [])
