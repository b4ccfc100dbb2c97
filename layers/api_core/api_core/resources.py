"""REST conventions for a resource: URLs the client can follow, statuses, ETags and list responses.

Used from routes, e.g.:

    @app.post("/api/v1/things", status_code=201)
    async def create_thing(request: Request, response: Response, body: ThingIn) -> Thing:
        thing = service.create(body)
        created(request, response, thing.id, version=thing.version)   # Location + ETag
        return thing

URLs are built from the Lambda event, so they work for the client that made the request: behind the
default execute-api URL the path carries the stage (`https://abc.execute-api.../dev/api/v1/things/1`),
behind a custom domain it does not (`https://api.example.com/api/v1/things/1`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import Depends, Header, Query, Request, Response
from pydantic import BaseModel, Field

from api_core.events import event_header
from api_core.idempotency import IdempotencyKey
from api_core.pagination import (
    MAX_PER_PAGE,
    CursorBody,
    Listing,
    ListRequest,
    PageBody,
    UrlBuilder,
    link_header,
    list_request,
    listing_body,
    listing_links,
)

_ENTITY_TAG = re.compile(r'\s*(W/)?"([\x21\x23-\x7e\x80-\xff]*)"\s*(?:,|\Z)')
_VERSION_TAG = re.compile(r"v([1-9][0-9]{0,17})\Z")
MAX_SEARCH_LENGTH = 100
MAX_IDEMPOTENCY_KEY_LENGTH = 255


# -- URLs -----------------------------------------------------------------------------------------------
def base_url_from_event(event: Mapping[str, Any], app_path: str) -> str | None:
    """`scheme://host[/stage]` the client used, read from an API Gateway event, or None if it can't tell.

    `app_path` is the path the app routed (`/api/v1/items`). A REST (v1) event's `requestContext.path` is
    the path the client sent: with the stage in front behind execute-api (`/dev/api/v1/items`), without
    it behind a custom domain; whatever precedes `app_path` there is the prefix to keep.
    """
    context = event.get("requestContext") or {}
    host = event_header(event, "host") or context.get("domainName")
    if not isinstance(host, str) or not host:
        return None
    proto = (event_header(event, "x-forwarded-proto") or "https").split(",")[0].strip().lower()
    scheme = proto if proto in ("http", "https") else "https"
    client_path = context.get("path") if event.get("version") != "2.0" else event.get("rawPath")
    prefix = ""
    if isinstance(client_path, str) and client_path.endswith(app_path):
        prefix = client_path[: len(client_path) - len(app_path)].rstrip("/")
    return f"{scheme}://{host}{prefix}"


def base_url(request: Request) -> str:
    """`scheme://host[/stage]` for this request (from the Lambda event, else from the ASGI request)."""
    event = request.scope.get("aws.event")
    found = base_url_from_event(event, request.url.path) if isinstance(event, Mapping) else None
    return found or str(request.base_url).rstrip("/")


def url_for_path(request: Request, path: str, query: Mapping[str, str] | None = None) -> str:
    """An absolute URL for an app path (`/api/v1/items/42`), valid for the client of `request`."""
    url = base_url(request) + quote(path, safe="/:@!$&'()*+,;=-._~")
    return f"{url}?{urlencode(query)}" if query else url


def current_url_builder(request: Request) -> UrlBuilder:
    """Builds this request's URL with some query parameters replaced (None removes one), others kept.

    The base URL and the encoded parameters are worked out once, however many links are built from them.
    """
    url = url_for_path(request, request.url.path)
    params = [(name, urlencode([(name, value)])) for name, value in request.query_params.multi_items()]

    def build(replace: Mapping[str, str | None]) -> str:
        kept = [encoded for name, encoded in params if name not in replace]
        added = [urlencode([(name, value)]) for name, value in replace.items() if value is not None]
        query = "&".join(kept + added)
        return f"{url}?{query}" if query else url

    return build


def member_url(request: Request, member_id: str) -> str:
    """The URL of a member of the collection this request addresses: `<this path>/<member_id>`."""
    return url_for_path(request, f"{request.url.path.rstrip('/')}/{member_id}")


# -- statuses -------------------------------------------------------------------------------------------
def created(request: Request, response: Response, member_id: str, *, version: int | None = None) -> None:
    """For a POST to a collection (route declared with `status_code=201`): `Location` of the new member,
    and its `ETag` when `version` is given."""
    response.headers["Location"] = member_url(request, member_id)
    if version is not None:
        response.headers["ETag"] = etag(version)


def no_content() -> Response:
    """204 with no body, for DELETE."""
    return Response(status_code=204)


def not_modified(version: int) -> Response:
    """304 for a GET whose If-None-Match matched: no body, the current ETag."""
    return Response(status_code=304, headers={"ETag": etag(version)})


# -- ETags ----------------------------------------------------------------------------------------------
def etag(version: int) -> str:
    """The strong ETag of a stored record's version: `"v3"`."""
    return f'"v{version}"'


