"""`idempotency_key(request)` reads the header itself: the same values, 422s and document as a FastAPI
`Header` parameter with the same constraints would give."""

from __future__ import annotations

import json
from typing import Annotated

import pytest
from api_core.app_factory import create_app
from api_core.idempotency_key import IDEMPOTENCY_KEY_PATTERN, MAX_IDEMPOTENCY_KEY_LENGTH
from api_core.lambda_handler import create_handler
from api_core.resources import ACCEPTS_IDEMPOTENCY_KEY, idempotency_key
from fastapi import Header, Request
from pydantic import BaseModel
from support.events import load_event
from support.handlers import DEV_ENV, use_environment

ROUTE = "/api/v1/items"
FastApiHeader = Annotated[
    str | None,
    Header(min_length=1, max_length=MAX_IDEMPOTENCY_KEY_LENGTH, pattern=IDEMPOTENCY_KEY_PATTERN),
]


class Thing(BaseModel):
    name: str


@pytest.fixture(autouse=True)
def _settings(monkeypatch: pytest.MonkeyPatch) -> None:
    use_environment(monkeypatch, DEV_ENV)


def apps():
    ours, fastapis = create_app(title="ours"), create_app(title="fastapi")

    @ours.post(ROUTE, status_code=201, openapi_extra=ACCEPTS_IDEMPOTENCY_KEY)
    async def ours_route(request: Request, body: Thing) -> dict:
        return {"key": idempotency_key(request)}

    @fastapis.post(ROUTE, status_code=201)
    async def fastapi_route(body: Thing, idempotency_key: FastApiHeader = None) -> dict:
        return {"key": idempotency_key}

    return ours, fastapis


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Idempotency-Key": "a-key"},
        {"idempotency-key": "~!#$%&'*+-.^_`|"},
        {"Idempotency-Key": ""},
        {"Idempotency-Key": "k" * 255},
        {"Idempotency-Key": "k" * 256},
        {"Idempotency-Key": "with space"},
        {"Idempotency-Key": "caf\u00e9"},
    ],
)
def test_the_header_reads_and_fails_as_a_fastapi_header_parameter(headers):
    answers = []
    for app in apps():
        event = load_event("items-post-create", headers=headers)
        response = create_handler(app)(event, None)
        answers.append((response["statusCode"], json.loads(response["body"])))
    # THEN the status, the key or the 422 problem (fields, messages, types) are the same
    assert answers[0] == answers[1]
    assert answers[0][0] in (201, 422)


def test_a_bad_key_is_a_422_naming_the_header():
    ours, _ = apps()
    event = load_event("items-post-create", headers={"Idempotency-Key": "k" * 256})
    body = json.loads(create_handler(ours)(event, None)["body"])
    assert body["type"] == "urn:problem-type:validation-error"
    assert [error["field"] for error in body["errors"]] == ["header.idempotency-key"]


def test_the_document_declares_the_header_as_fastapi_does():
    documented = [app.openapi()["paths"][ROUTE]["post"] for app in apps()]
    assert documented[0]["parameters"] == documented[1]["parameters"]
    assert list(documented[0]) == list(documented[1])  # `parameters` where FastAPI puts it
