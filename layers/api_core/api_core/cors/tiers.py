"""CORS policy tiers: the function's policy, refined for a path prefix or a single route.

Four levels, the most specific first: route > prefix > function (code) > environment. The environment's
policy is the `app` tier (CORS_ALLOWED_ORIGINS and the other CORS_* variables); a function may replace or
refine it in code (`lazy_handler(..., cors=...)`); its app may declare tiers for a path prefix and for a
single route (`create_app(..., cors_tiers=...)`). A tier sets some of origins, credentials, the methods
it exposes, allowed and exposed headers and max age, and inherits the rest from the tier below it: the
longest prefix tier covering its path (for a prefix, the longest enclosing it), else the function's.

A request's tier is the most specific one that covers its path: its route's, else the longest prefix that
its path starts with, else the function's. The routes manifest (`routes.json`) records each route's tier
(`api_core.routes.assign_tiers`), so a cold preflight picks the tier without importing the app
(docs/ARCHITECTURE.md).

A tier's origins come from code (`origins=("https://admin.example.com",)`, or `("*",)` for any origin
without credentials), or from its own variable, `CORS_<NAME>_ALLOWED_ORIGINS`
(`origins=Origins.FROM_ENVIRONMENT`), judged as CORS_ALLOWED_ORIGINS is (`api_core.settings`).

Everything here is pure: the environment is passed in.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from api_core.cors.origins import InvalidOrigin, Origin, SubdomainPattern, parse_allowed_entry
from api_core.cors.policy import CorsPolicy, Mode
from api_core.events import with_head
from api_core.settings import MAX_MAX_AGE, ConfigError, Stage, allowed_origins, origin_list

FIELDS = ("origins", "credentials", "methods", "allow_headers", "expose_headers", "max_age")
_NAME = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*\Z")
_METHOD = re.compile(r"[A-Z]+\Z")
ENVIRONMENT_TIER = "app"  # the name of the environment's policy (api_core.settings)


class Origins(StrEnum):
    """Where a tier's origins come from when code does not list them."""

    FROM_ENVIRONMENT = "from-environment"  # CORS_<NAME>_ALLOWED_ORIGINS


class Level(StrEnum):
    """How specific a tier is; a tier inherits from the level below it."""

    ENVIRONMENT = "environment"
    FUNCTION = "function"
    PREFIX = "prefix"
    ROUTE = "route"


class TierError(ValueError):
    """A tier declared in code cannot work as written; the message names the tier."""


@dataclass(frozen=True, slots=True)
class Tier:
    """One tier: a name, where it applies (`prefix`, `route`, or neither: the whole function), and what it
    sets. None inherits. `methods` are those browsers may use (a subset of those served; GET brings HEAD).

        Tier("admin", prefix="/api/v1/admin/", origins=Origins.FROM_ENVIRONMENT, credentials=True)
        Tier("profile", route="/api/v1/users/{user_id}", methods=frozenset({"GET", "PUT", "PATCH"}))
    """

    name: str
    prefix: str | None = None
    route: str | None = None
    origins: tuple[str, ...] | Origins | None = None
    credentials: bool | None = None
    methods: frozenset[str] | None = None
    allow_headers: tuple[str, ...] | None = None
    expose_headers: tuple[str, ...] | None = None
    max_age: int | None = None

    def __post_init__(self) -> None:
        if not _NAME.match(self.name) or self.name == ENVIRONMENT_TIER:
            raise TierError(f"CORS tier {self.name!r}: a name is lowercase words joined by '-', not 'app'")
        if self.prefix is not None and self.route is not None:
            raise TierError(f"CORS tier {self.name!r}: a prefix or a route, not both")
        if self.prefix is not None and not (self.prefix.startswith("/") and self.prefix.endswith("/")):
            raise TierError(f"CORS tier {self.name!r}: a prefix starts and ends with '/'")
        if self.route is not None and not self.route.startswith("/"):
            raise TierError(f"CORS tier {self.name!r}: a route is a path as the app declares it")
        if self.methods is not None and not all(_METHOD.match(m) for m in self.methods):
            raise TierError(f"CORS tier {self.name!r}: methods are uppercase names such as GET")
        if self.max_age is not None and not 0 <= self.max_age <= MAX_MAX_AGE:
            raise TierError(f"CORS tier {self.name!r}: max_age is from 0 to {MAX_MAX_AGE}")
        if isinstance(self.origins, tuple) and not self.origins:
            raise TierError(f"CORS tier {self.name!r}: an empty origin list; leave origins unset to inherit")

    @property
    def level(self) -> Level:
        return Level.ROUTE if self.route else Level.PREFIX if self.prefix else Level.FUNCTION

    @property
    def variable(self) -> str:
        """The variable its origins come from with `Origins.FROM_ENVIRONMENT`."""
        return f"CORS_{self.name.upper().replace('-', '_')}_ALLOWED_ORIGINS"

    def covers(self, path: str) -> bool:
        """Whether a prefix tier covers every request to `path`: a request's path, or a route's as the app
        declares it (a `{parameter}` segment matches any text without '/')."""
        return self.prefix is not None and _coverage(self.prefix, path) == "all"

    def partly_covers(self, path: str) -> bool:
        """Whether a prefix tier covers some requests to a declared route and not others (the prefix ends
        inside a parameter): an ambiguity the routes manifest refuses."""
        return self.prefix is not None and _coverage(self.prefix, path) == "some"

    def to_json(self) -> dict[str, Any]:
        """The tier as the routes manifest holds it: only what it sets."""
        data: dict[str, Any] = {"name": self.name}
        for key in ("prefix", "route", *FIELDS):
            value = getattr(self, key)
            if isinstance(value, frozenset):
                value = sorted(value)
            elif isinstance(value, tuple):
                value = list(value)
            if value is not None:
                data[key] = str(value) if isinstance(value, Origins) else value
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Tier:
        values = dict(data)
        origins = values.get("origins")
        if origins is not None:
            values["origins"] = Origins(origins) if isinstance(origins, str) else tuple(origins)
        for key, kind in (("methods", frozenset), ("allow_headers", tuple), ("expose_headers", tuple)):
            if values.get(key) is not None:
                values[key] = kind(values[key])
        return cls(**values)


