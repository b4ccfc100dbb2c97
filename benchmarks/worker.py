"""One benchmark row in a fresh interpreter: `python -S worker.py MODE ROW [N]`, prints one JSON line.

The parent sets sys.path (PYTHONPATH) as Lambda would: the row's code first, then its dependencies.
Modes:
- `cold-<event>`: import the handler and answer one event (the figure), then 100 mixed calls (peak RSS).
- `cold-browser-get`, `cold-preflight-put`: what a browser waits for on a cold start: its first credentialed
  GET (a simple request, no preflight), or a preflight and then the PUT it allows (CloudFront-sized events).
  `BENCH_STRATEGY=eager` imports the app during init instead of on the first request that needs it.
- `warm`: N timed calls of each event after a warm-up. Each call gets its own event, parsed from the JSON
  text before the clock starts: the Lambda runtime parses the event outside the handler.
- `warm-get`: ours only, the GET of 20 (DynamoDB replayed) alone: the warm GET under a CPU quota.
- `dynamo`: ours only: items read per page request at several depths, page-number and cursor styles.
- `breakdown`: ours only: a warm GET at each stage of benchmarks/stages.py (what each feature costs), and
  the other sides of the warm targets, timed in the same interleaved rounds.
Our function runs against moto: in-process for `warm` (each distinct request answered by moto once, then
replayed: see Replay) and `dynamo`, and for `cold-*` a moto server the parent runs, so boto3's import is
paid as on Lambda.
"""

# Imports happen where they are measured or after moto has started, never at module top.
# ruff: noqa: PLC0415

from __future__ import annotations

import json
import os
import sys
import time

BENCHMARKS_DIR = os.path.dirname(os.path.abspath(__file__))
EVENTS_DIR = os.path.join(os.path.dirname(BENCHMARKS_DIR), "events")
PEERS_DIR = os.path.join(BENCHMARKS_DIR, "peers")
EVENTS = {
    "preflight": "items-options-preflight-put-allowed-origin",
    # A browser's requests through API Gateway behind CloudFront: 28-29 headers, in both header maps.
    "preflight-cf": "items-options-preflight-put-cloudfront",
    "get": "items-get-list-allowed-origin",
    "get-cf": "items-get-list-cloudfront",
    "post": "items-post-create",
    "404": "items-get-one-unknown",
}
BROWSER_PUT = "items-put-replace-cloudfront"  # cold only: it changes the item, so never replayed warm
# The item the CloudFront events name, seeded in every table so that the PUT finds it.
KNOWN_ITEM = "0192f3a0-1c2d-7e3f-8a4b-5c6d7e8f9a01"
MODULES = {
    "ours": "app",
    "raw": "raw",
    "fastapi": "naive_fastapi",
    "fastapi_boto3": "naive_fastapi_boto3",
    "powertools": "powertools",
}
WITH_DYNAMODB = ("ours", "fastapi_boto3")
EXPECTED = {
    "preflight": (200, 204),
    "preflight-cf": (200, 204),
    "get": (200,),
    "get-cf": (200,),
    "post": (201,),
    "put": (200,),
    "404": (404,),
}


class Context:
    """The Lambda context attributes the handlers read."""

    function_name = "bench"
    function_version = "$LATEST"
    memory_limit_in_mb = 1024
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:bench"
    aws_request_id = "00000000-0000-0000-0000-000000000000"

    def get_remaining_time_in_millis(self) -> int:
        # Longer than the template's Timeout: a cold start under a small CPU quota on a loaded machine must
        # be timed to its end, not cut short by the layer's deadline guard (a 503).
        return 60_000


def event_texts() -> dict[str, str]:
    return {kind: event_text(name) for kind, name in EVENTS.items()}


def event_text(name: str) -> str:
    with open(os.path.join(EVENTS_DIR, f"{name}.json"), encoding="utf-8") as file:
        return file.read()


def call(handler, text: str, kind: str) -> None:
    check(handler(json.loads(text), Context()), kind)


def check(response: dict, kind: str) -> None:
    if response["statusCode"] not in EXPECTED[kind]:
        raise SystemExit(f"{kind}: unexpected {response['statusCode']}: {response.get('body')}")


class BotoTimer:
    """Time spent inside botocore API calls, so that our own code's share can be reported apart."""

    def __init__(self) -> None:
        from botocore.client import BaseClient

        self.total = 0.0
        original = BaseClient._make_api_call

        def timed(client, operation, params):
            start = time.perf_counter()
            try:
                return original(client, operation, params)
            finally:
                self.total += time.perf_counter() - start

        BaseClient._make_api_call = timed


