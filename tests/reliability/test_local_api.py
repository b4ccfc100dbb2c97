"""Through `make dev`'s local API (SAM's emulator, loopback only): schemathesis over the OpenAPI document,
concurrent writers with If-Match, and creates retried with an Idempotency-Key. Bounded in count and time.

make dev runs one worker process per function, and a worker runs one invocation at a time: requests to
one function are serialized, as on one Lambda execution environment. Concurrency here therefore tests the
conditional writes across interleaved requests (a GET and a PUT of different clients interleave freely),
not DynamoDB's atomicity under truly parallel writes, which moto does not provide (docs/RELIABILITY.md).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from support.devserver import request, start_devserver
from support.openapi import api_document
from support.paths import ROOT

pytestmark = pytest.mark.devserver

# Bounded in count; make dev answers in about 20-50 ms a request here.
ITEMS = 3
WRITERS = 6  # per item
ROUNDS = 4  # GET + PUT attempts per writer
KEYS = 10
SENDS_PER_KEY = 4
SCHEMATHESIS_EXAMPLES = 5


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    server = start_devserver(tmp_path_factory.mktemp("reliability-dev"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def document(tmp_path_factory, api):
    # Built in this process with dev settings (the functions are imported, not run).
    env = {
        "STAGE": "dev",
        "CORS_ALLOWED_ORIGINS": "",
        "TABLE_NAME": "openapi-only",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        path = tmp_path_factory.mktemp("openapi") / "openapi.json"
        # PATCH takes a JSON merge patch, which the API also accepts as application/json; schemathesis has
        # no serializer for merge-patch+json and would send arbitrary bytes that SAM's emulator itself
        # refuses with a 502 (it decodes every body as UTF-8) before any function runs.
        text = json.dumps(api_document()).replace("application/merge-patch+json", "application/json")
        path.write_text(text)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return path


def call(api, method, path, body=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    sent = {"Content-Type": "application/json"} if data else {}
    return request(f"{api.url}{path}", method, {**sent, **(headers or {})}, data)


# The end of make dev's line per request: status, duration, function (tools/devserver/server.py). Its
# start is the decoded path, which may hold spaces and line breaks.
REQUEST_LINE_END = re.compile(r" (?P<status>\d{3}) +\d+\.\d ms  \S+$", re.MULTILINE)


def answered(api) -> Counter[int]:
    """How many requests make dev has answered so far, by status, from its own log."""
    return Counter(int(found["status"]) for found in REQUEST_LINE_END.finditer(api.log()))


def _schemathesis(api, document, tmp_path, *, mode: str, phases: str, max_time: int) -> dict[str, int]:
    """Run schemathesis's CLI against make dev; assert it passed on every operation; return its figures:
    the operations and cases it reports, and the requests and 5xx answers make dev's log shows."""
    operations = sum(len(item) for item in json.loads(document.read_text())["paths"].values())
    before = answered(api)
    report = tmp_path / f"report-{mode}.json"
    run = subprocess.run(
        [
            str(ROOT / ".venv" / "bin" / "schemathesis"),
            "run",
            str(document),
            "--url",
            api.url,
            "--max-examples",
            str(SCHEMATHESIS_EXAMPLES),
            "--generation-deterministic",
            "--generation-codec",
            "utf-8",
            "--mode",
            mode,
            "--phases",
            phases,
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
            "--no-shrink",
            "--workers",
            "1",
            "--max-time",
            str(max_time),
            "--report",
            "ndjson",
            "--report-ndjson-path",
            str(report),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=240,
        check=False,
    )
    output = run.stdout + run.stderr
    # make dev logs each request before it sends the answer, so every answer schemathesis got is logged.
    seen = answered(api) - before
    figures = {
        "cases": _generated_cases(output),
        "requests": seen.total(),
        "operations": operations,
        "status_5xx": sum(count for status, count in seen.items() if status >= 500),
    }
    assert run.returncode == 0, output[-6000:]
    assert f"Tested: {operations}" in output, output[-3000:]
    return figures


def test_schemathesis_every_operation_no_500s(api, document, figures, tmp_path):
    # Positive mode, examples and coverage phases (valid boundary values derived from the schema): a fixed
    # list for a given document, so the count is the same on every run. Not the fuzzing phase: it has no
    # case limit of its own (it ignores --max-examples), only the time cap, so its count would vary with
    # the machine; test_openapi_handlers.py fuzzes both modes with a fixed count instead.
    counts = _schemathesis(api, document, tmp_path, mode="positive", phases="examples,coverage", max_time=120)
    figures("schemathesis (make dev)", **counts)
    assert counts["status_5xx"] == 0


def test_schemathesis_negative_mode_every_operation_no_500s(api, document, figures, tmp_path):
    # Negative mode, coverage phase: boundary and invalid values derived from the schema (wrong types,
    # out-of-range numbers, missing required fields, bad enum values...), a fixed list for a given
    # document, so the count is the same on every run. Not the fuzzing phase: in negative mode it sends
    # random bytes as JSON bodies (whatever the codec), which SAM's emulator answers with its own 502
    # before any function runs (it decodes every body as UTF-8). Those bytes reach the handlers in
    # test_openapi_handlers.py instead, as API Gateway would pass them (base64-encoded).
    counts = _schemathesis(api, document, tmp_path, mode="negative", phases="coverage", max_time=120)
    figures("schemathesis negative mode (make dev)", **counts)
    assert counts["status_5xx"] == 0


def _generated_cases(output: str) -> int:
    for line in output.splitlines():
        words = line.split()
        if "generated," in words:
            return int(words[0])
    return 0


def test_concurrent_writers_with_if_match_lose_no_update(api, figures):
    # GIVEN a few items
    ids = []
    for index in range(ITEMS):
        reply = call(api, "POST", "/api/v1/items", {"name": f"item {index}"})
        assert reply.status == 201, reply.body
        ids.append(json.loads(reply.body)["id"])
    accepted: dict[str, list[tuple[int, str]]] = {item: [] for item in ids}
    statuses: Counter[int] = Counter()
    lock = threading.Lock()

    def writer(item_id: str, writer_no: int) -> None:
        for round_no in range(ROUNDS):
            got = call(api, "GET", f"/api/v1/items/{item_id}")
            name = f"writer {writer_no} round {round_no}"
            put = call(
                api, "PUT", f"/api/v1/items/{item_id}", {"name": name}, {"If-Match": got.headers["etag"]}
            )
            with lock:
                statuses[got.status] += 1
                statuses[put.status] += 1
                if put.status == 200:
                    accepted[item_id].append((json.loads(put.body)["version"], name))

    # WHEN many clients update the same items concurrently, each with the ETag it read
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=ITEMS * WRITERS) as pool:
        for future in [pool.submit(writer, i, w) for i in ids for w in range(WRITERS)]:
            future.result()
    elapsed = time.monotonic() - started
    # THEN every answer is 200 or 412, and every accepted update is in the item's history: versions are
    # 2..n+1 without gaps or repeats (no two writers won on the same version), the last one is stored
    finals = {item_id: json.loads(call(api, "GET", f"/api/v1/items/{item_id}").body) for item_id in ids}
    # An accepted update that did not raise the stored version by one was lost (overwritten unseen).
    lost = sum(len(updates) - (finals[item_id]["version"] - 1) for item_id, updates in accepted.items())
    sent = sum(statuses.values())
    figures(
        "concurrent If-Match writers (make dev)",
        cases=ITEMS * WRITERS,
        requests=sent,
        accepted=sum(len(updates) for updates in accepted.values()),
        refused_412=statuses[412],
        lost=lost,
        milliseconds=int(elapsed * 1000),
    )
    assert set(statuses) <= {200, 412}, statuses
    for item_id, updates in accepted.items():
        versions = sorted(v for v, _ in updates)
        assert versions == list(range(2, len(updates) + 2)), versions
        assert finals[item_id]["version"] == len(updates) + 1
        assert finals[item_id]["name"] == max(updates)[1]
    assert lost == 0


