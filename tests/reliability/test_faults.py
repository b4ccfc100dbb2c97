"""Faults: DynamoDB throttling and outages (real SDK retries, then 503), atomic creates, the time budget."""

from __future__ import annotations

import importlib
import json
from collections import Counter

import botocore.endpoint
import pytest
from api_core import aws_faults, problems
from api_core.dynamo import Database
from api_core.records import Collection
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError, EndpointConnectionError
from moto.core.botocore_stubber import BotocoreStubber
from reliability.conftest import assert_clean_problem
from support.emf import dimension_sets, emf_lines, metrics_of, validate
from support.handlers import PROD_ENV, LambdaContext, Result

THROTTLED = b'{"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException","message":"Rate exceeded"}'
UNAVAILABLE = b'{"__type":"com.amazon.coral.availability#ServiceUnavailableException","message":"down"}'


class Fault:
    """Answers chosen DynamoDB operations with an error at the HTTP level, so botocore's own retry handler
    (standard mode) sees a real throttling response; counts every attempt of every operation."""

    def __init__(self, operations: set[str], body: bytes = THROTTLED, status: int = 400, times: int = 99):
        self.operations, self.body, self.status, self.left = operations, body, status, times
        self.attempts: dict[str, int] = {}

    def __call__(self, request, **_):
        operation = request.headers.get("X-Amz-Target", b"")
        operation = (operation.decode() if isinstance(operation, bytes) else operation).rsplit(".", 1)[-1]
        self.attempts[operation] = self.attempts.get(operation, 0) + 1
        if operation in self.operations and self.left > 0:
            self.left -= 1
            return AWSResponse(request.url, self.status, {"x-amzn-RequestId": "fault"}, _Raw(self.body))
        return None


class _Raw:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_):
        yield self.body


@pytest.fixture
def no_backoff(monkeypatch):
    """botocore sleeps between retries; record the delays instead of waiting them out."""
    delays: list[float] = []
    monkeypatch.setattr(botocore.endpoint.time, "sleep", delays.append)
    return delays


@pytest.fixture
def inject(monkeypatch):
    """`inject(Fault(...))`: the fault answers before moto does. botocore calls every before-send handler
    (moto's too, which would apply the write) and keeps the first response, so the fault wraps moto's."""
    original = BotocoreStubber.__call__

    def install(fault: Fault) -> Fault:
        def call(stubber, event_name, request, **kwargs):
            return fault(request) or original(stubber, event_name, request, **kwargs)

        monkeypatch.setattr(BotocoreStubber, "__call__", call)
        return fault

    return install


def invoke(handler, event):
    """As support.handlers.invoke, with a minute left: the first request also imports the routes (lazy),
    which must not eat into the time budget these tests are not about."""
    return Result(handler(json.loads(json.dumps(event)), LambdaContext(remaining_ms=60_000)))


def database(items, load_event) -> Database:
    """The function's Database, through its repository seam: the routes (and so the repository) load on
    the first request."""
    invoke(items, load_event("items-get-list"))
    return importlib.import_module("repository").get_repository().db


def stored(table) -> list[dict]:
    return table.scan()["Items"]


def partial_writes(before: list[dict], after: list[dict]) -> int:
    """Records added or removed between two scans of the table (a changed record is both)."""
    old, new = _as_text(before), _as_text(after)
    return (new - old).total() + (old - new).total()


def _as_text(records: list[dict]) -> Counter[str]:
    return Counter(json.dumps(record, sort_keys=True, default=str) for record in records)


def test_the_sdk_is_configured_for_standard_retries_and_short_timeouts(dynamodb_table):
    config = Database("api-test-table").client.meta.config
    # botocore reads `max_attempts` as retries after the first attempt: 4 attempts in all
    assert config.retries == {"mode": "standard", "total_max_attempts": 4}
    assert (config.connect_timeout, config.read_timeout) == (
        aws_faults.CONNECT_TIMEOUT_S,
        aws_faults.READ_TIMEOUT_S,
    )


