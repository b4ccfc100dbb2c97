"""/api/v1/items through the real handler, against a moto table built from template.yaml."""

from __future__ import annotations

import time

import pytest
from support.handlers import ALLOWED_ORIGIN, PROD_ENV, LambdaContext, invoke
from support.rest import links, path_of, query_of, retarget

EXECUTE_API = "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/dev"
PROBLEM = "application/problem+json"


@pytest.fixture
def items(dynamodb_table, cold_start):
    """The items function, cold-started in prod (explicit origin list) while the moto table is active."""
    return cold_start("items", PROD_ENV)


def create(items, load_event, name="Desk lamp", **extra):
    result = invoke(items, load_event("items-post-create", body={"name": name, **extra}))
    assert result.status == 201, result.body
    return result.json()


def item_ids(dynamodb_table):
    """Every stored item id, read behind the API's back."""
    return [r["id"] for r in dynamodb_table.scan()["Items"] if r["SK"].startswith("ITEM#")]


# -- every event, table-driven --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("event", "status"),
    [
        ("items-get-list", 200),
        ("items-get-list-search", 200),
        ("items-get-list-cursor", 200),
        ("items-get-list-bad-cursor", 400),
        ("items-get-list-page-past-end", 200),
        ("items-get-list-page-window-exceeded", 400),
        ("items-get-list-per-page-out-of-range", 422),
        ("items-post-create", 201),
        ("items-post-idempotency-key", 201),
        ("items-post-invalid", 422),
        ("items-post-malformed-json", 400),
        ("items-delete-collection-not-allowed", 405),
        ("items-get-one", 200),
        ("items-get-one-if-none-match", 304),
        ("items-get-one-unknown", 404),
        ("items-put-replace", 200),
        ("items-put-if-match-mismatch", 412),
        ("items-patch-merge", 200),
        ("items-delete", 204),
    ],
)
def test_every_items_event_gets_its_status_and_cors_headers(items, load_event, event, status):
    # GIVEN one stored item (version 1), which the event is pointed at
    item = create(items, load_event)
    # WHEN the event arrives from the allowed browser origin
    result = invoke(items, retarget(load_event, event, item_id=item["id"]))
    # THEN the status is the documented one, errors are problem+json, and CORS headers are present
    assert result.status == status, result.body
    assert result.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert result.headers["vary"] == "Origin"
    if status >= 400:
        assert result.headers["content-type"] == PROBLEM
        problem = result.json()
        assert problem["status"] == status
        assert set(problem) >= {"type", "title", "status", "detail", "instance"}
    if status in (204, 304):
        assert result.body == ""


# -- create ---------------------------------------------------------------------------------------------
def test_post_creates_with_location_etag_and_the_resource_as_body(items, load_event):
    # WHEN a client creates an item behind the default execute-api URL
    result = invoke(items, load_event("items-post-create"))
    # THEN 201, the body is the new item, and Location (with the stage) and ETag lead to it
    assert result.status == 201
    body = result.json()
    assert body["name"] == "Desk lamp"
    assert body["description"] == "Warm white, 40 cm arm"
    assert body["version"] == 1
    assert body["created_at"] == body["updated_at"]
    assert result.headers["location"] == f"{EXECUTE_API}/api/v1/items/{body['id']}"
    assert result.headers["etag"] == '"v1"'
    assert {"Location", "ETag"} <= set(result.headers["access-control-expose-headers"].split(", "))
    # AND following Location gets the same representation
    fetched = invoke(items, retarget(load_event, "items-get-one", item_id=body["id"]))
    assert fetched.json() == body
    assert fetched.headers["etag"] == '"v1"'


def test_location_behind_a_custom_domain_has_no_stage(items, load_event):
    # GIVEN a request through a custom domain: API Gateway sends no stage in requestContext.path
    event = load_event("items-post-create", headers={"Host": "api.example.com"})
    event["requestContext"].update(domainName="api.example.com", path="/api/v1/items")
    # WHEN it creates an item
    result = invoke(items, event)
    # THEN Location is on the custom domain, without /dev
    assert result.headers["location"] == f"https://api.example.com/api/v1/items/{result.json()['id']}"


