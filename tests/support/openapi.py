"""One OpenAPI document for the whole API, built from each function's FastAPI app (tests only).

The functions serve no OpenAPI document (`create_app` sets `openapi_url=None`); FastAPI still builds one
on request with `app.openapi()`. Each function is cold-started, its document taken, and the paths and
components merged. The layer's own answers, which no route declares, are added to every operation as
problem+json responses, so that a schema-driven client (schemathesis) knows every status it may meet.
"""

from __future__ import annotations

import copy
import sys
from typing import Any

from support.handlers import load_handler
from support.template import functions

FUNCTIONS = tuple(functions())  # every function of template.yaml
PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
PROBLEM_SCHEMA = {
    "type": "object",
    "required": ["type", "title", "status", "detail", "instance"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
    },
}
# Statuses any operation may answer, whatever its route declares (README's status table).
LAYER_STATUSES = {
    "400": "Malformed body, event, cursor, or a page past the window",
    "403": "Refused by the CORS policy",
    "404": "Unknown resource or path",
    "405": "Method not served at this path",
    "413": "Body over the limit",
    "415": "Body not labelled JSON",
    "422": "Validation failed",
    "503": "Database busy or out of time; Retry-After",
}
WRITE_STATUSES = {"409": "Conflict or request in progress", "412": "If-Match does not match"}


def api_document() -> dict[str, Any]:
    """The merged document of every function (their modules are forgotten again afterwards)."""
    merged: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": "serverless-rest-api-template", "version": "1.0.0"},
        "paths": {},
        "components": {"schemas": {"Problem": PROBLEM_SCHEMA}},
    }
    for function in FUNCTIONS:
        load_handler(function)
        app = sys.modules["app"].handler.app
        document = copy.deepcopy(app.openapi())
        merged["paths"].update(document["paths"])
        merged["components"]["schemas"].update(document.get("components", {}).get("schemas", {}))
    for path_item in merged["paths"].values():
        for method, operation in path_item.items():
            responses = operation.setdefault("responses", {})
            statuses = {**LAYER_STATUSES, **(WRITE_STATUSES if method != "get" else {})}
            if any(p.get("name") == "if-none-match" for p in operation.get("parameters", [])):
                responses.setdefault("304", {"description": "Not modified (If-None-Match): no body"})
            for status, description in statuses.items():
                # FastAPI documents its 422 as application/json; the layer answers problem+json.
                if status == "422" or status not in responses:
                    responses[status] = {"description": description, "content": PROBLEM}
    return merged
