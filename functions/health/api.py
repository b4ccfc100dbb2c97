"""GET /api/v1/health: public and read-only, so its CORS policy is `*` without credentials."""

from typing import Literal

from api_core.app_factory import create_app
from api_core.settings import settings
from pydantic import BaseModel


class Health(BaseModel):
    status: Literal["ok"]
    stage: str


app = create_app(title="Health")


@app.get("/api/v1/health")
async def get_health() -> Health:
    return Health(status="ok", stage=settings().stage)