def test_invalid_body_is_422_naming_each_field(items, load_event, dynamodb_table):
    result = invoke(items, load_event("items-post-invalid"))
    assert result.status == 422
    problem = result.json()
    assert problem["type"] == "urn:problem-type:validation-error"
    assert {e["field"] for e in problem["errors"]} == {"body.name", "body.description", "body.colour"}
    assert item_ids(dynamodb_table) == []


@pytest.mark.parametrize(
    ("field", "value"), [("name", "x" * 201), ("name", "   "), ("description", "x" * 2001)]
)
def test_field_limits(items, load_event, field, value):
    body = {"name": "ok", field: value}
    result = invoke(items, load_event("items-post-create", body=body))
    assert result.status == 422
    assert [e["field"] for e in result.json()["errors"]] == [f"body.{field}"]


def test_malformed_json_is_400(items, load_event):
    result = invoke(items, load_event("items-post-malformed-json"))
    assert result.status == 400
    assert result.json()["type"] == "urn:problem-type:malformed-json"


def test_other_methods_are_405_with_allow(items, load_event):
    result = invoke(items, load_event("items-delete-collection-not-allowed"))
    assert result.status == 405
    assert result.headers["allow"] == "GET, HEAD, POST"
    item = create(items, load_event)
    member = invoke(items, retarget(load_event, "items-get-one", item_id=item["id"], method="POST"))
    assert member.status == 405
    assert member.headers["allow"] == "DELETE, GET, HEAD, PATCH, PUT"


# -- read -----------------------------------------------------------------------------------------------
def test_unknown_and_malformed_ids_are_404(items, load_event):
    unknown = invoke(items, load_event("items-get-one-unknown"))
    assert unknown.status == 404
    assert unknown.json()["detail"] == "no item with id 0192f3a0-0000-7000-8000-000000000000"
    for bad in ("42", "x" * 2000, "%2e%2e"):
        result = invoke(items, load_event("items-get-one", path=f"/api/v1/items/{bad}"))
        assert result.status == 404, bad


def test_if_none_match_gives_304_only_while_the_etag_is_current(items, load_event):
    # GIVEN an item at version 1, fetched with If-None-Match "v1"
    item = create(items, load_event)
    cached = retarget(load_event, "items-get-one-if-none-match", item_id=item["id"])
    # THEN 304, no body, the ETag again
    not_modified = invoke(items, cached)
    assert (not_modified.status, not_modified.body, not_modified.headers["etag"]) == (304, "", '"v1"')
    # WHEN the item changes THEN the same request gets the new representation
    invoke(items, retarget(load_event, "items-put-replace", item_id=item["id"]))
    fresh = invoke(items, cached)
    assert fresh.status == 200
    assert fresh.headers["etag"] == '"v2"'
    assert fresh.json()["name"] == "Floor lamp"


# -- replace, patch, delete -----------------------------------------------------------------------------
def test_put_replaces_the_whole_representation(items, load_event):
    item = create(items, load_event)
    result = invoke(items, retarget(load_event, "items-put-replace", item_id=item["id"]))
    assert result.status == 200
    body = result.json()
    # the description was not named, so PUT removed it
    assert (body["name"], body["description"], body["version"]) == ("Floor lamp", None, 2)
    assert (body["id"], body["created_at"]) == (item["id"], item["created_at"])
    assert body["updated_at"] >= item["updated_at"]
    assert result.headers["etag"] == '"v2"'


def test_put_with_a_stale_etag_is_412_and_changes_nothing(items, load_event):
    item = create(items, load_event)
    result = invoke(items, retarget(load_event, "items-put-if-match-mismatch", item_id=item["id"]))
    assert result.status == 412
    assert result.json()["type"] == "urn:problem-type:precondition-failed"
    assert (
        result.json()["detail"] == f"item {item['id']} has changed since that ETag: GET it again, then retry"
    )
    assert invoke(items, retarget(load_event, "items-get-one", item_id=item["id"])).json() == item


