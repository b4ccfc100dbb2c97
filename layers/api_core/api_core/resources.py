"""Addressing and creating a resource: URLs the client can follow, 201 and 204, the Idempotency-Key header.

Used from routes, e.g.:

    @app.post("/api/v1/things", status_code=201)
    async def create_thing(
        request: Request, response: Response, body: ThingIn, key: IdempotencyKeyHeader
    ) -> Thing:
        thing = service.create_thing(body, key)
        created(request, response, thing.id, version=thing.version)   # Location + ETag
        return thing

URLs are built from the Lambda event, so they work for the client that made the request: behind the
default execute-api URL the path carries the stage (`https://abc.execute-api.../dev/api/v1/things/1`),
behind a custom domain it does not (`https://api.example.com/api/v1/things/1`).

ETags and conditional requests are `api_core.conditional`'s, list parameters and bodies `api_core.lists`'.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import Depends, Header, Request, Response

from api_core.authority import MalformedHost, read_authority
from api_core.conditional import etag
from api_core.idempotency_key import IDEMPOTENCY_KEY_PATTERN, MAX_IDEMPOTENCY_KEY_LENGTH, IdempotencyKey
from api_core.pagination import UrlBuilder

# -- URLs -----------------------------------------------------------------------------------------------
# RFC 3986 path segments (pchar): anything else in the client's path prefix is left out of the URLs.
_PATH_PREFIX = re.compile(r"(?:/(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})*)*\Z")


def base_url_from_event(event: Mapping[str, Any], app_path: str) -> str | None:
    """`scheme://host[/stage]` the client used, read from an API Gateway event, or None if it can't tell.

    `app_path` is the path the app routed (`/api/v1/items`). A REST (v1) event's `requestContext.path` is
    the path the client sent: with the stage in front behind execute-api (`/dev/api/v1/items`), without
    it behind a custom domain; whatever precedes `app_path` there is the prefix to keep.

    Scheme and host are `api_core.authority`'s, validated: a malformed Host gives None, never a URL.
    """
    try:
        authority = read_authority(event)
    except MalformedHost:
        return None
    if authority is None:
        return None
    context = event.get("requestContext") or {}
    client_path = context.get("path") if event.get("version") != "2.0" else event.get("rawPath")
    prefix = ""
    if isinstance(client_path, str) and client_path.endswith(app_path):
        prefix = client_path[: len(client_path) - len(app_path)].rstrip("/")
    return authority.base_url + (prefix if _PATH_PREFIX.match(prefix) else "")


def base_url(request: Request) -> str:
    """`scheme://host[/stage]` for this request (from the Lambda event, else from the ASGI request, whose
    scheme and Host the layer's Mangum handlers set from the same validated authority)."""
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
    params = [(name, _query_pair(name, value)) for name, value in request.query_params.multi_items()]

    def build(replace: Mapping[str, str | None]) -> str:
        kept = [encoded for name, encoded in params if name not in replace]
        added = [_query_pair(name, value) for name, value in replace.items() if value is not None]
        query = "&".join(kept + added)
        return f"{url}?{query}" if query else url

    return build


# What urlencode leaves as it is (quote_plus's unreserved characters): page numbers, sizes, cursors.
_AS_IS = re.compile(r"[A-Za-z0-9_.~-]*")


def _query_pair(name: str, value: str) -> str:
    if _AS_IS.fullmatch(name) and _AS_IS.fullmatch(value):
        return f"{name}={value}"
    return urlencode([(name, value)])


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


# -- dependencies ---------------------------------------------------------------------------------------
# `async def` although nothing awaits: FastAPI would run a plain `def` dependency in its thread pool, one
# hop per request (docs/PERFORMANCE.md).
async def _idempotency_key(
    request: Request,
    idempotency_key: Annotated[
        str | None,
        Header(min_length=1, max_length=MAX_IDEMPOTENCY_KEY_LENGTH, pattern=IDEMPOTENCY_KEY_PATTERN),
    ] = None,
) -> IdempotencyKey | None:
    if idempotency_key is None:
        return None
    return IdempotencyKey(idempotency_key, request.scope.get("aws.context"))


IdempotencyKeyHeader = Annotated[IdempotencyKey | None, Depends(_idempotency_key)]
"""A route parameter: the `Idempotency-Key` header (1-255 visible ASCII characters), if sent.

Pass it to the service, which hands it to `api_core.idempotency.Idempotency.run`."""