class Replay:
    """DynamoDB at zero latency: moto answers each distinct request once, and later identical requests
    (any write of the same operation) get that recorded HTTP response. botocore still builds, signs and
    parses every call, so the figure is our whole stack minus the network and the service.
    """

    def __init__(self, client) -> None:
        self.recorded: dict[object, dict] = {}
        self.pending: object = None
        client.meta.events.register_first("before-send.dynamodb", self.replay)
        client.meta.events.register("response-received.dynamodb", self.record)

    def replay(self, request, **_):
        from botocore.awsrequest import AWSResponse
        from moto.core.botocore_stubber import MockRawResponse
        from moto.core.models import botocore_stubber

        operation = request.headers.get("X-Amz-Target", b"")
        key = (
            operation
            if b"TransactWrite" in operation or b"PutItem" in operation
            else (operation, request.body)
        )
        if key not in self.recorded:
            self.pending = key
            return None
        # botocore calls every before-send handler: moto's would still do the whole request.
        botocore_stubber.enabled = False
        response = self.recorded[key]
        return AWSResponse(
            request.url, response["status_code"], response["headers"], MockRawResponse(response["body"])
        )

    def record(self, response_dict, **_):
        from moto.core.models import botocore_stubber

        botocore_stubber.enabled = True
        if self.pending is not None and response_dict and response_dict.get("status_code") == 200:
            self.recorded[self.pending] = response_dict
        self.pending = None


def start_moto(items: int) -> object:
    """An in-process moto table as template.yaml defines it (props from the parent), seeded."""
    from moto import mock_aws

    mock = mock_aws()
    mock.start()
    import boto3

    props = json.loads(os.environ["BENCH_TABLE_PROPS"])
    table = boto3.resource("dynamodb").create_table(TableName=os.environ["TABLE_NAME"], **props)
    seed(table, items)
    return mock


def item_record(name: str, item_id: str | None = None) -> dict:
    """An item as the items function returns it, with a fixed time and a fresh id unless given one."""
    if item_id is None:
        from api_core.ids import new_id

        item_id = new_id()
    stamp = "2026-11-01T00:00:00.000000Z"
    return {"id": item_id, "name": name, "created_at": stamp, "updated_at": stamp, "version": 1}


def seed(table, items: int) -> None:
    with table.batch_writer() as batch:
        for number in range(items):  # fixed ids: the peer with boto3 seeds without the layer
            record = item_record(f"Item {number}", f"0192f3a1-0000-7000-8000-{number:012d}")
            stored = {"PK": "ITEMS", "SK": f"ITEM#{record['id']}", "search_name": record["name"].casefold()}
            batch.put_item(Item={**record, **stored})
        known = item_record("Known item", KNOWN_ITEM)
        batch.put_item(Item={**known, "PK": "ITEMS", "SK": f"ITEM#{KNOWN_ITEM}", "search_name": "known item"})
        batch.put_item(Item={"PK": "ITEMS", "SK": "#COUNT", "total": items + 1})


def cold(row: str, kind: str) -> dict:
    texts = event_texts()
    if kind in ("browser-get", "preflight-put"):
        return browser(row, kind, texts)
    start = time.perf_counter()
    handler = __import__(MODULES[row]).handler
    call(handler, texts[kind], kind)
    elapsed = time.perf_counter() - start
    heavy = sorted(name for name in ("fastapi", "pydantic", "mangum", "boto3") if name in sys.modules)
    if os.environ.get("BENCH_RSS") == "0":  # a CPU-quota cell: only its time is reported
        return {"ms": elapsed * 1000, "rss_mb": None, "imported": heavy}
    for number in range(100):
        other = ("preflight", "get", "post", "404")[number % 4]
        call(handler, texts[other], other)
    rss_mb = peak_rss_mb()
    return {"ms": elapsed * 1000, "rss_mb": rss_mb, "imported": heavy}


