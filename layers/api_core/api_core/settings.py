"""Settings shared by every function, read from the environment once at cold start.

A missing or invalid value raises ConfigError at import time, naming the variable, so a misconfigured
function fails its first invocation loudly instead of serving with a silent default. A plain dataclass is
used rather than pydantic-settings: it keeps pydantic off the import path of the preflight fast path, and
each rule here needs its own message anyway.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from api_core.cors.origins import InvalidOrigin, Origin, SubdomainPattern, parse_allowed_entry
from api_core.cors.policy import CorsPolicy, Mode

# Headers a browser client of this API sends beyond the CORS-safelisted ones.
DEFAULT_ALLOW_HEADERS = (
    "Authorization",
    "Content-Type",
    "If-Match",
    "If-None-Match",
    "Idempotency-Key",
    "X-Request-Id",
)
# Headers the API itself sets and a browser client needs to read.
DEFAULT_EXPOSE_HEADERS = ("Location", "ETag", "Link", "X-Total-Count", "X-Request-Id", "Retry-After")
# Chromium caps Access-Control-Max-Age at 7200 s and Firefox at 86400 s; a larger value buys nothing.
DEFAULT_MAX_AGE = 7200
MAX_MAX_AGE = 86400


class Stage(StrEnum):
    DEV = "dev"
    PROD = "prod"


class Auth(StrEnum):
    """Who checks identity: nobody (`none`), or a Cognito user pool authorizer in front (`cognito`)."""

    NONE = "none"
    COGNITO = "cognito"


class ConfigError(RuntimeError):
    """A setting is missing or invalid. The message starts with the variable's name."""

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable}: {problem}")
        self.variable = variable


@dataclass(frozen=True, slots=True)
class Settings:
    stage: Stage
    cors_allowed_origins: tuple[str, ...]
    cors_allow_credentials: bool
    cors_allow_headers: tuple[str, ...]
    cors_expose_headers: tuple[str, ...]
    cors_max_age: int
    auth: Auth = Auth.NONE
    allow_anonymous_writes: bool = False


def load_settings(environ: Mapping[str, str] = os.environ) -> Settings:
    """Read and validate the shared settings. Raises ConfigError naming the first bad variable."""
    stage_text = _required(environ, "STAGE")
    try:
        stage = Stage(stage_text)
    except ValueError:
        raise ConfigError("STAGE", f"expected 'dev' or 'prod', got {stage_text!r}") from None
    return Settings(
        stage=stage,
        cors_allowed_origins=origin_list(environ.get("CORS_ALLOWED_ORIGINS", "")),
        cors_allow_credentials=_boolean(environ, "CORS_ALLOW_CREDENTIALS", default=True),
        cors_allow_headers=_csv(environ.get("CORS_ALLOW_HEADERS", ",".join(DEFAULT_ALLOW_HEADERS))),
        cors_expose_headers=_csv(environ.get("CORS_EXPOSE_HEADERS", ",".join(DEFAULT_EXPOSE_HEADERS))),
        cors_max_age=_integer(environ, "CORS_MAX_AGE", DEFAULT_MAX_AGE, 0, MAX_MAX_AGE),
        auth=_auth(environ),
        allow_anonymous_writes=_boolean(environ, "ALLOW_ANONYMOUS_WRITES", default=False),
    )


@cache
def settings() -> Settings:
    """The process's settings, read on first use (at cold start) and then kept."""
    return load_settings()


@cache
def environment_cors_policy() -> CorsPolicy:
    """The environment-driven CORS policy, built and validated once per process (at cold start)."""
    return cors_policy_from_settings(settings())


@cache
def environment_auth() -> Auth:
    """The environment's AUTH, with the prod rule applied, checked once per process (at cold start)."""
    return auth_from_settings(settings())


def auth_from_settings(config: Settings) -> Auth:
    """The identity check in force; ConfigError naming AUTH for a prod stage open to anonymous writes.

    CORS binds only browsers: a prod API without an authorizer takes writes from anyone on the internet,
    so that takes an explicit ALLOW_ANONYMOUS_WRITES=true (the template's AllowAnonymousWrites).
    """
    if config.stage is Stage.PROD and config.auth is Auth.NONE and not config.allow_anonymous_writes:
        raise ConfigError(
            "AUTH",
            "'none' (or unset) is refused when STAGE=prod: anyone could write; set AUTH=cognito, "
            "or ALLOW_ANONYMOUS_WRITES=true to accept that",
        )
    return config.auth


def required_env(name: str, environ: Mapping[str, str] = os.environ) -> str:
    """A function-specific variable that must be set, such as TABLE_NAME."""
    return _required(environ, name)


