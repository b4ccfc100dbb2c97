"""The pagination contract, as pure logic: styles, window, cursors, links, bodies."""

from __future__ import annotations

import base64
import json
from urllib.parse import urlencode

import pytest
from api_core.errors import BadCursor, PageWindowExceeded, PaginationStyleConflict
from api_core.pagination import (
    MAX_WINDOW,
    CursorBody,
    CursorRequest,
    Listing,
    PageBody,
    PageRequest,
    cursor_links,
    decode_cursor,
    encode_cursor,
    link_header,
    list_request,
    listing_body,
    page_links,
    total_pages,
)
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, TypeAdapter, ValidationError

BASE = "https://api.example.com/api/v1/items"


def url(replace):
    query = {k: v for k, v in replace.items() if v is not None}
    return f"{BASE}?{urlencode(query)}" if query else BASE


def pages_of(links):
    return {rel: int(target.split("page=")[1].split("&")[0]) for rel, target in links.items()}


# -- choosing the style ---------------------------------------------------------------------------------
def test_page_numbers_are_the_default_style():
    assert list_request() == PageRequest(page=1, per_page=20, search=None)


@pytest.mark.parametrize("params", [{"limit": 5}, {"cursor": "abc"}, {"limit": 5, "cursor": "abc"}])
def test_limit_or_cursor_selects_the_cursor_style(params):
    request = list_request(**params)
    assert isinstance(request, CursorRequest)
    assert request.limit == params.get("limit", 20)
    assert request.cursor == params.get("cursor")


@pytest.mark.parametrize("params", [{"page": 2, "cursor": "abc"}, {"per_page": 5, "limit": 5}])
def test_mixing_the_styles_is_a_400_not_a_guess(params):
    with pytest.raises(PaginationStyleConflict) as raised:
        list_request(**params)
    assert raised.value.status == 400


def test_a_blank_search_is_no_search():
    assert list_request(search="   ").search is None
    assert list_request(search=" lamp ").search == "lamp"


