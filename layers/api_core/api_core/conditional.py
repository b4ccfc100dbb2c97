"""ETags and conditional requests (RFC 9110 section 13) for records that carry a `version`.

A record's version is its strong ETag, `"v<version>"`. Writes take the `IfMatch` versions and leave the
check to the data layer (412 when none is current); a GET answers 304 when `If-None-Match` names the
current version:

    @app.get("/api/v1/things/{thing_id}", response_model=Thing)
    async def get_thing(
        thing_id: str, response: Response, if_none_match: IfNoneMatch = None
    ) -> Thing | Response:
        return conditional_get(response, service.get_thing(thing_id), if_none_match)

    @app.put("/api/v1/things/{thing_id}")
    async def replace_thing(thing_id: str, body: ThingIn, response: Response, expected: IfMatch) -> Thing:
        return with_etag(response, service.replace_thing(thing_id, body, expected))
"""

from __future__ import annotations

import re
from typing import Annotated, Protocol

from fastapi import Depends, Header, Response

from api_core.errors import TooManyEntityTags

_ENTITY_TAG = re.compile(r'(W/)?"([\x21\x23-\x7e\x80-\xff]*)"\s*(?:,|\Z)')
# Between list elements: whitespace, and empty elements, which recipients must accept (RFC 9110 5.6.1).
_SEPARATORS = re.compile(r"[\s,]*")
_VERSION_TAG = re.compile(r"v([1-9][0-9]{0,17})\Z")
# A write's versions become one DynamoDB condition, `#version IN (...)`: DynamoDB allows 100 operands
# per IN and 4 KB per expression, so a longer list would fail there (a 500) rather than here (a 400).
# No client needs more than a few: an ETag names one version.
MAX_ENTITY_TAGS = 32


class Versioned(Protocol):
    """Anything a route returns that has a stored version: the response models of the functions."""

    @property
    def version(self) -> int: ...


# -- ETags ----------------------------------------------------------------------------------------------
def etag(version: int) -> str:
    """The strong ETag of a stored record's version: `"v3"`."""
    return f'"v{version}"'


def parse_entity_tags(value: str) -> list[tuple[bool, str]] | None:
    """An If-Match / If-None-Match list as (weak, opaque-tag) pairs; None if it is not a valid list.

    Empty list elements (`"v3",` or `, "v3"`) are skipped. More than `MAX_ENTITY_TAGS` tags raise
    TooManyEntityTags (a 400), whether or not the list is otherwise valid.
    """
    tags: list[tuple[bool, str]] = []
    position = _SEPARATORS.match(value).end()
    while position < len(value):
        match = _ENTITY_TAG.match(value, position)
        if match is None:
            return None
        if len(tags) == MAX_ENTITY_TAGS:
            raise TooManyEntityTags(
                f"an entity-tag list holds at most {MAX_ENTITY_TAGS} tags", max_tags=MAX_ENTITY_TAGS
            )
        tags.append((match.group(1) is not None, match.group(2)))
        position = _SEPARATORS.match(value, match.end()).end()
    return tags or None


def if_match_versions(value: str | None) -> frozenset[int] | None:
    """The versions an `If-Match` header allows a write to replace.

    None when there is no condition (header absent, or `*`: the record must merely exist). Strong
    comparison (RFC 9110 13.1.1): weak tags and tags this API never issued match nothing, so a header
    naming only those yields an empty set and the write fails with 412.
    """
    if value is None or value.strip() == "*":
        return None
    versions = set()
    for weak, tag in parse_entity_tags(value) or []:
        match = _VERSION_TAG.match(tag)
        if not weak and match:
            versions.add(int(match.group(1)))
    return frozenset(versions)


def none_match(value: str | None, version: int) -> bool:
    """True when `If-None-Match` matches the current version (weak comparison): answer 304."""
    if value is None:
        return False
    if value.strip() == "*":
        return True
    return any(tag == f"v{version}" for _, tag in parse_entity_tags(value) or [])


# -- responses ------------------------------------------------------------------------------------------
def with_etag[R: Versioned](response: Response, resource: R) -> R:
    """`resource`, with its `ETag` set on `response`: what a GET, PUT or PATCH of one record returns."""
    response.headers["ETag"] = etag(resource.version)
    return resource


def not_modified(version: int) -> Response:
    """304 for a GET whose If-None-Match matched: no body, the current ETag."""
    return Response(status_code=304, headers={"ETag": etag(version)})


def conditional_get[R: Versioned](response: Response, resource: R, if_none_match: str | None) -> R | Response:
    """A GET of one record: 304 (`not_modified`) when `If-None-Match` names its version, else `resource`
    with its `ETag`. Declare the route's `response_model`, since it may return a bare `Response`."""
    if none_match(if_none_match, resource.version):
        return not_modified(resource.version)
    return with_etag(response, resource)


# -- dependencies ---------------------------------------------------------------------------------------
# `async def` although nothing awaits: FastAPI would run a plain `def` dependency in its thread pool, one
# hop per request (docs/PERFORMANCE.md).
async def _if_match(if_match: Annotated[str | None, Header()] = None) -> frozenset[int] | None:
    return if_match_versions(if_match)


IfMatch = Annotated[frozenset[int] | None, Depends(_if_match)]
"""A route parameter: the versions `If-Match` allows (see `if_match_versions`)."""

IfNoneMatch = Annotated[str | None, Header()]
"""A route parameter: the raw `If-None-Match` header, for `conditional_get` or `none_match`."""
