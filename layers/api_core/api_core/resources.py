"""Addressing and creating a resource: URLs the client can follow, 201 and 204, the Idempotency-Key header.

Used from routes, e.g.:

    @app.post("/api/v1/things", status_code=201, openapi_extra=ACCEPTS_IDEMPOTENCY_KEY)
    async def create_thing(request: Request, body: ThingIn) -> Thing:
        thing = service.create_thing(body, idempotency_key(request))
        return created(request, thing, thing.id, version=thing.version)  # 201, Location, ETag

URLs are built from the Lambda event, so they work for the client that made the request: behind the
default execute-api URL the path carries the stage (`https://abc.execute-api.../dev/api/v1/things/1`),
behind a custom domain it does not (`https://api.example.com/api/v1/things/1`).

ETags and conditional requests are `api_core.conditional`'s, list parameters and bodies `api_core.lists`'.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import cache, lru_cache
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, StringConstraints, TypeAdapter, ValidationError

from api_core.authority import (
    AUTHORITY_SCOPE_KEY,
    HEADERS_SCOPE_KEY,
    Authority,
    MalformedHost,
    read_authority,
)
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
    return _with_client_prefix(authority, event, app_path)


def _with_client_prefix(authority: Authority | None, event: Mapping[str, Any], app_path: str) -> str | None:
    if authority is None:
        return None
    context = event.get("requestContext") or {}
    client_path = context.get("path") if event.get("version") != "2.0" else event.get("rawPath")
    return _base_url(authority, client_path if isinstance(client_path, str) else None, app_path)


@lru_cache(maxsize=256)  # a collection's URL repeats request after request; members only evict
def _base_url(authority: Authority, client_path: str | None, app_path: str) -> str:
    prefix = ""
    if client_path is not None and client_path.endswith(app_path):
        prefix = client_path[: len(client_path) - len(app_path)].rstrip("/")
    return authority.base_url + (prefix if _PATH_PREFIX.match(prefix) else "")


def base_url(request: Request) -> str:
    """`scheme://host[/stage]` for this request (from the Lambda event, else from the ASGI request, whose
    scheme and Host the layer's Mangum handlers set from the same validated authority)."""
    scope = request.scope
    event = scope.get("aws.event")
    found = None
    if isinstance(event, Mapping):
        if AUTHORITY_SCOPE_KEY in scope:  # the authority the entry point validated: not read a second time
            found = _with_client_prefix(scope[AUTHORITY_SCOPE_KEY], event, app_path(request))
        else:
            found = base_url_from_event(event, app_path(request))
    return found or str(request.base_url).rstrip("/")


def app_path(request: Request) -> str:
    """The path the app routed, as `request.url.path` spells it, without building the whole URL."""
    url = getattr(request, "_url", None)  # Starlette's cache of request.url, when something built it
    if url is not None:
        return url.path
    return request.scope["path"].replace("?", "%3F").replace("#", "%23").replace("\\", "%5C")


def url_for_path(request: Request, path: str, query: Mapping[str, str] | None = None) -> str:
    """An absolute URL for an app path (`/api/v1/items/42`), valid for the client of `request`."""
    url = base_url(request) + _quote_path(path)
    return f"{url}?{urlencode(query)}" if query else url


def url_builder(url: str, params: Iterable[tuple[str, str]]) -> UrlBuilder:
    """Builds `url` with the query `params`, some of them replaced (None removes one), the others kept:
    a request's Link URLs (`api_core.lists`). The parameters are encoded once, however many URLs are built."""
    encoded = [(name, _query_pair(name, value)) for name, value in params]

    def build(replace: Mapping[str, str | None]) -> str:
        kept = [pair for name, pair in encoded if name not in replace] if encoded else []
        added = [_query_pair(name, value) for name, value in replace.items() if value is not None]
        query = "&".join(kept + added)
        return f"{url}?{query}" if query else url

    return build


# What quote() leaves as it is in a path: RFC 3986 pchar and "/", minus "%" (a literal % is quoted).
_PATH_AS_IS = re.compile(r"[A-Za-z0-9/:@!$&'()*+,;=\-._~]*")


def _quote_path(path: str) -> str:
    # The usual path (`/api/v1/items/42`) has nothing to quote: skip quote()'s byte-by-byte pass.
    return path if _PATH_AS_IS.fullmatch(path) else quote(path, safe="/:@!$&'()*+,;=-._~")


# What urlencode leaves as it is (quote_plus's unreserved characters): page numbers, sizes, cursors.
_AS_IS = re.compile(r"[A-Za-z0-9_.~-]*")


def _query_pair(name: str, value: str) -> str:
    # Page numbers and sizes (ASCII digits) are the usual values: no pattern needed for them.
    as_is = (value.isascii() and value.isdigit()) or _AS_IS.fullmatch(value)
    if as_is and (name in _LIST_NAMES or _AS_IS.fullmatch(name)):
        return f"{name}={value}"
    return urlencode([(name, value)])


_LIST_NAMES = frozenset({"page", "per_page", "limit", "cursor", "search"})  # what the Link URLs replace


def member_url(request: Request, member_id: str) -> str:
    """The URL of a member of the collection this request addresses: `<this path>/<member_id>`."""
    return url_for_path(request, f"{app_path(request).rstrip('/')}/{member_id}")


# -- statuses -------------------------------------------------------------------------------------------
def created(
    request: Request,
    resource: BaseModel,
    member_id: str,
    *,
    version: int | None = None,
    response: Response | None = None,
) -> Any:
    """The answer to a POST that created `resource` (route declared with `status_code=201`): 201, the
    resource as JSON, `Location` of the new member, and its `ETag` when `version` is given.

    Serialized here, once, by pydantic: FastAPI skips its own validation and serialization of a returned
    `Response`, and the route's return annotation still gives the OpenAPI document the schema. Pass the
    route's `response` when the route or its dependencies set headers on it: they are kept.
    """
    headers = {"Location": member_url(request, member_id)}
    if version is not None:
        headers["ETag"] = etag(version)
    body = resource.__pydantic_serializer__.to_json(resource, by_alias=True)  # as FastAPI would
    answer = Response(body, status_code=201, headers=headers, media_type="application/json")
    if response is not None:
        answer.raw_headers.extend(response.raw_headers)
    return answer


def no_content() -> Response:
    """204 with no body, for DELETE."""
    return Response(status_code=204)


# -- headers --------------------------------------------------------------------------------------------
# Read by a call, not by a FastAPI header parameter: FastAPI's parameter machinery costs several times
# what reading and validating the header costs (docs/PERFORMANCE.md). The route declares the header in
# its OpenAPI document with `openapi_extra=ACCEPTS_IDEMPOTENCY_KEY`, FastAPI's way of documenting what a
# route reads itself; tests/unit/test_idempotency_key_header.py checks that the document, the values and
# the 422s are the ones a FastAPI `Header` parameter would give.
IDEMPOTENCY_KEY = "idempotency-key"
_KEY_SCHEMA = {"type": "string", "minLength": 1, "maxLength": MAX_IDEMPOTENCY_KEY_LENGTH}
ACCEPTS_IDEMPOTENCY_KEY: dict[str, Any] = {
    "parameters": [
        {
            "name": IDEMPOTENCY_KEY,
            "in": "header",
            "required": False,
            "schema": {
                "anyOf": [{**_KEY_SCHEMA, "pattern": IDEMPOTENCY_KEY_PATTERN}, {"type": "null"}],
                "title": "Idempotency-Key",
            },
        }
    ]
}
"""`openapi_extra` of a route that calls `idempotency_key(request)`: the header in its OpenAPI document."""


def idempotency_key(request: Request) -> IdempotencyKey | None:
    """The request's `Idempotency-Key` header (1-255 visible ASCII characters), or None if not sent; any
    other value is a 422 naming `header.idempotency-key`. Pass it to the service, which hands it to
    `api_core.idempotency.Idempotency.run`."""
    value = _header(request, IDEMPOTENCY_KEY)
    if value is None:
        return None
    try:
        return IdempotencyKey(_key_adapter().validate_python(value))
    except ValidationError as error:
        errors = error.errors(include_url=False)
        raise RequestValidationError([{**e, "loc": ("header", IDEMPOTENCY_KEY)} for e in errors]) from None


def _header(request: Request, name: str) -> str | None:
    # The first value, as Starlette's `request.headers.get` gives it, from the map the entry point read.
    read = request.scope.get(HEADERS_SCOPE_KEY)
    if read is None:
        return request.headers.get(name)
    values = read.get(name)
    return values[0] if values else None


@cache
def _key_adapter() -> TypeAdapter[str]:
    constraints = StringConstraints(
        min_length=1, max_length=MAX_IDEMPOTENCY_KEY_LENGTH, pattern=IDEMPOTENCY_KEY_PATTERN
    )
    return TypeAdapter(Annotated[str, constraints])