def test_put_to_an_unknown_id_is_404_even_with_if_match(items, load_event):
    result = invoke(items, load_event("items-put-replace", path_parameters=None))
    assert result.status == 404


def test_patch_is_a_json_merge_patch(items, load_event):
    item = create(items, load_event)
    # null removes the description; the absent name is unchanged
    result = invoke(items, retarget(load_event, "items-patch-merge", item_id=item["id"]))
    assert result.status == 200
    assert result.json() | {"updated_at": None} == item | {
        "description": None,
        "version": 2,
        "updated_at": None,
    }
    # a name can change, but not be removed
    renamed = invoke(
        items,
        retarget(
            load_event,
            "items-patch-merge",
            item_id=item["id"],
            body={"name": "Lamp"},
            headers={"If-Match": '"v2"'},
        ),
    )
    assert (renamed.status, renamed.json()["name"]) == (200, "Lamp")
    removed = invoke(
        items,
        retarget(
            load_event,
            "items-patch-merge",
            item_id=item["id"],
            body={"name": None},
            headers={"If-Match": None},
        ),
    )
    assert removed.status == 422
    assert [e["field"] for e in removed.json()["errors"]] == ["body.name"]


def test_delete_is_204_then_404_and_uncounts(items, load_event, dynamodb_table):
    first, second = create(items, load_event), create(items, load_event, "Chair")
    result = invoke(items, retarget(load_event, "items-delete", item_id=first["id"]))
    assert (result.status, result.body) == (204, "")
    assert invoke(items, retarget(load_event, "items-get-one", item_id=first["id"])).status == 404
    assert invoke(items, retarget(load_event, "items-delete", item_id=first["id"])).status == 404
    listing = invoke(items, load_event("items-get-list"))
    assert listing.headers["x-total-count"] == "1"
    assert [i["id"] for i in listing.json()["items"]] == [second["id"]]
    assert item_ids(dynamodb_table) == [second["id"]]


def test_delete_with_a_stale_etag_is_412(items, load_event):
    item = create(items, load_event)
    invoke(items, retarget(load_event, "items-put-replace", item_id=item["id"]))
    result = invoke(items, retarget(load_event, "items-delete", item_id=item["id"]))
    assert result.status == 412
    assert (
        result.json()["detail"] == f"item {item['id']} has changed since that ETag: GET it again, then retry"
    )
    assert invoke(items, retarget(load_event, "items-get-one", item_id=item["id"])).status == 200


# -- concurrency ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("second", ["items-put-replace", "items-patch-merge", "items-delete"])
def test_two_writers_with_the_same_etag_exactly_one_wins(items, load_event, second):
    # GIVEN two clients that both read the item at version 1
    item = create(items, load_event)
    etag = invoke(items, retarget(load_event, "items-get-one", item_id=item["id"])).headers["etag"]
    # WHEN both write with If-Match on that ETag
    first = invoke(
        items,
        retarget(
            load_event,
            "items-put-replace",
            item_id=item["id"],
            body={"name": "A"},
            headers={"If-Match": etag},
        ),
    )
    late = invoke(items, retarget(load_event, second, item_id=item["id"], headers={"If-Match": etag}))
    # THEN the first wins, the second is refused, and the stored item is the winner's
    assert (first.status, late.status) == (200, 412)
    stored = invoke(items, retarget(load_event, "items-get-one", item_id=item["id"])).json()
    assert (stored["name"], stored["version"]) == ("A", 2)


