"""ETags and conditional requests: If-Match / If-None-Match parsing, and the answers of a conditional GET."""

from __future__ import annotations

import pytest
from api_core.conditional import (
    conditional_get,
    etag,
    if_match_versions,
    none_match,
    not_modified,
    parse_entity_tags,
    with_etag,
)
from fastapi import Response
from pydantic import BaseModel


class Thing(BaseModel):
    id: str
    version: int


# -- ETags ----------------------------------------------------------------------------------------------
def test_etag_is_a_strong_quoted_version():
    assert etag(3) == '"v3"'


@pytest.mark.parametrize(
    ("header", "versions"),
    [
        (None, None),
        ("*", None),
        (' "v3" ', frozenset({3})),
        ('"v1", "v2"', frozenset({1, 2})),
        ('W/"v3"', frozenset()),  # If-Match uses the strong comparison
        ('"abc"', frozenset()),
        ('"v0"', frozenset()),
        ("v3", frozenset()),  # not a quoted entity-tag
        ('"v3", garbage', frozenset()),
    ],
)
def test_if_match_versions(header, versions):
    assert if_match_versions(header) == versions


@pytest.mark.parametrize(
    ("header", "matches"),
    [(None, False), ("*", True), ('"v3"', True), ('W/"v3"', True), ('"v2", "v3"', True), ('"v2"', False)],
)
def test_if_none_match_uses_the_weak_comparison(header, matches):
    assert none_match(header, 3) is matches


def test_entity_tags_may_hold_commas():
    assert parse_entity_tags('"a,b", W/"c"') == [(False, "a,b"), (True, "c")]
    assert parse_entity_tags('"unterminated') is None


# -- responses ------------------------------------------------------------------------------------------
def test_with_etag_sets_the_version_tag_and_returns_the_same_resource():
    response, thing = Response(), Thing(id="a", version=4)
    assert with_etag(response, thing) is thing
    assert response.headers["ETag"] == '"v4"'


def test_not_modified_is_an_empty_304_with_the_current_etag():
    answer = not_modified(7)
    assert answer.status_code == 304
    assert answer.body == b""
    assert answer.headers["ETag"] == '"v7"'


@pytest.mark.parametrize("header", ['"v3"', 'W/"v3"', '"v1", "v3"', "*"])
def test_a_conditional_get_naming_the_current_version_is_304(header):
    response, thing = Response(), Thing(id="a", version=3)
    answer = conditional_get(response, thing, header)
    assert isinstance(answer, Response)
    assert answer.status_code == 304
    assert answer.body == b""
    assert answer.headers["ETag"] == '"v3"'


@pytest.mark.parametrize("header", [None, '"v2"', '"v3x"', "garbage"])
def test_otherwise_a_conditional_get_returns_the_resource_with_its_etag(header):
    response, thing = Response(), Thing(id="a", version=3)
    assert conditional_get(response, thing, header) is thing
    assert response.headers["ETag"] == '"v3"'
