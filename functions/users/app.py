"""/api/v1/users and the orders nested under each user (/api/v1/users/{user_id}/orders/{order_id}).

The Lambda entry point. The routes are in api.py, imported on the first request that needs them;
preflights are answered from routes.json without importing FastAPI (docs/ARCHITECTURE.md).
"""

from api_core.lambda_handler import lazy_handler

handler = lazy_handler("api:app", require_env=("TABLE_NAME",))
