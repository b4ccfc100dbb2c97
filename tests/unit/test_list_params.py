"""`list_params` reads the query string itself: the same values, errors and document as FastAPI's own
query model (`Annotated[ListQuery, Query()]`) would give."""

from __future__ import annotations

import json
from typing import Annotated

import pytest
from api_core.app_factory import create_app
from api_core.lambda_handler import create_handler
from api_core.lists import ListQuery, list_params, list_response
from api_core.pagination import (
    CursorBody,
    CursorRequest,
    Listing,
    ListRequest,
    PageBody,
    PageRequest,
    list_request,
)
from fastapi import Query, Request
from support.events import load_event
from support.handlers import DEV_ENV, use_environment

ROUTE = "/api/v1/items"


@pytest.fixture(autouse=True)
def _settings(monkeypatch: pytest.MonkeyPatch) -> None:
    use_environment(monkeypatch, DEV_ENV)


def apps():
    ours = create_app(title="ours")
    fastapis = create_app(title="fastapi")

    @ours.get(ROUTE)
    async def ours_route(request: Request) -> dict:
        return {"request": repr(list_params(request))}

    @fastapis.get(ROUTE)
    async def fastapi_route(query: Annotated[ListQuery, Query()]) -> dict:
        request: ListRequest = list_request(**query.model_dump())
        return {"request": repr(request)}

    return create_handler(ours), create_handler(fastapis)


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"page": "2", "per_page": "50"},
        {"limit": "10", "cursor": "abc", "search": " lamp "},
        {"page": ["1", "3"]},  # repeated: the last value counts
        {"per_page": "500"},
        {"page": "0", "limit": "101"},
        {"page": "two", "search": "x" * 101},
        {"page": ""},
        {"page": "1.0"},
        {"page": "2", "unknown": "ignored"},
    ],
)
def test_the_list_query_reads_and_fails_as_fastapis_query_model(query):
    ours, fastapis = apps()
    answers = []
    for handler in (ours, fastapis):
        response = handler(load_event("items-get-list", query=query), None)
        answers.append((response["statusCode"], json.loads(response["body"])))
    # THEN the status, the parsed request or the 422 problem (fields, messages, types) are the same
    assert answers[0] == answers[1]


def test_a_bad_value_is_a_422_problem_naming_the_query_field():
    ours, _ = apps()
    response = ours(load_event("items-get-list", query={"per_page": "500"}), None)
    body = json.loads(response["body"])
    assert response["statusCode"] == 422
    assert body["type"] == "urn:problem-type:validation-error"
    assert body["errors"] == [
        {
            "field": "query.per_page",
            "message": "Input should be less than or equal to 100",
            "type": "less_than_equal",
        }
    ]


def test_the_parsed_request_is_the_style_asked_for():
    ours, _ = apps()
    page = json.loads(ours(load_event("items-get-list", query={"page": "2"}), None)["body"])["request"]
    cursor = json.loads(ours(load_event("items-get-list", query={"limit": "5"}), None)["body"])["request"]
    assert page == repr(PageRequest(page=2))
    assert cursor == repr(CursorRequest(limit=5))


def test_the_document_lists_the_parameters_as_fastapi_documents_the_query_model():
    ours, fastapis = (create_app(title=title) for title in ("ours", "fastapi"))

    @ours.get(ROUTE)
    async def ours_list_route(request: Request) -> PageBody[dict] | CursorBody[dict]:
        return list_response(request, Listing(list_params(request), [], 0), dict)

    @fastapis.get(ROUTE)
    async def fastapi_list_route(query: Annotated[ListQuery, Query()]) -> dict:
        return {}

    documented = [app.openapi()["paths"][ROUTE]["get"] for app in (ours, fastapis)]
    assert [parameter["name"] for parameter in documented[0]["parameters"]] == list(ListQuery.model_fields)
    assert documented[0]["parameters"] == documented[1]["parameters"]
    assert documented[0]["responses"]["422"] == documented[1]["responses"]["422"]
    assert list(documented[0]) == list(documented[1])  # `parameters` where FastAPI puts it


def test_only_a_route_that_answers_a_page_is_documented_with_the_list_parameters():
    app = create_app(title="ours")

    @app.get(ROUTE)
    async def a_page(request: Request) -> PageBody[dict]:
        return list_response(request, Listing(list_params(request), [], 0), dict)

    @app.get(f"{ROUTE}/{{item_id}}")
    async def not_a_page(item_id: str) -> dict:
        return {}

    paths = app.openapi()["paths"]
    assert [p["name"] for p in paths[ROUTE]["get"]["parameters"]] == list(ListQuery.model_fields)
    assert [p["name"] for p in paths[f"{ROUTE}/{{item_id}}"]["get"]["parameters"]] == ["item_id"]
