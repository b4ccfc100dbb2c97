"""If-Match and If-None-Match lists: empty elements accepted, length bounded below DynamoDB's limits.

A write's If-Match versions become one DynamoDB condition (`#version IN (...)`). DynamoDB refuses a
condition with more than 100 IN operands or longer than 4 KB (the "Expression parameters" constraints of
the DynamoDB developer guide), and moto does not enforce either, so the bound is checked here against
those documented numbers, on the requests the handler actually sends.
"""

from __future__ import annotations

import re

import botocore.client
import pytest
from api_core.conditional import MAX_ENTITY_TAGS
from reliability.conftest import assert_clean_problem
from support.handlers import invoke

# DynamoDB developer guide, "Constraints in Amazon DynamoDB", Expression parameters.
DYNAMODB_MAX_IN_OPERANDS = 100
DYNAMODB_MAX_EXPRESSION_BYTES = 4096
TOO_MANY = "urn:problem-type:too-many-entity-tags"


def create_item(items, load_event) -> dict:
    result = invoke(items, load_event("items-post-create", body={"name": "Desk lamp"}))
    assert result.status == 201, result.body
    return result.json()


def member(item: dict) -> str:
    return f"/api/v1/items/{item['id']}"


@pytest.fixture
def dynamodb_calls(monkeypatch) -> list[tuple[str, dict]]:
    """Every DynamoDB API call the handler makes, as (operation, parameters)."""
    calls: list[tuple[str, dict]] = []
    original = botocore.client.BaseClient._make_api_call

    def record(self, operation_name, api_params):
        calls.append((operation_name, api_params))
        return original(self, operation_name, api_params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", record)
    return calls


@pytest.mark.parametrize(
    "template",
    ['"v{v}",', ', "v{v}"', '"v{v}", , "v0"', ',, "v{v}" ,,', ' , W/"x", "v{v}" , '],
    ids=["trailing comma", "leading comma", "empty middle", "several empty", "weak and spaces"],
)
def test_empty_list_elements_are_accepted(items, load_event, figures, template):
    # GIVEN an item at version 1 and an If-Match naming it among empty list elements (RFC 9110 5.6.1)
    item = create_item(items, load_event)
    header = template.format(v=item["version"])
    # WHEN it is replaced under that condition
    event = load_event("items-put-replace", path=member(item), headers={"If-Match": header})
    result = invoke(items, event)
    figures("entity-tag lists", cases=1, requests=2, status_5xx=int(result.status >= 500))
    # THEN the write succeeds: the list names the current version
    assert result.status == 200, result.body
    assert result.headers["etag"] == f'"v{item["version"] + 1}"'


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_the_longest_list_allowed_stays_within_dynamodb_limits(
    items, load_event, figures, dynamodb_calls, method
):
    # GIVEN If-Match with the most tags allowed, all but the last naming versions of the longest form
    item = create_item(items, load_event)
    # 31 distinct versions of the longest form the API parses (18 digits), then the current one.
    header = ", ".join([f'"v{10**17 + n}"' for n in range(MAX_ENTITY_TAGS - 1)] + ['"v1"'])
    event = load_event("items-put-replace", method=method, path=member(item), headers={"If-Match": header})
    if method == "PATCH":
        event = load_event(
            "items-patch-merge", path=member(item), headers={"If-Match": header}, body={"name": "Lamp"}
        )
    # WHEN it is sent
    dynamodb_calls.clear()
    result = invoke(items, event)
    figures("entity-tag lists", cases=1, requests=2, status_5xx=int(result.status >= 500))
    # THEN it is served, and every condition sent to DynamoDB is within DynamoDB's documented limits
    assert result.status in (200, 204), result.body
    conditions = [
        expression
        for _, params in dynamodb_calls
        for operation in [params, *(next(iter(op.values())) for op in params.get("TransactItems", []))]
        for expression in [operation.get("ConditionExpression")]
        if expression
    ]
    in_lists = [operands.split(",") for c in conditions for operands in re.findall(r"IN \(([^)]*)\)", c)]
    assert max(map(len, in_lists)) == MAX_ENTITY_TAGS  # the worst case was exercised
    assert all(len(operands) <= DYNAMODB_MAX_IN_OPERANDS for operands in in_lists)
    assert all(len(c.encode()) <= DYNAMODB_MAX_EXPRESSION_BYTES for c in conditions)


@pytest.mark.parametrize("count", [MAX_ENTITY_TAGS + 1, 101, 500])
@pytest.mark.parametrize(
    ("event_name", "header"),
    [
        ("items-put-replace", "If-Match"),
        ("items-patch-merge", "If-Match"),
        ("items-delete", "If-Match"),
        ("items-get-one", "If-None-Match"),
    ],
)
def test_a_longer_list_is_a_400_and_changes_nothing(items, load_event, figures, count, event_name, header):
    # GIVEN an item, and a list with more tags than the API evaluates (the current one among them)
    item = create_item(items, load_event)
    tags = ", ".join(['"v1"'] + [f'"v{n}"' for n in range(2, count + 1)])
    event = load_event(event_name, path=member(item), headers={header: tags})
    # WHEN it is sent
    result = invoke(items, event)
    figures("entity-tag lists", cases=1, requests=3, status_5xx=int(result.status >= 500))
    # THEN a 400 naming the bound, and the item is as it was
    problem = assert_clean_problem(result, 400)
    assert problem["type"] == TOO_MANY
    assert problem["max_tags"] == MAX_ENTITY_TAGS
    after = invoke(items, load_event("items-get-one", path=member(item)))
    assert after.status == 200
    assert after.json() == item


def test_the_bound_holds_for_users_and_orders(users, load_event, figures):
    tags = ", ".join(f'"v{n}"' for n in range(1, MAX_ENTITY_TAGS + 2))
    for event_name in (
        "users-put-replace",
        "users-delete",
        "users-orders-patch-merge",
        "users-orders-delete",
    ):
        result = invoke(users, load_event(event_name, headers={"If-Match": tags}))
        figures("entity-tag lists", cases=1, requests=1, status_5xx=int(result.status >= 500))
        assert assert_clean_problem(result, 400)["type"] == TOO_MANY
