"""GET /api/v1/health: public and read-only, so its CORS policy is `*` without credentials.

The Lambda entry point. The routes are in api.py, imported on the first request that needs them;
preflights are answered from routes.json without importing FastAPI (docs/ARCHITECTURE.md).
"""

from api_core.cors.policy import CorsPolicy
from api_core.lambda_handler import lazy_handler

handler = lazy_handler("api:app", cors=CorsPolicy.public())