def test_retried_creates_with_an_idempotency_key_make_no_duplicates(api, figures):
    before = _all_user_emails(api)
    replies: dict[str, list[tuple[int, str]]] = {f"key-{n}": [] for n in range(KEYS)}
    sent = Counter[str]()
    lock = threading.Lock()

    def send(key: str) -> None:
        body = {"name": f"User {key}", "email": f"{key}@example.com"}
        for _ in range(10):  # a client retrying on 409 request-in-progress, as Retry-After says
            reply = call(api, "POST", "/api/v1/users", body, {"Idempotency-Key": key})
            with lock:
                sent[key] += 1
            if reply.status != 409:
                break
            time.sleep(0.05)
        with lock:
            replies[key].append((reply.status, json.loads(reply.body).get("id", "")))

    with ThreadPoolExecutor(max_workers=16) as pool:
        for future in [pool.submit(send, key) for key in replies for _ in range(SENDS_PER_KEY)]:
            future.result()
    after = _all_user_emails(api)
    new = Counter(email for email in after if email not in before)
    figures(
        "idempotent creates under retries (make dev)",
        cases=KEYS,
        requests=sent.total(),
        created=len(new),
        duplicates=sum(count - 1 for count in new.values()),
    )
    # THEN each key created exactly one user, and every retry got that same user back
    for key, got in replies.items():
        assert {status for status, _ in got} == {201}, (key, got)
        assert len({user_id for _, user_id in got}) == 1, (key, got)
    assert sorted(new) == sorted(f"{key}@example.com" for key in replies)
    assert set(new.values()) == {1}


def _all_user_emails(api) -> list[str]:
    emails, cursor = [], None
    while True:
        query = "limit=100" + (f"&cursor={cursor}" if cursor else "")
        page = json.loads(call(api, "GET", f"/api/v1/users?{query}").body)
        emails += [user["email"] for user in page["items"]]
        cursor = page.get("next_cursor")
        if not cursor:
            return emails