# -- idempotency ----------------------------------------------------------------------------------------
def test_the_same_idempotency_key_twice_creates_one_item(items, load_event, dynamodb_table):
    # WHEN a client retries a create with the same Idempotency-Key and body
    first = invoke(items, load_event("items-post-idempotency-key"))
    retry = invoke(items, load_event("items-post-idempotency-key"))
    # THEN both get the first result, and only one item exists
    assert (first.status, retry.status) == (201, 201)
    assert retry.json() == first.json()
    assert retry.headers["location"] == first.headers["location"]
    assert item_ids(dynamodb_table) == [first.json()["id"]]
    assert invoke(items, load_event("items-get-list")).headers["x-total-count"] == "1"


def test_a_key_in_progress_is_held_no_longer_than_the_invocation_has_left(items, load_event, dynamodb_table):
    # GIVEN an invocation with 20 s left, WHEN a create with an Idempotency-Key starts
    import repository as items_repository  # the function module, on sys.path once the handler is loaded

    held_until: list[int] = []
    repository = items_repository.get_repository()
    create = repository.create

    def create_and_look(*args, **kwargs):
        # THEN while it runs, the key's record is locked until the invocation's end, not for the default hour
        records = dynamodb_table.scan()["Items"]
        held_until.extend(int(r["in_progress_expiration"]) for r in records if "in_progress_expiration" in r)
        return create(*args, **kwargs)

    repository.create = create_and_look
    started_ms = time.time() * 1000
    try:
        result = invoke(items, load_event("items-post-idempotency-key"), LambdaContext(remaining_ms=20_000))
    finally:
        del repository.create
    assert result.status == 201
    assert len(held_until) == 1
    assert started_ms + 19_000 <= held_until[0] <= time.time() * 1000 + 20_000


def test_the_same_idempotency_key_with_another_body_is_422(items, load_event, dynamodb_table):
    first = invoke(items, load_event("items-post-idempotency-key"))
    other = invoke(items, load_event("items-post-idempotency-key", body={"name": "Something else"}))
    assert other.status == 422
    assert other.json()["type"] == "urn:problem-type:idempotency-key-reused"
    assert item_ids(dynamodb_table) == [first.json()["id"]]


def test_different_idempotency_keys_create_different_items(items, load_event, dynamodb_table):
    a = invoke(items, load_event("items-post-idempotency-key", headers={"Idempotency-Key": "a"}))
    b = invoke(items, load_event("items-post-idempotency-key", headers={"Idempotency-Key": "b"}))
    assert a.json()["id"] != b.json()["id"]
    assert sorted(item_ids(dynamodb_table)) == sorted([a.json()["id"], b.json()["id"]])


def test_an_overlong_idempotency_key_is_422(items, load_event):
    result = invoke(items, load_event("items-post-idempotency-key", headers={"Idempotency-Key": "k" * 256}))
    assert result.status == 422
    assert [e["field"] for e in result.json()["errors"]] == ["header.idempotency-key"]


# -- pagination -----------------------------------------------------------------------------------------
def test_page_numbers_visit_every_item_once_while_items_are_added(items, load_event):
    # GIVEN 7 items, read 3 per page
    originals = [create(items, load_event, f"item {n}")["id"] for n in range(7)]
    seen: list[str] = []
    event = load_event("items-get-list", query={"page": "1", "per_page": "3"})
    pages = 0
    while True:
        result = invoke(items, event)
        assert result.status == 200
        body = result.json()
        seen += [i["id"] for i in body["items"]]
        assert result.headers["x-total-count"] == str(body["pagination"]["total"])
        pages += 1
        # WHEN two items are added between pages
        create(items, load_event, f"late {pages}a")
        create(items, load_event, f"late {pages}b")
        next_link = links(result.headers["link"]).get("next")
        if next_link is None or pages > 20:
            break
        event = load_event("items-get-list", query=query_of(next_link))
    # THEN each original item was seen exactly once, and nothing was seen twice
    assert [i for i in seen if i in originals] == originals
    assert len(seen) == len(set(seen))


