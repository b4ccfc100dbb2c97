"""`python -m api_core.cors explain`: what the current environment's CORS policy decides, and why.

The browser only says "CORS error"; this prints the decision and the exact headers the layer would send,
for an actual request and, with --method, for the preflight before it. Run it with the function's
environment (STAGE, CORS_ALLOWED_ORIGINS, ...) to see what that function does.
"""

from __future__ import annotations

import argparse
import sys

from api_core.cors.policy import VARY_ACTUAL, VARY_PREFLIGHT, CorsPolicy
from api_core.settings import ConfigError, cors_policy_from_settings, load_settings


def explain(policy: CorsPolicy, origin: str, method: str | None, headers: list[str]) -> list[str]:
    lines = [f"policy: {policy.mode}, credentials {'on' if policy.allow_credentials else 'off'}"]
    refusal = policy.check_origin((origin,))
    if refusal is None:
        lines.append(f"actual request from {origin}: allowed")
        lines += [f"  {k}: {v}" for k, v in policy.actual_headers(origin).items()]
    else:
        lines.append(f"actual request from {origin}: refused ({refusal.check}: {refusal.detail})")
        lines.append("  (no Access-Control-Allow-* headers; POST/PUT/PATCH/DELETE get 403)")
    lines.append(f"  Vary: {', '.join(VARY_ACTUAL)}")
    if method:
        # The layer checks the method against the route's methods; outside a function there are no
        # routes, so the path is assumed to serve the method asked about.
        answer = policy.preflight((origin,), method, ", ".join(headers) or None, frozenset({method}))
        if answer.refusal is None:
            lines.append(f"preflight for {method}: 204 (assuming the path serves {method})")
            lines += [f"  {k}: {v}" for k, v in answer.headers.items()]
        else:
            lines.append(f"preflight for {method}: 403 ({answer.refusal.check}: {answer.refusal.detail})")
        lines.append(f"  Vary: {', '.join(VARY_PREFLIGHT)}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m api_core.cors", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    explain_cmd = commands.add_parser("explain", help="show the decision for an origin")
    explain_cmd.add_argument(
        "--origin", required=True, help="the Origin header, e.g. https://app.example.com"
    )
    explain_cmd.add_argument("--method", help="simulate a preflight for this method, e.g. PUT")
    explain_cmd.add_argument("--header", action="append", default=[], help="a requested header (repeatable)")
    args = parser.parse_args(argv)
    try:
        policy = cors_policy_from_settings(load_settings())
    except ConfigError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        return 2
    print("\n".join(explain(policy, args.origin, args.method, args.header)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
