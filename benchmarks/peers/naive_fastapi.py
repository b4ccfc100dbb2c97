"""FastAPI as its tutorial shows it: CORSMiddleware, async def endpoints, dicts returned, Mangum."""

from data import ALLOW_HEADERS, EXPOSE_HEADERS, ITEMS, MAX_AGE, METHODS, ORIGIN, PER_PAGE
from fastapi import FastAPI, HTTPException
from fastapi.middleware.cors import CORSMiddleware
from mangum import Mangum
from pydantic import BaseModel

app = FastAPI()
app.add_middleware(
    CORSMiddleware,
    allow_origins=[ORIGIN],
    allow_credentials=True,
    allow_methods=list(METHODS),
    allow_headers=list(ALLOW_HEADERS),
    expose_headers=list(EXPOSE_HEADERS),
    max_age=MAX_AGE,
)
_BY_ID = {entry["id"]: entry for entry in ITEMS}


class ItemIn(BaseModel):
    name: str
    description: str | None = None


@app.get("/api/v1/items")
async def list_items() -> dict:
    return {"items": ITEMS[:PER_PAGE], "pagination": {"page": 1, "total": len(ITEMS)}}


@app.post("/api/v1/items", status_code=201)
async def create_item(body: ItemIn) -> dict:
    return {**ITEMS[0], "name": body.name, "description": body.description}


@app.get("/api/v1/items/{item_id}")
async def get_item(item_id: str) -> dict:
    if item_id not in _BY_ID:
        raise HTTPException(404, "not found")
    return _BY_ID[item_id]


handler = Mangum(app, lifespan="off")
