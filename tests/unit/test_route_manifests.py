"""Each function's committed routes.json matches its app's routes and CORS tiers: preflights are answered
from it, by the tier it records."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from api_core.routes import RouteTable, manifest
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
    # THEN the committed file says the same, tiers and each route's tier included (regenerate:
    # cd functions/<name> && python -m api_core.routes api:app > routes.json)
    committed = json.loads((FUNCTIONS_DIR / function / "routes.json").read_text())
    assert committed == expected


# botocore.session: the data layer's DynamoDB client (api_core.dynamo). boto3: only Powertools'
# idempotency store imports it, on the first request that sends an Idempotency-Key, never at init.
HEAVY = ("fastapi", "pydantic", "mangum", "botocore.session", "boto3")
# Traces and metrics (issue 16): the tracer, the X-Ray SDK and the metrics code, Powertools' and ours.
OBSERVABILITY = (
    "aws_lambda_powertools.tracing",
    "aws_xray_sdk",
    "aws_lambda_powertools.metrics",
    "api_core.tracing",
    "api_core.metrics",
)


# % if samples == "all"
def test_the_manifests_record_the_sample_tiers():
    # the admin prefix and the users' profile route: what a cold preflight picks its policy by
    admin = json.loads((FUNCTIONS_DIR / "admin" / "routes.json").read_text())
    assert [(t["name"], t.get("prefix"), t.get("origins")) for t in admin["tiers"]] == [
        ("admin", "/api/v1/admin/", "from-environment")
    ]
    assert {route["path"]: route["tier"] for route in admin["routes"]} == {"/api/v1/admin/stats": "admin"}
    users = json.loads((FUNCTIONS_DIR / "users" / "routes.json").read_text())
    tiers = {route["path"]: route["tier"] for route in users["routes"]}
    assert tiers["/api/v1/users/{user_id}"] == "profile"
    assert {tier for path, tier in tiers.items() if path != "/api/v1/users/{user_id}"} == {None}


# % endif
def _preflight_event(function: str) -> Path:
    """The function's preflight event from an allowed origin (events/<function>-options-preflight*)."""
    candidates = sorted(EVENTS_DIR.glob(f"{function}-options-preflight*.json"))
    allowed = [
        p for p in candidates if not any(w in p.name for w in ("disallowed", "localhost", "app-origin"))
    ]
    assert allowed, f"{function} has no preflight event in events/ (make resource writes one)"
    return allowed[0]


def _heavy(function: str) -> list[str]:
    """What the app imports: the DynamoDB client only where the function is given the table; boto3 never."""
    return sorted(m for m in HEAVY if m != "boto3" and (m != "botocore.session" or uses_table(function)))


