"""Each function's committed routes.json matches its app's routes: preflights are answered from it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from api_core.routes import manifest
from support.paths import EVENTS_DIR, FUNCTIONS_DIR, ROOT
from support.template import functions, uses_table

FUNCTIONS = sorted(path.name for path in FUNCTIONS_DIR.iterdir() if (path / "api.py").is_file())
TEMPLATE_FUNCTIONS = sorted(functions())


def test_every_function_folder_is_a_function_of_the_template() -> None:
    assert FUNCTIONS == TEMPLATE_FUNCTIONS


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


def _preflight_event(function: str) -> Path:
    """The function's preflight event from an allowed origin (events/<function>-options-preflight*)."""
    candidates = sorted(EVENTS_DIR.glob(f"{function}-options-preflight*.json"))
    allowed = [p for p in candidates if "disallowed" not in p.name and "localhost" not in p.name]
    assert allowed, f"{function} has no preflight event in events/ (make resource writes one)"
    return allowed[0]


def _heavy(function: str) -> list[str]:
    """What the app imports: boto3 only where the function is given the table."""
    return sorted(m for m in HEAVY if m != "boto3" or uses_table(function))


def _first_preflight(function: str, initialization_type: str) -> dict:
    """A fresh interpreter with the function and the layer on sys.path, as on Lambda: which heavy modules
    are loaded after `import app`, and after its first request, a preflight. Traces and metrics are on, as
    in a prod stack (Tracing on, the stack's metrics namespace)."""
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
            [str(FUNCTIONS_DIR / function), str(ROOT / "layers" / "api_core"), *sys.path]
        ),
        "STAGE": "prod",
        "CORS_ALLOWED_ORIGINS": "https://app.example.com",
        "AUTH": "cognito",
        "TABLE_NAME": "unused",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_LAMBDA_INITIALIZATION_TYPE": initialization_type,
        "POWERTOOLS_TRACE_DISABLED": "false",
        "POWERTOOLS_METRICS_NAMESPACE": "serverless-rest-api-test",
        "POWERTOOLS_SERVICE_NAME": function,
        "LAMBDA_TASK_ROOT": str(FUNCTIONS_DIR / function),
    }
    event = _preflight_event(function)
    completed = subprocess.run(
        [sys.executable, "-c", code, str(event)], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(completed.stdout)


@pytest.mark.parametrize("function", TEMPLATE_FUNCTIONS)
def test_a_preflight_is_answered_without_importing_fastapi_the_tracer_or_the_metrics_code(
    function: str,
) -> None:
    # GIVEN an on-demand cold start, traces and metrics on, WHEN its first request is a preflight
    result = _first_preflight(function, "on-demand")
    # THEN it is answered, and neither FastAPI, pydantic, Mangum nor boto3 was imported, nor the tracer,
    # the X-Ray SDK or the metrics code (Powertools' package imports the last two with its logger, which
    # an allowed preflight therefore never builds: api_core.observability)
    assert result == {"status": 204, "at_init": [], "heavy": [], "observability": []}


@pytest.mark.parametrize("function", TEMPLATE_FUNCTIONS)
def test_with_snapstart_the_app_is_imported_during_init(function: str) -> None:
    # GIVEN a SnapStart init (run when a version is published; cold starts restore its snapshot)
    result = _first_preflight(function, "snap-start")
    # THEN the app and its clients are loaded during init, so that the snapshot holds them, and with them
    # the tracer (botocore patched) and the metrics code
    assert result == {
        "status": 204,
        "at_init": _heavy(function),
        "heavy": _heavy(function),
        "observability": sorted(OBSERVABILITY),
    }
