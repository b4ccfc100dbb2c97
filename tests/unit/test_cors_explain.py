"""`python -m api_core.cors explain`: the decision and headers for the current environment."""

import os
import subprocess
import sys

from support.paths import LAYER_DIR


def explain(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("CORS_", "STAGE"))}
    return subprocess.run(
        [sys.executable, "-m", "api_core.cors", "explain", *args],
        env={**clean, **env, "PYTHONPATH": str(LAYER_DIR)},
        capture_output=True,
        text=True,
        check=False,
    )


PROD = {"STAGE": "prod", "CORS_ALLOWED_ORIGINS": "https://app.example.com"}


def test_explains_an_allowed_preflight_with_its_headers():
    result = explain(PROD, "--origin", "https://app.example.com", "--method", "PUT", "--header", "If-Match")
    assert result.returncode == 0, result.stderr
    assert "actual request from https://app.example.com: allowed" in result.stdout
    assert "Access-Control-Allow-Origin: https://app.example.com" in result.stdout
    assert "preflight for PUT: 204" in result.stdout
    assert "Access-Control-Allow-Headers: if-match" in result.stdout


def test_explains_a_refusal_and_which_check_failed():
    result = explain(PROD, "--origin", "https://app.example.com.evil.net", "--method", "PUT")
    assert "refused (origin-not-allowed" in result.stdout
    assert "preflight for PUT: 403 (origin-not-allowed" in result.stdout
    assert "Access-Control-Allow-Origin" not in result.stdout


def test_explains_configuration_errors_naming_the_variable():
    result = explain({"STAGE": "prod", "CORS_ALLOWED_ORIGINS": "https://app.example.com/"}, "--origin", "x")
    assert result.returncode == 2
    assert "CORS_ALLOWED_ORIGINS" in result.stderr