def test_cursors_visit_every_item_once_while_items_are_added(items, load_event):
    originals = [create(items, load_event, f"item {n}")["id"] for n in range(7)]
    seen: list[str] = []
    event = load_event("items-get-list-cursor", query={"limit": "3"})
    for page in range(20):
        result = invoke(items, event)
        assert result.status == 200
        body = result.json()
        seen += [i["id"] for i in body["items"]]
        create(items, load_event, f"late {page}")
        if body["next_cursor"] is None:
            assert "next" not in links(result.headers["link"])
            break
        assert query_of(links(result.headers["link"])["next"])["cursor"] == body["next_cursor"]
        event = load_event("items-get-list-cursor", query={"limit": "3", "cursor": body["next_cursor"]})
    assert [i for i in seen if i in originals] == originals
    assert len(seen) == len(set(seen))
    # the cursor runs to the end of the collection as it grows, so it also saw the items added meanwhile
    assert len(seen) > len(originals)


def test_page_links_and_totals(items, load_event):
    for n in range(5):
        create(items, load_event, f"item {n}")
    result = invoke(items, load_event("items-get-list", query={"page": "2", "per_page": "2"}))
    body = result.json()
    assert body["pagination"] == {"page": 2, "per_page": 2, "total": 5, "total_pages": 3}
    assert [i["name"] for i in body["items"]] == ["item 2", "item 3"]
    rels = links(result.headers["link"])
    assert {rel: query_of(url)["page"] for rel, url in rels.items()} == {
        "first": "1",
        "prev": "1",
        "next": "3",
        "last": "3",
    }
    assert all(url.startswith(f"{EXECUTE_API}/api/v1/items?") for url in rels.values())
    assert result.headers["x-total-count"] == "5"


def test_a_page_past_the_end_is_empty_with_the_right_totals(items, load_event):
    for n in range(3):
        create(items, load_event, f"item {n}")
    result = invoke(items, load_event("items-get-list-page-past-end"))
    assert result.status == 200
    assert result.json() == {
        "items": [],
        "pagination": {"page": 99, "per_page": 20, "total": 3, "total_pages": 1},
    }
    assert query_of(links(result.headers["link"])["prev"])["page"] == "1"


def test_a_page_the_counter_promises_but_the_records_do_not_fill_is_empty(items, load_event, dynamodb_table):
    # GIVEN 3 items and a counter that runs ahead of them (as it may while a delete is in flight)
    for n in range(3):
        create(items, load_event, f"item {n}")
    dynamodb_table.put_item(Item={"PK": "ITEMS", "SK": "#COUNT", "total": 5})
    # WHEN a client asks for a page that starts after the last record
    result = invoke(items, load_event("items-get-list", query={"page": "3", "per_page": "2"}))
    # THEN it is empty, with the counter's totals
    assert result.status == 200
    assert result.json() == {
        "items": [],
        "pagination": {"page": 3, "per_page": 2, "total": 5, "total_pages": 3},
    }


def test_a_deep_page_is_400_with_a_hint_to_use_the_cursor(items, load_event):
    result = invoke(items, load_event("items-get-list-page-window-exceeded"))
    assert result.status == 400
    problem = result.json()
    assert problem["type"] == "urn:problem-type:page-window-exceeded"
    assert "cursor" in problem["hint"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"per_page": "500"}, "query.per_page"),
        ({"page": "0"}, "query.page"),
        ({"limit": "101"}, "query.limit"),
        ({"page": "two"}, "query.page"),
        ({"per_page": "0"}, "query.per_page"),
    ],
)
def test_out_of_range_paging_is_422_not_clamped(items, load_event, query, field):
    result = invoke(items, load_event("items-get-list", query=query))
    assert result.status == 422
    assert [e["field"] for e in result.json()["errors"]] == [field]


def test_mixing_page_and_cursor_is_400(items, load_event):
    result = invoke(items, load_event("items-get-list", query={"page": "2", "limit": "5"}))
    assert result.status == 400
    assert result.json()["type"] == "urn:problem-type:pagination-style-conflict"


