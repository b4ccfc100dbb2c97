"""The GET of 20 items through handlers that add this template's features one at a time, with the data in
memory throughout: `make bench` times each stage, so the table says what every feature costs.

Imported only by benchmarks/worker.py, with the items function and the layer on sys.path and its
repository already answering from memory (worker.serve_items_from_memory).
"""

# No `from __future__ import annotations`: FastAPI reads these routes' annotations at runtime.
import json

import repository
import service
from api_core.app_factory import create_app
from api_core.lambda_handler import create_handler
from api_core.lists import list_params
from api_core.pagination import CursorBody, PageBody, PageRequest, listing_body
from fastapi import FastAPI, Request, Response
from mangum import Mangum
from models import Item

_BODY = json.dumps(
    {
        "items": repository.get_repository().list_items(PageRequest()).items,
        "pagination": {"page": 1, "per_page": 20},
    }
).encode()
ROUTE = "/api/v1/items"


def _prepared() -> Response:
    return Response(content=_BODY, media_type="application/json")


bare = FastAPI()
layered = create_app(title="layer")
with_query = create_app(title="query")
with_models = create_app(title="models")


@bare.get(ROUTE)
async def bare_route() -> Response:
    return _prepared()


@layered.get(ROUTE)
async def layered_route() -> Response:
    return _prepared()


@with_query.get(ROUTE)
async def query_route(request: Request) -> Response:
    list_params(request)
    return _prepared()


@with_models.get(ROUTE)
async def models_route(request: Request) -> PageBody[Item] | CursorBody[Item]:
    return listing_body(service.list_items(list_params(request)), Item)


def handlers(real_handler) -> dict:
    """Each stage's Lambda handler, cheapest first; the last is the items function itself."""
    return {
        "Mangum + FastAPI, a route returning prepared JSON": Mangum(bare, lifespan="off"),
        "+ this layer (event checks, CORS, security headers)": create_handler(layered),
        "+ the list query parameters (`list_params`)": create_handler(with_query),
        "+ `Item` models and the typed response model": create_handler(with_models),
        "+ `Link` and `X-Total-Count`: the items function": real_handler,
    }
