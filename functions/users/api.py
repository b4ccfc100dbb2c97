"""/api/v1/users and the orders nested under each user (/api/v1/users/{user_id}/orders/{order_id}).

Who may call (with AUTH=cognito; with AUTH=none, anyone may do anything):
- POST /api/v1/users: any signed-in caller, once: the profile's id is the caller's `sub` (a second: 409).
- a user, and that user's orders: the user (`sub` == id) or an admin; anyone else gets 404, as for a user
  that does not exist, so that ids cannot be probed.
- GET /api/v1/users, the list: admins only (403).

CORS: one route-level tier, `profile`, keeps DELETE of a user away from browsers (below).
"""

from __future__ import annotations

from typing import Annotated

import service
from api_core.app_factory import create_app
from api_core.auth import ADMIN, Caller, SignedIn, in_group, refused, route_checks, signed_in_caller
from api_core.conditional import IfMatch, IfNoneMatch, conditional_get, with_etag
from api_core.cors.tiers import Tier
from api_core.errors import NotFound
from api_core.lists import list_params, list_response
from api_core.pagination import CursorBody, PageBody
from api_core.resources import ACCEPTS_IDEMPOTENCY_KEY, created, idempotency_key, no_content
from fastapi import Body, Request, Response
from models import Order, OrderIn, OrderPatch, User, UserIn, UserPatch

USERS = "/api/v1/users"
USER = "/api/v1/users/{user_id}"
ORDERS = "/api/v1/users/{user_id}/orders"
ORDER = "/api/v1/users/{user_id}/orders/{order_id}"
MERGE_PATCH = "application/merge-patch+json"

# Deleting a user deletes every order of theirs, and cannot be undone: no page may do it. The tier opens
# the route to browsers for reading and editing only, so a browser's preflight for DELETE is refused
# (403, method-not-exposed) and the browser never sends the DELETE. That protects the signed-in user from
# any page on an allowed origin (a bug, an injected or third-party script) deleting their account with
# their credentials. It does not protect the route from anything else: curl, a script or a server with a
# token still reaches DELETE, and the owner-or-admin rule below is what decides it. Origins, credentials
# and headers are inherited from the function's policy (the environment's `app` tier).
PROFILE_TIER = Tier("profile", route=USER, methods=frozenset({"GET", "PUT", "PATCH"}))

app = create_app(title="Users", cors_tiers=[PROFILE_TIER])
OWNER_OR_ADMIN = "owner-or-admin"  # the check's name in the refusal log line


async def owner_or_admin(user_id: str, request: Request) -> Caller:
    """The caller, if it may act for the user `user_id`; else 404, exactly as for an unknown user."""
    caller = signed_in_caller(request)  # a call, not a nested dependency: one resolver step per route
    if not caller.acts_for(user_id, group=ADMIN):
        raise refused(request, caller, OWNER_OR_ADMIN, NotFound(f"no user with id {user_id}"))
    return caller


# Dependencies of the routes (api_core.auth): the authorizer checks the token, these check the rules.
ADMIN_ONLY = route_checks(in_group(ADMIN))
USER_OR_ADMIN = route_checks(owner_or_admin)


# -- users ----------------------------------------------------------------------------------------------
@app.get(USERS, dependencies=ADMIN_ONLY)
async def list_users(request: Request) -> PageBody[User] | CursorBody[User]:
    return list_response(request, service.list_users(list_params(request)), User)


@app.post(USERS, status_code=201, openapi_extra=ACCEPTS_IDEMPOTENCY_KEY)
async def create_user(
    request: Request,
    body: UserIn,
    caller: SignedIn,
) -> User:
    user = service.create_user(body, idempotency_key(request), user_id=caller.sub)
    return created(request, user, user.id, version=user.version)


@app.get(USER, response_model=User, dependencies=USER_OR_ADMIN)
async def get_user(user_id: str, response: Response, if_none_match: IfNoneMatch = None) -> User | Response:
    return conditional_get(response, service.get_user(user_id), if_none_match)


@app.put(USER, dependencies=USER_OR_ADMIN)
async def replace_user(user_id: str, body: UserIn, response: Response, expected: IfMatch) -> User:
    return with_etag(response, service.replace_user(user_id, body, expected))


@app.patch(USER, dependencies=USER_OR_ADMIN)
async def patch_user(
    user_id: str,
    body: Annotated[UserPatch, Body(media_type=MERGE_PATCH)],
    response: Response,
    expected: IfMatch,
) -> User:
    return with_etag(response, service.patch_user(user_id, body, expected))


@app.delete(USER, status_code=204, response_class=Response, dependencies=USER_OR_ADMIN)
async def delete_user(user_id: str, expected: IfMatch) -> Response:
    service.delete_user(user_id, expected)
    return no_content()


# -- orders ---------------------------------------------------------------------------------------------
@app.get(ORDERS, dependencies=USER_OR_ADMIN)
async def list_orders(user_id: str, request: Request) -> PageBody[Order] | CursorBody[Order]:
    return list_response(request, service.list_orders(user_id, list_params(request)), Order)


@app.post(ORDERS, status_code=201, dependencies=USER_OR_ADMIN, openapi_extra=ACCEPTS_IDEMPOTENCY_KEY)
async def create_order(
    user_id: str,
    request: Request,
    body: OrderIn,
) -> Order:
    order = service.create_order(user_id, body, idempotency_key(request))
    return created(request, order, order.id, version=order.version)


@app.get(ORDER, response_model=Order, dependencies=USER_OR_ADMIN)
async def get_order(
    user_id: str, order_id: str, response: Response, if_none_match: IfNoneMatch = None
) -> Order | Response:
    return conditional_get(response, service.get_order(user_id, order_id), if_none_match)


@app.put(ORDER, dependencies=USER_OR_ADMIN)
async def replace_order(
    user_id: str, order_id: str, body: OrderIn, response: Response, expected: IfMatch
) -> Order:
    return with_etag(response, service.replace_order(user_id, order_id, body, expected))


@app.patch(ORDER, dependencies=USER_OR_ADMIN)
async def patch_order(
    user_id: str,
    order_id: str,
    body: Annotated[OrderPatch, Body(media_type=MERGE_PATCH)],
    response: Response,
    expected: IfMatch,
) -> Order:
    return with_etag(response, service.patch_order(user_id, order_id, body, expected))


@app.delete(ORDER, status_code=204, response_class=Response, dependencies=USER_OR_ADMIN)
async def delete_order(user_id: str, order_id: str, expected: IfMatch) -> Response:
    service.delete_order(user_id, order_id, expected)
    return no_content()
