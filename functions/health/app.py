"""GET /api/v1/health: public and read-only, so its CORS policy is `*` without credentials.

The Lambda entry point. The routes are in api.py, imported on the first request that needs them;
preflights are answered from routes.json without importing FastAPI (docs/ARCHITECTURE.md).
"""

from typing import Any

from api_core.cors.policy import CorsPolicy
from api_core.lambda_handler import lazy_handler

handler = lazy_handler("api:app", cors=CorsPolicy.public())


def __getattr__(name: str) -> Any:
    # `app.app` still reaches the FastAPI app (tests, tools), importing it on first use.
    if name == "app":
        return handler.app  # type: ignore[attr-defined]
    raise AttributeError(name)
