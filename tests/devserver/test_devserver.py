"""`make dev`: SAM's emulator in front of Docker-free workers. Started as a subprocess, as a user runs it."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import time
from pathlib import Path

import pytest
from support.devserver import eventually, request, start_devserver
from support.handlers import invoke, load_handler
from support.paths import LAYER_DIR, ROOT
from support.template import api_events

from tools.devserver.ports import port_is_free

pytestmark = pytest.mark.devserver


@pytest.fixture(scope="module")
def dev(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("dev")
    (tmp / "records").mkdir()
    server = start_devserver(tmp, "--record", str(tmp / "records"))
    yield server, tmp / "records"
    server.stop()


def records(folder: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))]


def test_banner_lists_routes_stage_cors_and_demo(dev):
    server, _ = dev
    log = server.log()
    assert "Stage dev, CORS dev reflection" in log
    assert f"{server.url}/api/v1/health" in log
    assert "HealthFunction" in log
    # every route of every function
    for event in api_events():
        assert f"{server.url}{event.path}" in log, event.path
    assert server.demo_url in log


@pytest.mark.parametrize(
    ("method", "headers"),
    [
        ("GET", {"Origin": "http://localhost:5173"}),
        ("OPTIONS", {"Origin": "http://localhost:5173", "Access-Control-Request-Method": "GET"}),
        ("GET", {}),
    ],
)
def test_local_api_answers_exactly_what_the_handler_gives_for_the_same_event(
    dev, monkeypatch, method, headers
):
    # GIVEN make dev running, recording the events SAM's emulator builds
    server, folder = dev
    before = len(records(folder))
    # WHEN a request goes through the local API
    reply = request(f"{server.url}/api/v1/health", method, headers)
    # THEN it reached the function (even the preflight), and the HTTP answer is what the handler itself
    # returns when invoked directly with that very event
    new = records(folder)[before:]
    assert [record["function"] for record in new] == ["HealthFunction"]
    event = new[0]["event"]
    assert (event["httpMethod"], event["resource"]) == (method, "/api/v1/health")
    monkeypatch.setenv("STAGE", "dev")
    monkeypatch.setenv("CORS_ALLOWED_ORIGINS", "")
    direct = invoke(load_handler("health"), event)
    assert reply.status == direct.status
    assert reply.body == direct.body
    for name, value in direct.headers.items():
        if name != "x-request-id":  # SAM gives each event its own request id
            assert reply.headers[name] == value, name
    assert reply.headers["x-request-id"] == event["requestContext"]["requestId"]


def test_each_request_is_logged_with_method_path_status_duration_function(dev):
    server, _ = dev
    request(f"{server.url}/api/v1/health")
    # The line is written once the response has gone out, so it may land just after the client has it.
    lines = eventually(
        lambda: [
            line for line in server.log().splitlines() if line.startswith("GET ") and "/api/v1/health" in line
        ]
    )
    parts = lines[-1].split()
    assert parts[:3] == ["GET", "/api/v1/health", "200"]
    assert parts[4] == "ms"
    assert float(parts[3]) > 0
    assert parts[5] == "HealthFunction"


def test_port_taken_is_one_clear_message_and_a_non_zero_exit(dev, tmp_path):
    server, _ = dev
    blocked = start_devserver(tmp_path, "--port", str(server.port), wait=False)
    code = blocked.process.wait(timeout=60)
    assert code == 1
    assert f"port {server.port} on 127.0.0.1 is already in use" in blocked.log()
    assert "Traceback" not in blocked.log()


def test_template_that_does_not_parse(tmp_path):
    template = tmp_path / "template.yaml"
    template.write_text("Resources: [unclosed\n")
    server = start_devserver(tmp_path, "--template", str(template), wait=False)
    assert server.process.wait(timeout=60) == 1
    assert "template.yaml cannot be read" in server.log()
    assert "Traceback" not in server.log()


FAULTS = {
    "broken": "raise RuntimeError('missing configuration at import')\n",
    "slow": (
        "import time\n\ndef handler(event, context):\n"
        "    if event['path'].endswith('/fast'):\n        return {'statusCode': 200, 'body': 'fast'}\n"
        "    time.sleep(5)\n"
    ),
    "paths": (
        "import json, sys\n\ndef handler(event, context):\n"
        "    return {'statusCode': 200, 'body': json.dumps(sys.path)}\n"
    ),
    "malformed": "def handler(event, context):\n    return 'not a Lambda proxy response'\n",
    "live": "def handler(event, context):\n    return {'statusCode': 200, 'body': 'version 1'}\n",
}


def fault_template(tmp_path: Path, functions: list[str]) -> Path:
    """A template with small raw functions (no layer needed), CodeUri in tmp_path. JSON is valid YAML."""
    resources: dict = {"Api": {"Type": "AWS::Serverless::Api", "Properties": {"StageName": "dev"}}}
    for name in functions:
        code = tmp_path / name
        code.mkdir()
        source = FAULTS[name] + ("def handler(event, context):\n    pass\n" if name == "broken" else "")
        (code / "app.py").write_text(source)
        route = {"RestApiId": {"Ref": "Api"}, "Path": f"/{name}/{{proxy+}}", "Method": "ANY"}
        resources[f"{name.capitalize()}Function"] = {
            "Type": "AWS::Serverless::Function",
            "Properties": {
                "CodeUri": str(code),
                "Handler": "app.handler",
                "Runtime": "python3.13",
                "Timeout": 1,
                "Events": {"Any": {"Type": "Api", "Properties": route}},
            },
        }
    resources["Table"] = {
        "Type": "AWS::DynamoDB::Table",
        "Properties": {
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "PK", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "PK", "KeyType": "HASH"}],
        },
    }
    template = tmp_path / "template.yaml"
    template.write_text(
        json.dumps({"Transform": "AWS::Serverless-2016-10-31", "Resources": resources}, indent=1)
    )
    return template


def test_handler_failing_at_import_is_one_clear_message(tmp_path):
    server = start_devserver(
        tmp_path, "--template", str(fault_template(tmp_path, ["broken"])), "--no-seed", wait=False
    )
    assert server.process.wait(timeout=60) == 1
    assert "BrokenFunction: app.handler failed to import: missing configuration at import" in server.log()


def test_timeout_gives_502_and_the_worker_is_replaced(tmp_path):
    server = start_devserver(tmp_path, "--template", str(fault_template(tmp_path, ["slow"])), "--no-seed")
    try:
        started = time.monotonic()
        assert request(f"{server.url}/slow/wait").status == 502
        assert time.monotonic() - started < 4  # the 1 s Timeout is enforced, not the 5 s sleep
        assert "timed out after 1 s" in server.log()
        assert request(f"{server.url}/slow/fast").body == "fast"
    finally:
        assert server.stop() == 0


def test_malformed_handler_response_gives_502(tmp_path):
    server = start_devserver(
        tmp_path, "--template", str(fault_template(tmp_path, ["malformed"])), "--no-seed"
    )
    try:
        assert request(f"{server.url}/malformed/x").status == 502
    finally:
        server.stop()


def test_code_changes_apply_without_a_restart(tmp_path):
    server = start_devserver(tmp_path, "--template", str(fault_template(tmp_path, ["live"])), "--no-seed")
    try:
        assert request(f"{server.url}/live/x").body == "version 1"
        # WHEN the code is edited within the timestamp tick of the worker's start (same mtime, same size)
        app = tmp_path / "live" / "app.py"
        before = app.stat()
        app.write_text(app.read_text().replace("version 1", "version 2"))
        os.utime(app, ns=(before.st_atime_ns, before.st_mtime_ns))
        assert (app.stat().st_mtime_ns, app.stat().st_size) == (before.st_mtime_ns, before.st_size)
        # THEN the next request is served by a new worker with the new code
        assert request(f"{server.url}/live/x").body == "version 2"
        assert "LiveFunction: app.py changed; reloading" in server.log()
    finally:
        server.stop()


def test_ctrl_c_leaves_no_process_or_port_behind(tmp_path):
    server = start_devserver(tmp_path, "--template", str(fault_template(tmp_path, ["live"])), "--no-seed")
    assert request(f"{server.url}/live/x").status == 200
    moto_line = next(line for line in server.log().splitlines() if line.startswith("DynamoDB: moto on"))
    moto_port = int(moto_line.split("http://127.0.0.1:")[1].split(",")[0])
    assert server.stop() == 0
    # The server has exited; its children (moto, the worker) may take a moment longer to let go.
    for port in (server.port, server.demo_port, moto_port):
        eventually(lambda port=port: port_is_free(port))
    eventually(lambda: not _processes_mentioning(str(tmp_path)))


def _processes_mentioning(text: str) -> list[Path]:
    return [p for p in Path("/proc").glob("[0-9]*/cmdline") if text in _read(p)]


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="ignore")
    except OSError:  # the process ended while being looked at
        return ""


def test_layer_source_is_what_workers_import():
    # The worker imports the layer from its source folder (reload-friendly), like /opt/python on Lambda.
    assert (LAYER_DIR / "api_core" / "lambda_handler.py").is_file()
    assert (ROOT / ".local" / "layer-packages" / "fastapi").is_dir()


def test_each_request_gets_its_own_request_id(dev):
    server, _ = dev
    first = request(f"{server.url}/api/v1/health").headers["x-request-id"]
    second = request(f"{server.url}/api/v1/health").headers["x-request-id"]
    assert first != second


def test_data_survives_a_restart_and_dev_reset_clears_it(tmp_path):
    # GIVEN make dev with seeded data, and an item created through the API
    server = start_devserver(tmp_path)
    created = request(
        f"{server.url}/api/v1/items",
        "POST",
        {"Content-Type": "application/json"},
        b'{"name": "Kept across restarts"}',
    )
    assert created.status == 201
    location = created.headers["location"]
    assert server.stop() == 0
    # WHEN it starts again on the same state folder THEN the item is still there
    server = start_devserver(tmp_path)
    try:
        assert request(location.replace(location.split("/api/")[0], server.url)).status == 200
    finally:
        server.stop()
    # WHEN make dev-reset runs THEN the next start is a fresh, seeded table
    subprocess.run(["make", "-s", "dev-reset", f"LOCAL={tmp_path / 'state'}"], cwd=ROOT, check=True)
    assert not (tmp_path / "state" / "dynamodb.json").exists()
    server = start_devserver(tmp_path)
    try:
        assert request(location.replace(location.split("/api/")[0], server.url)).status == 404
        assert "Seeded 45 sample items" in server.log()
    finally:
        server.stop()


def test_workers_see_only_their_code_the_layer_packages_and_boto3(tmp_path):
    # GIVEN a function that reports its own sys.path, run by make dev's worker
    server = start_devserver(tmp_path, "--template", str(fault_template(tmp_path, ["paths"])), "--no-seed")
    try:
        entries = json.loads(request(f"{server.url}/paths/x").body)
    finally:
        server.stop()
    # THEN it sees its code, the layer's packages, the runtime's boto3 and the standard library, nothing else
    state = tmp_path / "state"
    allowed = [str(tmp_path / "paths"), str(state / "layer-packages"), str(state / "lambda-runtime")]
    assert entries[:3] == allowed
    stdlib = [entry for entry in entries[3:] if "python3.13" in entry or entry.endswith("313.zip")]
    assert entries[3:] == stdlib
    assert not [entry for entry in entries if "site-packages" in entry]


def test_env_json_overrides_a_functions_variables_as_sam_does(tmp_path):
    # GIVEN an env.json (SAM's --env-vars format) that gives only the items function an origin list
    env_json = tmp_path / "env.json"
    env_json.write_text(json.dumps({"ItemsFunction": {"CORS_ALLOWED_ORIGINS": "https://only.example.com"}}))
    server = start_devserver(tmp_path, "--env-vars", str(env_json), "--no-seed")
    try:
        # THEN items uses that list, while health (not named) keeps the template's values
        listed = request(f"{server.url}/api/v1/items", headers={"Origin": "https://only.example.com"})
        other = request(f"{server.url}/api/v1/items", headers={"Origin": "http://localhost:5173"})
        health = request(f"{server.url}/api/v1/health", headers={"Origin": "http://localhost:5173"})
    finally:
        server.stop()
    assert listed.headers["access-control-allow-origin"] == "https://only.example.com"
    assert "access-control-allow-origin" not in other.headers
    assert health.headers["access-control-allow-origin"] == "*"


def raw_request(server, method: str, path: str, host: str) -> tuple[int, dict[str, str], bytes]:
    """A request with exactly this Host header, which urllib would not send as given."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        connection.putheader("Host", host)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