def parse_entity_tags(value: str) -> list[tuple[bool, str]] | None:
    """An If-Match / If-None-Match list as (weak, opaque-tag) pairs; None if it is not a valid list."""
    tags: list[tuple[bool, str]] = []
    position = 0
    text = value.strip()
    while position < len(text):
        match = _ENTITY_TAG.match(text, position)
        if match is None:
            return None
        tags.append((match.group(1) is not None, match.group(2)))
        position = match.end()
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


# -- dependencies ---------------------------------------------------------------------------------------
class ListQuery(BaseModel):
    """The list query parameters; FastAPI documents each as a query parameter of its own."""

    page: int | None = Field(None, ge=1, description="page number, from 1")
    per_page: int | None = Field(None, ge=1, le=MAX_PER_PAGE, description="items per page")
    limit: int | None = Field(None, ge=1, le=MAX_PER_PAGE, description="cursor style: page size")
    cursor: str | None = Field(None, description="cursor style: next_cursor of the previous page")
    search: str | None = Field(
        None, max_length=MAX_SEARCH_LENGTH, description="case-insensitive substring of name"
    )


# `async def` although nothing here awaits: FastAPI runs a plain `def` dependency in a thread pool, a hop
# that cost about 0.7 ms per dependency per request on Lambda-sized CPUs (docs/PERFORMANCE.md).
# One model rather than five `Query()` parameters: FastAPI then validates the query string in one pydantic
# call instead of one lookup and validation per parameter.
async def _list_params(query: Annotated[ListQuery, Query()]) -> ListRequest:
    return list_request(
        page=query.page, per_page=query.per_page, limit=query.limit, cursor=query.cursor, search=query.search
    )


ListParams = Annotated[ListRequest, Depends(_list_params)]
"""A route parameter for `?page&per_page&search` or `?limit&cursor&search`; out-of-range values are 422."""


async def _if_match(if_match: Annotated[str | None, Header()] = None) -> frozenset[int] | None:
    return if_match_versions(if_match)


IfMatch = Annotated[frozenset[int] | None, Depends(_if_match)]
"""A route parameter: the versions `If-Match` allows (see `if_match_versions`)."""

IfNoneMatch = Annotated[str | None, Header()]
"""A route parameter: the raw `If-None-Match` header, for `none_match`."""


async def _idempotency_key(
    request: Request,
    idempotency_key: Annotated[
        str | None, Header(min_length=1, max_length=MAX_IDEMPOTENCY_KEY_LENGTH, pattern=r"^[\x21-\x7e]+$")
    ] = None,
) -> IdempotencyKey | None:
    if idempotency_key is None:
        return None
    return IdempotencyKey(idempotency_key, request.scope.get("aws.context"))


IdempotencyKeyHeader = Annotated[IdempotencyKey | None, Depends(_idempotency_key)]
"""A route parameter: the `Idempotency-Key` header (1-255 visible ASCII characters), if sent."""


# -- lists ----------------------------------------------------------------------------------------------
def list_response[T](
    request: Request, response: Response, listing: Listing[T], model: Any = Any
) -> PageBody[T] | CursorBody[T]:
    """The body for a listing, and its `Link` (RFC 8288) and `X-Total-Count` headers on `response`.

    `model` is the items' model (`Item`), so that the body is built once, already typed.
    """
    links = listing_links(listing, current_url_builder(request))
    response.headers["Link"] = link_header(links)
    if listing.total is not None:
        response.headers["X-Total-Count"] = str(listing.total)
    return listing_body(listing, model)