def tier_of_route(tiers: Iterable[Tier], path: str) -> str | None:
    """The most specific tier of a path: its route tier, else the longest prefix covering it, else None."""
    tiers = tuple(tiers)
    for tier in tiers:
        if tier.route == path:
            return tier.name
    prefixes = sorted((t for t in tiers if t.covers(path)), key=lambda t: len(t.prefix or ""), reverse=True)
    return prefixes[0].name if prefixes else None


def _coverage(prefix: str, path: str) -> str:
    wanted = prefix.strip("/").split("/")
    segments = path.split("/")[1:]
    spans = any(":path}" in segment for segment in segments)  # Starlette's convertor that matches '/'
    if len(segments) <= len(wanted) and not spans:
        return "none"  # too short to reach past the prefix's final '/'
    for want, segment in zip(wanted, segments, strict=False):
        if "{" in segment:
            return "some"
        if want != segment:
            return "none"
    return "all" if len(segments) > len(wanted) else "some"


@dataclass(frozen=True, slots=True)
class ResolvedTier:
    """A tier with everything inherited filled in: its policy, and which tier set each field."""

    name: str
    level: Level
    scope: str | None  # the prefix or route
    policy: CorsPolicy
    sources: Mapping[str, str]  # field -> the name of the tier that set it
    origins_from: str  # the variable its origins are read from, or "code"


class TieredPolicy:
    """Every tier of one function, resolved at cold start: picks a request's policy by path."""

    def __init__(self, function: ResolvedTier, tiers: Iterable[ResolvedTier] = ()) -> None:
        self.function = function
        self.tiers = {tier.name: tier for tier in tiers}
        prefixed = [tier for tier in self.tiers.values() if tier.level is Level.PREFIX]
        self._prefixes = sorted(prefixed, key=lambda tier: len(tier.scope or ""), reverse=True)

    def tier_for(self, path: str, route_tier: str | None, *, matched: bool) -> ResolvedTier:
        """The tier deciding for `path`. A path that a route matches (`matched`) has that route's tier from
        the manifest (None: the function's); any other path has the longest prefix covering it, if any."""
        if matched:
            return self.tiers[route_tier] if route_tier is not None else self.function
        for tier in self._prefixes:
            if path.startswith(tier.scope or ""):
                return tier
        return self.function

    def policy_for(self, path: str, route_tier: str | None, *, matched: bool) -> CorsPolicy:
        """`tier_for(...)`'s policy: what the entry point asks on every request."""
        return self.tier_for(path, route_tier, matched=matched).policy


