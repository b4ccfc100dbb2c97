"""The app a user would write on FastAPI against DynamoDB: CORSMiddleware, a module-level boto3 Table, the
items read from the same table as this template's items function (a moto server for cold starts)."""

import os

import boto3
from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError
from data import ALLOW_HEADERS, EXPOSE_HEADERS, MAX_AGE, METHODS, ORIGIN, PER_PAGE
from fastapi import FastAPI, HTTPException
from fastapi.middleware.cors import CORSMiddleware
from mangum import Mangum
from pydantic import BaseModel

table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])
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
_PUBLIC = ("id", "name", "description", "created_at", "updated_at", "version")


class ItemIn(BaseModel):
    name: str
    description: str | None = None


def _public(record: dict) -> dict:
    return {key: record[key] for key in _PUBLIC if key in record}


@app.get("/api/v1/items")
async def list_items() -> dict:
    found = table.query(
        KeyConditionExpression=Key("PK").eq("ITEMS") & Key("SK").begins_with("ITEM#"), Limit=PER_PAGE
    )
    return {"items": [_public(record) for record in found["Items"]], "pagination": {"page": 1}}


@app.post("/api/v1/items", status_code=201)
async def create_item(body: ItemIn) -> dict:
    stamp = "2026-11-01T00:00:00.000000Z"
    record = {"id": "0192f3a0-0000-7000-8000-000000000999", "name": body.name, "version": 1}
    record.update(description=body.description, created_at=stamp, updated_at=stamp)
    table.put_item(Item={"PK": "ITEMS", "SK": f"ITEM#{record['id']}", **record})
    return record


@app.get("/api/v1/items/{item_id}")
async def get_item(item_id: str) -> dict:
    found = table.get_item(Key={"PK": "ITEMS", "SK": f"ITEM#{item_id}"}).get("Item")
    if found is None:
        raise HTTPException(404, "not found")
    return _public(found)


@app.put("/api/v1/items/{item_id}")
async def replace_item(item_id: str, body: ItemIn) -> dict:
    try:
        updated = table.update_item(
            Key={"PK": "ITEMS", "SK": f"ITEM#{item_id}"},
            UpdateExpression="SET #name = :name ADD version :one",
            ConditionExpression=Attr("PK").exists(),
            ExpressionAttributeNames={"#name": "name"},
            ExpressionAttributeValues={":name": body.name, ":one": 1},
            ReturnValues="ALL_NEW",
        )
    except ClientError as error:
        if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
            raise HTTPException(404, "not found") from None
        raise
    return _public(updated["Attributes"])


handler = Mangum(app, lifespan="off")