def test_a_bad_or_foreign_cursor_is_400(items, load_event, cold_start):
    for n in range(3):
        create(items, load_event, f"lamp {n}")
    bad = invoke(items, load_event("items-get-list-bad-cursor"))
    assert bad.status == 400
    assert bad.json()["type"] == "urn:problem-type:bad-cursor"
    # a valid cursor, but issued for another search of this collection
    lamp_cursor = invoke(items, load_event("items-get-list-cursor", query={"limit": "1", "search": "lamp"}))
    cursor = lamp_cursor.json()["next_cursor"]
    assert cursor
    foreign = invoke(items, load_event("items-get-list-cursor", query={"limit": "1", "cursor": cursor}))
    assert foreign.status == 400


def test_a_forged_cursor_naming_a_non_id_is_400(items, load_event):
    from api_core.pagination import encode_cursor

    forged = encode_cursor("items", None, "#COUNT")
    result = invoke(items, load_event("items-get-list-cursor", query={"cursor": forged}))
    assert result.status == 400
    assert result.json()["type"] == "urn:problem-type:bad-cursor"


def test_search_is_a_case_insensitive_substring_of_name(items, load_event):
    lamp = create(items, load_event, "Desk lamp")["id"]
    floor = create(items, load_event, "FLOOR LAMP")["id"]
    create(items, load_event, "Chair", description="a lamp is not a chair")
    result = invoke(items, load_event("items-get-list-search"))
    assert [i["id"] for i in result.json()["items"]] == [lamp, floor]
    assert result.json()["pagination"]["total"] == 2
    assert result.headers["x-total-count"] == "2"
    # the Link header keeps the search
    assert query_of(links(result.headers["link"])["first"])["search"] == "lamp"
    # cursor style: the total is unknown under a search, so no X-Total-Count
    cursor = invoke(items, load_event("items-get-list-cursor", query={"limit": "1", "search": "LaMp"}))
    assert [i["id"] for i in cursor.json()["items"]] == [lamp]
    assert "x-total-count" not in cursor.headers
    second = invoke(
        items,
        load_event(
            "items-get-list-cursor",
            query={"limit": "1", "search": "LaMp", "cursor": cursor.json()["next_cursor"]},
        ),
    )
    assert [i["id"] for i in second.json()["items"]] == [floor]
    assert path_of(links(second.headers["link"])["first"]) == "/dev/api/v1/items"


def test_search_pages_count_and_slice_the_matches_only(items, load_event):
    # GIVEN 5 lamps among 8 items
    lamps = []
    for n in range(8):
        record = create(items, load_event, f"lamp {n}" if n % 3 else f"chair {n}")
        if n % 3:
            lamps.append(record["id"])
    # WHEN the second page of 2 matches is asked for
    result = invoke(
        items, load_event("items-get-list-search", query={"page": "2", "per_page": "2", "search": "LAMP"})
    )
    # THEN it holds the 3rd and 4th matches, and the totals count matches, not items
    assert [i["id"] for i in result.json()["items"]] == lamps[2:4]
    assert result.json()["pagination"] == {"page": 2, "per_page": 2, "total": 5, "total_pages": 3}


def test_a_cursor_page_reads_no_counter_and_sends_no_total(items, load_event):
    # GIVEN three items, and the DynamoDB calls of the next request recorded
    for name in ("a", "b", "c"):
        create(items, load_event, name)
    import repository

    calls: list[str] = []
    client = repository.get_repository().db.client
    client.meta.events.register("before-call.dynamodb", lambda model, **_: calls.append(model.name))
    # WHEN a cursor-style page is listed
    result = invoke(items, load_event("items-get-list-cursor", query={"limit": "2"}))
    # THEN it is one Query, with no GetItem of the counter, and no X-Total-Count
    assert result.status == 200
    assert len(result.json()["items"]) == 2
    assert calls == ["Query"]
    assert "x-total-count" not in result.headers
    # while a page-number request still counts (one GetItem of the counter)
    calls.clear()
    page = invoke(items, load_event("items-get-list", query={"per_page": "2"}))
    assert page.headers["x-total-count"] == "3"
    assert calls.count("GetItem") == 1
