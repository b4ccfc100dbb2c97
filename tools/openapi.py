"""`make openapi`: one OpenAPI 3.1 document for the whole API, written to docs/openapi.json.

The deployed functions serve no document (`create_app` sets `openapi_url=None`, `docs_url=None`), but
FastAPI still builds each app's with `app.openapi()`. This merges them, for every function template.yaml
declares (its AWS::Serverless::Function resources, never a list kept here), and adds what no route
declares: the layer's own answers as problem+json, the headers the layer sets (pagination's `Link` and
`X-Total-Count`, `ETag`, `Location`, `Retry-After`), the Cognito ID token scheme on exactly the methods
template.yaml protects when deployed with Auth=cognito, and a server URL per stage plus `make dev`'s.

    python -m tools.openapi            write docs/openapi.json
    python -m tools.openapi --check    exit 1, saying so, when docs/openapi.json is not what the code says

tests/unit/test_openapi_document.py runs the check and validates the document (openapi-spec-validator);
tests/support/openapi.py builds the same document for schemathesis; `make dev` serves it with Swagger UI
at /docs on the demo origin.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import importlib
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tools.template_yaml import parse_template

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "template.yaml"
DOCUMENT = ROOT / "docs" / "openapi.json"
FUNCTIONS_DIR = ROOT / "functions"
# The settings the functions are imported with: the document does not depend on them, only the import.
IMPORT_ENV = {
    "STAGE": "dev",
    "CORS_ALLOWED_ORIGINS": "",
    "AUTH": "none",
    "TABLE_NAME": "openapi",
    "AWS_DEFAULT_REGION": "us-east-1",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
}
LOCAL_SERVER = {"url": "http://127.0.0.1:3000", "description": "make dev (no stage prefix)"}
SECURITY_SCHEME = "CognitoIdToken"
ANY_METHOD = "x-amazon-apigateway-any-method"

_PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details: the one error format of every answer that is not 2xx or 304.",
    "required": ["type", "title", "status", "detail", "instance"],
    "properties": {
        "type": {"type": "string", "description": "urn:problem-type:<name>, e.g. validation-error"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string", "description": "the request's path"},
        "errors": {
            "type": "array",
            "description": "422 validation-error: the fields that failed (at most 20)",
            "items": {
                "type": "object",
                "properties": {
                    "field": {"type": "string"},
                    "message": {"type": "string"},
                    "type": {"type": "string"},
                },
            },
        },
        "errors_omitted": {"type": "integer", "description": "422: how many failed fields were not listed"},
        "check": {"type": "string", "description": "403 cors-refused: which check of the CORS policy failed"},
    },
}
# Statuses any operation may answer, whatever its route declares (README's status table).
LAYER_STATUSES = {
    "400": "Malformed body, event, cursor, or a page past the window",
    "403": "Refused by the CORS policy, or by the caller's rights",
    "404": "Unknown resource or path",
    "405": "Method not served at this path",
    "413": "Body over the limit",
    "415": "Body not labelled JSON",
    "422": "Validation failed",
    "503": "Database busy or out of time; Retry-After",
}
WRITE_STATUSES = {"409": "Conflict or request in progress", "412": "If-Match does not match"}
SIGNED_IN_STATUS = {"401": "No valid ID token (API Gateway's authorizer, or the function's own check)"}
HEADERS = {
    "Link": {
        "description": "RFC 8288 links to the first, prev, next and last pages that exist",
        "schema": {"type": "string"},
    },
    "X-Total-Count": {
        "description": "How many records the list (or search) holds, when it was counted",
        "schema": {"type": "integer", "minimum": 0},
    },
    "ETag": {
        "description": "The record's version, for If-Match and If-None-Match",
        "schema": {"type": "string"},
    },
    "Location": {"description": "The URL of the created record", "schema": {"type": "string"}},
    "Retry-After": {"description": "Seconds to wait before retrying", "schema": {"type": "string"}},
}


def template() -> dict[str, Any]:
    return parse_template(TEMPLATE.read_text())


def function_folders(spec: dict[str, Any]) -> list[str]:
    """The folder under functions/ of every function template.yaml declares (its CodeUri)."""
    return sorted(
        resource["Properties"]["CodeUri"].rstrip("/").rsplit("/", 1)[-1]
        for resource in spec["Resources"].values()
        if resource["Type"] == "AWS::Serverless::Function"
    )


def load_function_app(folder: str) -> Any:
    """Cold-start functions/<folder>/app.py in this process, forgetting the previous function's modules
    (they share names such as `app` and `api`), and return its FastAPI app."""
    for name, module in list(sys.modules.items()):
        if name == "app" or (getattr(module, "__file__", None) or "").startswith(str(FUNCTIONS_DIR)):
            del sys.modules[name]
    sys.path[:] = [entry for entry in sys.path if not entry.startswith(str(FUNCTIONS_DIR))]
    sys.path.insert(0, str(FUNCTIONS_DIR / folder))
    asyncio.set_event_loop(asyncio.new_event_loop())  # Mangum takes the thread's loop when it is built
    return importlib.import_module("app").handler.app


def needs_token(spec: dict[str, Any], path: str, method: str) -> bool:
    """Whether API Gateway asks for an ID token at `method` on `path` when deployed with Auth=cognito,
    read from the API's DefinitionBody: the method's own entry, or else `x-amazon-apigateway-any-method`,
    is protected when its UsesCognito branch carries `security`."""
    methods = spec["Resources"]["RestApi"]["Properties"]["DefinitionBody"]["paths"][path]
    definition = methods.get(method, methods.get(ANY_METHOD, {}))
    return set(definition) == {"Fn::If"} and bool(definition["Fn::If"][1].get("security"))


def servers(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """One server per stage (the ApiBaseUrl output's shape), then make dev's."""
    stages = spec["Parameters"]["Stage"]["AllowedValues"]
    variables = {
        "restApiId": {"default": "abcdef1234", "description": "the RestApi's id (see the ApiBaseUrl output)"},
        "region": {"default": "us-east-1"},
    }
    deployed = [
        {
            "url": f"https://{{restApiId}}.execute-api.{{region}}.amazonaws.com/{stage}",
            "description": f"Stage {stage}",
            "variables": copy.deepcopy(variables),
        }
        for stage in stages
    ]
    return [*deployed, LOCAL_SERVER]


def build_document(app_of: Callable[[str], Any] = load_function_app) -> dict[str, Any]:
    """The merged document; `app_of(folder)` gives each function's FastAPI app."""
    spec = template()
    merged: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": "serverless-rest-api-template",
            "version": "1.0.0",
            "description": (
                "Every function of template.yaml in one document (`make openapi`). Errors are "
                "application/problem+json (RFC 9457). Every response carries X-Request-Id; CORS is "
                "answered by the shared layer. The CognitoIdToken scheme applies to stacks deployed with "
                "Auth=cognito (prod's default); with Auth=none no method needs a token."
            ),
        },
        "servers": servers(spec),
        "paths": {},
        "components": {
            "schemas": {"Problem": PROBLEM_SCHEMA},
            "headers": HEADERS,
            "securitySchemes": {
                SECURITY_SCHEME: {
                    "type": "apiKey",
                    "in": "header",
                    "name": "Authorization",
                    "description": "The Cognito ID token itself (no `Bearer`), from the stack's user pool",
                }
            },
        },
    }
    for folder in function_folders(spec):
        document = copy.deepcopy(app_of(folder).openapi())
        merged["paths"].update(document["paths"])
        merged["components"]["schemas"].update(document.get("components", {}).get("schemas", {}))
    for path, path_item in merged["paths"].items():
        for method, operation in path_item.items():
            _complete(operation, method, needs_token(spec, path, method))
    return merged


