"""tools/check-prod-origins.py and `make deploy-prod`: refuse a prod deploy open to every origin early."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support.paths import ROOT

SCRIPT = ROOT / "tools" / "check-prod-origins.py"
ADMIN = "AdminOrigins=https://admin.example.com"  # the admin CORS tier's, required in prod too


def write_config(tmp_path: Path, overrides: str | None) -> Path:
    config = tmp_path / "samconfig.toml"
    line = f"parameter_overrides = {json.dumps(overrides)}\n"  # a JSON string is a TOML basic string
    body = 'version = 0.1\n[prod.deploy.parameters]\ncapabilities = "CAPABILITY_IAM"\n'
    config.write_text(body + (line if overrides is not None else ""))
    return config


def check(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, check=False)


@pytest.mark.parametrize(
    "overrides",
    [
        f"Stage=prod AllowedOrigins=https://app.example.com {ADMIN} Auth=cognito",
        f"Stage=prod AllowedOrigins=https://app.example.com,https://*.pr.example.com {ADMIN} Auth=cognito",
        f"Stage=prod AllowedOrigins=http://localhost:5173 {ADMIN} Auth=cognito",
    ],
)
def test_explicit_origins_pass(tmp_path: Path, overrides: str):
    result = check("--config", str(write_config(tmp_path, overrides)))
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        (None, "not set"),
        ("Stage=prod", "not set"),
        ("Stage=prod AllowedOrigins=", "empty"),
        ("Stage=prod AllowedOrigins=*", "wildcard"),
        ("Stage=prod AllowedOrigins=https://app.example.com,*", "wildcard"),
        ("Stage=prod AllowedOrigins=https://*", "wildcard"),
        ("Stage=prod AllowedOrigins=https://app.example.com,", "wildcard or an empty entry"),
        ("Stage=prod AllowedOrigins=https://app.example.com/", "not an origin"),
    ],
)
def test_unset_empty_or_wildcard_origins_are_refused_with_a_message(
    tmp_path: Path, overrides: str | None, reason: str
):
    result = check("--config", str(write_config(tmp_path, overrides)))
    assert result.returncode == 1
    assert result.stderr.startswith("Refusing to deploy prod:")
    assert reason in result.stderr
    assert "ALLOWED_ORIGINS=" in result.stderr  # says how to fix it


@pytest.mark.parametrize(
    ("origins", "rule"),
    [
        ("http://app.example.com:80", "default port 80"),
        ("https://app.example.com,https://app.example.com:443", "default port 443"),
        ("https://-app.example.com", "not a valid lowercase DNS name"),
        ("https://app-.example.com", "not a valid lowercase DNS name"),
        ("https://*.com", "registrable parent"),
        ("https://*.co.uk", "must not be a public suffix"),
        ("https://*.github.io", "must not be a public suffix"),
        ("https://app.example.com,https://*.vercel.app", "must not be a public suffix"),
        ("ftp://app.example.com", "http or https"),
    ],
)
def test_what_the_functions_would_refuse_at_cold_start_is_refused_before_deploy(origins: str, rule: str):
    # GIVEN origins that CloudFormation's pattern let through until issue 19, or that no regex can judge
    # WHEN the deploy check runs THEN it refuses them with the functions' own message: variable and rule
    result = check("--allowed-origins", origins)
    assert result.returncode == 1
    assert "every function would refuse to start: CORS_ALLOWED_ORIGINS:" in result.stderr
    assert rule in result.stderr


@pytest.mark.parametrize(
    "origins",
    ["https://*.example.co.uk", "https://*.www.ck", "http://app.example.com:443", "http://[::1]:8080"],
)
def test_origins_the_functions_accept_pass(origins: str):
    result = check("--allowed-origins", origins)
    assert result.returncode == 0, result.stderr


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
@pytest.mark.parametrize(
    ("origins", "status"),
    [("https://app.example.com,https://*.preview.example.com", 0), ("https://*.herokuapp.com", 2)],
)
def test_make_check_prod_origins_runs_the_layers_check(origins: str, status: int):
    # make runs the tool in the project's environment, which has the layer's Public Suffix List package
    result = subprocess.run(
        ["make", "--no-print-directory", "check-prod-origins", f"ALLOWED_ORIGINS={origins}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "MAKEFLAGS": ""},
    )
    assert result.returncode == status, result.stderr
    assert ("Public Suffix List" in result.stderr) is (status != 0)


def test_command_line_origins_replace_the_config_and_keep_the_other_overrides(tmp_path: Path):
    config = write_config(tmp_path, f'Stage=prod AllowedOrigins="*" {ADMIN} Architecture=arm64 Auth=cognito')
    assert check("--config", str(config)).returncode == 1
    result = check("--config", str(config), "--allowed-origins", "https://a.example.com", "--print-overrides")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        'Stage="prod" AllowedOrigins="https://a.example.com" AdminOrigins="https://admin.example.com" '
        'Architecture="arm64" Auth="cognito"'
    )


# --- prod is closed by default (issue 13): the template's Rules, checked before anything is built -------

ORIGINS = f"AllowedOrigins=https://app.example.com {ADMIN}"
POOL = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_X"


@pytest.mark.parametrize(
    "overrides",
    [
        f"Stage=prod {ORIGINS} Auth=cognito",
        f"Stage=prod {ORIGINS} CognitoUserPoolArn={POOL}",
        f"Stage=prod {ORIGINS} Auth=none AllowAnonymousWrites=true",  # said explicitly
    ],
)
def test_prod_with_an_authorizer_or_an_explicit_waiver_passes(tmp_path: Path, overrides: str):
    result = check("--config", str(write_config(tmp_path, overrides)))
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        (f"Stage=prod {ORIGINS}", "Auth=none without CognitoUserPoolArn"),  # the default
        (f"Stage=prod {ORIGINS} Auth=none", "anyone on the internet could write"),
        (
            f"Stage=prod {ORIGINS} Auth=none AllowAnonymousWrites=false",
            "Auth=none without CognitoUserPoolArn",
        ),
        (
            f"Stage=prod {ORIGINS} Auth=none AllowAnonymousWrites=yes",
            "AllowAnonymousWrites='yes' is not one of",
        ),
        (f"Stage=prod {ORIGINS} Auth=Cognito", "Auth='Cognito' is not one of none, cognito"),
        (f"Stage=prod {ORIGINS} Auth=none CognitoUserPoolArn=", "Auth=none without CognitoUserPoolArn"),
    ],
)
def test_prod_without_an_authorizer_is_refused_with_the_way_out(tmp_path: Path, overrides: str, reason: str):
    # GIVEN acceptable origins WHEN prod has no authorizer and no explicit waiver
    result = check("--config", str(write_config(tmp_path, overrides)))
    # THEN the deploy is refused, saying why and how to fix it, and both ways out are named
    assert result.returncode == 1
    assert result.stderr.startswith("Refusing to deploy prod:")
    assert reason in result.stderr
    assert "Auth=cognito" in result.stderr
    assert "AllowAnonymousWrites=true" in result.stderr
    assert "ALLOWED_ORIGINS=" not in result.stderr  # not the origins' advice


def test_command_line_origins_do_not_lift_the_authentication_check(tmp_path: Path):
    config = write_config(tmp_path, f"Stage=prod AllowedOrigins=* {ADMIN} Auth=none")
    result = check("--config", str(config), "--allowed-origins", "https://a.example.com", "--print-overrides")
    assert result.returncode == 1
    assert result.stdout == ""  # nothing for make to hand to SAM
    assert "Auth=none" in result.stderr


def test_the_repository_prod_config_passes():
    assert check().returncode == 0


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_deploy_prod_refuses_before_sam_runs(tmp_path: Path):
    # GIVEN a "SAM" that records being called
    marker = tmp_path / "sam-ran"
    fake_sam = tmp_path / "sam"
    fake_sam.write_text(f"#!/bin/sh\ntouch {marker}\n")
    fake_sam.chmod(0o755)
    # WHEN deploy-prod is asked for a wildcard origin list
    result = subprocess.run(
        ["make", "--no-print-directory", "deploy-prod", "ALLOWED_ORIGINS=*", f"SAM={fake_sam}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "MAKEFLAGS": ""},
    )
    # THEN make fails with the script's message, and SAM never ran (nothing built or uploaded)
    assert result.returncode != 0
    assert "Refusing to deploy prod" in result.stderr
    assert not marker.exists()


# --- every CORS tier's parameter (issue 14): AdminOrigins, for the admin tier ---------------------------


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ("Stage=prod AllowedOrigins=https://app.example.com Auth=cognito", "AdminOrigins is not set"),
        (
            "Stage=prod AllowedOrigins=https://app.example.com AdminOrigins= Auth=cognito",
            "AdminOrigins is empty",
        ),
        ("Stage=prod AllowedOrigins=https://app.example.com AdminOrigins=* Auth=cognito", "wildcard"),
        (
            "Stage=prod AllowedOrigins=https://app.example.com AdminOrigins=https://a.example.com,",
            "wildcard or an empty entry",
        ),
    ],
)
def test_prod_without_explicit_admin_origins_is_refused(tmp_path: Path, overrides: str, reason: str):
    result = check("--config", str(write_config(tmp_path, overrides)))
    assert result.returncode == 1
    assert result.stderr.startswith("Refusing to deploy prod:")
    assert reason in result.stderr
    assert "ADMIN_ORIGINS=" in result.stderr  # says how to fix it


@pytest.mark.parametrize(
    ("origins", "rule"),
    [
        ("https://admin.example.com/", "no path, query or trailing slash"),
        ("https://*.github.io", "must not be a public suffix"),
        ("https://admin.example.com:443", "default port 443"),
    ],
)
def test_admin_origins_are_judged_by_the_admin_tiers_cold_start(origins: str, rule: str):
    # GIVEN an AdminOrigins value the admin function would refuse WHEN the deploy check runs
    result = check("--admin-origins", origins)
    # THEN it refuses it with the tier's own message, naming the tier and its variable
    assert result.returncode == 1
    assert "the CORS tier 'admin' would refuse to start: CORS_ADMIN_ALLOWED_ORIGINS:" in result.stderr
    assert rule in result.stderr


def test_command_line_admin_origins_replace_the_config(tmp_path: Path):
    config = write_config(tmp_path, f"Stage=prod {ORIGINS} Auth=cognito")
    result = check(
        "--config", str(config), "--admin-origins", "https://console.example.com", "--print-overrides"
    )
    assert result.returncode == 0, result.stderr
    assert 'AdminOrigins="https://console.example.com"' in result.stdout
    assert 'AllowedOrigins="https://app.example.com"' in result.stdout
