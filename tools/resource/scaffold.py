"""The files of a new resource: its function folder, its events and its handler tests, rendered in memory.

The function's files come from skeleton/ (the items sample, with its names as placeholders: a test holds
the two to each other). The events are built from events/health-get-no-origin.json, the one event every
project has, by the v1 builder the tests and `make dev` use (tools/rest_events.py), so they are as
faithful as it is.
"""

from __future__ import annotations

import json
from pathlib import Path
from string import Template
from typing import Any

from tools.resource.names import ResourceNames
from tools.rest_events import rest_event

SKELETON = Path(__file__).parent / "skeleton"
FUNCTION_FILES = ("api.py", "app.py", "models.py", "repository.py", "service.py")
BASE_EVENT = "health-get-no-origin.json"
# The placeholder id in the member events; tests point them at real ids (tests/support/rest.py).
EVENT_ID = "0192f3a0-1c2d-7e3f-8a4b-5c6d7e8f9d04"
UNKNOWN_ID = "0192f3a0-0000-7000-8000-000000000000"
APP_ORIGIN = "https://app.example.com"
OTHER_ORIGIN = "https://evil.example.net"
JSON = {"Content-Type": "application/json"}
MERGE_PATCH = {"Content-Type": "application/merge-patch+json"}
MATCH = {"If-Match": '"v1"'}


def render(name: str, names: ResourceNames) -> str:
    """skeleton/<name>.tmpl with the resource's names in place of ${things}, ${Thing}, ..."""
    return Template((SKELETON / f"{name}.tmpl").read_text()).substitute(names.mapping)


def function_files(names: ResourceNames) -> dict[str, str]:
    """functions/<plural>/*.py, before formatting (routes.json is made from them afterwards)."""
    return {f"functions/{names.plural}/{file}": render(f"{file}", names) for file in FUNCTION_FILES}


def test_files(names: ResourceNames) -> dict[str, str]:
    return {f"tests/handlers/test_{names.plural}.py": render("test_resource.py", names)}


def scenarios(names: ResourceNames) -> dict[str, dict[str, Any]]:
    """events/<plural>-<verb>-<scenario>.json: the requests of each verb the tests and README use."""
    collection, member = names.collection_path, f"{names.collection_path}/{EVENT_ID}"
    unknown = f"{collection}/{UNKNOWN_ID}"
    origin = {"Origin": APP_ORIGIN, "Sec-Fetch-Mode": "cors"}
    other = {"Origin": OTHER_ORIGIN, "Sec-Fetch-Mode": "cors"}
    local = {"Origin": "http://localhost:5173", "Sec-Fetch-Mode": "cors"}
    preflight = {
        "Access-Control-Request-Method": "PUT",
        "Access-Control-Request-Headers": "content-type, if-match",
    }
    body = {"name": f"First {names.singular}", "description": f"The first of the {names.plural}"}

    def on(method: str, path: str, headers: dict[str, str] | None = None, body: Any = None) -> dict[str, Any]:
        route = collection if path == collection else names.member_path
        parts: dict[str, Any] = {"method": method, "path": path, "resource": route, "headers": headers or {}}
        if path != collection:
            parts["path_parameters"] = {f"{names.singular}_id": path.rsplit("/", 1)[1]}
        if body is not None:
            parts["body"] = json.dumps(body)
        return parts

    return {
        "options-preflight-put-allowed-origin": on("OPTIONS", member, {**origin, **preflight}),
        "options-preflight-put-disallowed-origin": on("OPTIONS", member, {**other, **preflight}),
        "options-preflight-put-localhost-origin": on("OPTIONS", member, {**local, **preflight}),
        "get-list": on("GET", collection, origin),
        "get-list-no-origin": on("GET", collection),
        "get-list-disallowed-origin": on("GET", collection, other),
        "get-one": on("GET", member, origin),
        "get-one-unknown": on("GET", unknown, origin),
        "post-create": on("POST", collection, {**origin, **JSON}, body),
        "post-invalid": on(
            "POST", collection, {**origin, **JSON}, {"name": "", "description": 5, "colour": "red"}
        ),
        "post-disallowed-origin": on(
            "POST", collection, {**other, "Content-Type": "text/plain"}, {"name": "x"}
        ),
        "put-replace": on("PUT", member, {**origin, **JSON, **MATCH}, {"name": f"Renamed {names.singular}"}),
        "patch-merge": on("PATCH", member, {**origin, **MERGE_PATCH, **MATCH}, {"description": None}),
        "delete": on("DELETE", member, {**origin, **MATCH}),
    }


def event_files(names: ResourceNames, events_dir: Path) -> dict[str, str]:
    base = json.loads((events_dir / BASE_EVENT).read_text())
    files = {}
    for number, (scenario, parts) in enumerate(scenarios(names).items(), start=1):
        event = rest_event(base, **parts)
        # A request id of its own per event, as API Gateway gives each request (logs name it).
        event["requestContext"]["requestId"] = f"00000000-0000-0000-0000-{number:012d}"
        files[f"events/{names.plural}-{scenario}.json"] = json.dumps(event, indent=2) + "\n"
    return files