@pytest.mark.parametrize("host", ["a:b", "[::1]:3000x", "127.0.0.1:", "evil.example.net#", "user@127.0.0.1"])
@pytest.mark.parametrize(("method", "path"), [("GET", "/api/v1/items"), ("GET", "/api/v1/health")])
def test_make_dev_passes_a_malformed_host_through_and_the_layer_answers_400(dev, host, method, path):
    # GIVEN make dev, which hands the client's Host to the function as it came
    server, folder = dev
    before = len(records(folder))
    # WHEN a client sends a Host that is not host[:port]
    status, headers, body = raw_request(server, method, path, host)
    # THEN the function saw that very Host, and answered with the layer's 400 problem, not a 500
    new = records(folder)[before:]
    assert [record["event"]["headers"]["Host"] for record in new] == [host]
    assert status == 400, body
    assert headers["content-type"] == "application/problem+json"
    assert json.loads(body)["type"] == "urn:problem-type:malformed-host"


def test_make_dev_builds_urls_from_an_ipv6_host(dev):
    server, _ = dev
    status, headers, body = raw_request(server, "GET", "/api/v1/items?per_page=1", "[::1]:3000")
    assert status == 200, body
    assert headers["link"].startswith("<http://[::1]:3000/api/v1/items?"), headers["link"]


