"""A stand-in app built with the layer's factory, with a route for every response path CORS must cover."""

from __future__ import annotations

from api_core.app_factory import create_app
from api_core.lambda_handler import create_handler
from api_core.settings import environment_auth, environment_cors_policy, settings
from fastapi import Response
from fastapi.responses import RedirectResponse
from pydantic import BaseModel

from support.handlers import Handler


class Thing(BaseModel):
    name: str
    size: int


def build_handler(monkeypatch, env: dict[str, str]) -> Handler:
    """Cold-start the stand-in app with `env` (set through pytest's monkeypatch, undone after the test)."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings.cache_clear()
    environment_cors_policy.cache_clear()
    environment_auth.cache_clear()
    app = create_app(title="cors-paths")

    @app.get("/api/v1/things")
    async def list_things(response: Response) -> list[Thing]:
        response.headers["Vary"] = "Accept-Encoding, origin"
        return [Thing(name="a", size=1)]

    @app.post("/api/v1/things", status_code=201)
    async def create_thing(thing: Thing) -> Thing:
        return thing

    @app.put("/api/v1/things/{thing_id}")
    async def put_thing(thing_id: str, thing: Thing) -> Thing:
        return thing

    @app.get("/api/v1/boom")
    async def boom() -> None:
        raise RuntimeError("database password is hunter2")

    @app.get("/api/v1/not-modified")
    async def not_modified() -> Response:
        return Response(status_code=304, headers={"ETag": '"v1"'})

    @app.get("/api/v1/moved")
    async def moved() -> RedirectResponse:
        return RedirectResponse("/api/v1/things", status_code=302)

    @app.get("/api/v1/self-cors")
    async def self_cors(response: Response) -> dict[str, str]:
        # An app trying to set its own CORS headers: the layer must stay the only owner.
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Allow-Credentials"] = "true"
        return {}

    return create_handler(app)
