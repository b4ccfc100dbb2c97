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


def test_a_preflight_is_answered_without_importing_fastapi() -> None:
    # GIVEN a fresh interpreter with the items function and the layer on sys.path, as on Lambda
    code = (
        "import json, sys\n"
        "import app\n"
        "event = json.load(open(sys.argv[1]))\n"
        "response = app.handler(event, None)\n"
        "heavy = sorted(m for m in ('fastapi', 'pydantic', 'mangum', 'boto3') if m in sys.modules)\n"
        "print(json.dumps({'status': response['statusCode'], 'heavy': heavy}))\n"
    )
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": os.pathsep.join(
            [str(FUNCTIONS_DIR / "items"), str(ROOT / "layers" / "api_core"), *sys.path]
        ),
        "STAGE": "prod",
        "CORS_ALLOWED_ORIGINS": "https://app.example.com",
        "TABLE_NAME": "unused",
    }
    event = EVENTS_DIR / "items-options-preflight-put-allowed-origin.json"
    # WHEN its first request is a preflight
    completed = subprocess.run(
        [sys.executable, "-c", code, str(event)], env=env, capture_output=True, text=True, check=True
    )
    # THEN it is answered, and neither FastAPI, pydantic, Mangum nor boto3 was imported
    assert json.loads(completed.stdout) == {"status": 204, "heavy": []}
