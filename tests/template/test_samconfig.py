"""samconfig.toml: `sam deploy` and `sam deploy --config-env prod` must need nothing else."""

from __future__ import annotations

import shlex
import tomllib
from typing import Any

import pytest
from support.cfn import Evaluator
from support.paths import ROOT
from support.template import load_template

CONFIG = tomllib.loads((ROOT / "samconfig.toml").read_text())


def overrides(env: str) -> dict[str, str]:
    text = CONFIG[env]["deploy"]["parameters"]["parameter_overrides"]
    return dict(item.split("=", 1) for item in shlex.split(text))


def section(env: str, command: str) -> dict[str, Any]:
    return CONFIG[env][command]["parameters"]


@pytest.mark.parametrize("env", ["default", "prod"])
def test_each_environment_can_deploy_on_its_own(env: str):
    # SAM environments do not inherit: each must name everything a deploy needs.
    stack_name = section(env, "global")["stack_name"]
    deploy = section(env, "deploy")
    assert stack_name
    assert deploy["capabilities"] == "CAPABILITY_IAM"  # SAM creates the functions' roles
    assert deploy["resolve_s3"] is True  # no bucket to create by hand
    params = overrides(env)
    assert set(params) <= set(load_template()["Parameters"]), "an override names no template parameter"
    # The template's own Rules accept this environment's parameters.
    assert Evaluator(load_template(), params).rule_failures() == []


def test_environments_deploy_different_stacks_with_their_stage():
    assert section("default", "global")["stack_name"] != section("prod", "global")["stack_name"]
    assert overrides("default")["Stage"] == "dev"
    assert overrides("prod")["Stage"] == "prod"


@pytest.mark.parametrize("parameter", ["AllowedOrigins", "AdminOrigins"])
def test_prod_names_explicit_origins_and_asks_before_changing(parameter: str):
    origins = overrides("prod")[parameter].split(",")
    assert origins
    assert all(o.startswith("https://") and "*" not in o.split("://")[1] for o in origins)
    assert section("prod", "deploy")["confirm_changeset"] is True


def test_prod_keeps_the_admin_tier_to_its_own_origins():
    prod = overrides("prod")
    assert set(prod["AdminOrigins"].split(",")).isdisjoint(prod["AllowedOrigins"].split(","))


def test_prod_is_closed_dev_stays_open():
    # GIVEN each environment's parameters WHEN the template reads them
    prod, dev = overrides("prod"), overrides("default")
    # THEN prod creates its user pool and needs a token on every protected method, and does not wave the
    # Rules through with AllowAnonymousWrites
    assert prod["Auth"] == "cognito"
    assert prod.get("AllowAnonymousWrites", "false") == "false"
    assert Evaluator(load_template(), prod).condition("CreatesUserPool") is True
    # and without Auth=cognito the same prod parameters would be refused by the template's Rules
    assert Evaluator(load_template(), {**prod, "Auth": "none"}).rule_failures()
    # while dev keeps today's behaviour (no authorizer) unless asked
    assert Evaluator(load_template(), dev).condition("UsesCognito") is False
