"""Import boundaries inside the layer: the HTTP helpers never load data access or boto3, and the data
modules never load FastAPI. Each import runs in a fresh interpreter, so nothing an earlier test imported
can hide (or fake) a dependency."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from support.paths import LAYER_DIR

HTTP_HELPERS = ("api_core.resources", "api_core.conditional", "api_core.lists", "api_core.idempotency_key")
DATA_ACCESS = ("api_core.idempotency", "api_core.dynamo", "boto3", "botocore")
DATA_MODULES = ("api_core.idempotency", "api_core.dynamo")
PURE_MODULES = (
    "api_core.identity",
    "api_core.records",
    "api_core.ids",
    "api_core.cors.tiers",
    "api_core.routes",
)
WEB_FRAMEWORK = ("fastapi", "starlette")


def modules_loaded_by(module: str) -> set[str]:
    """Every module in sys.modules after `import <module>` in a new interpreter with only the layer added."""
    code = f"import json, sys\nimport {module}\nprint(json.dumps(sorted(sys.modules)))\n"
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(LAYER_DIR)}
    completed = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return set(json.loads(completed.stdout))


@pytest.mark.parametrize("module", HTTP_HELPERS)
def test_http_helpers_do_not_import_data_access_or_boto3(module):
    loaded = modules_loaded_by(module)
    assert module in loaded
    assert sorted(loaded.intersection(DATA_ACCESS)) == []


@pytest.mark.parametrize("module", DATA_MODULES)
def test_data_modules_do_not_import_fastapi(module):
    loaded = modules_loaded_by(module)
    assert module in loaded
    assert sorted(loaded.intersection(WEB_FRAMEWORK)) == []


@pytest.mark.parametrize("module", PURE_MODULES)
def test_pure_modules_import_neither_fastapi_nor_data_access(module):
    loaded = modules_loaded_by(module)
    assert module in loaded
    assert sorted(loaded.intersection(WEB_FRAMEWORK + DATA_ACCESS)) == []


def test_the_auth_dependencies_do_not_import_data_access():
    # botocore is allowed here only: Powertools' logger (the refusal log line) imports it, as it does in
    # the entry point of every function.
    loaded = modules_loaded_by("api_core.auth")
    assert "api_core.auth" in loaded
    assert sorted(loaded.intersection(DATA_ACCESS) - {"botocore"}) == []
