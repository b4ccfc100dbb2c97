"""Each invocation's metrics (api_core.metrics): valid EMF, named by route template, never a raw path.

The handlers run as on Lambda with the stack's namespace set (template.yaml sets
POWERTOOLS_METRICS_NAMESPACE for every function); the EMF lines are read from stdout, where Lambda would
hand them to CloudWatch Logs.
"""

from __future__ import annotations

import json
import re

import pytest
from support.emf import dimension_sets, emf_lines, metrics_of, validate
from support.handlers import DISALLOWED_ORIGIN, PROD_ENV, invoke
from support.paths import FUNCTIONS_DIR

NAMESPACE = "serverless-rest-api-test"
METRICS_ENV = {**PROD_ENV, "POWERTOOLS_METRICS_NAMESPACE": NAMESPACE}
# Every route template of every function, from the committed manifests (what preflights use).
TEMPLATES = {
    entry["path"]
    for manifest in FUNCTIONS_DIR.glob("*/routes.json")
    for entry in json.loads(manifest.read_text())["routes"]
}
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@pytest.fixture
def start(dynamodb_table, cold_start, monkeypatch):
    """`start(function)`: a cold start of that function with the stack's namespace (a fresh process)."""
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "api")

    def cold(function: str, env: dict[str, str] = METRICS_ENV):
        return cold_start(function, env)

    return cold


def published(capsys) -> list[dict]:
    """The EMF documents written since the last call, each checked against the EMF specification."""
    documents = emf_lines(capsys.readouterr().out)
    for document in documents:
        validate(document)
    return documents


def requests_line(documents: list[dict]) -> dict:
    (line,) = [d for d in documents if "Requests" in metrics_of(d)]
    return line


def test_a_request_to_one_item_is_counted_under_its_route_template_not_its_path(start, load_event, capsys):
    # GIVEN an item, created through the API
    items = start("items")
    created = invoke(items, load_event("items-post-create", body={"name": "Desk lamp"}))
    item_id = created.json()["id"]
    published(capsys)
    # WHEN a client reads it by its id
    result = invoke(items, load_event("items-get-one", path=f"/api/v1/items/{item_id}"))
    assert result.status == 200, result.body
    # THEN one valid EMF line counts one request under the route template and status class
    (line,) = published(capsys)
    assert metrics_of(line) == {"Requests": 1}
    assert line["_aws"]["CloudWatchMetrics"][0]["Namespace"] == NAMESPACE
    assert dimension_sets(line) == [
        {"route": "/api/v1/items/{item_id}", "status_class": "2xx", "service": "api"},
        {"service": "api", "status_class": "2xx"},
    ]
    # AND the id appears nowhere in it: each id would be a metric of its own
    assert item_id not in json.dumps(line)


@pytest.mark.parametrize(
    ("function", "event", "path", "route", "status_class"),
    [
        ("items", "items-get-one-unknown", None, "/api/v1/items/{item_id}", "4xx"),
        ("items", "items-delete-collection-not-allowed", None, "/api/v1/items", "4xx"),
        (
            "items",
            "items-get-list",
            "/api/v1/items/0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b/x",
            "unmatched",
            "4xx",
        ),
        ("items", "items-post-invalid", None, "/api/v1/items", "4xx"),
        # % if samples == "all"
        ("users", "users-orders-get-unknown-user", None, "/api/v1/users/{user_id}/orders", "4xx"),
        ("users", "users-get-one-unknown", None, "/api/v1/users/{user_id}", "4xx"),
        # % endif
        ("health", "health-get-no-origin", None, "/api/v1/health", "2xx"),
    ],
)
def test_every_answer_is_counted_under_a_template_or_unmatched(
    start, load_event, capsys, function, event, path, route, status_class
):
    handler = start(function)
    published(capsys)
    overrides = {"path": path} if path else {}
    result = invoke(handler, load_event(event, **overrides))
    line = requests_line(published(capsys))
    assert dimension_sets(line)[0]["route"] == route
    assert dimension_sets(line)[0]["status_class"] == status_class == f"{result.status // 100}xx"
    assert route in TEMPLATES | {"unmatched"}
    # no raw path with an id, whatever the request's path held
    assert not UUID.search(json.dumps(line)), line


def test_a_refused_cors_write_is_counted_by_its_check(start, load_event, capsys):
    items = start("items")
    published(capsys)
    result = invoke(items, load_event("items-post-disallowed-origin"))
    assert result.status == 403
    documents = published(capsys)
    (refusal,) = [d for d in documents if "CorsRefusals" in metrics_of(d)]
    assert metrics_of(refusal) == {"CorsRefusals": 1}
    assert dimension_sets(refusal) == [{"check": "origin-not-allowed", "service": "api"}]
    assert dimension_sets(requests_line(documents))[0]["status_class"] == "4xx"


def test_an_allowed_preflight_writes_no_metrics_and_a_refused_one_counts_its_refusal(
    start, load_event, capsys
):
    items = start("items")
    published(capsys)
    # an allowed preflight: nothing (API Gateway's Count has it; the cold preflight loads no metrics code)
    assert invoke(items, load_event("items-options-preflight-put-allowed-origin")).status == 204
    assert published(capsys) == []
    # a refused one: its refusal and the 403
    refused = invoke(items, load_event("items-options-preflight-put-disallowed-origin"))
    assert refused.status == 403
    documents = published(capsys)
    (refusal,) = [d for d in documents if "CorsRefusals" in metrics_of(d)]
    assert dimension_sets(refusal)[0]["check"] == refused.json()["check"]
    assert dimension_sets(requests_line(documents))[0]["route"] == "/api/v1/items/{item_id}"


def test_a_refused_read_is_served_and_its_refusal_counted(start, load_event, capsys):
    items = start("items")
    published(capsys)
    result = invoke(items, load_event("items-get-list", headers={"Origin": DISALLOWED_ORIGIN}))
    assert result.status == 200
    documents = published(capsys)
    assert {"CorsRefusals": 1} in [metrics_of(d) for d in documents]
    assert dimension_sets(requests_line(documents))[0] == {
        "route": "/api/v1/items",
        "status_class": "2xx",
        "service": "api",
    }


def test_an_idempotent_replay_is_counted_once_under_its_route(start, load_event, capsys):
    # GIVEN a create sent with an Idempotency-Key
    items = start("items")
    event = load_event("items-post-idempotency-key")
    first = invoke(items, event)
    assert first.status == 201, first.body
    assert [metrics_of(d) for d in published(capsys)] == [{"Requests": 1}]
    # WHEN the client retries it with the same key and body
    again = invoke(items, event)
    # THEN the stored result is replayed, and counted as a replay of that route
    assert again.json() == first.json()
    documents = published(capsys)
    (replay,) = [d for d in documents if "IdempotentReplays" in metrics_of(d)]
    assert metrics_of(replay) == {"IdempotentReplays": 1}
    assert dimension_sets(replay) == [{"route": "/api/v1/items", "service": "api"}]
    # AND the next request starts from zero
    invoke(items, load_event("items-get-list"))
    assert [metrics_of(d) for d in published(capsys)] == [{"Requests": 1}]


def test_without_a_namespace_nothing_is_written(start, load_event, capsys):
    # tests and `make dev` run without POWERTOOLS_METRICS_NAMESPACE, unless they set it
    items = start("items", PROD_ENV)
    published(capsys)
    assert invoke(items, load_event("items-post-disallowed-origin")).status == 403
    assert published(capsys) == []