def browser(row: str, scenario: str, texts: dict[str, str]) -> dict:
    """A cold start as a browser meets it: ms until each of its requests is answered."""
    events = [("get-cf", texts["get-cf"])]
    if scenario == "preflight-put":
        events = [("preflight-cf", texts["preflight-cf"]), ("put", event_text(BROWSER_PUT))]
    parsed = [(kind, json.loads(text)) for kind, text in events]
    start = time.perf_counter()
    handler = __import__(MODULES[row]).handler
    if row == "ours" and os.environ.get("BENCH_STRATEGY") == "eager":
        handler.asgi_handler()  # what init would do without lazy imports
    init = time.perf_counter() - start
    answered = []
    for kind, event in parsed:
        check(handler(event, Context()), kind)
        answered.append((time.perf_counter() - start) * 1000)
    return {"init_ms": init * 1000, "answered_ms": answered, "ms": answered[-1]}


def peak_rss_mb() -> float:
    # VmHWM, not getrusage's ru_maxrss: Linux carries ru_maxrss over exec from the parent process.
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def warm(row: str, iterations: int) -> dict:
    texts = event_texts()
    handler, timer = warm_handler(row)
    results = {kind: timed_calls(handler, text, kind, iterations, timer) for kind, text in texts.items()}
    if row == "ours":
        serve_items_from_memory(40)
        for kind in ("get", "get-cf", "post", "404"):  # a preflight never reaches the repository
            results[kind]["memory"] = timed_calls(handler, texts[kind], kind, iterations, None)["all"]
    return results


def warm_handler(row: str):
    """The row's handler, ready for warm calls; with DynamoDB replayed and timed for the rows that use it."""
    if row not in WITH_DYNAMODB:
        return __import__(MODULES[row]).handler, None
    start_moto(40)  # before the import: the peer builds its Table at module level
    handler = __import__(MODULES[row]).handler
    if row == "ours":
        handler.app  # noqa: B018 - imports the routes, and with them the repository's client
        Replay(database().client)
    else:
        Replay(sys.modules[MODULES[row]].table.meta.client)
    return handler, BotoTimer()


