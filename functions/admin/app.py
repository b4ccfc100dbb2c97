"""/api/v1/admin: what an admin console reads, in the `admin` CORS tier (its own origins, credentials).

The Lambda entry point. The routes are in api.py, imported on the first request that needs them;
preflights are answered from routes.json, which also carries the tier, without importing FastAPI
(docs/ARCHITECTURE.md).
"""

from api_core.lambda_handler import lazy_handler

handler = lazy_handler("api:app", require_env=("TABLE_NAME",))
