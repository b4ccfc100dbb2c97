"""Error amplification: no request, however large or odd, gets an error body much larger than a few KB.

A 422 used to name every unknown field twice (in `detail` and in `errors`), so a 1 MiB body with 96,000
unknown keys got a 10 MB answer: an unauthenticated amplifier, and past Lambda's 6 MB limit a 502 on AWS.
Every way a request can make an error repeat what it sent is tried here: many fields, one huge field
name, huge ids in the path, a huge method, header or query value, a huge referenced id.
"""

from __future__ import annotations

import json

import pytest
from reliability.conftest import assert_clean_problem
from support.handlers import invoke
from support.rest import EVENT_USER_ID

MIB = 1024 * 1024
# "A few KB": the bound every error body here must stay under.
ERROR_BODY_BOUND = 4096


def many_unknown_keys(budget: int = MIB - 64) -> tuple[str, int]:
    """A compact JSON object of at most `budget` bytes: a valid name, then as many unknown keys as fit."""
    entries, size = [], len('{"name":"x"}')
    while size + 10 <= budget:
        key = f"{len(entries):05x}"
        entries.append(key)
        size += len(key) + 5  # ,"key":0
    body = json.dumps({"name": "x", **dict.fromkeys(entries, 0)}, separators=(",", ":"))
    assert len(body) <= budget
    return body, len(entries)


def bounded(result, status: int, figures, *, cors: bool = True) -> dict:
    problem = assert_clean_problem(result, status, cors=cors)
    figures("error amplification", cases=1, requests=1, over_bound=int(len(result.body) > ERROR_BODY_BOUND))
    assert len(result.body) <= ERROR_BODY_BOUND, f"{len(result.body)} bytes"
    return problem


def test_a_body_of_unknown_fields_gets_a_bounded_422(items, load_event, figures):
    # GIVEN a 1 MiB create body holding about 96,000 unknown keys
    body, count = many_unknown_keys()
    assert count > 90_000
    # WHEN it is posted
    result = invoke(items, load_event("items-post-create", body=body))
    # THEN a 422 of a few KB: the first fields listed, the rest counted
    problem = bounded(result, 422, figures)
    assert problem["type"] == "urn:problem-type:validation-error"
    assert len(problem["errors"]) == 20
    assert problem["errors_omitted"] == count - 20
    assert problem["detail"].endswith(f"(and {count - 20} more)")
    assert problem["errors"][0] == {
        "field": "body.00000",
        "message": "Extra inputs are not permitted",
        "type": "extra_forbidden",
    }


def test_a_few_invalid_fields_are_all_listed(items, load_event, figures):
    # The bound changes nothing for ordinary requests: every field named, no `errors_omitted`.
    body = {"name": "", "description": 5, "colour": "r"}
    result = invoke(items, load_event("items-post-create", body=body))
    problem = bounded(result, 422, figures)
    assert [e["field"] for e in problem["errors"]] == ["body.name", "body.description", "body.colour"]
    assert problem["detail"] == "invalid fields: body.name, body.description, body.colour"
    assert "errors_omitted" not in problem


@pytest.mark.parametrize("where", ["items-post-create", "items-patch-merge", "items-put-replace"])
def test_one_huge_unknown_field_name_is_cut(items, load_event, figures, where):
    key = "k" * (MIB - 100)
    result = invoke(items, load_event(where, body={"name": "x", key: 1}, headers={"If-Match": "*"}))
    problem = bounded(result, 422, figures)
    field = problem["errors"][0]["field"]
    assert field.startswith("body.kkkk")
    assert field.endswith("…")
    assert len(field) == 200


def test_many_invalid_values_in_a_list_are_bounded(users, load_event, figures):
    # One field, many errors: a list where a string is expected yields one error per element.
    body = {"name": ["x"] * 50_000, "email": ["y"] * 50_000}
    result = invoke(users, load_event("users-post-create", body=body))
    bounded(result, 422, figures)


def test_a_huge_id_in_the_path_is_not_echoed_whole(items, load_event, figures):
    # The 404's detail names the id and `instance` is the path: both are cut.
    huge = "9" * (512 * 1024)
    for method in ("GET", "PUT", "DELETE"):
        event = load_event(
            "items-put-replace",
            method=method,
            path=f"/api/v1/items/{huge}",
            headers={"If-Match": "*"},
            path_parameters={"item_id": huge},
        )
        problem = bounded(invoke(items, event), 404, figures)
        assert problem["instance"].endswith("…")


def test_a_huge_preflight_method_is_not_echoed_whole(items, load_event, figures):
    event = load_event(
        "items-options-preflight-put-allowed-origin",
        headers={"Access-Control-Request-Method": "X" * (256 * 1024)},
    )
    # A refused preflight carries no CORS headers, by design.
    problem = bounded(invoke(items, event), 403, figures, cors=False)
    assert problem["check"] == "method-not-allowed"


@pytest.mark.parametrize(
    ("headers", "query"),
    [
        ({"Idempotency-Key": "k" * (256 * 1024)}, None),
        (None, {"search": "s" * (512 * 1024)}),
        (None, {"cursor": "c" * (512 * 1024), "limit": "5"}),
        (None, {"per_page": "9" * (256 * 1024)}),
    ],
    ids=["idempotency key", "search", "cursor", "per_page"],
)
def test_huge_header_and_query_values_get_a_bounded_problem(items, load_event, figures, headers, query):
    if headers:
        event = load_event("items-post-create", headers=headers)
    else:
        event = load_event("items-get-list", query=query)
    result = invoke(items, event)
    assert 400 <= result.status < 500
    bounded(result, result.status, figures)


def test_a_huge_unknown_reference_is_cut(users, load_event, figures):
    # An order naming an item id of 900 KB: the reference error repeats the id, cut to its bound.
    event = load_event("users-orders-post-create", body={"item_id": "i" * (900 * 1024), "quantity": 1})
    result = invoke(users, event)
    problem = bounded(result, result.status, figures)
    assert result.status in (404, 422), problem
    assert EVENT_USER_ID in problem["instance"]