def test_the_window_allows_exactly_max_window_items():
    # GIVEN the deepest page that still ends within the window
    assert list_request(page=MAX_WINDOW // 100, per_page=100).page == MAX_WINDOW // 100
    # WHEN one page deeper is asked for THEN it is refused with a hint to use the cursor
    with pytest.raises(PageWindowExceeded) as raised:
        list_request(page=MAX_WINDOW // 100 + 1, per_page=100)
    assert raised.value.status == 400
    assert "cursor" in raised.value.extensions["hint"]
    assert raised.value.extensions["max_window"] == MAX_WINDOW


# -- cursors --------------------------------------------------------------------------------------------
def test_a_cursor_round_trips_and_is_base64url_without_padding():
    token = encode_cursor("items", "lamp", "0192f3a0-1c2d-7e3f-8a4b-5c6d7e8f9a01")
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert decode_cursor(token, "items", "lamp") == "0192f3a0-1c2d-7e3f-8a4b-5c6d7e8f9a01"


@pytest.mark.parametrize(
    ("collection", "search"),
    [("users", "lamp"), ("items", None), ("items", "LAMP"), ("users/1/orders", "lamp")],
)
def test_a_cursor_is_bound_to_its_collection_and_query(collection, search):
    token = encode_cursor("items", "lamp", "some-id")
    with pytest.raises(BadCursor, match="another collection or search"):
        decode_cursor(token, collection, search)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@pytest.mark.parametrize(
    "token",
    [
        "",
        "not a cursor",
        "abc=",
        "%%%%",
        _b64(b"not json"),
        _b64(b"[1, 2]"),
        _b64(json.dumps({"v": 2, "b": "x", "p": "y"}).encode()),
        _b64(json.dumps({"v": 1}).encode()),
        "A" * 600,
    ],
)
def test_a_malformed_cursor_is_a_bad_cursor(token):
    with pytest.raises(BadCursor) as raised:
        decode_cursor(token, "items", None)
    assert raised.value.status == 400


def test_a_cursor_with_a_forged_position_of_the_wrong_type_or_size_is_refused():
    valid = json.loads(base64.urlsafe_b64decode(encode_cursor("items", None, "x") + "=="))
    for position in (42, "", "p" * 257, None):
        with pytest.raises(BadCursor):
            decode_cursor(_b64(json.dumps({**valid, "p": position}).encode()), "items", None)


@given(st.text(max_size=200))
def test_any_text_decodes_to_a_position_or_raises_bad_cursor(token):
    try:
        position = decode_cursor(token, "items", None)
    except BadCursor:
        return
    assert isinstance(position, str)


# -- links ----------------------------------------------------------------------------------------------
def test_a_middle_page_links_first_prev_next_last():
    links = page_links(PageRequest(page=3, per_page=10), total=95, url=url)
    assert pages_of(links) == {"first": 1, "prev": 2, "next": 4, "last": 10}
    assert links["next"] == f"{BASE}?page=4&per_page=10"


def test_the_first_page_has_no_prev_and_the_last_no_next():
    assert "prev" not in page_links(PageRequest(page=1, per_page=10), total=30, url=url)
    assert pages_of(page_links(PageRequest(page=3, per_page=10), total=30, url=url)) == {
        "first": 1,
        "prev": 2,
        "last": 3,
    }


def test_an_empty_collection_has_one_page():
    assert pages_of(page_links(PageRequest(), total=0, url=url)) == {"first": 1, "last": 1}


def test_past_the_end_prev_points_at_the_last_page_not_the_previous_number():
    assert pages_of(page_links(PageRequest(page=50, per_page=10), total=25, url=url))["prev"] == 3


def test_no_link_points_past_the_window():
    links = page_links(PageRequest(page=100, per_page=100), total=50_000, url=url)
    assert pages_of(links) == {"first": 1, "prev": 99}


def test_cursor_links_drop_the_cursor_for_first_and_carry_it_for_next():
    request = CursorRequest(limit=5, cursor="old")
    assert cursor_links(request, "new", url) == {
        "first": f"{BASE}?limit=5",
        "next": f"{BASE}?limit=5&cursor=new",
    }
    assert "next" not in cursor_links(request, None, url)


def test_link_header_is_rfc_8288():
    header = link_header({"next": f"{BASE}?page=2", "last": f"{BASE}?page=9"})
    assert header == f'<{BASE}?page=2>; rel="next", <{BASE}?page=9>; rel="last"'


# -- bodies ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("total", "per_page", "pages"), [(0, 20, 0), (1, 20, 1), (20, 20, 1), (21, 20, 2)])
def test_total_pages(total, per_page, pages):
    assert total_pages(total, per_page) == pages


def test_page_body_shape():
    body = listing_body(Listing(PageRequest(page=2, per_page=2), ["c", "d"], total=5))
    assert body.model_dump() == {
        "items": ["c", "d"],
        "pagination": {"page": 2, "per_page": 2, "total": 5, "total_pages": 3},
    }


def test_cursor_body_shape():
    body = listing_body(Listing(CursorRequest(limit=2), ["a", "b"], total=None, next_cursor="xyz"))
    assert body.model_dump() == {"items": ["a", "b"], "next_cursor": "xyz"}


class Thing(BaseModel):
    name: str


@pytest.mark.parametrize(
    "listing",
    [
        Listing(PageRequest(page=1, per_page=2), [Thing(name="a")], total=1),
        Listing(CursorRequest(limit=2), [Thing(name="a")], total=None, next_cursor=None),
    ],
)
def test_a_body_typed_with_the_item_model_is_accepted_as_the_route_returns_it(listing):
    # GIVEN a route declared to return PageBody[Thing] | CursorBody[Thing], as FastAPI validates it
    route_returns = TypeAdapter(PageBody[Thing] | CursorBody[Thing])
    # WHEN the body is built with the item model, or without it
    typed, untyped = listing_body(listing, Thing), listing_body(listing)
    # THEN the typed body passes as it is, while the untyped one is rebuilt, item by item
    assert route_returns.validate_python(typed) is typed
    assert route_returns.validate_python(untyped) is not untyped
    # AND a body whose items are not of the model is refused, not served
    with pytest.raises(ValidationError):
        listing_body(Listing(listing.request, [{"nom": "a"}], total=1), Thing)


def test_listing_map_keeps_the_page_metadata():
    listing = Listing(CursorRequest(limit=2), [1, 2], total=7, next_cursor="n").map(str)
    assert (listing.items, listing.total, listing.next_cursor) == (["1", "2"], 7, "n")
