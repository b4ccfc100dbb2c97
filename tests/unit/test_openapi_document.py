"""docs/openapi.json: current (`make openapi`), valid OpenAPI 3.1, with every route template.yaml has."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from openapi_spec_validator import validate
from support.paths import ROOT
from support.template import api_events

from tools import openapi

COMMITTED = json.loads(openapi.DOCUMENT.read_text())


def test_the_committed_document_is_what_the_code_says():
    # `make openapi`'s own check, in a fresh interpreter as make runs it (run `make openapi` to refresh)
    completed = subprocess.run(
        [sys.executable, "-m", "tools.openapi", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr


def test_the_check_fails_on_a_stale_document(tmp_path, monkeypatch):
    # GIVEN a committed document that differs from the one the code builds
    stale = tmp_path / "openapi.json"
    stale.write_text(openapi.render({**COMMITTED, "paths": {}}))
    monkeypatch.setattr(openapi, "DOCUMENT", stale)
    monkeypatch.setattr(openapi, "build_document", lambda: COMMITTED)
    for name in openapi.IMPORT_ENV:
        monkeypatch.setenv(name, "")  # restored afterwards: main() sets the import environment
    # WHEN it is checked THEN the check fails; once rewritten, it passes
    assert openapi.main(["--check"]) == 1
    assert openapi.main([]) == 0
    assert openapi.main(["--check"]) == 0
    assert json.loads(stale.read_text()) == COMMITTED


def test_the_document_is_valid_openapi_3_1():
    assert COMMITTED["openapi"] == "3.1.0"
    validate(COMMITTED)  # raises with the first violation


def test_every_route_of_every_function_is_in_it():
    routes = {event.path for event in api_events()}
    assert set(COMMITTED["paths"]) == routes
    functions = {event.function for event in api_events()}
    assert functions == set(openapi.function_folders(openapi.template()))


def operations() -> list[tuple[str, str, dict]]:
    return [(path, method, op) for path, item in COMMITTED["paths"].items() for method, op in item.items()]


@pytest.mark.parametrize(
    ("path", "method", "operation"), operations(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_every_operation_documents_the_layers_problems_and_headers(path: str, method: str, operation: dict):
    responses = operation["responses"]
    for status in ("400", "403", "404", "405", "413", "415", "422", "503"):
        assert responses[status]["content"] == {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
        }, status
    assert "Retry-After" in responses["503"]["headers"]
    # a token-protected operation may answer 401 (API Gateway's authorizer, or the function's own check)
    assert ("401" in responses) is ("security" in operation)
    names = {p["name"] for p in operation.get("parameters", [])}
    if method == "get" and "cursor" in names:
        assert set(responses["200"]["headers"]) == {"Link", "X-Total-Count"}


def test_security_follows_the_api_definition_in_template_yaml():
    spec = openapi.template()
    for path, method, operation in operations():
        expected = [{"CognitoIdToken": []}] if openapi.needs_token(spec, path, method) else None
        assert operation.get("security") == expected, (path, method)
    # the public reads stay public, every write needs a token
    if "/api/v1/items" in COMMITTED["paths"]:  # a project generated with the items sample
        assert "security" not in COMMITTED["paths"]["/api/v1/items"]["get"]
    assert "security" not in COMMITTED["paths"]["/api/v1/health"]["get"]
    writes = [
        (p, m)
        for p, m, op in operations()
        if m in ("post", "put", "patch", "delete") and "security" not in op
    ]
    assert writes == []


def test_servers_name_every_stage_and_make_dev():
    stages = openapi.template()["Parameters"]["Stage"]["AllowedValues"]
    urls = [server["url"] for server in COMMITTED["servers"]]
    assert urls == [
        f"https://{{restApiId}}.execute-api.{{region}}.amazonaws.com/{stage}" for stage in stages
    ] + ["http://127.0.0.1:3000"]