def warm_get(iterations: int) -> dict:
    """Ours, the GET of 20 alone (DynamoDB replayed), for the rows run under a CPU quota: the mean is
    what a warm request is billed on average when the quota throttles some calls and not others."""
    handler, _ = warm_handler("ours")
    text = event_texts()["get"]
    for _ in range(max(50, iterations // 10)):
        call(handler, text, "get")
    events = [json.loads(text) for _ in range(iterations)]
    samples = []
    for event in events:
        start = time.perf_counter()
        handler(event, Context())
        samples.append(time.perf_counter() - start)
    return {**percentiles(samples), "mean_us": sum(samples) / len(samples) * 1e6}


def timed_calls(handler, text: str, kind: str, iterations: int, timer: BotoTimer | None) -> dict:
    for _ in range(max(50, iterations // 10)):
        call(handler, text, kind)
    events = [json.loads(text) for _ in range(iterations)]  # parsed before the clock starts
    samples, own = [], []
    for event in events:
        before = timer.total if timer else 0.0
        start = time.perf_counter()
        response = handler(event, Context())
        elapsed = time.perf_counter() - start
        check(response, kind)
        samples.append(elapsed)
        own.append(elapsed - (timer.total - before if timer else 0.0))
    return {"all": percentiles(samples), "own": percentiles(own)}


def database():
    """The items function's Database, through its repository seam (the routes must be imported)."""
    import repository

    return repository.get_repository().db


def serve_items_from_memory(items: int) -> None:
    """The items repository answering from a list, as the peers do: what remains is this template's own
    HTTP stack (layer, Mangum, FastAPI, models, service), with neither DynamoDB nor botocore."""
    import repository
    from api_core.errors import NotFound
    from api_core.pagination import Listing, PageRequest

    records = [item_record(f"Item {number}") for number in range(items)]

    class MemoryItems:
        """The calls the benchmark's events make, as ItemsRepository answers them."""

        def list_items(self, request):
            if isinstance(request, PageRequest):
                page = records[request.offset : request.offset + request.per_page]
                return Listing(request, page, len(records))
            return Listing(request, records[: request.limit], len(records))

        def create(self, name, description):
            record = item_record(name)
            return {**record, "description": description} if description is not None else record

        def get(self, item_id):
            raise NotFound(f"no item with id {item_id}")

    repository.get_repository.replace(MemoryItems())


def breakdown(rounds: int, calls: int) -> dict:
    """Median µs per call, rounds interleaved in this one process: a warm GET of 20 items at each stage of
    benchmarks/stages.py (`stages`), and the other figures the warm targets divide (`beside`): ours' POST and
    CloudFront preflight, and the raw handler's preflight. Each target's ratio is then of two figures timed
    side by side, and not of two processes, each with its own noise (data in memory throughout)."""
    import random
    import statistics

    handler = __import__("app").handler
    start_moto(0)  # the repository's client is built, never called
    handler.app  # noqa: B018 - imports the routes, and with them the repository
    serve_items_from_memory(40)
    import stages

    sys.path.append(PEERS_DIR)  # after the function and the layer: only `raw` and its `data` come from it
    raw = __import__(MODULES["raw"]).handler
    texts = event_texts()
    cells = {
        ("stages", stage): (stage_handler, "get") for stage, stage_handler in stages.handlers(handler).items()
    }
    cells[("beside", "ours post")] = (handler, "post")
    cells[("beside", "ours preflight-cf")] = (handler, "preflight-cf")
    cells[("beside", "raw preflight-cf")] = (raw, "preflight-cf")
    for cell_handler, kind in cells.values():
        for _ in range(100):
            call(cell_handler, texts[kind], kind)
    samples: dict[tuple[str, str], list[float]] = {cell: [] for cell in cells}
    order = list(cells)
    shuffle = random.Random(7)  # noqa: S311 - an order, not a secret
    for _ in range(rounds):
        shuffle.shuffle(order)
        for cell in order:
            cell_handler, kind = cells[cell]
            samples[cell].append(
                timed_calls(cell_handler, texts[kind], kind, calls, None)["all"]["median_us"]
            )
    result: dict[str, dict[str, float]] = {"stages": {}, "beside": {}}
    for (part, name), values in samples.items():
        result[part][name] = statistics.median(values)
    return result


def percentiles(samples: list[float]) -> dict:
    ordered = sorted(samples)
    return {
        "median_us": ordered[len(ordered) // 2] * 1e6,
        "p99_us": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1e6,
    }


def dynamo(depths: list[int]) -> dict:
    """Items read and capacity consumed per page request, page-number vs cursor, at each depth."""
    per_page = 20
    start_moto(max(depths) * per_page + 5)
    reads = {"calls": 0, "items": 0, "rcu": 0.0}

    def ask_capacity(params, **_):
        params.setdefault("ReturnConsumedCapacity", "TOTAL")

    def count(parsed, **_):
        reads["calls"] += 1
        reads["items"] += parsed.get("ScannedCount", 1 if "Item" in parsed else 0)
        capacity = parsed.get("ConsumedCapacity") or {}
        reads["rcu"] += float(capacity.get("CapacityUnits", 0.0))

    handler = __import__("app").handler
    handler.app  # noqa: B018 - imports the routes, and with them the repository's client
    client = database().client
    for operation in ("Query", "GetItem"):
        client.meta.events.register(f"provide-client-params.dynamodb.{operation}", ask_capacity)
        client.meta.events.register(f"after-call.dynamodb.{operation}", count)
    base = json.loads(event_texts()["get"])

    def request(query: dict[str, str]) -> tuple[dict, dict]:
        reads.update(calls=0, items=0, rcu=0.0)
        event = {**base, "queryStringParameters": query, "multiValueQueryStringParameters": None}
        event["multiValueQueryStringParameters"] = {k: [v] for k, v in query.items()}
        response = handler(event, Context())
        assert response["statusCode"] == 200, response
        return json.loads(response["body"]), dict(reads)

    result: dict = {"page": {}, "cursor": {}}
    for depth in depths:
        result["page"][depth] = request({"page": str(depth), "per_page": str(per_page)})[1]
    cursor = None
    for depth in range(1, max(depths) + 1):
        query = {"limit": str(per_page), **({"cursor": cursor} if cursor else {})}
        body, cost = request(query)
        if depth in depths:
            result["cursor"][depth] = cost
        cursor = body["next_cursor"]
    result["total"] = {"calls": 1, "items": 1, "note": "one consistent GetItem of the counter record"}
    return result


def main() -> None:
    mode, row = sys.argv[1], sys.argv[2]
    if mode.startswith("cold-"):
        output = cold(row, mode.removeprefix("cold-"))
    elif mode == "warm":
        output = warm(row, int(sys.argv[3]))
    elif mode == "warm-get":
        output = warm_get(int(sys.argv[3]))
    elif mode == "breakdown":
        output = breakdown(int(sys.argv[3]), int(sys.argv[4]))
    else:
        output = dynamo([int(depth) for depth in sys.argv[3].split(",")])
    sys.stdout.write(json.dumps(output) + "\n")


if __name__ == "__main__":
    main()