def _first_preflight(initialization_type: str, function: str, event_name: str | None = None) -> dict:
    """A fresh interpreter with a function and the layer on sys.path, as on Lambda: which heavy modules
    are loaded after `import app`, and after its first request, a preflight. Traces and metrics are on, as
    in a prod stack (Tracing on, the stack's metrics namespace)."""
    code = (
        "import json, sys\n"
        "import app\n"
        f"at_init = sorted(m for m in {HEAVY!r} if m in sys.modules)\n"
        "event = json.load(open(sys.argv[1]))\n"
        "response = app.handler(event, None)\n"
        f"heavy = sorted(m for m in {HEAVY!r} if m in sys.modules)\n"
        "origin = response['headers'].get('Access-Control-Allow-Origin')\n"
        f"observability = sorted(m for m in {OBSERVABILITY!r} if m in sys.modules)\n"
        "print(json.dumps({'status': response['statusCode'], 'at_init': at_init, 'heavy': heavy,"
        " 'observability': observability, 'origin': origin}))\n"
    )
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": os.pathsep.join(
            [str(FUNCTIONS_DIR / function), str(ROOT / "layers" / "api_core"), *sys.path]
        ),
        "STAGE": "prod",
        "CORS_ALLOWED_ORIGINS": "https://app.example.com",
        "CORS_ADMIN_ALLOWED_ORIGINS": "https://admin.example.com",
        "AUTH": "cognito",
        "TABLE_NAME": "unused",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_LAMBDA_INITIALIZATION_TYPE": initialization_type,
        "POWERTOOLS_TRACE_DISABLED": "false",
        "POWERTOOLS_METRICS_NAMESPACE": "serverless-rest-api-test",
        "POWERTOOLS_SERVICE_NAME": function,
        "LAMBDA_TASK_ROOT": str(FUNCTIONS_DIR / function),
    }
    event = EVENTS_DIR / f"{event_name}.json" if event_name else _preflight_event(function)
    completed = subprocess.run(
        [sys.executable, "-c", code, str(event)], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(completed.stdout.splitlines()[-1])  # after any log line (a refusal logs one)


def _origin(function: str) -> str:
    """Access-Control-Allow-Origin for the function's allowed preflight: its Origin, or * (public)."""
    event = json.loads(_preflight_event(function).read_text())
    sent = next(v for k, v in event["headers"].items() if k.lower() == "origin")
    return "*" if "CorsPolicy.public()" in (FUNCTIONS_DIR / function / "app.py").read_text() else sent


@pytest.mark.parametrize("function", TEMPLATE_FUNCTIONS)
def test_a_preflight_is_answered_without_importing_fastapi_the_tracer_or_the_metrics_code(function) -> None:
    # GIVEN an on-demand cold start, traces and metrics on, WHEN its first request is a preflight
    result = _first_preflight("on-demand", function)
    # THEN it is answered, and neither FastAPI, pydantic, Mangum, botocore nor boto3 was imported, nor the
    # tracer, the X-Ray SDK or the metrics code (Powertools' package imports the last two with its logger,
    # which an allowed preflight therefore never builds: api_core.observability)
    assert result == {
        "status": 204,
        "at_init": [],
        "heavy": [],
        "observability": [],
        "origin": _origin(function),
    }


# % if samples == "all"
@pytest.mark.parametrize(
    ("scenario", "status", "origin"),
    [("admin-origin", 204, "https://admin.example.com"), ("app-origin", 403, None)],
)
def test_a_cold_preflight_is_answered_by_its_tier_without_importing_fastapi(scenario, status, origin) -> None:
    # GIVEN the admin function's cold start WHEN its first request is a preflight from either tier's origin
    result = _first_preflight("on-demand", "admin", f"admin-options-preflight-get-{scenario}")
    # THEN the admin tier answers it, from the manifest alone (an allowed preflight loads no metrics code;
    # a refused one counts its refusal)
    assert {key: result[key] for key in ("status", "at_init", "heavy", "origin")} == {
        "status": status,
        "at_init": [],
        "heavy": [],
        "origin": origin,
    }


# % endif
@pytest.mark.parametrize("function", TEMPLATE_FUNCTIONS)
def test_with_snapstart_the_app_is_imported_during_init(function) -> None:
    # GIVEN a SnapStart init (run when a version is published; cold starts restore its snapshot)
    result = _first_preflight("snap-start", function)
    # THEN the app and its clients are loaded during init, so that the snapshot holds them, and with them
    # the tracer (botocore patched) and the metrics code
    assert result == {
        "status": 204,
        "at_init": _heavy(function),
        "heavy": _heavy(function),
        "observability": sorted(OBSERVABILITY),
        "origin": _origin(function),
    }


# % if samples != "none"
def test_a_tables_lookups_are_remembered_per_path_boundedly_and_answer_as_its_scan() -> None:
    # GIVEN the items table, and paths with ids as a client sends them: more than the table remembers
    table = RouteTable.from_manifest(FUNCTIONS_DIR / "items" / "routes.json")
    ids = [f"/api/v1/items/{n}" for n in range(600)]
    paths = [*ids, "/api/v1/items", "/api/v1/nothing", "/api/v1/items/1/x", "/api/v1/items/"]
    # WHEN each is looked up twice, the second time from what the table remembers where it still does
    for path in paths * 2:
        # THEN the answer is the scan's (the class's own lookup, unremembered), and as routes.json says
        assert table.lookup(path) == RouteTable.lookup(table, path)
    item = table.lookup(ids[0])
    assert item is not None
    assert (item.template, item.methods) == (
        "/api/v1/items/{item_id}",
        frozenset({"GET", "HEAD", "PUT", "PATCH", "DELETE"}),
    )
    collection = table.lookup("/api/v1/items")
    assert collection is not None
    assert collection.methods == frozenset({"GET", "HEAD", "POST"})
    assert table.lookup("/api/v1/nothing") is None
    assert table.lookup("/api/v1/items/1/x") is None
    # AND what it remembers is bounded, whatever number of distinct paths arrives
    info = table.lookup.cache_info()
    assert info.maxsize is not None
    assert info.currsize <= info.maxsize < len(paths)


# % endif
