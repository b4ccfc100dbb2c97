"""Which methods each path serves, read from the FastAPI app's own routes.

Preflight answers (`Access-Control-Allow-Methods`), plain OPTIONS (`Allow`) and 405 responses all need
the methods of a path. Starlette's own 405 names only the first route that matched the path, so a
collection with separate GET and POST routes would advertise just one of them; this table has them all.

HEAD is served wherever GET is (RFC 9110 9.3.2), although FastAPI's routes declare only GET: the table
adds it, so that Allow and Access-Control-Allow-Methods name it, and the entry point runs a HEAD as that
GET. The manifests and the OpenAPI document keep the app's own methods.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

# What metrics and traces call a request whose path matches no route (a 404, or a 405 elsewhere).
UNMATCHED_ROUTE = "unmatched"


class RouteTable:
    def __init__(self, routes: list[tuple[re.Pattern[str], frozenset[str], str]]) -> None:
        self._routes = [
            (regex, (methods | {"HEAD"}) if "GET" in methods else methods) for regex, methods, _ in routes
        ]
        self._templates = [(regex, template) for regex, _, template in routes]

    @classmethod
    def from_app(cls, app: Any) -> RouteTable:
        """Collect (path regex, methods, path template) from every HTTP route of a Starlette/FastAPI app."""
        entries = [
            (route.path_regex, frozenset(route.methods), route.path)
            for route in app.routes
            if getattr(route, "methods", None) and getattr(route, "path_regex", None)
        ]
        return cls(entries)

    def template_for(self, path: str) -> str | None:
        """The route template `path` matches (`/api/v1/items/{item_id}`), or None: what metrics and traces
        name a request by, since a raw path with ids in it would make every id a metric of its own."""
        return next((template for regex, template in self._templates if regex.match(path)), None)

    def methods_for(self, path: str) -> frozenset[str] | None:
        """The methods served at `path`, or None when no route matches it."""
        served: set[str] = set()
        matched = False
        for regex, methods in self._routes:
            if regex.match(path):
                matched = True
                served |= methods
        return frozenset(served) if matched else None

    @classmethod
    def from_manifest(cls, path: str | os.PathLike[str]) -> RouteTable:
        """The table from a committed `routes.json` (see `manifest`), without importing the app.

        This is what lets the entry point answer preflights before FastAPI is imported.
        """
        with open(path, encoding="utf-8") as file:
            entries = json.load(file)
        return cls(
            [(re.compile(entry["regex"]), frozenset(entry["methods"]), entry["path"]) for entry in entries]
        )


def manifest(app: Any) -> list[dict[str, Any]]:
    """Each HTTP route of an app as {path, regex, methods}: the content of a function's `routes.json`.

    The regex is Starlette's own (`route.path_regex`), so the manifest matches exactly what the app
    matches; tests/unit/test_route_manifests.py fails when a committed manifest drifts from its app.
    """
    return [
        {"path": route.path, "regex": route.path_regex.pattern, "methods": sorted(route.methods)}
        for route in app.routes
        if getattr(route, "methods", None) and getattr(route, "path_regex", None)
    ]


def render_manifest(app: Any) -> str:
    """`manifest(app)` as the committed file's text."""
    return json.dumps(manifest(app), indent=2) + "\n"


if __name__ == "__main__":  # python -m api_core.routes api:app > routes.json (from the function's folder)
    import importlib
    import sys

    sys.path.insert(0, os.getcwd())
    _module, _, _attribute = sys.argv[1].partition(":")
    sys.stdout.write(render_manifest(getattr(importlib.import_module(_module), _attribute)))