def cors_policy_from_settings(config: Settings) -> CorsPolicy:
    """Build the environment-driven policy; raises ConfigError for an unsafe or unmatchable origin list."""
    origins = allowed_origins("CORS_ALLOWED_ORIGINS", config.cors_allowed_origins, config.stage)
    allow_headers = {h.lower() for h in config.cors_allow_headers}
    return CorsPolicy(
        mode=origins.mode,
        exact_origins=origins.exact,
        subdomain_patterns=origins.patterns,
        allow_null=origins.allow_null,
        allow_credentials=config.cors_allow_credentials,
        allow_headers=frozenset(allow_headers - {"*"}),
        allow_any_header="*" in allow_headers,
        expose_headers=config.cors_expose_headers,
        max_age=config.cors_max_age,
        tier="app",
    )


@dataclass(frozen=True, slots=True)
class AllowedOrigins:
    """An origin list as a policy holds it: its mode, exact origins, subdomain patterns, and `null`."""

    mode: Mode
    exact: frozenset[str]
    patterns: tuple[SubdomainPattern, ...]
    allow_null: bool


def allowed_origins(var: str, entries: tuple[str, ...], stage: Stage) -> AllowedOrigins:
    """Judge the origin list read from `var` (`origin_list`) by the stage's rules; ConfigError naming `var`.

    One grammar for every list: CORS_ALLOWED_ORIGINS, each tier's CORS_<TIER>_ALLOWED_ORIGINS, and the
    deploy check (tools/check-prod-origins.py), which runs this function. Dev with no list (or '*' alone)
    reflects; prod needs explicit origins.
    """
    if stage is Stage.PROD:
        if not entries:
            raise ConfigError(var, "must list the allowed origins when STAGE=prod")
        if "" in entries:
            # CloudFormation's Rules refuse an empty entry in prod; refusing it here too keeps one grammar
            # for the deploy check (which runs this function) and the cold start.
            raise ConfigError(var, "an empty entry (a doubled or trailing comma) is refused when STAGE=prod")
        if "*" in entries:
            raise ConfigError(var, "'*' is refused when STAGE=prod: list the origins explicitly")
        if "null" in entries:
            raise ConfigError(var, "'null' is refused when STAGE=prod: any page can make a null origin")
    entries = tuple(entry for entry in entries if entry)
    wildcard = entries == ("*",)
    if stage is Stage.DEV and "*" in entries and not wildcard:
        raise ConfigError(var, "'*' (dev reflection) cannot be combined with listed origins")

    exact: set[str] = set()
    patterns: list[SubdomainPattern] = []
    for entry in entries:
        if entry in ("*", "null"):
            continue
        try:
            parsed = parse_allowed_entry(entry)
        except InvalidOrigin as error:
            raise ConfigError(var, f"{entry!r} is not an origin or subdomain pattern: {error}") from None
        if isinstance(parsed, Origin):
            exact.add(entry)
        else:
            patterns.append(parsed)
    reflect = stage is Stage.DEV and (not entries or wildcard)
    return AllowedOrigins(
        mode=Mode.DEV_REFLECTION if reflect else Mode.ALLOW_LIST,
        exact=frozenset(exact),
        patterns=tuple(patterns),
        allow_null="null" in entries,
    )


def _required(environ: Mapping[str, str], name: str) -> str:
    value = environ.get(name, "").strip()
    if not value:
        raise ConfigError(name, "is not set")
    return value


def _auth(environ: Mapping[str, str]) -> Auth:
    # Unset means none: the template always sets it, and in prod none is refused by auth_from_settings.
    text = environ.get("AUTH", "").strip()
    try:
        return Auth(text) if text else Auth.NONE
    except ValueError:
        raise ConfigError("AUTH", f"expected 'none' or 'cognito', got {text!r}") from None


def origin_list(text: str) -> tuple[str, ...]:
    """A comma-separated origin variable's entries, trimmed. Empty entries are kept (prod refuses them, as
    CloudFormation does); a blank value is no list at all."""
    if not text.strip():
        return ()
    return tuple(part.strip() for part in text.split(","))


def _csv(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


def _boolean(environ: Mapping[str, str], name: str, *, default: bool) -> bool:
    text = environ.get(name, "").strip().lower()
    if not text:
        return default
    if text not in ("true", "false"):
        raise ConfigError(name, f"expected 'true' or 'false', got {text!r}")
    return text == "true"


def _integer(environ: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    text = environ.get(name, "").strip()
    if not text:
        return default
    if not text.isdigit() or not low <= int(text) <= high:
        raise ConfigError(name, f"expected a whole number from {low} to {high}, got {text!r}")
    return int(text)
