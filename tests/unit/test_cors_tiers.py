"""CORS tiers (issue 14), pure: precedence (route > prefix > function > environment), what each tier
inherits, the declarations the manifest refuses, and a property: a request is allowed only if the most
specific tier covering its path and method allows it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from api_core.cors.policy import CorsPolicy, Mode
from api_core.cors.tiers import Level, Origins, Tier, TierError, resolve_tiers
from api_core.routes import RouteTable, assign_tiers
from api_core.settings import ConfigError, Stage, cors_policy_from_settings, load_settings
from hypothesis import given, settings
from hypothesis import strategies as st

APP = "https://app.example.com"
ADMIN = "https://admin.example.com"
PARTNER = "https://partner.example.org"
ENVIRONMENT = {"STAGE": "prod", "CORS_ALLOWED_ORIGINS": APP, "CORS_ADMIN_ALLOWED_ORIGINS": ADMIN}


def environment_policy(environ: dict[str, str] = ENVIRONMENT) -> CorsPolicy:
    return cors_policy_from_settings(load_settings(environ))


def resolve(function: Any = None, *tiers: Tier, environ: dict[str, str] = ENVIRONMENT, stage=Stage.PROD):
    return resolve_tiers(environment_policy(environ), function, tiers, stage=stage, environ=environ)


# -- precedence and inheritance, table-driven ---------------------------------------------------------
PREFIX = Tier("admin", prefix="/api/v1/admin/", origins=Origins.FROM_ENVIRONMENT, credentials=True)
NESTED = Tier("reports", prefix="/api/v1/admin/reports/", max_age=60)
ROUTE = Tier("export", route="/api/v1/admin/reports/{report_id}", methods=frozenset({"GET"}))
PARTNER_ROUTE = Tier("partner", route="/api/v1/items/{item_id}", origins=(PARTNER,), credentials=False)
PUBLIC = Tier("public", origins=("*",), credentials=False, expose_headers=("ETag",))
DEFAULT_EXPOSE = ("Location", "ETag", "Link", "X-Total-Count", "X-Request-Id", "Retry-After")

# (function level, path, route tier from the manifest or None, whether a route matched)
#   -> (deciding tier, level, {field: (value, tier that set it)})
CASES = [
    # no tiers: the environment decides everything
    (
        None,
        "/api/v1/items",
        None,
        True,
        "app",
        Level.ENVIRONMENT,
        {
            "origins": ({APP}, "app"),
            "credentials": (True, "app"),
            "max_age": (7200, "app"),
            "methods": (None, "app"),
            "expose_headers": (DEFAULT_EXPOSE, "app"),
        },
    ),
    # a prefix: its own origins and credentials, the rest from the environment
    (
        None,
        "/api/v1/admin/stats",
        "admin",
        True,
        "admin",
        Level.PREFIX,
        {
            "origins": ({ADMIN}, "admin"),
            "credentials": (True, "admin"),
            "max_age": (7200, "app"),
            "methods": (None, "app"),
        },
    ),
    # an unknown path under the prefix: the prefix, from the path alone
    (None, "/api/v1/admin/nothing", None, False, "admin", Level.PREFIX, {"origins": ({ADMIN}, "admin")}),
    # the path /api/v1/admin itself is not under /api/v1/admin/
    (None, "/api/v1/admin", None, False, "app", Level.ENVIRONMENT, {"origins": ({APP}, "app")}),
    # the longest prefix wins, and inherits from the prefix enclosing it
    (
        None,
        "/api/v1/admin/reports/",
        None,
        False,
        "reports",
        Level.PREFIX,
        {
            "origins": ({ADMIN}, "admin"),
            "credentials": (True, "admin"),
            "max_age": (60, "reports"),
        },
    ),
    # a route inside prefixes: its methods, the rest from the longest prefix covering it, and so on down
    (
        None,
        "/api/v1/admin/reports/r1",
        "export",
        True,
        "export",
        Level.ROUTE,
        {
            "origins": ({ADMIN}, "admin"),
            "methods": (frozenset({"GET", "HEAD"}), "export"),
            "max_age": (60, "reports"),
            "expose_headers": (DEFAULT_EXPOSE, "app"),
        },
    ),
    # a route outside any prefix: its own origins, no credentials
    (
        None,
        "/api/v1/items/i1",
        "partner",
        True,
        "partner",
        Level.ROUTE,
        {
            "origins": ({PARTNER}, "partner"),
            "credentials": (False, "partner"),
            "max_age": (7200, "app"),
        },
    ),
    # a function-level tier in code beats the environment; tiers under it inherit from it
    (
        PUBLIC,
        "/api/v1/items",
        None,
        True,
        "public",
        Level.FUNCTION,
        {
            "origins": ("*", "public"),
            "credentials": (False, "public"),
            "expose_headers": (("ETag",), "public"),
            "max_age": (7200, "app"),
        },
    ),
    (
        PUBLIC,
        "/api/v1/admin/stats",
        "admin",
        True,
        "admin",
        Level.PREFIX,
        {
            "origins": ({ADMIN}, "admin"),
            "credentials": (True, "admin"),
            "expose_headers": (("ETag",), "public"),
        },
    ),
    # a whole policy in code (health's CorsPolicy.public()) sets every field itself
    (
        CorsPolicy.public(),
        "/api/v1/health",
        None,
        True,
        "public",
        Level.FUNCTION,
        {
            "origins": ("*", "public"),
            "credentials": (False, "public"),
            "expose_headers": ((), "public"),
        },
    ),
]
TIERS = (PREFIX, NESTED, ROUTE, PARTNER_ROUTE)


def field_value(policy: CorsPolicy, field: str) -> Any:
    if field == "origins":
        return "*" if policy.mode is Mode.PUBLIC else set(policy.exact_origins)
    return {
        "credentials": policy.allow_credentials,
        "methods": policy.expose_methods,
        "expose_headers": policy.expose_headers,
        "max_age": policy.max_age,
    }[field]


@pytest.mark.parametrize(("function", "path", "route_tier", "matched", "name", "level", "expected"), CASES)
def test_the_most_specific_tier_decides_and_inherits_what_it_does_not_set(
    function, path, route_tier, matched, name, level, expected
):
    # GIVEN the tiers, resolved over the environment (and a function-level policy, if any)
    tiers = resolve(function, *TIERS)
    # WHEN a request's path (and its route's tier, from the manifest) picks the tier
    tier = tiers.tier_for(path, route_tier, matched=matched)
    # THEN the most specific tier covering it decides, with every field from where the table says
    assert (tier.name, tier.level, tier.policy.tier) == (name, level, name)
    for field, (value, source) in expected.items():
        assert field_value(tier.policy, field) == value, field
        assert tier.sources[field] == source, field


def test_the_manifest_assigns_each_route_its_most_specific_tier():
    routes = [
        ("/api/v1/admin/stats", frozenset({"GET"})),
        ("/api/v1/admin/reports/{report_id}", frozenset({"GET", "DELETE"})),
        ("/api/v1/admin/reports/", frozenset({"GET"})),
        ("/api/v1/items/{item_id}", frozenset({"GET", "PUT"})),
        ("/api/v1/items", frozenset({"GET"})),
    ]
    assert assign_tiers(TIERS, routes) == {
        "/api/v1/admin/stats": "admin",
        "/api/v1/admin/reports/{report_id}": "export",
        "/api/v1/admin/reports/": "reports",
        "/api/v1/items/{item_id}": "partner",
        "/api/v1/items": None,
    }


# -- declarations that cannot work ----------------------------------------------------------------------
ROUTES = [("/api/v1/things", frozenset({"GET", "POST"})), ("/api/v1/things/{thing_id}", frozenset({"GET"}))]


@pytest.mark.parametrize(
    ("tiers", "message"),
    [
        ([Tier("x", route="/api/v1/nothing")], "no route at /api/v1/nothing"),
        ([Tier("x", prefix="/api/v2/")], "no route at /api/v2/"),
        (
            [Tier("x", route="/api/v1/things", methods=frozenset({"DELETE"}))],
            "exposes DELETE, which no route",
        ),
        ([Tier("x", prefix="/api/v1/", methods=frozenset({"PATCH"}))], "exposes PATCH"),
        ([Tier("x", prefix="/api/v1/"), Tier("x", route="/api/v1/things")], "two tiers with the same name"),
        ([Tier("x", prefix="/api/v1/"), Tier("y", prefix="/api/v1/")], "two tiers with the same prefix"),
        ([Tier("x")], "an app's tier has a prefix or a route"),
        # the prefix ends inside the route's parameter: it would cover /api/v1/things/a/ only
        ([Tier("x", prefix="/api/v1/things/a/")], None),
    ],
)
def test_declarations_the_manifest_refuses(tiers, message):
    routes = [*ROUTES, ("/api/v1/things/{thing_id}/{part:path}", frozenset({"GET"}))]
    with pytest.raises(TierError, match=re.escape(message) if message else "ends inside a parameter"):
        assign_tiers(tiers, routes)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "Admin"}, "lowercase"),
        ({"name": "app"}, "not 'app'"),
        ({"name": "x", "prefix": "/a/", "route": "/a"}, "not both"),
        ({"name": "x", "prefix": "/api"}, "starts and ends with '/'"),
        ({"name": "x", "methods": frozenset({"get"})}, "uppercase"),
        ({"name": "x", "max_age": 86401}, "max_age"),
        ({"name": "x", "origins": ()}, "empty origin list"),
    ],
)
def test_a_tier_that_cannot_work_is_refused_where_it_is_written(kwargs, message):
    with pytest.raises(TierError, match=message):
        Tier(**kwargs)


def test_any_origin_with_credentials_is_refused_naming_the_tier_and_where_credentials_came_from():
    # the environment sends credentials; a tier opening to '*' inherits them unless it says otherwise
    with pytest.raises(TierError, match=r"'open'.*with credentials, inherited from 'app'"):
        resolve(None, Tier("open", prefix="/api/", origins=("*",)))
    with pytest.raises(TierError, match=r"'creds'.*with credentials;"):
        resolve(CorsPolicy.public(), Tier("creds", prefix="/api/", credentials=True))
    assert resolve(None, Tier("open", prefix="/api/", origins=("*",), credentials=False))


def test_a_malformed_origin_in_code_is_refused_naming_the_tier():
    with pytest.raises(
        TierError, match=re.escape("'partner': 'https://partner.example.org/' is not an origin")
    ):
        resolve(None, Tier("partner", route="/x", origins=("https://partner.example.org/",)))


# -- a tier's origins from its own variable ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("stage", "value", "message"),
    [
        ("prod", None, "must list the allowed origins when STAGE=prod"),
        ("prod", "", "must list the allowed origins"),
        ("prod", "https://a.example.com,", "an empty entry"),
        ("prod", "*", "'*' is refused for the CORS tier 'admin', which sends credentials"),
        ("dev", "*", "'*' is refused for the CORS tier 'admin', which sends credentials"),
        ("prod", "null", "'null' is refused"),
        ("prod", "https://A.example.com", "lowercase"),
        ("prod", "https://*.co.uk", "Public Suffix List"),
        ("dev", "http://localhost:5173/", "no path"),
    ],
)
def test_a_tiers_variable_follows_the_origin_lists_rules_and_errors_name_it(stage, value, message):
    environ = {"STAGE": stage, "CORS_ALLOWED_ORIGINS": APP}
    if value is not None:
        environ["CORS_ADMIN_ALLOWED_ORIGINS"] = value
    with pytest.raises(ConfigError) as raised:
        resolve(None, PREFIX, environ=environ, stage=Stage(stage))
    assert raised.value.variable == "CORS_ADMIN_ALLOWED_ORIGINS"
    assert message in str(raised.value)


def test_in_dev_an_empty_variable_reflects_and_a_list_is_a_list():
    dev = {"STAGE": "dev", "CORS_ALLOWED_ORIGINS": ""}
    assert (
        resolve(None, PREFIX, environ=dev, stage=Stage.DEV).tiers["admin"].policy.mode is Mode.DEV_REFLECTION
    )
    listed = {**dev, "CORS_ADMIN_ALLOWED_ORIGINS": f"{ADMIN},https://*.console.example.com"}
    policy = resolve(None, PREFIX, environ=listed, stage=Stage.DEV).tiers["admin"].policy
    assert policy.mode is Mode.ALLOW_LIST
    assert policy.check_origin(("https://eu.console.example.com",)) is None
    assert policy.check_origin((APP,)) is not None
    # without credentials, '*' is dev reflection, as for CORS_ALLOWED_ORIGINS
    open_dev = {**dev, "CORS_ADMIN_ALLOWED_ORIGINS": "*"}
    tier = Tier("admin", prefix="/api/v1/admin/", origins=Origins.FROM_ENVIRONMENT, credentials=False)
    assert (
        resolve(None, tier, environ=open_dev, stage=Stage.DEV).tiers["admin"].policy.mode
        is Mode.DEV_REFLECTION
    )


def test_the_variable_is_named_after_the_tier():
    assert Tier("admin").variable == "CORS_ADMIN_ALLOWED_ORIGINS"
    assert Tier("partner-api").variable == "CORS_PARTNER_API_ALLOWED_ORIGINS"


@pytest.mark.parametrize(
    "tier", [PREFIX, NESTED, ROUTE, PARTNER_ROUTE, PUBLIC, Tier("x", allow_headers=("*",))]
)
def test_a_tier_survives_the_manifest(tier):
    assert Tier.from_json(tier.to_json()) == tier


# -- the property ---------------------------------------------------------------------------------------
# A fixed app: its routes (path template -> methods) and the concrete paths requests go to.
APP_ROUTES = {
    "/api/v1/items": {"GET", "POST"},
    "/api/v1/items/{item_id}": {"GET", "PUT", "PATCH", "DELETE"},
    "/api/v1/admin/stats": {"GET"},
    "/api/v1/admin/users/{user_id}": {"GET", "DELETE"},
    "/api/v1/public/status": {"GET"},
}
PATHS = [
    "/api/v1/items",
    "/api/v1/items/i1",
    "/api/v1/admin/stats",
    "/api/v1/admin/users/u1",
    "/api/v1/admin/unknown",
    "/api/v1/public/status",
    "/api/v1/public/",
    "/api/v2/nothing",
]
PREFIXES = ["/api/", "/api/v1/", "/api/v1/admin/", "/api/v1/admin/users/", "/api/v1/public/"]
ORIGINS = [APP, ADMIN, PARTNER, "https://evil.example.net"]
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]


def regex(template: str) -> str:
    return "^" + re.sub(r"\{\w+\}", "[^/]+", template) + "$"


def served_at(path: str) -> set[str] | None:
    methods = [m for t, m in APP_ROUTES.items() if re.match(regex(t), path)]
    if not methods:
        return None
    served = set().union(*methods)
    return served | {"HEAD"} if "GET" in served else served


@st.composite
def tier_fields(draw: st.DrawFn, served: set[str]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if draw(st.booleans()):
        fields["origins"] = tuple(
            draw(st.lists(st.sampled_from(ORIGINS[:3]), min_size=1, max_size=2, unique=True))
        )
    if draw(st.booleans()):
        fields["credentials"] = draw(st.booleans())
    if draw(st.booleans()):
        fields["methods"] = frozenset(
            draw(st.lists(st.sampled_from(sorted(served)), max_size=3, unique=True))
        )
    if draw(st.booleans()):
        fields["max_age"] = draw(st.integers(0, 600))
    return fields


@st.composite
def declarations(draw: st.DrawFn) -> tuple[Tier | None, list[Tier]]:
    function = Tier("fn", **draw(tier_fields(set(METHODS)))) if draw(st.booleans()) else None
    tiers = []
    for number, prefix in enumerate(draw(st.lists(st.sampled_from(PREFIXES), max_size=3, unique=True))):
        covered = [m for t, m in APP_ROUTES.items() if t.startswith(prefix)]
        tiers.append(Tier(f"p{number}", prefix=prefix, **draw(tier_fields(set().union(*covered)))))
    for number, route in enumerate(
        draw(st.lists(st.sampled_from(sorted(APP_ROUTES)), max_size=2, unique=True))
    ):
        tiers.append(Tier(f"r{number}", route=route, **draw(tier_fields(APP_ROUTES[route]))))
    return function, tiers


def oracle(function: Tier | None, tiers: list[Tier], path: str) -> dict[str, Any]:
    """The settings deciding for `path`, worked out naively from the declarations: every tier covering the
    path, least specific first (function, prefixes from the shortest, route), each overriding what it
    sets."""
    chain: list[Tier] = [function] if function else []
    template = next((t for t in APP_ROUTES if re.match(regex(t), path)), None)
    covering = [t for t in tiers if t.prefix and path.startswith(t.prefix)]
    chain += sorted(covering, key=lambda t: len(t.prefix or ""))
    chain += [t for t in tiers if t.route and t.route == template]
    settings_ = {"origins": (APP,), "credentials": True, "methods": None}
    for tier in chain:
        settings_.update({k: getattr(tier, k) for k in settings_ if getattr(tier, k) is not None})
    return settings_


@settings(max_examples=300, deadline=None)
@given(
    declared=declarations(),
    requests=st.lists(
        st.tuples(st.sampled_from(PATHS), st.sampled_from(METHODS), st.sampled_from(ORIGINS), st.booleans()),
        min_size=1,
        max_size=8,
    ),
)
def test_a_request_is_allowed_only_if_the_most_specific_tier_covering_it_allows_it(declared, requests):
    # GIVEN any tiers over a fixed app, written as the routes manifest holds them, resolved at cold start
    function, tiers = declared
    routes = [(t, frozenset(m)) for t, m in APP_ROUTES.items()]
    try:
        assigned = assign_tiers(tiers, routes)
        resolved = resolve(function, *tiers, environ={"STAGE": "prod", "CORS_ALLOWED_ORIGINS": APP})
    except TierError:
        return  # a declaration the manifest or the cold start refuses serves no request at all
    manifest = {
        "tiers": [tier.to_json() for tier in tiers],
        "routes": [
            {"path": t, "regex": regex(t), "methods": sorted(m), "tier": assigned[t]}
            for t, m in APP_ROUTES.items()
        ],
    }
    table = RouteTable.from_data(manifest)
    for path, method, origin, is_preflight in requests:
        # WHEN the entry point's lookup picks the policy, and the policy decides
        route = table.lookup(path)
        policy = resolved.policy_for(path, route.tier if route else None, matched=route is not None)
        if is_preflight:
            allowed = (
                policy.preflight((origin,), method, None, route.methods if route else None).refusal is None
            )
        else:
            allowed = policy.check_actual((origin,), method) is None
        # THEN it is allowed exactly when the most specific covering tier's settings allow it
        expected = oracle(function, tiers, path)
        served = served_at(path)
        exposed = expected["methods"] is None or method in expected["methods"] | (
            {"HEAD"} if "GET" in expected["methods"] else set()
        )
        origin_ok = expected["origins"] == ("*",) or origin in expected["origins"]
        if is_preflight:
            should = origin_ok and served is not None and method in served and exposed
        else:  # an actual request's method matters where a browser sends it unasked
            should = origin_ok and (exposed or method not in ("GET", "HEAD", "POST"))
        assert allowed is should, (path, method, origin, is_preflight, expected)