def _complete(operation: dict[str, Any], method: str, needs_token: bool) -> None:
    """Add the layer's answers and headers, and the security requirement, to one operation."""
    responses = operation.setdefault("responses", {})
    statuses = {**LAYER_STATUSES, **(WRITE_STATUSES if method != "get" else {})}
    if needs_token:
        operation["security"] = [{SECURITY_SCHEME: []}]
        statuses.update(SIGNED_IN_STATUS)
    parameters = {p.get("name") for p in operation.get("parameters", [])}
    if "if-none-match" in parameters:
        responses.setdefault("304", {"description": "Not modified (If-None-Match): no body"})
    for status, description in statuses.items():
        # FastAPI documents its 422 as application/json; the layer answers problem+json.
        if status == "422" or status not in responses:
            responses[status] = {"description": description, "content": _PROBLEM}
    success = next((s for s in ("200", "201") if s in responses), None)
    headers: list[str] = []
    if method == "get" and "cursor" in parameters:
        headers = ["Link", "X-Total-Count"]  # a list: pagination
    elif method in ("get", "put", "patch") and {"if-none-match", "if-match"} & parameters:
        headers = ["ETag"]
    elif method == "post":
        headers = ["Location", "ETag"]
    if success and headers:
        responses[success]["headers"] = {name: {"$ref": f"#/components/headers/{name}"} for name in headers}
    responses["503"]["headers"] = {"Retry-After": {"$ref": "#/components/headers/Retry-After"}}


def render(document: dict[str, Any]) -> str:
    """The committed file's text."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make openapi", description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="fail if docs/openapi.json is stale")
    args = parser.parse_args(argv)
    os.environ.update(IMPORT_ENV)
    sys.path.insert(0, str(ROOT / "layers" / "api_core"))
    text = render(build_document())
    if args.check:
        if not DOCUMENT.exists() or DOCUMENT.read_text() != text:
            print("docs/openapi.json is stale: run `make openapi`", file=sys.stderr)
            return 1
        return 0
    DOCUMENT.write_text(text)
    print(f"wrote {DOCUMENT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
