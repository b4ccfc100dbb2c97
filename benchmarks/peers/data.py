"""What every peer serves: 20 items shaped like the template's Item, and the CORS settings."""

ORIGIN = "https://app.example.com"
ALLOW_HEADERS = (
    "Authorization",
    "Content-Type",
    "If-Match",
    "If-None-Match",
    "Idempotency-Key",
    "X-Request-Id",
)
EXPOSE_HEADERS = ("Location", "ETag", "Link", "X-Total-Count", "X-Request-Id", "Retry-After")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
MAX_AGE = 7200
PER_PAGE = 20


def item(number: int) -> dict[str, object]:
    stamp = "2026-11-01T00:00:00.000000Z"
    return {
        "id": f"0192f3a0-0000-7000-8000-{number:012d}",
        "name": f"Item {number}",
        "description": "Warm white, 40 cm arm",
        "created_at": stamp,
        "updated_at": stamp,
        "version": 1,
    }


ITEMS = [item(number) for number in range(1, PER_PAGE + 1)]
