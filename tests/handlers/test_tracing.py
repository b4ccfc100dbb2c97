"""Tracing on (template.yaml's Tracing): the app runs in an annotated subsegment, DynamoDB calls are
subsegments of the invocation's trace, and what the X-Ray SDK sends is read off the wire.

Each case runs in a fresh interpreter set up as Lambda sets up an actively traced function
(LAMBDA_TASK_ROOT, the trace header in _X_AMZN_TRACE_ID), with moto for DynamoDB. The SDK sends finished
subsegments over UDP to AWS_XRAY_DAEMON_ADDRESS; the test listens there in the daemon's place. Patching
botocore is process-wide, which is why none of this runs in the test process itself.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator

import pytest
from support.handlers import PROD_ENV
from support.paths import EVENTS_DIR, FUNCTIONS_DIR, ROOT

TRACE_ID = "1-6756f2a0-0123456789abcdef01234567"
PROGRAM = """
import json, sys
import boto3
from moto import mock_aws
from support.handlers import LambdaContext
from support.template import table_properties

with mock_aws():
    props = table_properties()
    boto3.resource("dynamodb").create_table(
        TableName="api-test-table", KeySchema=props["KeySchema"],
        AttributeDefinitions=props["AttributeDefinitions"], BillingMode=props["BillingMode"])
    import app
    for path in sys.argv[1:]:
        response = app.handler(json.load(open(path)), LambdaContext())
        print(json.dumps({"status": response["statusCode"]}))
    print(json.dumps({"loaded": sorted(m for m in ("aws_xray_sdk", "api_core.tracing") if m in sys.modules)}))
"""


@pytest.fixture
def daemon() -> Iterator[socket.socket]:
    """A UDP socket where the X-Ray daemon would listen."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.settimeout(0.2)
        yield sock


def run_traced(daemon: socket.socket, events: list[str], tracing: str) -> tuple[list[dict], list[dict]]:
    """Run the items function on `events` with POWERTOOLS_TRACE_DISABLED=`tracing`; return what it printed
    and every segment document the X-Ray SDK sent."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": os.pathsep.join([str(FUNCTIONS_DIR / "items"), str(ROOT / "layers" / "api_core"),
                                       str(ROOT / "tests"), *sys.path]),
        **PROD_ENV,
        "TABLE_NAME": "api-test-table",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "POWERTOOLS_SERVICE_NAME": "items",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
        "POWERTOOLS_TRACE_DISABLED": tracing,
        # what Lambda sets for a function with Tracing: Active
        "LAMBDA_TASK_ROOT": str(FUNCTIONS_DIR / "items"),
        "AWS_LAMBDA_FUNCTION_NAME": "items",
        "_X_AMZN_TRACE_ID": f"Root={TRACE_ID};Parent=53995c3f42cd8ad8;Sampled=1",
        "AWS_XRAY_DAEMON_ADDRESS": f"127.0.0.1:{daemon.getsockname()[1]}",
    }  # fmt: skip
    paths = [str(EVENTS_DIR / f"{name}.json") for name in events]
    completed = subprocess.run(
        [sys.executable, "-c", PROGRAM, *paths],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    printed = [json.loads(line) for line in completed.stdout.splitlines() if line.startswith("{")]
    documents = []
    while True:
        try:
            datagram = daemon.recv(65536).decode()
        except TimeoutError:
            break
        header, _, body = datagram.partition("\n")  # {"format": "json", "version": 1}, then the document
        assert json.loads(header) == {"format": "json", "version": 1}
        documents.append(json.loads(body))
    return printed, documents


def test_with_tracing_on_the_app_and_every_dynamodb_call_are_subsegments_of_the_invocation(daemon):
    # GIVEN tracing on WHEN an item is created, then read
    printed, documents = run_traced(daemon, ["items-post-create", "items-get-list"], tracing="false")
    assert printed == [{"status": 201}, {"status": 200}, {"loaded": ["api_core.tracing", "aws_xray_sdk"]}]
    # THEN each app run is a `## app` subsegment of Lambda's trace, annotated with route and status
    apps = [d for d in documents if d["name"] == "## app"]
    assert [(a["annotations"]["route"], a["annotations"]["status"]) for a in apps] == [
        ("/api/v1/items", 201),
        ("/api/v1/items", 200),
    ]
    assert [a["annotations"]["ColdStart"] for a in apps] == [True, False]
    assert {a["trace_id"] for a in apps} == {TRACE_ID}
    # AND the DynamoDB calls are subsegments of those (sent one by one as they end, linked by parent_id),
    # naming the operation and, for reads, the table
    app_ids = {a["id"] for a in apps}
    calls = [d for d in documents if d.get("namespace") == "aws"]
    assert calls
    assert all(c["parent_id"] in app_ids and c["trace_id"] == TRACE_ID for c in calls)
    assert {c["name"] for c in calls} == {"dynamodb"}
    operations = [c["aws"]["operation"] for c in calls]
    assert "TransactWriteItems" in operations, operations
    assert "Query" in operations, operations
    assert {c["aws"]["table_name"] for c in calls if c["aws"]["operation"] == "Query"} == {"api-test-table"}


def test_with_tracing_off_the_x_ray_sdk_is_never_imported(daemon):
    printed, documents = run_traced(daemon, ["items-post-create"], tracing="true")
    assert printed == [{"status": 201}, {"loaded": []}]
    assert documents == []