def test_a_throttle_is_retried_and_the_request_succeeds(
    items, load_event, dynamodb_table, inject, no_backoff, figures
):
    # GIVEN DynamoDB throttles the first two attempts of the create's transaction
    fault = inject(Fault({"TransactWriteItems"}, times=2))
    # WHEN a client creates an item
    result = invoke(items, load_event("items-post-create"))
    # THEN the SDK retried with backoff and the create succeeded on its third attempt
    assert result.status == 201, result.body
    assert fault.attempts["TransactWriteItems"] == 3
    assert len(no_backoff) == 2
    assert len(stored(dynamodb_table)) == 2  # the item and its counter, once
    figures("faults", cases=1, requests=1, sdk_attempts=fault.attempts["TransactWriteItems"])


@pytest.mark.parametrize(
    ("operation", "body", "status", "event"),
    [
        ("TransactWriteItems", THROTTLED, 400, "items-post-create"),
        ("GetItem", THROTTLED, 400, "items-get-list"),
        ("Query", UNAVAILABLE, 503, "items-get-list"),
        ("GetItem", UNAVAILABLE, 503, "items-get-one"),
    ],
)
def test_exhausted_retries_are_a_503_with_retry_after_and_nothing_written(
    items, load_event, dynamodb_table, inject, no_backoff, figures, operation, body, status, event
):
    assert invoke(items, load_event("items-post-create")).status == 201  # something to read; routes loaded
    before = stored(dynamodb_table)
    fault = inject(Fault({operation}, body, status))
    result = invoke(items, load_event(event))
    problem = assert_clean_problem(result, 503)
    assert problem["type"] == problems.TYPE_UNAVAILABLE
    assert result.headers["retry-after"] == "1"
    assert fault.attempts[operation] == 4  # the first attempt and 3 retries, then given up
    lost = partial_writes(before, stored(dynamodb_table))
    figures("faults", cases=1, requests=1, sdk_attempts=fault.attempts[operation], lost=lost)
    assert lost == 0  # nothing partial


def test_an_unreachable_endpoint_is_a_503(items, load_event, no_backoff, figures):
    def refuse(request, **_):
        raise EndpointConnectionError(endpoint_url=request.url)

    database(items, load_event).client.meta.events.register_first("before-send.dynamodb", refuse)
    result = invoke(items, load_event("items-get-list"))
    assert_clean_problem(result, 503)
    assert result.headers["retry-after"] == "1"
    figures("faults", cases=1, requests=1)


def test_a_create_and_its_counter_are_one_transaction(
    items, load_event, dynamodb_table, inject, no_backoff, figures
):
    # GIVEN every write call of a create is recorded, and the first transaction fails (throttled)
    calls: list[tuple[str, list[str]]] = []

    def record(params, model, **_):
        if model.name in ("PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"):
            ops = [next(iter(op)) for op in params.get("TransactItems", [])]
            calls.append((model.name, ops))

    client = database(items, load_event).client
    client.meta.events.register("provide-client-params.dynamodb", record)
    inject(Fault({"TransactWriteItems"}, times=4))
    # WHEN the create fails after the SDK's retries
    failed = invoke(items, load_event("items-post-create"))
    assert_clean_problem(failed, 503)
    # THEN nothing was stored: neither the item nor a counted total
    lost = partial_writes([], stored(dynamodb_table))
    assert lost == 0
    # AND a successful create writes the item and the counter in one TransactWriteItems call
    assert invoke(items, load_event("items-post-create")).status == 201
    writes = [call for call in calls if call[0] != "TransactWriteItems" or call[1]]
    assert writes[-1] == ("TransactWriteItems", ["Put", "Update"])
    records = stored(dynamodb_table)
    assert sorted(r["SK"] for r in records)[0] == "#COUNT"
    assert next(r for r in records if r["SK"] == "#COUNT")["total"] == 1
    figures("faults", cases=2, requests=2, lost=lost)


