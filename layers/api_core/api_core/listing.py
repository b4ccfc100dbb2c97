"""Reading a collection a page at a time: page numbers, cursors, search; and the table's one Query builder.

Each collection is one partition in id order (api_core.dynamo), so every read here is a Query on that
partition, strongly consistent. DynamoDB has no offset: a page number skips its offset by reading keys
only; a cursor starts right after the last key of the previous page. docs/ARCHITECTURE.md has the costs.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from api_core.errors import BadCursor, InvalidField
from api_core.pagination import (
    CursorRequest,
    Listing,
    ListRequest,
    PageRequest,
    decode_cursor,
    encode_cursor,
)
from api_core.records import Collection, Key, Record

if TYPE_CHECKING:  # dynamo imports this module
    from api_core.dynamo import Database

# Items a cursor-style search may evaluate per request, matched or not: keeps each request's cost bounded.
SEARCH_READ_BUDGET = 1000
KEYS_ONLY = "PK, SK"
"""A projection for reads whose records are not sent back (skipping, deleting): less data per call."""


def list_records(db: Database, collection: Collection, request: ListRequest) -> Listing[Record]:
    """One page of the collection in id (creation) order, in the style `request` asks for."""
    if request.search is not None and collection.search_attribute is None:
        raise InvalidField("query.search", f"{collection.name} cannot be searched")
    if isinstance(request, PageRequest):
        return _page(db, collection, request)
    return _cursor_page(db, collection, request)


def query_args(
    partition: str,
    *,
    prefix: str | None = None,
    start: Key | None = None,
    limit: int | None = None,
    search: tuple[str, str] | None = None,
    projection: str | None = None,
) -> dict[str, Any]:
    """The arguments of a strongly consistent Query of one partition (`Database.query`), in Python values.

    `prefix` narrows it to sort keys that begin with it (one collection), `start` is an
    ExclusiveStartKey, `search` an (attribute, value) pair the attribute must contain.
    """
    condition = "PK = :pk"
    values: dict[str, Any] = {":pk": partition}
    args: dict[str, Any] = {"ConsistentRead": True}
    if prefix is not None:
        condition += " AND begins_with(SK, :prefix)"
        values[":prefix"] = prefix
    if search is not None:
        args["FilterExpression"] = "contains(#search, :search)"
        args["ExpressionAttributeNames"] = {"#search": search[0]}
        values[":search"] = search[1]
    if start is not None:
        args["ExclusiveStartKey"] = start
    if limit is not None:
        args["Limit"] = limit
    if projection is not None:
        args["ProjectionExpression"] = projection
    return {**args, "KeyConditionExpression": condition, "ExpressionAttributeValues": values}


def query_records(db: Database, args: Mapping[str, Any], limit: int | None = None) -> Iterator[Record]:
    """The records of the Query `args` in order, at most `limit` of them (None: all).

    DynamoDB stops each response at 1 MB, so this queries again from where it stopped; each query asks
    only for the records still wanted, so nothing past `limit` is read.
    """
    args = dict(args)
    wanted = limit
    while wanted is None or wanted > 0:
        if wanted is not None:
            args["Limit"] = wanted
        response = db.query(**args)
        yield from response["Items"]
        if wanted is not None:
            wanted -= len(response["Items"])
        if "LastEvaluatedKey" not in response:
            return
        args["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def _page(db: Database, collection: Collection, request: PageRequest) -> Listing[Record]:
    if request.search is None:
        total = db.count(collection)
        if request.offset >= total:
            return Listing(request, [], total)
        start = _skip(db, collection, request.offset)
        page = query_records(db, _args(collection, start=start), request.per_page)
        return Listing(request, list(page), total)
    # A search has no counter: one pass over the whole partition counts the matches and keeps the
    # requested page. Reads grow with the collection, not with the page (see docs).
    matched: list[Record] = []
    total = 0
    for record in query_records(db, _args(collection, search=_search(collection, request.search))):
        if request.offset <= total < request.offset + request.per_page:
            matched.append(record)
        total += 1
    return Listing(request, matched, total)


def _skip(db: Database, collection: Collection, offset: int) -> Key | None:
    """The key after which record number `offset` (0-based) starts; None for 0.

    With fewer records than `offset` (the counter runs ahead while a delete is in flight) it is the
    last record's key, and the page read after it is empty, as it should be.
    """
    skipped = query_records(db, _args(collection, projection=KEYS_ONLY), offset)
    last = deque(skipped, maxlen=1)  # only the last key read matters
    return {"PK": last[0]["PK"], "SK": last[0]["SK"]} if last else None


def _cursor_page(db: Database, collection: Collection, request: CursorRequest) -> Listing[Record]:
    start = None
    if request.cursor is not None:
        position = decode_cursor(request.cursor, collection.name, request.search)
        # The binding hash is not a secret, so a cursor can be forged; it can still only name an id
        # inside this collection's partition, and anything else is refused before reaching DynamoDB.
        if not collection.id_shape(position):
            raise BadCursor("the cursor is malformed: pass next_cursor back exactly as received")
        start = collection.key(position)
    search = _search(collection, request.search) if request.search is not None else None
    items: list[Record] = []
    read = 0
    next_position: str | None = None
    while True:
        # One extra item tells whether a next page exists without another request.
        wanted = request.limit + 1 - len(items)
        limit = wanted if search is None else max(wanted, SEARCH_READ_BUDGET - read)
        response = db.query(**_args(collection, start=start, limit=limit, search=search))
        read += response["ScannedCount"]
        items.extend(response["Items"])
        last = response.get("LastEvaluatedKey")
        if len(items) > request.limit:
            items = items[: request.limit]
            next_position = collection.id_of(items[-1])
            break
        if last is None:
            break
        if search is not None and read >= SEARCH_READ_BUDGET:
            # Budget spent: a short (even empty) page with a cursor; only a null cursor means the end.
            next_position = collection.id_of(last)
            break
        start = last
    # No `total` for a cursor page: reading the counter would double the requests of every page, and
    # make the one counter item of a collection its hottest key (docs/ARCHITECTURE.md).
    total = None
    cursor = None
    if next_position is not None:
        cursor = encode_cursor(collection.name, request.search, next_position)
    return Listing(request, items, total, cursor)


def _args(collection: Collection, **options: Any) -> dict[str, Any]:
    return query_args(collection.partition, prefix=collection.prefix, **options)


def _search(collection: Collection, text: str) -> tuple[str, str]:
    assert collection.search_attribute is not None  # checked by list_records
    return collection.search_attribute, collection.search_value(text)
