"""Powertools for AWS Lambda's REST resolver with its CORSConfig."""

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig
from aws_lambda_powertools.event_handler.exceptions import BadRequestError, NotFoundError
from data import ALLOW_HEADERS, EXPOSE_HEADERS, ITEMS, MAX_AGE, ORIGIN, PER_PAGE

cors = CORSConfig(
    allow_origin=ORIGIN,
    allow_headers=list(ALLOW_HEADERS),
    expose_headers=list(EXPOSE_HEADERS),
    max_age=MAX_AGE,
    allow_credentials=True,
)
app = APIGatewayRestResolver(cors=cors)
_BY_ID = {entry["id"]: entry for entry in ITEMS}


@app.get("/api/v1/items")
def list_items() -> dict:
    return {"items": ITEMS[:PER_PAGE], "pagination": {"page": 1, "total": len(ITEMS)}}


@app.post("/api/v1/items")
def create_item() -> tuple[dict, int]:
    body = app.current_event.json_body
    if not isinstance(body, dict) or not isinstance(body.get("name"), str):
        raise BadRequestError("name is required")
    return {**ITEMS[0], "name": body["name"], "description": body.get("description")}, 201


@app.get("/api/v1/items/<item_id>")
def get_item(item_id: str) -> dict:
    if item_id not in _BY_ID:
        raise NotFoundError("not found")
    return _BY_ID[item_id]


@app.put("/api/v1/items/<item_id>")
def replace_item(item_id: str) -> dict:
    return get_item(item_id)


def handler(event: dict, context: object) -> dict:
    return app.resolve(event, context)
