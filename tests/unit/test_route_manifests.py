"""Each function's committed routes.json matches its app's routes: preflights are answered from it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from api_core.routes import manifest
from support.paths import EVENTS_DIR, FUNCTIONS_DIR, ROOT

FUNCTIONS = sorted(path.name for path in FUNCTIONS_DIR.iterdir() if (path / "api.py").is_file())


@pytest.mark.parametrize("function", FUNCTIONS)
def test_the_committed_manifest_matches_the_app(function: str, dynamodb_table, cold_start) -> None:
    # GIVEN the function's app, imported as on its first non-preflight request
    handler = cold_start(function)
    # WHEN its routes are listed as the manifest lists them
    expected = manifest(handler.app)
    # THEN the committed file says the same (regenerate: cd functions/<name> &&
    # python -m api_core.routes api:app > routes.json)
    committed = json.loads((FUNCTIONS_DIR / function / "routes.json").read_text())
    assert committed == expected


HEAVY = ("fastapi", "pydantic", "mangum", "boto3")
# Traces and metrics (issue 16): the tracer, the X-Ray SDK and the metrics code, Powertools' and ours.
OBSERVABILITY = (
    "aws_lambda_powertools.tracing",
    "aws_xray_sdk",
    "aws_lambda_powertools.metrics",
    "api_core.tracing",
    "api_core.metrics",
)


def _first_preflight(initialization_type: str) -> dict:
    """A fresh interpreter with the items function and the layer on sys.path, as on Lambda: which heavy
    modules are loaded after `import app`, and after its first request, a preflight. Traces and metrics are
    on, as in a prod stack (Tracing on, the stack's metrics namespace)."""
    code = (
        "import json, sys\n"
        "import app\n"
        f"at_init = sorted(m for m in {HEAVY!r} if m in sys.modules)\n"
        "event = json.load(open(sys.argv[1]))\n"
        "response = app.handler(event, None)\n"
        f"heavy = sorted(m for m in {HEAVY!r} if m in sys.modules)\n"
        f"observability = sorted(m for m in {OBSERVABILITY!r} if m in sys.modules)\n"
        "print(json.dumps({'status': response['statusCode'], 'at_init': at_init, 'heavy': heavy,"
        " 'observability': observability}))\n"
    )
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": os.pathsep.join(
            [str(FUNCTIONS_DIR / "items"), str(ROOT / "layers" / "api_core"), *sys.path]
        ),
        "STAGE": "prod",
        "CORS_ALLOWED_ORIGINS": "https://app.example.com",
        "AUTH": "cognito",
        "TABLE_NAME": "unused",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_LAMBDA_INITIALIZATION_TYPE": initialization_type,
        "POWERTOOLS_TRACE_DISABLED": "false",
        "POWERTOOLS_METRICS_NAMESPACE": "serverless-rest-api-test",
        "POWERTOOLS_SERVICE_NAME": "items",
        "LAMBDA_TASK_ROOT": str(FUNCTIONS_DIR / "items"),
    }
    event = EVENTS_DIR / "items-options-preflight-put-allowed-origin.json"
    completed = subprocess.run(
        [sys.executable, "-c", code, str(event)], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(completed.stdout)


def test_a_preflight_is_answered_without_importing_fastapi_the_tracer_or_the_metrics_code() -> None:
    # GIVEN an on-demand cold start, traces and metrics on, WHEN its first request is a preflight
    result = _first_preflight("on-demand")
    # THEN it is answered, and neither FastAPI, pydantic, Mangum nor boto3 was imported, nor the tracer,
    # the X-Ray SDK or the metrics code (Powertools' package imports the last two with its logger, which
    # an allowed preflight therefore never builds: api_core.observability)
    assert result == {"status": 204, "at_init": [], "heavy": [], "observability": []}


def test_with_snapstart_the_app_is_imported_during_init() -> None:
    # GIVEN a SnapStart init (run when a version is published; cold starts restore its snapshot)
    result = _first_preflight("snap-start")
    # THEN the app and its clients are loaded during init, so that the snapshot holds them, and with them
    # the tracer (botocore patched) and the metrics code
    assert result == {
        "status": 204,
        "at_init": sorted(HEAVY),
        "heavy": sorted(HEAVY),
        "observability": sorted(OBSERVABILITY),
    }
