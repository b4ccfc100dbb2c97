"""The CORS policy: an immutable object built once at cold start, and the decisions it makes.

Everything here is pure: no HTTP framework, no Lambda event. `api_core.lambda_handler` feeds it what a
request says and puts the headers it returns onto the response. Header values that do not depend on the
request are computed once, in `__post_init__`, so the per-request work is a set lookup and a dict copy.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from api_core.cors.origins import InvalidOrigin, Origin, SubdomainPattern, parse_origin

# Every response varies by Origin, including those to requests without one: a shared cache must not hand a
# response made for no Origin (no Allow-Origin) to a browser that sent one (Fetch standard, "CORS protocol
# and HTTP caches").
VARY_ACTUAL = ("Origin",)
VARY_PREFLIGHT = ("Origin", "Access-Control-Request-Method", "Access-Control-Request-Headers")
# Methods a browser sends cross-origin without a preflight (Fetch standard, "CORS-safelisted method").
SAFELISTED_METHODS = frozenset({"GET", "HEAD", "POST"})
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+\Z")  # RFC 9110 token: methods and header names
# Decisions each policy remembers, per kind (the oldest forgotten first). A function's browsers send a few
# origins, each with a few methods and header lists, so 256 holds them all; a client sending new values
# only evicts. The keys are the request's Origin values and Access-Control-Request-* headers, which API
# Gateway caps at 10 KB per request: at most a few MB per policy, however many distinct values arrive.
CACHE_SIZE = 256


class Mode(StrEnum):
    ALLOW_LIST = "allow-list"
    DEV_REFLECTION = "dev-reflection"
    PUBLIC = "public"


class Check(StrEnum):
    """Which check refused a request. Shown to the client and logged; never lists the allowed origins."""

    ORIGIN_MULTIPLE = "origin-multiple"
    ORIGIN_MALFORMED = "origin-malformed"
    ORIGIN_NULL = "origin-null"
    ORIGIN_NOT_ALLOWED = "origin-not-allowed"
    UNKNOWN_PATH = "unknown-path"
    METHOD_NOT_ALLOWED = "method-not-allowed"
    METHOD_NOT_EXPOSED = "method-not-exposed"  # served at the path, but the tier keeps it from browsers
    HEADER_NOT_ALLOWED = "header-not-allowed"


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a policy refused a request: the check, its reason, and the tier (`CorsPolicy.tier`) deciding."""

    check: Check
    detail: str
    tier: str = ""

    @property
    def explained(self) -> str:
        """The reason with the deciding tier, as the 403 problem's detail and the explain command say it."""
        return f"{self.detail} (CORS tier '{self.tier}')" if self.tier else self.detail


@dataclass(frozen=True, slots=True, eq=False)
class PreflightAnswer:
    """A preflight's outcome: the headers to send on a 204, or the refusal to send as a 403.

    Compared and hashed by identity: a policy gives identical preflights the same answer, by which the
    entry point remembers that answer's decorated headers (api_core.decoration)."""

    headers: Mapping[str, str]
    refusal: Refusal | None = None


