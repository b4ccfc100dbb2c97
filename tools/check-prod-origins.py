#!/usr/bin/env python3
"""Refuse a prod deploy the template or the functions would refuse, before SAM uploads anything.

Two checks, on what `sam deploy --config-env prod` would pass:
- AllowedOrigins: refused when the functions would refuse it at cold start (below);
- Auth: Stage=prod without an authorizer (Auth=none and no CognitoUserPoolArn) is refused unless
  AllowAnonymousWrites=true, as the template's Rules (ProdRequiresAuthentication) and the functions'
  cold start refuse it: such a stack takes writes from anyone on the internet, since CORS binds browsers
  only.

On AllowedOrigins: CloudFormation's AllowedPattern and Rules (template.yaml) refuse some such stacks too,
but only after `sam deploy` has packaged and uploaded the code, and no regex can hold the whole grammar
(the Public Suffix List, for one): a value that passed them would deploy "successfully" and then stop
every function at cold start. So this check runs the layer's own cold-start check (api_core.settings
with STAGE=prod): one grammar, one place. It needs the layer's dependencies (publicsuffixlist), so `make
check-prod-origins` runs it with the project's environment (.venv).

It reads what `sam deploy --config-env prod` would pass: the parameter_overrides of samconfig.toml's
[prod.deploy.parameters], or an explicit --allowed-origins (what `make deploy-prod ALLOWED_ORIGINS=...`
passes). With --print-overrides it prints the overrides to give SAM with that AllowedOrigins in place,
since SAM's --parameter-overrides replaces the config's list whole.

Exit status: 0 when prod may deploy, 1 (with a message on stderr) when not, 2 when run without the
layer's dependencies.
"""

from __future__ import annotations

import argparse
import importlib.util
import shlex
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "samconfig.toml"
sys.path.insert(0, str(ROOT / "layers" / "api_core"))

from api_core.settings import ConfigError, cors_policy_from_settings, load_settings  # noqa: E402

# The template's AllowedValues of Auth and AllowAnonymousWrites (tests/template holds them equal).
AUTH_VALUES = ("none", "cognito")
ANONYMOUS_WRITES_VALUES = ("false", "true")

ORIGINS_HINT = (
    "Set explicit origins in {config} [prod.deploy.parameters] parameter_overrides, e.g.\n"
    '  parameter_overrides = "Stage=prod AllowedOrigins=\\"https://app.example.com\\" Auth=cognito"\n'
    "or run: make deploy-prod ALLOWED_ORIGINS=https://app.example.com,https://admin.example.com"
)
AUTH_HINT = (
    "Set Auth=cognito (the stack creates a user pool) or CognitoUserPoolArn=<an existing pool's ARN> in\n"
    "{config} [prod.deploy.parameters] parameter_overrides. For an API that is meant to take anonymous\n"
    "writes from anyone on the internet, say so there with AllowAnonymousWrites=true."
)


class Refused(Exception):
    """A prod deploy that must not happen; `hint` (with {config}) says how to fix it."""

    def __init__(self, message: str, hint: str = ORIGINS_HINT) -> None:
        super().__init__(message)
        self.hint = hint


def prod_overrides(config: Path, env: str = "prod") -> dict[str, str]:
    """The parameter overrides `sam deploy --config-env <env>` would send, as a dict."""
    data = tomllib.loads(config.read_text())
    text = data.get(env, {}).get("deploy", {}).get("parameters", {}).get("parameter_overrides", "")
    if isinstance(text, list):  # samconfig also accepts a list of "Key=Value" strings
        text = " ".join(text)
    return dict(item.split("=", 1) for item in shlex.split(text) if "=" in item)


def check_origins(value: str | None) -> list[str]:
    """The origins if acceptable for prod; raises Refused with a message that says what to fix."""
    if value is None:
        raise Refused("AllowedOrigins is not set for prod.")
    if value.strip() == "":
        raise Refused("AllowedOrigins is empty for prod.")
    # CloudFormation trims each entry of a CommaDelimitedList ("each member string is space trimmed") and
    # the template joins them into CORS_ALLOWED_ORIGINS: judge what the functions will get.
    origins = [origin.strip() for origin in value.split(",")]
    if "" in origins or "*" in origins:  # what the template's Rules assert, in their words
        raise Refused(f"AllowedOrigins must not contain a wildcard or an empty entry in prod: {value!r}.")
    # The origins are judged on their own: AUTH=cognito keeps the authentication check out of it.
    environ = {"STAGE": "prod", "CORS_ALLOWED_ORIGINS": ",".join(origins), "AUTH": "cognito"}
    try:
        cors_policy_from_settings(load_settings(environ))
    except ConfigError as error:
        raise Refused(f"every function would refuse to start: {error}.") from None
    return origins


def check_auth(overrides: dict[str, str]) -> str:
    """The AUTH the functions get ("cognito" or "none") if acceptable for prod; raises Refused if not."""
    auth = overrides.get("Auth", "none")
    anonymous_writes = overrides.get("AllowAnonymousWrites", "false")
    for name, value, allowed in (
        ("Auth", auth, AUTH_VALUES),
        ("AllowAnonymousWrites", anonymous_writes, ANONYMOUS_WRITES_VALUES),
    ):
        if value not in allowed:  # CloudFormation would refuse it, but only after the upload
            raise Refused(f"{name}={value!r} is not one of {', '.join(allowed)}.", AUTH_HINT)
    if auth == "cognito" or overrides.get("CognitoUserPoolArn", ""):
        return "cognito"
    if anonymous_writes != "true":
        raise Refused(
            "Auth=none without CognitoUserPoolArn: no authorizer, so anyone on the internet could write "
            "(CORS binds browsers only).",
            AUTH_HINT,
        )
    return "none"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=CONFIG)
    parser.add_argument("--allowed-origins", help="overrides samconfig.toml's value")
    parser.add_argument("--print-overrides", action="store_true")
    args = parser.parse_args(argv)
    if importlib.util.find_spec("publicsuffixlist") is None:
        print(
            "check-prod-origins needs the layer's dependencies: run it as `make check-prod-origins`, "
            "or with .venv/bin/python after `make deps`.",
            file=sys.stderr,
        )
        return 2

    overrides = prod_overrides(args.config)
    if args.allowed_origins is not None:
        overrides["AllowedOrigins"] = args.allowed_origins
    try:
        check_origins(overrides.get("AllowedOrigins"))
        check_auth(overrides)
    except Refused as refused:
        hint = refused.hint.format(config=args.config.name)
        print(f"Refusing to deploy prod: {refused}\n{hint}", file=sys.stderr)
        return 1
    if args.print_overrides:
        print(" ".join(f'{key}="{value}"' for key, value in overrides.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