def test_head_through_make_dev_has_gets_headers_and_no_body(dev):
    server, _ = dev
    get = request(f"{server.url}/api/v1/items?per_page=2")
    head = request(f"{server.url}/api/v1/items?per_page=2", "HEAD")
    assert (head.status, head.body) == (200, "")
    for name in ("content-type", "link", "x-total-count", "content-length"):
        assert head.headers.get(name) == get.headers.get(name), name


def test_the_demo_origin_serves_swagger_ui_and_the_document_with_this_run_first(dev):
    server, _ = dev
    docs = f"http://localhost:{server.demo_port}/docs"
    assert f"{docs}  (Swagger UI" in server.log()
    # the page loads Swagger UI from the demo origin itself: no CDN
    page = request(docs)
    assert page.status == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "https://" not in page.body
    for asset in ("swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js"):
        assert f'"/docs/{asset}"' in page.body
        served = request(f"{docs}/{asset}")
        assert served.status == 200, asset
        assert len(served.body) > 1000, asset
    # the committed document, with this make dev as the first server
    served = json.loads(request(f"{docs}/openapi.json").body)
    committed = json.loads((ROOT / "docs" / "openapi.json").read_text())
    assert served["servers"][0] == {"url": server.url, "description": "this make dev"}
    assert served["servers"][1:] == committed["servers"]
    assert served["paths"] == committed["paths"]
    # nothing outside Swagger UI's own folder
    for outside in ("../../../template.yaml", "%2e%2e/%2e%2e/template.yaml", "index.j2x", "vendor"):
        assert request(f"{docs}/{outside}").status == 404, outside
