"""The `Idempotency-Key` of a create: the one value the route side and the data side share.

Pure (no FastAPI, no AWS). `api_core.resources` reads it from the request header; `api_core.idempotency`
stores a create's result under it. Both import this module and neither imports the other, so the HTTP
helpers stay free of the data layer and boto3, and the data layer free of FastAPI.
"""

from __future__ import annotations

from typing import NewType

# A key is 1-255 visible ASCII characters; the header parameter refuses anything else with 422.
MAX_IDEMPOTENCY_KEY_LENGTH = 255
IDEMPOTENCY_KEY_PATTERN = r"^[\x21-\x7e]+$"

IdempotencyKey = NewType("IdempotencyKey", str)
"""The client's key, as sent. How long a crashed attempt keeps it locked is bounded by the invocation's
remaining time, which `api_core.idempotency` reads from the Lambda context the entry point registered
(`api_core.aws_faults.invocation_context`)."""
