#!/usr/bin/env python3
"""Refuse a prod deploy the template or the functions would refuse, before SAM uploads anything.

Two checks, on what `sam deploy --config-env prod` would pass:
- AllowedOrigins, and every CORS tier's parameter (AdminOrigins): refused when the functions would
  refuse it at cold start (below);
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

A tier's parameter is judged by the cold-start check of the tiers that read it: every tier in the
functions' routes.json whose origins come from that parameter's variable (CORS_ADMIN_ALLOWED_ORIGINS).

It reads what `sam deploy --config-env prod` would pass: the parameter_overrides of samconfig.toml's
[prod.deploy.parameters], or an explicit --allowed-origins / --admin-origins (what `make deploy-prod
ALLOWED_ORIGINS=... ADMIN_ORIGINS=...` passes). With --print-overrides it prints the overrides to give
SAM with those in place, since SAM's --parameter-overrides replaces the config's list whole.

Exit status: 0 when prod may deploy, 1 (with a message on stderr) when not, 2 when run without the
layer's dependencies.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import shlex
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "samconfig.toml"
sys.path.insert(0, str(ROOT / "layers" / "api_core"))

from api_core.cors.tiers import Origins, Tier, environment_origins  # noqa: E402
from api_core.settings import ConfigError, Stage, cors_policy_from_settings, load_settings  # noqa: E402

# Every CORS tier's template parameter, and the variable template.yaml sets from it (tests/template holds
# this table to the template and to the functions' tiers).
ORIGIN_PARAMETERS = {"AllowedOrigins": "CORS_ALLOWED_ORIGINS", "AdminOrigins": "CORS_ADMIN_ALLOWED_ORIGINS"}

# The template's AllowedValues of Auth and AllowAnonymousWrites (tests/template holds them equal).
AUTH_VALUES = ("none", "cognito")
ANONYMOUS_WRITES_VALUES = ("false", "true")

ORIGINS_HINT = (
    "Set explicit origins in {config} [prod.deploy.parameters] parameter_overrides, e.g.\n"
    '  parameter_overrides = "Stage=prod AllowedOrigins=\\"https://app.example.com\\"'
    ' AdminOrigins=\\"https://admin.example.com\\" Auth=cognito"\n'
    "or run: make deploy-prod ALLOWED_ORIGINS=https://app.example.com ADMIN_ORIGINS=https://admin.example.com"
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


def check_origins(value: str | None, parameter: str = "AllowedOrigins") -> list[str]:
    """The origins of `parameter` (a key of ORIGIN_PARAMETERS) if acceptable for prod; raises Refused
    with a message that says what to fix."""
    if value is None:
        raise Refused(f"{parameter} is not set for prod.")
    if value.strip() == "":
        raise Refused(f"{parameter} is empty for prod.")
    # CloudFormation trims each entry of a CommaDelimitedList ("each member string is space trimmed") and
    # the template joins them into the variable: judge what the functions will get.
    origins = [origin.strip() for origin in value.split(",")]
    if "" in origins or "*" in origins:  # what the template's Rules assert, in their words
        raise Refused(f"{parameter} must not contain a wildcard or an empty entry in prod: {value!r}.")
    variable = ORIGIN_PARAMETERS[parameter]
    # The origins are judged on their own: AUTH=cognito keeps the authentication check out of it.
    environ = {"STAGE": "prod", variable: ",".join(origins), "AUTH": "cognito"}
    if variable == "CORS_ALLOWED_ORIGINS":
        try:
            cors_policy_from_settings(load_settings(environ))
        except ConfigError as error:
            raise Refused(f"every function would refuse to start: {error}.") from None
    for tier in tiers_reading(variable):
        try:
            environment_origins(tier, tier.credentials is not False, Stage.PROD, environ)
        except ConfigError as error:
            raise Refused(
                f"the functions of the CORS tier '{tier.name}' would refuse to start: {error}."
            ) from None
    return origins


def tiers_reading(variable: str) -> list[Tier]:
    """The functions' CORS tiers whose origins come from `variable`, from their routes.json."""
    tiers = []
    for manifest in sorted((ROOT / "functions").glob("*/routes.json")):
        for data in json.loads(manifest.read_text())["tiers"]:
            tier = Tier.from_json(data)
            if tier.origins is Origins.FROM_ENVIRONMENT and tier.variable == variable:
                tiers.append(tier)
    return tiers


def option(parameter: str) -> str:
    """The command-line option that overrides a parameter: AdminOrigins -> --admin-origins."""
    return "--" + re.sub(r"(?<!^)(?=[A-Z])", "-", parameter).lower()


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
    for parameter in ORIGIN_PARAMETERS:
        parser.add_argument(option(parameter), dest=parameter, help="overrides samconfig.toml's value")
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
    for parameter in ORIGIN_PARAMETERS:
        if getattr(args, parameter) is not None:
            overrides[parameter] = getattr(args, parameter)
    try:
        for parameter in ORIGIN_PARAMETERS:
            check_origins(overrides.get(parameter), parameter)
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