# -- the invocation's time budget -----------------------------------------------------------------------
def test_a_write_with_too_little_time_left_is_refused_before_the_app(
    items, load_event, dynamodb_table, figures
):
    event = load_event("items-post-create")
    raw = items(event, LambdaContext(remaining_ms=aws_faults.ATTEMPT_BUDGET_MS - 1))
    result = Result(raw)
    problem = assert_clean_problem(result, 503)
    assert problem["type"] == problems.TYPE_OUT_OF_TIME
    assert result.headers["retry-after"] == "1"
    lost = partial_writes([], stored(dynamodb_table))
    assert lost == 0
    # a read is still served: it cannot be cut off half-way through a write
    assert Result(items(load_event("items-get-list"), LambdaContext(remaining_ms=1000))).status in (200, 503)
    figures("faults", cases=2, requests=2, lost=lost)


def test_no_dynamodb_attempt_starts_that_could_outlive_the_deadline(dynamodb_table):
    # GIVEN a deadline closer than one attempt's worst case (connect + read timeout)
    db = Database("api-test-table")
    things = Collection("things", "thing", "THINGS", "THING#")
    aws_faults.start_deadline(LambdaContext(remaining_ms=aws_faults.ATTEMPT_BUDGET_MS - 50))
    try:
        # WHEN a write would start THEN it is refused as OutOfTime (a 503), and nothing is written
        with pytest.raises(aws_faults.OutOfTime):
            db.create(things, {"id": "0192f3a0-1c2d-7e3f-8a4b-5c6d7e8f9a01"})
    finally:
        aws_faults.start_deadline(None)
    assert dynamodb_table.scan()["Items"] == []
    # with time left, the same write goes through
    aws_faults.start_deadline(LambdaContext(remaining_ms=10_000))
    try:
        db.create(things, {"id": "0192f3a0-1c2d-7e3f-8a4b-5c6d7e8f9a01"})
    finally:
        aws_faults.start_deadline(None)
    assert len(dynamodb_table.scan()["Items"]) == 2


def _wrapped(cause: BaseException) -> BaseException:
    try:
        raise RuntimeError("a library's own error") from cause
    except RuntimeError as error:
        return error


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (ClientError({"Error": {"Code": "ProvisionedThroughputExceededException"}}, "GetItem"), True),
        (ClientError({"Error": {"Code": "ConditionalCheckFailedException"}}, "PutItem"), False),
        (
            ClientError(
                {
                    "Error": {"Code": "TransactionCanceledException"},
                    "CancellationReasons": [{"Code": "ThrottlingError"}],
                },
                "TransactWriteItems",
            ),
            True,
        ),
        (
            _wrapped(ClientError({"Error": {"Code": "ThrottlingException"}}, "PutItem")),
            True,
        ),  # Powertools wraps
        (_wrapped(aws_faults.OutOfTime()), True),
        (EndpointConnectionError(endpoint_url="https://dynamodb"), True),
        (ValueError("a bug"), False),
    ],
)
def test_which_errors_mean_unavailable(error, expected):
    assert aws_faults.unavailable(error) is expected


@pytest.mark.parametrize(
    ("body", "status", "counted"), [(THROTTLED, 400, 1), (UNAVAILABLE, 503, 0)], ids=["throttled", "down"]
)
def test_throttling_that_reaches_the_client_is_counted_and_an_outage_is_not(
    dynamodb_table, cold_start, load_event, inject, no_backoff, capsys, monkeypatch, body, status, counted
):
    # GIVEN the items function with the stack's metrics namespace, and DynamoDB failing every GetItem
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "serverless-rest-api-test")
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "items")
    items = cold_start("items", PROD_ENV)
    assert invoke(items, load_event("items-post-create")).status == 201
    capsys.readouterr()
    inject(Fault({"GetItem"}, body, status))
    # WHEN a read fails after the SDK's retries
    result = invoke(items, load_event("items-get-one"))
    assert_clean_problem(result, 503)
    # THEN a throttle (not an outage) is counted as DynamoDBThrottled, under the route template
    documents = emf_lines(capsys.readouterr().out)
    for document in documents:
        validate(document)
    throttled = [d for d in documents if "DynamoDBThrottled" in metrics_of(d)]
    assert sum(metrics_of(d)["DynamoDBThrottled"] for d in throttled) == counted
    for document in throttled:
        assert dimension_sets(document) == [{"route": "/api/v1/items/{item_id}", "service": "items"}]
    requests = next(d for d in documents if "Requests" in metrics_of(d))
    assert dimension_sets(requests)[0]["status_class"] == "5xx"
