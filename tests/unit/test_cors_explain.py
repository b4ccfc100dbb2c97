"""`python -m api_core.cors explain`: the decision and headers for the current environment."""

import os
import subprocess
import sys

from support.paths import LAYER_DIR, ROOT


def explain(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("CORS_", "STAGE", "AUTH", "TABLE_NAME"))
    }
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


# -- tiers (issue 14): --function loads a function's entry point, --path picks the tier -------------------
FUNCTION_ENV = {
    **PROD,
    "CORS_ADMIN_ALLOWED_ORIGINS": "https://admin.example.com",
    "AUTH": "cognito",
    "TABLE_NAME": "unused",
}
# % if samples == "all"
ADMIN = str(ROOT / "functions" / "admin")
STATS = "/api/v1/admin/stats"


def test_names_the_tier_that_refuses_and_what_it_inherits():
    # GIVEN the admin function WHEN the app's origin asks for the stats
    result = explain(
        FUNCTION_ENV,
        "--function",
        ADMIN,
        "--path",
        STATS,
        "--origin",
        "https://app.example.com",
        "--method",
        "GET",
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    # THEN it names the tier, where it applies, and each setting's source: its own or inherited
    assert f"path {STATS}: serves GET, HEAD" in out
    assert "tier: admin (prefix /api/v1/admin/)" in out
    assert "origins: https://admin.example.com (from CORS_ADMIN_ALLOWED_ORIGINS)  [its own]" in out
    assert "credentials: on  [its own]" in out
    assert "max age: 7200  [inherited from 'app' (environment)]" in out
    assert "methods: every method the path serves  [inherited from 'app' (environment)]" in out
    # and the decision, by that tier
    assert "refused (origin-not-allowed: this origin is not allowed to call the API) by tier 'admin'" in out
    assert "preflight for GET: 403 (origin-not-allowed" in out


def test_the_admin_origin_is_allowed_there_with_the_paths_methods():
    result = explain(
        FUNCTION_ENV,
        "--function",
        ADMIN,
        "--path",
        STATS,
        "--origin",
        "https://admin.example.com",
        "--method",
        "GET",
        "--header",
        "Authorization",
    )
    assert "preflight for GET: 204\n" in result.stdout  # the route's methods, not an assumption
    assert "Access-Control-Allow-Methods: GET, HEAD" in result.stdout
    assert "Access-Control-Allow-Origin: https://admin.example.com" in result.stdout


def test_a_route_tier_says_which_methods_it_keeps_from_browsers():
    users = str(ROOT / "functions" / "users")
    result = explain(
        FUNCTION_ENV,
        "--function",
        users,
        "--path",
        "/api/v1/users/u1",
        "--origin",
        "https://app.example.com",
        "--method",
        "DELETE",
    )
    assert "tier: profile (route /api/v1/users/{user_id})" in result.stdout
    assert "methods: GET, HEAD, PATCH, PUT  [its own]" in result.stdout
    assert (
        "origins: https://app.example.com (from CORS_ALLOWED_ORIGINS)  [inherited from 'app'" in result.stdout
    )
    assert "preflight for DELETE: 403 (method-not-exposed" in result.stdout
    assert "by tier 'profile'" in result.stdout


def test_a_path_no_route_serves_is_an_unknown_path_for_the_tier_covering_it():
    result = explain(
        FUNCTION_ENV,
        "--function",
        ADMIN,
        "--path",
        "/api/v1/admin/none",
        "--origin",
        "https://admin.example.com",
        "--method",
        "GET",
    )
    assert "path /api/v1/admin/none: serves nothing (no route)" in result.stdout
    assert "preflight for GET: 403 (unknown-path" in result.stdout


# % endif
def test_a_function_level_policy_in_code_is_shown_as_such():
    result = explain(
        FUNCTION_ENV, "--function", str(ROOT / "functions" / "health"), "--origin", "https://x.example"
    )
    assert "tier: public (function)" in result.stdout
    assert "origins: any origin (*)  [its own]" in result.stdout


# % if samples == "all"
def test_a_bad_tier_variable_is_a_configuration_error_naming_it():
    result = explain(
        {**FUNCTION_ENV, "CORS_ADMIN_ALLOWED_ORIGINS": "*"}, "--function", ADMIN, "--origin", "x"
    )
    assert result.returncode == 2
    assert "CORS_ADMIN_ALLOWED_ORIGINS: '*' is refused for the CORS tier 'admin'" in result.stderr


# % endif
