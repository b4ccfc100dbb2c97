"""`python -m api_core.cors explain`: what a function's CORS policy decides, which tier decided, and why.

The browser only says "CORS error"; this prints the decision and the exact headers the layer would send,
for an actual request and, with --method, for the preflight before it. Run it with the function's
environment (STAGE, CORS_ALLOWED_ORIGINS, CORS_<TIER>_ALLOWED_ORIGINS, TABLE_NAME, ...).

With --function (a function's folder, e.g. functions/health) it loads that function's entry point as
Lambda would, without the app: its tiers (routes.json) and any policy its app.py sets in code. --path
then picks the tier that decides, and the path's methods. Without --function, the environment's policy
alone (the `app` tier) decides.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from pathlib import Path
from typing import Any

from api_core.cors.policy import VARY_ACTUAL, VARY_PREFLIGHT, CorsPolicy, Mode
from api_core.cors.tiers import ENVIRONMENT_TIER, FIELDS, Level, ResolvedTier, TieredPolicy, resolve_tiers
from api_core.routes import RouteTable
from api_core.settings import ConfigError, cors_policy_from_settings, load_settings


def explain(
    policy: CorsPolicy,
    origin: str,
    method: str | None,
    headers: list[str],
    served: frozenset[str] | None = None,
    *,
    assume_served: bool = True,
) -> list[str]:
    """The decision of one policy for an origin (and a preflight for `method`), with its headers.
    `served`: the path's methods (None: no route); with `assume_served`, the path serves `method`."""
    lines = [f"policy: {policy.mode}, credentials {'on' if policy.allow_credentials else 'off'}"]
    refusal = policy.check_actual((origin,), method or "GET")
    if refusal is None:
        lines.append(f"actual request from {origin}: allowed")
        lines += [f"  {k}: {v}" for k, v in policy.actual_headers(origin).items()]
    else:
        reason = f"{refusal.check}: {refusal.detail}"
        lines.append(f"actual request from {origin}: refused ({reason}) by tier '{refusal.tier}'")
        lines.append("  (no Access-Control-Allow-* headers; POST/PUT/PATCH/DELETE get 403)")
    lines.append(f"  Vary: {', '.join(VARY_ACTUAL)}")
    if method:
        methods = frozenset({method}) if assume_served else served
        answer = policy.preflight((origin,), method, ", ".join(headers) or None, methods)
        if answer.refusal is None:
            note = f" (assuming the path serves {method})" if assume_served else ""
            lines.append(f"preflight for {method}: 204{note}")
            lines += [f"  {k}: {v}" for k, v in answer.headers.items()]
        else:
            refused = answer.refusal
            lines.append(
                f"preflight for {method}: 403 ({refused.check}: {refused.detail}) by tier '{refused.tier}'"
            )
        lines.append(f"  Vary: {', '.join(VARY_PREFLIGHT)}")
    return lines


def describe_tier(tier: ResolvedTier, tiers: TieredPolicy) -> list[str]:
    """Which tier decides, where it applies, and each setting with the tier that set it: its own, or
    inherited from a less specific one."""
    levels = {ENVIRONMENT_TIER: Level.ENVIRONMENT, tiers.function.name: tiers.function.level}
    levels.update({name: resolved.level for name, resolved in tiers.tiers.items()})
    where = f"{tier.level} {tier.scope}" if tier.scope else str(tier.level)
    lines = [f"tier: {tier.name} ({where}); precedence route > prefix > function > environment"]
    for field in FIELDS:
        source = tier.sources[field]
        how = "its own" if source == tier.name else f"inherited from '{source}' ({levels[source]})"
        lines.append(f"  {field.replace('_', ' ')}: {_value(tier, field)}  [{how}]")
    return lines


def _value(tier: ResolvedTier, field: str) -> str:
    policy = tier.policy
    if field == "origins":
        return _origins(tier)
    named = ", ".join(sorted(policy.allow_headers))
    values = {
        "credentials": "on" if policy.allow_credentials else "off",
        "methods": "every method the path serves"
        if policy.expose_methods is None
        else ", ".join(sorted(policy.expose_methods)) or "(none)",
        "allow_headers": f"any but authorization{', ' + named if named else ''}"
        if policy.allow_any_header
        else named,
        "expose_headers": ", ".join(policy.expose_headers) or "(none)",
        "max_age": str(policy.max_age),
    }
    return values[field]


def _origins(tier: ResolvedTier) -> str:
    policy = tier.policy
    if policy.mode is Mode.PUBLIC:
        return "any origin (*)"
    if policy.mode is Mode.DEV_REFLECTION:
        return f"any valid origin, reflected (dev, {tier.origins_from} empty)"
    listed = sorted(policy.exact_origins) + [str(pattern) for pattern in policy.subdomain_patterns]
    return f"{', '.join(listed) or '(none)'} (from {tier.origins_from})"


def load_function(folder: str) -> tuple[TieredPolicy, RouteTable]:
    """A function's tiers and routes, from its entry point (app.py), imported as on Lambda: no app."""
    sys.path.insert(0, str(Path(folder).resolve()))
    handler: Any = importlib.import_module("app").handler
    return handler.policy, handler.routes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m api_core.cors", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    explain_cmd = commands.add_parser("explain", help="show the decision for an origin")
    explain_cmd.add_argument(
        "--origin", required=True, help="the Origin header, e.g. https://app.example.com"
    )
    explain_cmd.add_argument("--method", help="simulate a preflight for this method, e.g. PUT")
    explain_cmd.add_argument("--header", action="append", default=[], help="a requested header (repeatable)")
    explain_cmd.add_argument("--path", help="the request's path, e.g. /api/v1/admin/stats: picks the tier")
    explain_cmd.add_argument("--function", help="a function's folder, e.g. functions/health: its tiers")
    args = parser.parse_args(argv)
    routes: RouteTable | None = None
    try:
        if args.function:
            tiers, routes = load_function(args.function)
        else:
            config = load_settings()
            environment = cors_policy_from_settings(config)
            tiers = resolve_tiers(environment, None, (), stage=config.stage, environ=os.environ)
    except ConfigError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        return 2
    lines: list[str] = []
    tier, served, assume_served = tiers.function, None, True
    if args.path and routes is not None:
        route = routes.lookup(args.path)
        tier = tiers.tier_for(args.path, route.tier if route else None, matched=route is not None)
        served, assume_served = (route.methods if route else None), False
        lines.append(
            f"path {args.path}: serves {', '.join(sorted(served)) if served else 'nothing (no route)'}"
        )
    lines += describe_tier(tier, tiers)
    lines += explain(tier.policy, args.origin, args.method, args.header, served, assume_served=assume_served)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
