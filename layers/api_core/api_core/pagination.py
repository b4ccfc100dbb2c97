"""Pagination: page numbers for small collections, opaque cursors for large ones. Pure: no HTTP, no AWS.

Two styles share one request/response vocabulary:
- page numbers: `?page=2&per_page=20` answers `{"items": [...], "pagination": {page, per_page, total,
  total_pages}}`. Reaching page p costs O(p * per_page) reads in DynamoDB, so pages deeper than
  `MAX_WINDOW` items are refused (400) with a hint to switch to cursors.
- cursors: `?limit=50&cursor=...` answers `{"items": [...], "next_cursor": "..." | null}`. Each page costs
  O(limit) reads at any depth. The cursor is base64url JSON bound to the collection and query that issued
  it, so a cursor replayed against another collection or search is refused (400), never served.

`api_core.lists.list_response` turns a `Listing` into the body plus the `Link` (RFC 8288) and
`X-Total-Count` headers; `api_core.dynamo.Database.list` produces the `Listing` from a table.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from pydantic import BaseModel, TypeAdapter

from api_core.errors import BadCursor, PageWindowExceeded, PaginationStyleConflict

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
# Deepest item reachable by page number (page * per_page). Past it the reads per request grow large
# enough to matter (see docs); cursors reach any depth at a constant cost.
MAX_WINDOW = 10_000
MAX_CURSOR_LENGTH = 512
MAX_POSITION_LENGTH = 256
_BASE64URL = re.compile(r"[A-Za-z0-9_-]+\Z")
_CURSOR_VERSION = 1

UrlBuilder = Callable[[Mapping[str, str | None]], str]
"""Builds the URL of the current collection with some query parameters replaced (None removes one)."""


@dataclass(frozen=True, slots=True)
class PageRequest:
    """Page-number style: 1-based `page`, `per_page` items per page, optional name `search`."""

    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    search: str | None = None

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


@dataclass(frozen=True, slots=True)
class CursorRequest:
    """Cursor style: up to `limit` items after the position `cursor` encodes (None: from the start)."""

    limit: int = DEFAULT_PER_PAGE
    cursor: str | None = None
    search: str | None = None


ListRequest = PageRequest | CursorRequest


def list_request(
    *,
    page: int | None = None,
    per_page: int | None = None,
    limit: int | None = None,
    cursor: str | None = None,
    search: str | None = None,
    max_window: int = MAX_WINDOW,
) -> ListRequest:
    """Pick the style from the parameters given (ranges are checked by the caller, e.g. FastAPI's Query).

    Page numbers are the default. Mixing the styles is refused rather than guessed at, and so is a page
    past `max_window` items.
    """
    search = (search or "").strip() or None
    if limit is not None or cursor is not None:
        if page is not None or per_page is not None:
            raise PaginationStyleConflict(
                "use either page and per_page, or limit and cursor, not both",
            )
        return CursorRequest(limit=limit or DEFAULT_PER_PAGE, cursor=cursor, search=search)
    request = PageRequest(page=page or 1, per_page=per_page or DEFAULT_PER_PAGE, search=search)
    if request.page * request.per_page > max_window:
        raise PageWindowExceeded(
            f"page * per_page must be at most {max_window}; "
            "to go deeper, page with ?limit=...&cursor=... (follow next_cursor from the first page)",
            max_window=max_window,
            hint="use cursor pagination: ?limit=<1-100>, then ?cursor=<next_cursor>",
        )
    return request


@dataclass(frozen=True, slots=True)
class Listing[T]:
    """One page of a collection: what was asked, the items, and what is known about the rest.

    `total` is None when it is unknown (cursor style with a search). `next_cursor` is None on the last
    page and always for the page-number style.
    """

    request: ListRequest
    items: list[T]
    total: int | None
    next_cursor: str | None = None

    def map[U](self, convert: Callable[[T], U]) -> Listing[U]:
        """The same page with each item converted, e.g. from a stored record to a response model."""
        return Listing(self.request, [convert(item) for item in self.items], self.total, self.next_cursor)

    def validated[M: BaseModel](self, model: type[M]) -> Listing[M]:
        """The same page with its items (stored records) validated into `model`, all in one pydantic call:
        `listing.validated(Item)` is `listing.map(Item.model_validate)`, at about half the cost."""
        items = _list_adapter(model).validate_python(self.items)
        return Listing(self.request, items, self.total, self.next_cursor)


@cache
def _list_adapter(model: type[BaseModel]) -> TypeAdapter[list[Any]]:
    return TypeAdapter(list[model])  # type: ignore[valid-type]


def total_pages(total: int, per_page: int) -> int:
    return -(-total // per_page)


# -- cursors --------------------------------------------------------------------------------------------
def encode_cursor(collection: str, search: str | None, position: str) -> str:
    """An opaque cursor for `position` (the last key seen) in `collection` under `search`."""
    payload = {"v": _CURSOR_VERSION, "b": _binding(collection, search), "p": position}
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode_cursor(token: str, collection: str, search: str | None) -> str:
    """The position a cursor encodes, or BadCursor if it is malformed or bound to something else."""
    if len(token) > MAX_CURSOR_LENGTH or not _BASE64URL.match(token):
        raise BadCursor("the cursor is malformed: pass next_cursor back exactly as received")
    try:
        raw = base64.b64decode(token + "=" * (-len(token) % 4), altchars=b"-_", validate=True)
        payload = json.loads(raw)
    except (binascii.Error, ValueError):
        raise BadCursor("the cursor is malformed: pass next_cursor back exactly as received") from None
    if not isinstance(payload, dict) or payload.get("v") != _CURSOR_VERSION:
        raise BadCursor("the cursor is malformed or from another version of the API")
    if payload.get("b") != _binding(collection, search):
        raise BadCursor("the cursor was issued for another collection or search: start again without it")
    position = payload.get("p")
    if not isinstance(position, str) or not 0 < len(position) <= MAX_POSITION_LENGTH:
        raise BadCursor("the cursor is malformed: pass next_cursor back exactly as received")
    return position


def _binding(collection: str, search: str | None) -> str:
    # Not a secret: the cursor only positions a read inside a collection the caller may already list.
    # The binding makes a cursor from another collection or query fail loudly instead of silently.
    text = json.dumps([collection, search], separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# -- links ----------------------------------------------------------------------------------------------
def page_links(
    request: PageRequest, total: int, url: UrlBuilder, *, max_window: int = MAX_WINDOW
) -> dict[str, str]:
    """first / prev / next / last for the page style. Pages past `max_window` get no link."""
    last = max(total_pages(total, request.per_page), 1)

    def to(page: int) -> str:
        return url({"page": str(page), "per_page": str(request.per_page)})

    links = {"first": to(1)}
    if request.page > 1:
        links["prev"] = to(min(request.page - 1, last))
    if request.page < last and (request.page + 1) * request.per_page <= max_window:
        links["next"] = to(request.page + 1)
    if last * request.per_page <= max_window:
        links["last"] = to(last)
    return links


def cursor_links(request: CursorRequest, next_cursor: str | None, url: UrlBuilder) -> dict[str, str]:
    """first / next for the cursor style (prev and last are unknown to a forward-only cursor)."""
    links = {"first": url({"limit": str(request.limit), "cursor": None})}
    if next_cursor is not None:
        links["next"] = url({"limit": str(request.limit), "cursor": next_cursor})
    return links


def listing_links(listing: Listing[Any], url: UrlBuilder) -> dict[str, str]:
    """The Link relations for a listing, whichever its style."""
    if isinstance(listing.request, PageRequest):
        return page_links(listing.request, listing.total or 0, url)
    return cursor_links(listing.request, listing.next_cursor, url)


def link_header(links: Mapping[str, str]) -> str:
    """An RFC 8288 Link header value: `<url>; rel="next", <url>; rel="last"`."""
    return ", ".join(f'<{target}>; rel="{rel}"' for rel, target in links.items())


# -- bodies ---------------------------------------------------------------------------------------------
class PageMeta(BaseModel):
    page: int
    per_page: int
    total: int
    total_pages: int


class PageBody[T](BaseModel):
    """`{"items": [...], "pagination": {"page", "per_page", "total", "total_pages"}}`"""

    items: list[T]
    pagination: PageMeta


class CursorBody[T](BaseModel):
    """`{"items": [...], "next_cursor": "..." | null}`"""

    items: list[T]
    next_cursor: str | None


def listing_body[T](listing: Listing[T], model: Any = Any) -> PageBody[T] | CursorBody[T]:
    """The response body for a listing, in the shape of its style, typed with the items' `model`.

    Pass the route's item model: FastAPI then accepts the body as it is. Built as `PageBody[Any]`, it
    would be validated again into `PageBody[Item]`, item by item (about a tenth of a list request).
    """
    request = listing.request
    if isinstance(request, PageRequest):
        total = listing.total or 0
        meta = PageMeta(
            page=request.page,
            per_page=request.per_page,
            total=total,
            total_pages=total_pages(total, request.per_page),
        )
        return _typed(PageBody, model)(items=listing.items, pagination=meta)
    return _typed(CursorBody, model)(items=listing.items, next_cursor=listing.next_cursor)


@cache  # one entry per (body, item model) pair the code names: bounded by the code, not by requests
def _typed(body: Any, model: Any) -> Any:
    # pydantic caches its parametrized classes too, but looking one up costs more than this dict does.
    return body[model]
