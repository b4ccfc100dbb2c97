"""Bad input through the real handlers: each case gets a precise problem+json, CORS headers, no stack trace.

Unknown fields in a request body are refused (422, naming the field), consistently in every model
(`extra="forbid"`); unknown fields in the Lambda event itself are ignored, as API Gateway adds new ones.
"""

from __future__ import annotations

import base64
import json

import pytest
from reliability.conftest import assert_clean_problem, assert_no_leak
from support.handlers import ALLOWED_ORIGIN, invoke
from support.rest import EVENT_ITEM_ID

MIB = 1024 * 1024


def create(items, load_event) -> dict:
    result = invoke(items, load_event("items-post-create", body={"name": "Desk lamp"}))
    assert result.status == 201, result.body
    return result.json()


def nested(depth: int) -> str:
    return '{"name": "x", "description": ' + "[" * depth + "]" * depth + "}"


# -- bodies ---------------------------------------------------------------------------------------------
BODY_CASES = [
    # (case, overrides for items-post-create, status, problem type or None)
    (
        "base64 flag on a body that is not base64",
        {"body": "!!not*base64!!", "b64": True},
        400,
        "malformed-body",
    ),
    ("base64 with bad padding", {"body": "eyJuYW1lIjoi=", "b64": True}, 400, "malformed-body"),
    (
        "valid base64 of valid JSON",
        {"body": base64.b64encode(b'{"name":"x"}').decode(), "b64": True},
        201,
        None,
    ),
    ("not JSON, labelled application/json", {"body": "name=lamp"}, 400, "malformed-json"),
    ("truncated JSON", {"body": '{"name": "la'}, 400, "malformed-json"),
    ("JSON with a NaN", {"body": '{"name": NaN}'}, 422, "validation-error"),
    ("a JSON array", {"body": "[1, 2]"}, 422, "validation-error"),
    ("JSON null", {"body": "null"}, 422, "validation-error"),
    ("a JSON string", {"body": '"lamp"'}, 422, "validation-error"),
    ("name of the wrong type", {"body": '{"name": 42}'}, 422, "validation-error"),
    ("name null", {"body": '{"name": null}'}, 422, "validation-error"),
    ("name too long", {"body": json.dumps({"name": "x" * 201})}, 422, "validation-error"),
    ("unknown field", {"body": '{"name": "x", "colour": "red"}'}, 422, "validation-error"),
    ("nested 65 levels", {"body": nested(65)}, 400, "malformed-body"),
    ("nested 100,000 levels", {"body": nested(100_000)}, 400, "malformed-body"),
    ("brackets inside strings are not depth", {"body": json.dumps({"name": "[" * 500})}, 422, None),
    (
        "1 MiB + 1 byte",
        {"body": json.dumps({"name": "x", "description": "d" * MIB})},
        413,
        "payload-too-large",
    ),
    ("1 MiB + 1 byte, base64", {"body": "A" * (MIB * 4 // 3 + 8), "b64": True}, 413, "payload-too-large"),
    (
        "unknown content type",
        {"body": '{"name": "x"}', "ctype": "application/x-unknown"},
        415,
        "unsupported-media-type",
    ),
    ("text/plain", {"body": '{"name": "x"}', "ctype": "text/plain"}, 415, "unsupported-media-type"),
    ("no content type", {"body": '{"name": "x"}', "ctype": None}, 415, "unsupported-media-type"),
    (
        "JSON with parameters",
        {"body": '{"name": "x"}', "ctype": "application/json; charset=utf-8"},
        201,
        None,
    ),
    ("a +json type", {"body": '{"name": "x"}', "ctype": "application/vnd.api+json"}, 201, None),
    ("empty body", {"body": ""}, 422, "validation-error"),
]


@pytest.mark.parametrize(("case", "spec", "status", "kind"), BODY_CASES, ids=[c[0] for c in BODY_CASES])
def test_bad_bodies_get_a_precise_problem(items, load_event, figures, case, spec, status, kind):
    # GIVEN a POST from the allowed origin with a bad body
    headers = {}
    if "ctype" in spec:
        headers["Content-Type"] = spec["ctype"]
    event = load_event("items-post-create", headers=headers or None)
    if spec["body"] is not None:
        event["body"] = spec["body"]
    event["isBase64Encoded"] = spec.get("b64", False)
    # WHEN it reaches the handler
    result = invoke(items, event)
    figures("bad input (handlers)", cases=1, requests=1)
    # THEN the documented status, problem+json with CORS headers, no trace
    if status < 400:
        assert result.status == status, result.body
        return
    problem = assert_clean_problem(result, status)
    if kind:
        assert problem["type"] == f"urn:problem-type:{kind}"


def test_the_body_limit_is_exact(items, load_event, figures):
    # a body of exactly the limit is parsed (and refused only for its content); one byte more is 413
    filler = MIB - len(json.dumps({"name": "x", "description": ""}))
    at_limit = json.dumps({"name": "x", "description": "d" * filler})
    assert len(at_limit) == MIB
    assert invoke(items, load_event("items-post-create", body=at_limit)).status == 422  # description > 2000
    over = at_limit[:-2] + 'dd"}'
    assert_clean_problem(invoke(items, load_event("items-post-create", body=over)), 413)
    figures("bad input (handlers)", cases=2, requests=2)


# -- event shape ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "mangle",
    [
        lambda e: e.pop("requestContext"),
        lambda e: e.update(requestContext=None),
        lambda e: e.pop("httpMethod"),
        lambda e: e.update(httpMethod=None),
        lambda e: e.pop("path"),
        lambda e: e.update(path="no-leading-slash"),
        lambda e: e.update(path=None),
    ],
    ids=[
        "no requestContext",
        "null requestContext",
        "no method",
        "null method",
        "no path",
        "relative",
        "null",
    ],
)
def test_malformed_events_are_a_well_formed_400(items, load_event, figures, mangle):
    event = load_event("items-get-list")
    mangle(event)
    result = invoke(items, event)
    figures("bad input (handlers)", cases=1, requests=1)
    problem = assert_clean_problem(result, 400, cors=False)  # the origin cannot be read from a broken event
    assert problem["type"] == "urn:problem-type:malformed-event"


@pytest.mark.parametrize(
    "name",
    ["items-get-list", "items-v2-get-list-allowed-origin", "items-function-url-get-list-allowed-origin"],
)
def test_unknown_event_fields_are_ignored_in_v1_v2_and_function_url(items, load_event, figures, name):
    event = load_event(name)
    event["somethingNew"] = {"nested": [1, None, "x"]}
    event["requestContext"]["somethingNew"] = "x"
    event["requestContext"].setdefault("authorizer", {})["claims"] = {"sub": "1"}
    result = invoke(items, event)
    figures("bad input (handlers)", cases=1, requests=1)
    assert result.status == 200, result.body
    assert result.headers["access-control-allow-origin"] == ALLOWED_ORIGIN


@pytest.mark.parametrize(
    "mangle",
    [
        lambda e: e.update(headers=None, multiValueHeaders=None),
        lambda e: e.update(headers={"Origin": ALLOWED_ORIGIN, "X-Null": None}, multiValueHeaders=None),
        lambda e: e.update(multiValueHeaders={"Origin": [ALLOWED_ORIGIN], "X-Bad": None}),
        lambda e: e.update(queryStringParameters=None, multiValueQueryStringParameters=None),
        lambda e: e.update(body=None, isBase64Encoded=None),
        lambda e: e.update(
            queryStringParameters={"page": None}, multiValueQueryStringParameters={"page": [None]}
        ),
    ],
    ids=[
        "null headers",
        "null header value",
        "null multi value",
        "null query",
        "null body and flag",
        "null param",
    ],
)
def test_nulls_where_api_gateway_may_send_them_are_served(items, load_event, figures, mangle):
    event = load_event("items-get-list")
    mangle(event)
    result = invoke(items, event)
    figures("bad input (handlers)", cases=1, requests=1)
    assert result.status == 200, result.body


# -- headers --------------------------------------------------------------------------------------------
def test_header_cases(items, load_event, figures):
    item = create(items, load_event)
    member = f"/api/v1/items/{item['id']}"
    sent = 0

    def get(**headers):
        nonlocal sent
        sent += 1
        return invoke(items, load_event("items-get-one", path=member, headers=headers))

    # an overlong header the app does not read is ignored; an overlong If-None-Match matches nothing
    assert get(**{"X-Padding": "p" * 16_384}).status == 200
    assert get(**{"If-None-Match": '"' + "v" * 16_384 + '"'}).status == 200
    # non-ASCII values: served, never a 500 (Mangum encodes header values as latin-1 where it can)
    for value in ("überall", "日本語", "emoji 🙂"):
        result = get(**{"X-Note": value})
        assert result.status == 200, result.body
    # an overlong or non-ASCII Origin is refused: served (a read) without Access-Control-Allow-*
    for origin in ("https://" + "a" * 10_000 + ".example.com", "https://äpp.example.com"):
        result = get(Origin=origin)
        assert result.status == 200
        assert result.cors_headers() == {}
    # a duplicated Origin (two values, even both allowed) is refused; a write is 403 before the app
    result = get(Origin=[ALLOWED_ORIGIN, ALLOWED_ORIGIN])
    assert result.status == 200
    assert result.cors_headers() == {}
    put = load_event(
        "items-put-replace",
        path=member,
        headers={"Origin": [ALLOWED_ORIGIN, ALLOWED_ORIGIN], "If-Match": "*"},
    )
    sent += 1
    refused = invoke(items, put)
    assert refused.status == 403
    assert_no_leak(refused)
    # a non-ASCII or overlong Idempotency-Key / If-Match is a 4xx, never a 500
    for headers in ({"Idempotency-Key": "ключ"}, {"Idempotency-Key": "k" * 1000}):
        sent += 1
        result = invoke(items, load_event("items-post-create", headers=headers))
        assert_clean_problem(result, 422)
    sent += 1
    result = invoke(items, load_event("items-put-replace", path=member, headers={"If-Match": "ü" * 50}))
    assert_clean_problem(result, 412)
    figures("bad input (handlers)", cases=sent, requests=sent)


# -- query parameters -----------------------------------------------------------------------------------
QUERY_CASES = [
    ({"page": "0"}, 422),
    ({"page": "-1"}, 422),
    ({"page": "abc"}, 422),
    ({"page": "1.5"}, 422),
    ({"page": "99999999999999999999999"}, 400),  # past the page window: use the cursor
    ({"per_page": "0"}, 422),
    ({"per_page": "101"}, 422),
    ({"per_page": ""}, 422),
    ({"page": "1000", "per_page": "100"}, 400),
    ({"limit": "0"}, 422),
    ({"limit": "1e3"}, 422),
    ({"cursor": "%%%"}, 400),
    ({"cursor": "A" * 5000}, 400),
    ({"page": "1", "cursor": "abc"}, 400),
    ({"search": "x" * 101}, 422),
    ({"page": ["1", "2"]}, 200),  # repeated: the last value wins, as API Gateway keeps it
    ({"per_page": ["5", "500"]}, 422),
    ({"unknown": "1"}, 200),  # unknown query parameters are ignored (caches and trackers add them)
]


@pytest.mark.parametrize(("query", "status"), QUERY_CASES, ids=[json.dumps(q) for q, _ in QUERY_CASES])
def test_query_parameters(items, load_event, figures, query, status):
    result = invoke(items, load_event("items-get-list", query=query))
    figures("bad input (handlers)", cases=1, requests=1)
    if status == 200:
        assert result.status == 200, result.body
    else:
        assert_clean_problem(result, status)


# -- path ids -------------------------------------------------------------------------------------------
PATH_CASES = [
    "/api/v1/items/a%2Fb",
    "/api/v1/items/..%2F..%2Fusers",
    "/api/v1/items/%2e%2e",
    "/api/v1/items/ünïcödé",
    "/api/v1/items/%00",
    "/api/v1/items/%25%32%46",
    "/api/v1/items/" + "9" * 2000,
    f"/api/v1/items/{EVENT_ITEM_ID.upper()}",
    f"/api/v1/items/{EVENT_ITEM_ID}%20",
    "/api/v1/items/ITEM%23x",
    "/api/v1/items/#COUNT",
]


@pytest.mark.parametrize("path", PATH_CASES)
@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_odd_ids_are_404(items, load_event, figures, path, method):
    event = load_event("items-put-replace", method=method, path=path, headers={"If-Match": "*"})
    event["pathParameters"] = {"item_id": path.rsplit("/", 1)[-1]}
    result = invoke(items, event)
    figures("bad input (handlers)", cases=1, requests=1)
    assert_clean_problem(result, 404)


@pytest.mark.parametrize("path", ["/api/v1/items/a/b", "/api/v1/items//", "/api/v1/items/", "/api/v1//items"])
def test_extra_segments_are_404(items, load_event, figures, path):
    result = invoke(items, load_event("items-get-one", path=path))
    figures("bad input (handlers)", cases=1, requests=1)
    assert_clean_problem(result, 404)
