"""Numbers in request bodies are JSON numbers: `true`, `"3"` or `3.0` for an integer is a 422, not a 1 or 3.

pydantic's lax mode would coerce them. Every request body of every function is walked, as each function's
own OpenAPI document describes it (functions from template.yaml), so a model added later is covered too.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from support.handlers import DEV_ENV
from support.lambda_transport import BASE_URL, LambdaAdapter, api_routes

FUNCTIONS = sorted({route.function for route in api_routes()})
SOME_ID = "0192f3a0-0000-7000-8000-000000000000"
# What a lax parser turns into an integer (the strict type refuses each), by the field's JSON type.
NOT_AN_INTEGER = [True, False, "3", 3.0, 2.5]
NOT_A_NUMBER = [True, False, "3"]


@dataclass(frozen=True)
class NumberField:
    method: str
    path: str
    content_type: str
    loc: tuple[str | int, ...]  # where the number sits in the body
    json_type: str  # integer or number
    body: Any  # a valid body of that operation


def resolve(schema: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def non_null(schema: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    schema = resolve(schema, document)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [resolve(option, document) for option in schema[key]]
            return non_null(next(o for o in options if o.get("type") != "null"), document)
    return schema


def valid_value(schema: dict[str, Any], document: dict[str, Any]) -> Any:
    """A value the schema accepts: every property present, each at its smallest allowed size."""
    schema = non_null(schema, document)
    kind = schema.get("type")
    if "enum" in schema:
        value = schema["enum"][0]
    elif kind == "object":
        value = {name: valid_value(prop, document) for name, prop in schema.get("properties", {}).items()}
    elif kind == "array":
        value = [valid_value(schema.get("items", {}), document)] * max(1, schema.get("minItems", 1))
    elif kind in ("integer", "number"):
        value = schema.get("minimum", 1)
        value = int(value) if kind == "integer" else value  # FastAPI may write the bound as 1.0
    elif kind == "boolean":
        value = True
    elif schema.get("format") == "email":
        value = "someone@example.com"
    else:
        value = "x" * max(1, schema.get("minLength", 1))
    return value


def numbers_in(schema: dict[str, Any], document: dict[str, Any], loc: tuple = ()) -> Iterator[tuple]:
    schema = non_null(schema, document)
    kind = schema.get("type")
    if kind in ("integer", "number"):
        yield loc, kind
    elif kind == "object":
        for name, prop in schema.get("properties", {}).items():
            yield from numbers_in(prop, document, (*loc, name))
    elif kind == "array":
        yield from numbers_in(schema.get("items", {}), document, (*loc, 0))


def number_fields(document: dict[str, Any]) -> list[NumberField]:
    found = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            for content_type, media in (operation.get("requestBody") or {}).get("content", {}).items():
                schema = media["schema"]
                for loc, json_type in numbers_in(schema, document):
                    body = valid_value(schema, document)
                    found.append(NumberField(method.upper(), path, content_type, loc, json_type, body))
    return found


def with_value(body: Any, loc: tuple, value: Any) -> Any:
    if not loc:
        return value
    copy = list(body) if isinstance(body, list) else dict(body)
    copy[loc[0]] = with_value(body[loc[0]], loc[1:], value)
    return copy


def body_errors(response: requests.Response) -> set[str]:
    if response.status_code != 422:
        return set()
    return {e["field"] for e in response.json().get("errors", []) if e["field"].startswith("body")}


@pytest.fixture
def client(dynamodb_table, cold_start):
    """(the function's OpenAPI document, a session whose requests reach it as API Gateway events)."""

    def start(function: str) -> tuple[dict[str, Any], requests.Session]:
        handler = cold_start(function, DEV_ENV)
        document = sys.modules["app"].handler.app.openapi()
        session = requests.Session()
        session.mount(BASE_URL, LambdaAdapter(api_routes(), lambda _: handler))
        return document, session

    return start


def send(session: requests.Session, field: NumberField, body: Any) -> requests.Response:
    url = BASE_URL + "/".join(SOME_ID if part.startswith("{") else part for part in field.path.split("/"))
    # If-Match, which PUT and PATCH require before they read a body; harmless elsewhere.
    headers = {"Content-Type": field.content_type, "If-Match": '"v1"'}
    return session.request(field.method, url, json=body, headers=headers)


@pytest.mark.parametrize("function", FUNCTIONS)
def test_every_number_in_every_request_body_refuses_booleans_and_strings(client, function, figures):
    document, session = client(function)
    for field in number_fields(document):
        name = ".".join(str(part) for part in ("body", *field.loc))
        # GIVEN a valid body: with its number as a number, no body field is refused
        assert name not in body_errors(send(session, field, field.body)), field
        for value in NOT_AN_INTEGER if field.json_type == "integer" else NOT_A_NUMBER:
            # WHEN the number is sent as a boolean, a string, or (for an integer) a float
            response = send(session, field, with_value(field.body, field.loc, value))
            figures("strict numbers", cases=1, requests=1, accepted=int(response.status_code != 422))
            # THEN a 422 validation problem names that field, and only it
            assert response.status_code == 422, (field, value, response.text)
            assert response.headers["content-type"] == "application/problem+json"
            assert body_errors(response) == {name}, (field, value, response.text)


def test_the_walk_finds_the_numbers_of_the_request_bodies(client):
    # GIVEN the users function, whose orders carry a quantity in POST, PUT and PATCH bodies
    document, _ = client("users")
    # WHEN its document is walked
    found = {(f.method, f.path, f.loc, f.json_type) for f in number_fields(document)}
    # THEN each of them is found, so the test above is not vacuous
    orders, order = "/api/v1/users/{user_id}/orders", "/api/v1/users/{user_id}/orders/{order_id}"
    assert {
        ("POST", orders, ("quantity",), "integer"),
        ("PUT", order, ("quantity",), "integer"),
        ("PATCH", order, ("quantity",), "integer"),
    } <= found
