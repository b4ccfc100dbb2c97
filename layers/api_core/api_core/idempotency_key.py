"""The `Idempotency-Key` of a create: the one value the route side and the data side share.

Pure (no FastAPI, no AWS). `api_core.resources` builds it from the request header; `api_core.idempotency`
stores a create's result under it. Both import this module and neither imports the other, so the HTTP
helpers stay free of the data layer and boto3, and the data layer free of FastAPI.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# A key is 1-255 visible ASCII characters; the header dependency refuses anything else with 422.
MAX_IDEMPOTENCY_KEY_LENGTH = 255
IDEMPOTENCY_KEY_PATTERN = r"^[\x21-\x7e]+$"


@dataclass(frozen=True, slots=True)
class IdempotencyKey:
    """The client's key, and the Lambda context (its remaining time bounds how long a crashed attempt
    keeps the key locked)."""

    value: str
    lambda_context: Any | None = None
