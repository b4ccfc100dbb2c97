"""A dict-in/dict-out handler: no framework, the floor every other row is compared with."""

import json

from data import ALLOW_HEADERS, EXPOSE_HEADERS, ITEMS, MAX_AGE, METHODS, ORIGIN, PER_PAGE

_ACTUAL = {
    "Access-Control-Allow-Origin": ORIGIN,
    "Access-Control-Allow-Credentials": "true",
    "Access-Control-Expose-Headers": ", ".join(EXPOSE_HEADERS),
    "Vary": "Origin",
}
_PREFLIGHT = {
    "Access-Control-Allow-Origin": ORIGIN,
    "Access-Control-Allow-Credentials": "true",
    "Access-Control-Allow-Methods": ", ".join(METHODS),
    "Access-Control-Allow-Headers": ", ".join(ALLOW_HEADERS),
    "Access-Control-Max-Age": str(MAX_AGE),
    "Vary": "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
}
_ALLOWED_HEADERS = {name.lower() for name in ALLOW_HEADERS}
_BY_ID = {entry["id"]: entry for entry in ITEMS}


def _json(status: int, body: object, origin: str | None) -> dict:
    headers = {"Content-Type": "application/json", **(_ACTUAL if origin == ORIGIN else {"Vary": "Origin"})}
    return {"statusCode": status, "headers": headers, "body": json.dumps(body)}


def handler(event: dict, context: object) -> dict:  # noqa: PLR0911 - one return per route, on purpose
    headers = {name.lower(): value for name, value in (event.get("headers") or {}).items()}
    origin = headers.get("origin")
    method, path = event["httpMethod"], event["path"]
    if method == "OPTIONS" and origin and "access-control-request-method" in headers:
        requested = {h.strip().lower() for h in headers.get("access-control-request-headers", "").split(",")}
        ok = origin == ORIGIN and headers["access-control-request-method"] in METHODS
        if ok and requested - {""} <= _ALLOWED_HEADERS:
            return {"statusCode": 204, "headers": dict(_PREFLIGHT), "body": ""}
        return {"statusCode": 403, "headers": {"Vary": "Origin"}, "body": ""}
    if path == "/api/v1/items":
        if method == "GET":
            return _json(
                200, {"items": ITEMS[:PER_PAGE], "pagination": {"page": 1, "total": len(ITEMS)}}, origin
            )
        if method == "POST":
            body = json.loads(event.get("body") or "null")
            if not isinstance(body, dict) or not isinstance(body.get("name"), str):
                return _json(422, {"detail": "name is required"}, origin)
            created = {**ITEMS[0], "name": body["name"], "description": body.get("description")}
            return _json(201, created, origin)
    elif path.startswith("/api/v1/items/") and method == "GET":
        found = _BY_ID.get(path.rsplit("/", 1)[1])
        return _json(200, found, origin) if found else _json(404, {"detail": "not found"}, origin)
    return _json(404, {"detail": "not found"}, origin)
