"""List endpoints: the query parameters (`ListParams`) and the response (`list_response`).

    @app.get("/api/v1/things")
    async def list_things(
        request: Request, response: Response, query: ListParams
    ) -> PageBody[Thing] | CursorBody[Thing]:
        return list_response(request, response, service.list_things(query), Thing)

The styles, cursors and bodies themselves are `api_core.pagination`'s (pure); this module is their HTTP
side: parameters FastAPI validates and documents, and the `Link` and `X-Total-Count` headers.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Query, Request, Response
from pydantic import BaseModel, Field

from api_core.pagination import (
    MAX_PER_PAGE,
    CursorBody,
    Listing,
    ListRequest,
    PageBody,
    link_header,
    list_request,
    listing_body,
    listing_links,
)
from api_core.resources import current_url_builder

MAX_SEARCH_LENGTH = 100


class ListQuery(BaseModel):
    """The list query parameters; FastAPI documents each as a query parameter of its own."""

    page: int | None = Field(None, ge=1, description="page number, from 1")
    per_page: int | None = Field(None, ge=1, le=MAX_PER_PAGE, description="items per page")
    limit: int | None = Field(None, ge=1, le=MAX_PER_PAGE, description="cursor style: page size")
    cursor: str | None = Field(None, description="cursor style: next_cursor of the previous page")
    search: str | None = Field(
        None, max_length=MAX_SEARCH_LENGTH, description="case-insensitive substring of name"
    )


# `async def` although nothing awaits: FastAPI would run a plain `def` dependency in its thread pool, one
# hop per request (docs/PERFORMANCE.md). One model rather than five `Query()` parameters: FastAPI then
# validates the query string in one pydantic call instead of one per parameter.
async def _list_params(query: Annotated[ListQuery, Query()]) -> ListRequest:
    return list_request(
        page=query.page, per_page=query.per_page, limit=query.limit, cursor=query.cursor, search=query.search
    )


ListParams = Annotated[ListRequest, Depends(_list_params)]
"""A route parameter for `?page&per_page&search` or `?limit&cursor&search`; out-of-range values are 422."""


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
