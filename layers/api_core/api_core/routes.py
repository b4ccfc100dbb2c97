"""Which methods each path serves, read from the FastAPI app's own routes.

Preflight answers (`Access-Control-Allow-Methods`), plain OPTIONS (`Allow`) and 405 responses all need
the methods of a path. Starlette's own 405 names only the first route that matched the path, so a
collection with separate GET and POST routes would advertise just one of them; this table has them all.

HEAD is served wherever GET is (RFC 9110 9.3.2), although FastAPI's routes declare only GET: the table
adds it, so that Allow and Access-Control-Allow-Methods name it, and the entry point runs a HEAD as that
GET. The manifests and the OpenAPI document keep the app's own methods.

The table also carries each route's CORS tier (`api_core.cors.tiers`), so that the entry point picks a
request's policy from the manifest too, before the app is imported.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from api_core.cors.tiers import Level, Tier, TierError, tier_of_route
from api_core.events import with_head

# What metrics and traces call a request whose path matches no route (a 404, or a 405 elsewhere).
UNMATCHED_ROUTE = "unmatched"
_PATHS = 256  # paths whose match each table remembers


@dataclass(frozen=True, slots=True)
class RouteMatch:
    """What the table knows of a path that a route matches: its methods, the route template of the first
    route that matches (`/api/v1/items/{item_id}`: what metrics and traces name a request by, never the
    raw path with its ids), and that route's CORS tier (None: the function's own policy)."""

    methods: frozenset[str]
    template: str
    tier: str | None


class RouteTable:
    def __init__(
        self,
        routes: list[tuple[re.Pattern[str], frozenset[str], str, str | None]],
        tiers: tuple[Tier, ...] = (),
    ) -> None:
        # Routes with one regex (FastAPI has a route per method) match the same paths: one entry each,
        # with all their methods and the first one's template and tier, so a lookup tries each regex once,
        # and usually answers with the entry's own `RouteMatch`.
        merged: dict[str, tuple[re.Pattern[str], set[str], str, str | None]] = {}
        for regex, methods, template, tier in routes:
            merged.setdefault(regex.pattern, (regex, set(), template, tier))[1].update(methods)
        self._routes = [
            (
                regex,
                RouteMatch(with_head(methods), template, tier),
            )
            for regex, methods, template, tier in merged.values()
        ]
        self.tiers = tiers  # the app's prefix and route tiers, as declared (api_core.cors.tiers)
        # Pure, so remembered per path: a function's collection paths and the items being worked on come
        # back (a browser's preflight, then its request). Paths hold ids, so a client sending new ones
        # only evicts; each key is one path, which API Gateway caps with the request line at 10 KB.
        self.lookup = lru_cache(maxsize=_PATHS)(self.lookup)  # type: ignore[method-assign]

    @classmethod
    def from_app(cls, app: Any) -> RouteTable:
        """Collect (path regex, methods, template, tier) from every HTTP route of a Starlette/FastAPI app."""
        return cls.from_data(manifest(app))

    def lookup(self, path: str) -> RouteMatch | None:
        """The methods served at `path`, with the template and tier of the first route that matches it
        (the one Starlette would try first); None when no route matches it."""
        found: RouteMatch | None = None
        for regex, match in self._routes:
            if regex.match(path):
                found = (
                    match
                    if found is None
                    else RouteMatch(found.methods | match.methods, found.template, found.tier)
                )
        return found

    @classmethod
    def from_manifest(cls, path: str | os.PathLike[str]) -> RouteTable:
        """The table from a committed `routes.json` (see `manifest`), without importing the app.

        This is what lets the entry point answer preflights before FastAPI is imported.
        """
        with open(path, encoding="utf-8") as file:
            return cls.from_data(json.load(file))

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> RouteTable:
        """The table from a manifest's content (`manifest`)."""
        routes = [
            (re.compile(entry["regex"]), frozenset(entry["methods"]), entry["path"], entry["tier"])
            for entry in data["routes"]
        ]
        return cls(routes, tuple(Tier.from_json(tier) for tier in data["tiers"]))


def manifest(app: Any) -> dict[str, Any]:
    """The content of a function's `routes.json`: the app's CORS tiers (`create_app(cors_tiers=...)`), and
    each HTTP route as {path, regex, methods, tier}, its tier being the most specific that covers it (None:
    the function's own policy).

    The regex is Starlette's own (`route.path_regex`), so the manifest matches exactly what the app
    matches; tests/unit/test_route_manifests.py fails when a committed manifest drifts from its app.
    """
    routes = [
        {"path": route.path, "regex": route.path_regex.pattern, "methods": sorted(route.methods)}
        for route in app.routes
        if getattr(route, "methods", None) and getattr(route, "path_regex", None)
    ]
    tiers = tuple(getattr(getattr(app, "state", None), "cors_tiers", ()))
    assigned = assign_tiers(tiers, [(route["path"], frozenset(route["methods"])) for route in routes])
    return {
        "tiers": [tier.to_json() for tier in tiers],
        "routes": [{**route, "tier": assigned[route["path"]]} for route in routes],
    }


def assign_tiers(
    tiers: Iterable[Tier], routes: Iterable[tuple[str, frozenset[str]]]
) -> dict[str, str | None]:
    """Each route path's tier name (None: the function's), checking the declarations against the routes:
    a route tier names a served route, a prefix covers one (and each route wholly or not at all), and
    exposed methods are served there."""
    tiers = tuple(tiers)
    declared: dict[str, set[str]] = {}
    for path, methods in routes:
        declared.setdefault(path, set()).update(methods)
    served = {path: with_head(methods) for path, methods in declared.items()}
    for kind in ("name", "prefix", "route"):
        values = [getattr(t, kind) for t in tiers if getattr(t, kind) is not None]
        if len(values) != len(set(values)):
            raise TierError(f"CORS tiers: two tiers with the same {kind}")
    assigned = {path: tier_of_route(tiers, path) for path in served}
    for tier in tiers:
        if tier.level is Level.FUNCTION:
            raise TierError(f"CORS tier {tier.name!r}: an app's tier has a prefix or a route")
        ambiguous = [path for path in served if tier.partly_covers(path)]
        if ambiguous:
            raise TierError(
                f"CORS tier {tier.name!r}: the prefix ends inside a parameter of the route {ambiguous[0]}, "
                "so it would cover some of its requests only: declare a route tier for it"
            )
        paths = [path for path, name in assigned.items() if name == tier.name or tier.covers(path)]
        if not paths:
            raise TierError(f"CORS tier {tier.name!r}: no route at {tier.route or tier.prefix}")
        methods = set().union(*(served[path] for path in paths))
        if tier.methods is not None and not tier.methods <= methods:
            unserved = ", ".join(sorted(tier.methods - methods))
            raise TierError(f"CORS tier {tier.name!r}: exposes {unserved}, which no route of it serves")
    return assigned


def render_manifest(app: Any) -> str:
    """`manifest(app)` as the committed file's text."""
    return json.dumps(manifest(app), indent=2) + "\n"


if __name__ == "__main__":  # python -m api_core.routes api:app > routes.json (from the function's folder)
    import importlib
    import sys

    sys.path.insert(0, os.getcwd())
    _module, _, _attribute = sys.argv[1].partition(":")
    sys.stdout.write(render_manifest(getattr(importlib.import_module(_module), _attribute)))
