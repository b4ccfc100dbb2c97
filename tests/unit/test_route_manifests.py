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
    are loaded after `import app`, and after its first request, a preflight."""
    code = (
        "import json, sys\n"
        "import app\n"
        f"at_init = sorted(m for m in {HEAVY!r} if m in sys.modules)\n"
        "event = json.load(open(sys.argv[1]))\n"
        "response = app.handler(event, None)\n"
        f"heavy = sorted(m for m in {HEAVY!r} if m in sys.modules)\n"
        "print(json.dumps({'status': response['statusCode'], 'at_init': at_init, 'heavy': heavy}))\n"
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
    }
    event = _preflight_event(function)
    completed = subprocess.run(
        [sys.executable, "-c", code, str(event)], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(completed.stdout)


@pytest.mark.parametrize("function", TEMPLATE_FUNCTIONS)
def test_a_preflight_is_answered_without_importing_fastapi(function: str) -> None:
    # GIVEN an on-demand cold start WHEN its first request is a preflight
    result = _first_preflight(function, "on-demand")
    # THEN it is answered, and neither FastAPI, pydantic, Mangum nor boto3 was imported
    assert result == {"status": 204, "at_init": [], "heavy": []}


@pytest.mark.parametrize("function", TEMPLATE_FUNCTIONS)
def test_with_snapstart_the_app_is_imported_during_init(function: str) -> None:
    # GIVEN a SnapStart init (run when a version is published; cold starts restore its snapshot)
    result = _first_preflight(function, "snap-start")
    # THEN the app and its clients are loaded during init, so that the snapshot holds them
    assert result == {"status": 204, "at_init": _heavy(function), "heavy": _heavy(function)}
