"""/api/v1/items: the worked example of a resource. Routes stay thin; service.py holds the logic.

Who may call: anyone reads; creating, changing and deleting items needs the `admin` group (no token 401,
a token without the group 403). With AUTH=none, anyone may.
"""

from __future__ import annotations

from typing import Annotated

import service
from api_core.app_factory import create_app
from api_core.auth import ADMIN, in_group, route_checks
from api_core.conditional import IfMatch, IfNoneMatch, conditional_get, with_etag
from api_core.lists import list_params, list_response
from api_core.pagination import CursorBody, PageBody
from api_core.resources import ACCEPTS_IDEMPOTENCY_KEY, created, idempotency_key, no_content
from fastapi import Body, Request, Response
from models import Item, ItemIn, ItemPatch

COLLECTION = "/api/v1/items"
MEMBER = "/api/v1/items/{item_id}"

app = create_app(title="Items")
# The authorizer lets any signed-in caller through; the group is checked here (api_core.auth).
ADMIN_ONLY = route_checks(in_group(ADMIN))


@app.get(COLLECTION)
async def list_items(request: Request) -> PageBody[Item] | CursorBody[Item]:
    return list_response(request, service.list_items(list_params(request)), Item)


@app.post(COLLECTION, status_code=201, dependencies=ADMIN_ONLY, openapi_extra=ACCEPTS_IDEMPOTENCY_KEY)
async def create_item(request: Request, body: ItemIn) -> Item:
    item = service.create_item(body, idempotency_key(request))
    return created(request, item, item.id, version=item.version)


@app.get(MEMBER, response_model=Item)
async def get_item(item_id: str, response: Response, if_none_match: IfNoneMatch = None) -> Item | Response:
    return conditional_get(response, service.get_item(item_id), if_none_match)


@app.put(MEMBER, dependencies=ADMIN_ONLY)
async def replace_item(item_id: str, body: ItemIn, response: Response, expected: IfMatch) -> Item:
    return with_etag(response, service.replace_item(item_id, body, expected))


@app.patch(MEMBER, dependencies=ADMIN_ONLY)
async def patch_item(
    item_id: str,
    body: Annotated[ItemPatch, Body(media_type="application/merge-patch+json")],
    response: Response,
    expected: IfMatch,
) -> Item:
    return with_etag(response, service.patch_item(item_id, body, expected))


@app.delete(MEMBER, status_code=204, response_class=Response, dependencies=ADMIN_ONLY)
async def delete_item(item_id: str, expected: IfMatch) -> Response:
    service.delete_item(item_id, expected)
    return no_content()