@dataclass(frozen=True)
class CorsPolicy:
    """Who may call the API from a browser, and what the browser is told.

    Build it with `api_core.settings.cors_policy_from_settings()` (environment-driven) or
    `CorsPolicy.public()` (anyone, no credentials: for public read-only endpoints such as health); a path
    prefix or a route refines it with a tier (`api_core.cors.tiers`), which names the policy it builds.
    """

    mode: Mode
    allow_credentials: bool
    allow_headers: frozenset[str]  # lowercase names
    expose_headers: tuple[str, ...]
    max_age: int
    exact_origins: frozenset[str] = frozenset()
    subdomain_patterns: tuple[SubdomainPattern, ...] = ()
    allow_null: bool = False
    # Any requested header is allowed, except Authorization, which must always be listed by name.
    allow_any_header: bool = False
    # The methods browsers may use, of those a path serves; None: all of them. HEAD goes with GET.
    expose_methods: frozenset[str] | None = None
    tier: str = "function"  # named in refusals, logs and `explain`
    _static_actual: Mapping[str, str] = field(init=False, repr=False)
    _static_preflight: Mapping[str, str] = field(init=False, repr=False)
    # The decisions below, memoized per policy (`CACHE_SIZE`); built with the policy, never compared.
    _cached: dict[str, Any] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.mode is Mode.PUBLIC and self.allow_credentials:
            raise ValueError("a public (*) policy cannot allow credentials: browsers reject that pair")
        actual: dict[str, str] = {}
        if self.allow_credentials:
            actual["Access-Control-Allow-Credentials"] = "true"
        if self.expose_headers:
            actual["Access-Control-Expose-Headers"] = ", ".join(self.expose_headers)
        preflight = {k: v for k, v in actual.items() if k != "Access-Control-Expose-Headers"}
        preflight["Access-Control-Max-Age"] = str(self.max_age)
        object.__setattr__(self, "_static_actual", actual)
        object.__setattr__(self, "_static_preflight", preflight)
        cached = {
            name: lru_cache(maxsize=CACHE_SIZE)(getattr(self, f"_{name}"))
            for name in ("check_origin", "check_actual", "actual_headers", "preflight")
        }
        object.__setattr__(self, "_cached", cached)

    @classmethod
    def public(cls, *, max_age: int = 7200, expose_headers: Iterable[str] = ()) -> CorsPolicy:
        """Any origin may read, without credentials: `Access-Control-Allow-Origin: *`."""
        return cls(
            mode=Mode.PUBLIC,
            allow_credentials=False,
            allow_headers=frozenset(),
            allow_any_header=True,
            expose_headers=tuple(expose_headers),
            max_age=max_age,
            tier="public",
        )

    # -- origin -------------------------------------------------------------------------------------------
    def check_origin(self, values: tuple[str, ...]) -> Refusal | None:
        """Decide on the Origin header's values (one per occurrence). None means allowed."""
        return self._cached["check_origin"](values)

    def _check_origin(self, values: tuple[str, ...]) -> Refusal | None:
        if len(values) != 1:
            return self._refuse(Check.ORIGIN_MULTIPLE, "the Origin header must appear once, with one origin")
        text = values[0]
        if text == "null":
            if self.allow_null:
                return None
            return self._refuse(Check.ORIGIN_NULL, "the opaque origin 'null' is not allowed")
        try:
            origin = parse_origin(text)
        except InvalidOrigin as error:
            return self._refuse(
                Check.ORIGIN_MALFORMED, f"the Origin header is not a serialized origin: {error}"
            )
        if self.mode is not Mode.ALLOW_LIST or self._listed(text, origin):
            return None
        return self._refuse(Check.ORIGIN_NOT_ALLOWED, "this origin is not allowed to call the API")

    def check_actual(self, values: tuple[str, ...], method: str) -> Refusal | None:
        """Decide on an actual (not preflight) request: its origin, and whether its method is exposed.

        The method is checked only where a browser sends it without asking first (GET, HEAD, POST): any
        other method comes after a preflight, which refused it. One that arrives anyway comes from a
        client that is no browser, which CORS does not bind.
        """
        return self._cached["check_actual"](values, method)

    def _check_actual(self, values: tuple[str, ...], method: str) -> Refusal | None:
        refusal = self.check_origin(values)
        if refusal is None and method in SAFELISTED_METHODS:
            refusal = self._check_exposed(method)
        return refusal

    def _listed(self, text: str, origin: Origin) -> bool:
        return text in self.exact_origins or any(p.matches(origin) for p in self.subdomain_patterns)

    # -- responses ----------------------------------------------------------------------------------------
    def actual_headers(self, origin: str) -> Mapping[str, str]:
        """CORS headers for a response to an allowed origin (Vary is merged by the caller); read-only,
        as the same mapping answers every request from that origin."""
        return self._cached["actual_headers"](origin)

    def _actual_headers(self, origin: str) -> Mapping[str, str]:
        allow = {"Access-Control-Allow-Origin": self._allow_origin_value(origin)}
        return MappingProxyType({**allow, **self._static_actual})

    def preflight(
        self,
        origin_values: tuple[str, ...],
        request_method: str,
        request_headers: str | None,
        served_methods: frozenset[str] | None,
    ) -> PreflightAnswer:
        """Answer a preflight. `served_methods` is what the route at the path serves, None if no route.

        The answer's headers are read-only: the same answer is given to every identical preflight."""
        return self._cached["preflight"](origin_values, request_method, request_headers, served_methods)

    def _preflight(
        self,
        origin_values: tuple[str, ...],
        request_method: str,
        request_headers: str | None,
        served_methods: frozenset[str] | None,
    ) -> PreflightAnswer:
        refusal = (
            self.check_origin(origin_values)
            or self._check_method(request_method, served_methods)
            or self._check_exposed(request_method)
        )
        requested: list[str] = []
        if refusal is None:
            requested, refusal = self._check_headers(request_headers)
        if refusal is not None:
            return PreflightAnswer(headers=MappingProxyType({}), refusal=refusal)
        assert served_methods is not None  # _check_method refused otherwise
        headers = {
            "Access-Control-Allow-Origin": self._allow_origin_value(origin_values[0]),
            "Access-Control-Allow-Methods": ", ".join(sorted(self.exposed(served_methods))),
            **self._static_preflight,
        }
        if requested:
            headers["Access-Control-Allow-Headers"] = ", ".join(requested)
        return PreflightAnswer(headers=MappingProxyType(headers))

    def exposed(self, served: frozenset[str]) -> frozenset[str]:
        """The methods of `served` that browsers may use under this policy."""
        return served if self.expose_methods is None else served & self.expose_methods

    def _refuse(self, check: Check, detail: str) -> Refusal:
        return Refusal(check, detail, self.tier)

    def _check_method(self, method: str, served: frozenset[str] | None) -> Refusal | None:
        if served is None:
            return self._refuse(Check.UNKNOWN_PATH, "no resource at this path")
        # Methods are case-sensitive (RFC 9110 9.1); browsers uppercase the standard ones before asking.
        if not _TOKEN.match(method) or method not in served:
            shown = method if _TOKEN.match(method) else "(malformed)"
            return self._refuse(Check.METHOD_NOT_ALLOWED, f"the method {shown} is not served at this path")
        return None

    def _check_exposed(self, method: str) -> Refusal | None:
        if self.expose_methods is None or method in self.expose_methods:
            return None
        shown = method if _TOKEN.match(method) else "(malformed)"
        return self._refuse(
            Check.METHOD_NOT_EXPOSED, f"the method {shown} is not open to browsers at this path"
        )

    def _allow_origin_value(self, origin: str) -> str:
        return "*" if self.mode is Mode.PUBLIC else origin

    def _check_headers(self, value: str | None) -> tuple[list[str], Refusal | None]:
        names = [n.strip().lower() for n in (value or "").split(",")]
        names = [n for n in names if n]
        for name in names:
            if not _TOKEN.match(name):
                return [], self._refuse(
                    Check.HEADER_NOT_ALLOWED, "Access-Control-Request-Headers is malformed"
                )
            allowed = name in self.allow_headers or (self.allow_any_header and name != "authorization")
            if not allowed:
                return [], self._refuse(
                    Check.HEADER_NOT_ALLOWED, f"the request header '{name}' is not allowed"
                )
        return names, None