def resolve_tiers(
    environment: CorsPolicy,
    function: CorsPolicy | Tier | None,
    tiers: Iterable[Tier],
    *,
    stage: Stage,
    environ: Mapping[str, str],
) -> TieredPolicy:
    """Resolve every level, once, at cold start. Raises ConfigError naming a tier's variable for bad
    origins in it, TierError naming the tier for a declaration that cannot work (such as '*' origins
    with credentials)."""
    sources, variable = dict.fromkeys(FIELDS, ENVIRONMENT_TIER), "CORS_ALLOWED_ORIGINS"
    base = ResolvedTier(ENVIRONMENT_TIER, Level.ENVIRONMENT, None, environment, sources, variable)
    if isinstance(function, CorsPolicy):
        own = dict.fromkeys(FIELDS, function.tier)
        base = ResolvedTier(function.tier, Level.FUNCTION, None, function, own, "code")
    elif function is not None:
        base = _inherit(base, function, stage, environ)
    prefixes = sorted((t for t in tiers if t.level is Level.PREFIX), key=lambda t: len(t.prefix or ""))
    resolved: dict[str, ResolvedTier] = {}
    # Shortest first: a prefix inherits from the longest prefix enclosing it, a route from the longest
    # covering its path, else from the function.
    for tier in [*prefixes, *(t for t in tiers if t.level is Level.ROUTE)]:
        parent = tier_of_route([t for t in prefixes if t.name in resolved], tier.prefix or tier.route or "")
        resolved[tier.name] = _inherit(resolved[parent] if parent else base, tier, stage, environ)
    return TieredPolicy(base, resolved.values())


def _inherit(parent: ResolvedTier, tier: Tier, stage: Stage, environ: Mapping[str, str]) -> ResolvedTier:
    changes: dict[str, Any] = {}
    sources = dict(parent.sources)
    credentials = parent.policy.allow_credentials if tier.credentials is None else tier.credentials
    if tier.origins is Origins.FROM_ENVIRONMENT:
        changes.update(environment_origins(tier, credentials, stage, environ))
    elif tier.origins is not None:
        changes.update(_code_origins(tier))
    if tier.credentials is not None:
        changes["allow_credentials"] = tier.credentials
    if tier.methods is not None:
        changes["expose_methods"] = with_head(tier.methods)
    if tier.allow_headers is not None:
        names = {name.lower() for name in tier.allow_headers}
        changes["allow_headers"], changes["allow_any_header"] = frozenset(names - {"*"}), "*" in names
    if tier.expose_headers is not None:
        changes["expose_headers"] = tier.expose_headers
    if tier.max_age is not None:
        changes["max_age"] = tier.max_age
    sources.update({field: tier.name for field in FIELDS if getattr(tier, field) is not None})
    if changes.get("mode", parent.policy.mode) is Mode.PUBLIC and credentials:
        inherited = "" if tier.credentials is not None else f", inherited from '{sources['credentials']}'"
        raise TierError(
            f"CORS tier {tier.name!r}: any origin ('*') with credentials{inherited}; browsers refuse the "
            "pair: list the origins, or set credentials=False"
        )
    policy = replace(parent.policy, tier=tier.name, **changes)
    origins_from = parent.origins_from
    if tier.origins is not None:
        origins_from = tier.variable if tier.origins is Origins.FROM_ENVIRONMENT else "code"
    return ResolvedTier(tier.name, tier.level, tier.prefix or tier.route, policy, sources, origins_from)


def environment_origins(
    tier: Tier, credentials: bool, stage: Stage, environ: Mapping[str, str]
) -> dict[str, Any]:
    """A tier's origins from its variable (`Tier.variable`), as policy fields; ConfigError naming the
    variable for a list the stage refuses, and for '*' in a tier with credentials. The cold start runs
    this, and so does `make deploy-prod`'s check (tools/check-prod-origins.py)."""
    var = tier.variable
    entries = origin_list(environ.get(var, ""))
    if "*" in entries and credentials:
        raise ConfigError(
            var,
            f"'*' is refused for the CORS tier '{tier.name}', which sends credentials: list its origins "
            "(in dev, an empty list reflects any origin)",
        )
    origins = allowed_origins(var, entries, stage)
    return _origin_fields(origins.mode, origins.exact, origins.patterns, origins.allow_null)


def _code_origins(tier: Tier) -> dict[str, Any]:
    assert isinstance(tier.origins, tuple)  # the caller handled None and FROM_ENVIRONMENT
    if tier.origins == ("*",):
        return _origin_fields(Mode.PUBLIC, frozenset(), (), False)
    exact: set[str] = set()
    patterns: list[SubdomainPattern] = []
    for entry in tier.origins:
        try:
            parsed = parse_allowed_entry(entry)
        except InvalidOrigin as error:
            raise TierError(f"CORS tier {tier.name!r}: {entry!r} is not an origin: {error}") from None
        if isinstance(parsed, Origin):
            exact.add(entry)
        else:
            patterns.append(parsed)
    return _origin_fields(Mode.ALLOW_LIST, frozenset(exact), tuple(patterns), False)


def _origin_fields(
    mode: Mode, exact: frozenset[str], patterns: tuple[Any, ...], null: bool
) -> dict[str, Any]:
    return {"mode": mode, "exact_origins": exact, "subdomain_patterns": patterns, "allow_null": null}
