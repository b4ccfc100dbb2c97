"""Which methods each path serves, read from the FastAPI app's own routes.

Preflight answers (`Access-Control-Allow-Methods`), plain OPTIONS (`Allow`) and 405 responses all need
the methods of a path. Starlette's own 405 names only the first route that matched the path, so a
collection with separate GET and POST routes would advertise just one of them; this table has them all.
"""

from __future__ import annotations

import re
from typing import Any


class RouteTable:
    def __init__(self, routes: list[tuple[re.Pattern[str], frozenset[str]]]) -> None:
        self._routes = routes

    @classmethod
    def from_app(cls, app: Any) -> RouteTable:
        """Collect (path regex, methods) from every HTTP route of a Starlette/FastAPI app."""
        entries = [
            (route.path_regex, frozenset(route.methods))
            for route in app.routes
            if getattr(route, "methods", None) and getattr(route, "path_regex", None)
        ]
        return cls(entries)

    def methods_for(self, path: str) -> frozenset[str] | None:
        """The methods served at `path`, or None when no route matches it."""
        served: set[str] = set()
        matched = False
        for regex, methods in self._routes:
            if regex.match(path):
                matched = True
                served |= methods
        return frozenset(served) if matched else None
