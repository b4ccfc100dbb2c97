"""/api/v1/admin: an admin console's reads. GET /api/v1/admin/stats counts the records of each collection.

Who may call: the `admin` group (no token 401, a token without the group 403). With AUTH=none, anyone.

CORS: everything under /api/v1/admin/ is the `admin` tier. Its origins are CORS_ADMIN_ALLOWED_ORIGINS (the
template's AdminOrigins), not the app's: a page on the app's origin cannot read it, nor an admin console's
page the rest of the API. Credentials are on; headers, max age and methods come from the environment's
`app` tier (`python -m api_core.cors explain --path /api/v1/admin/stats ...` lists them).
"""

from __future__ import annotations

import service
from api_core.app_factory import create_app
from api_core.auth import ADMIN, in_group, route_checks
from api_core.cors.tiers import Origins, Tier
from models import Stats

PREFIX = "/api/v1/admin/"
ADMIN_TIER = Tier("admin", prefix=PREFIX, origins=Origins.FROM_ENVIRONMENT, credentials=True)

app = create_app(title="Admin", cors_tiers=[ADMIN_TIER])
ADMIN_ONLY = route_checks(in_group(ADMIN))


@app.get(f"{PREFIX}stats", dependencies=ADMIN_ONLY)
async def get_stats() -> Stats:
    return service.stats()
