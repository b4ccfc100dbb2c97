"""make resource NAME=things in a copy of this project: what it writes passes the suite's checks and make dev
serves it; what it refuses leaves every file as it was. make routes writes manifests safely."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support.devserver import request, start_devserver
from support.generation import link_environment, run_tests, sam_validate, working_files
from support.paths import ROOT
from support.template import parse_template

from tools.resource import scaffold
from tools.resource.__main__ import formatted
from tools.resource.names import ResourceNames


def copy_project(destination: Path) -> Path:
    """This working tree's files (no git, no installs), sharing this repository's environment."""
    for name in working_files():
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if (ROOT / name).is_symlink():
            target.symlink_to((ROOT / name).readlink())
        else:
            shutil.copy2(ROOT / name, target)
    link_environment(destination)
    return destination


def make(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """A make target's own command (tools.resource, tools.routes) in this interpreter."""
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=project, capture_output=True, text=True, timeout=120, check=False
    )


def snapshot(project: Path) -> dict[str, str]:
    """Every file of the project (not its environment) and a hash of its content."""
    return {
        path.relative_to(project).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(project.rglob("*"))
        if path.is_file()
        and not path.is_symlink()
        and not {".venv", ".tools", "__pycache__"} & set(path.parts)
    }


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_project(tmp_path_factory.mktemp("project"))


@pytest.fixture(scope="module")
def with_things(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the project after `make resource NAME=things`."""
    clone = copy_project(tmp_path_factory.mktemp("with-things"))
    result = make(clone, "tools.resource", "things")
    assert result.returncode == 0, result.stdout + result.stderr
    return clone


def test_the_make_target_runs_the_generator_with_the_names_given():
    dry = subprocess.run(
        ["make", "-n", "resource", "NAME=people", "SINGULAR=person"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert "-m tools.resource 'people' --singular 'person'" in dry.stdout


def test_it_writes_the_function_events_tests_and_template_entries(with_things: Path):
    # THEN the function folder, with a manifest of its routes
    folder = with_things / "functions" / "things"
    assert sorted(p.name for p in folder.iterdir()) == [
        "api.py", "app.py", "models.py", "repository.py", "routes.json", "service.py"
    ]  # fmt: skip
    routes = json.loads((folder / "routes.json").read_text())["routes"]
    assert {(e["path"], m) for e in routes for m in e["methods"]} == {
        ("/api/v1/things", "GET"), ("/api/v1/things", "POST"), ("/api/v1/things/{thing_id}", "GET"),
        ("/api/v1/things/{thing_id}", "PUT"), ("/api/v1/things/{thing_id}", "PATCH"),
        ("/api/v1/things/{thing_id}", "DELETE"),
    }  # fmt: skip
    # AND a preflight and every verb among its events; AND its handler tests
    events = {p.stem for p in (with_things / "events").glob("things-*.json")}
    verbs = ("options-preflight-put-allowed-origin", "get-list", "get-one", "post-create", "put-replace",
             "patch-merge", "delete")  # fmt: skip
    assert {f"things-{verb}" for verb in verbs} <= events
    assert (with_things / "tests" / "handlers" / "test_things.py").is_file()
    # AND template.yaml: the function with its table, policy and two routes, its log group, both paths with
    # the authorizer on every method but reads and OPTIONS
    template = parse_template((with_things / "template.yaml").read_text())
    function = template["Resources"]["ThingsFunction"]["Properties"]
    assert function["CodeUri"] == "functions/things/"
    assert function["Environment"]["Variables"] == {
        "POWERTOOLS_SERVICE_NAME": "things",
        "TABLE_NAME": {"Ref": "Table"},
    }
    assert function["Policies"] == [{"DynamoDBCrudPolicy": {"TableName": {"Ref": "Table"}}}]
    assert {e["Properties"]["Path"] for e in function["Events"].values()} == {
        "/api/v1/things", "/api/v1/things/{thing_id}"
    }  # fmt: skip
    assert function["LoggingConfig"] == {"LogGroup": {"Ref": "ThingsFunctionLogGroup"}}
    assert template["Resources"]["ThingsFunctionLogGroup"]["Type"] == "AWS::Logs::LogGroup"
    # AND whatever the template gives every function (alarms, a deployment preference, the dashboard's
    # entries) is the new function's too, named after it
    for companion in (n for n in template["Resources"] if n.startswith("HealthFunction")):
        assert companion.replace("Health", "Things", 1) in template["Resources"], companion
    text = json.dumps(template)
    assert "service" not in text or '{"Name": "service", "Value": "things"}' in text
    for dashboard in (r for r in template["Resources"].values() if r["Type"] == "AWS::CloudWatch::Dashboard"):
        body = dashboard["Properties"]["DashboardBody"]["Fn::Sub"]
        json.loads(re.sub(r"\$\{[^}]*\}", "x", body))
        assert body.count("${ThingsFunction") == body.count("${HealthFunction") > 0
    paths = template["Resources"]["RestApi"]["Properties"]["DefinitionBody"]["paths"]
    for path in ("/api/v1/things", "/api/v1/things/{thing_id}"):
        assert set(paths[path]) == {"get", "head", "options", "x-amazon-apigateway-any-method"}
        assert "ThingsFunctionAliaslive" in json.dumps(paths[path]["get"])
        assert "security" not in json.dumps(paths[path]["options"])
        protected = paths[path]["x-amazon-apigateway-any-method"]["Fn::If"]
        assert protected[0] == "UsesCognito"
        assert protected[1]["security"] == [{"CognitoAuthorizer": []}]


def test_every_line_of_the_template_is_kept_in_place(project: Path, with_things: Path):
    # The old template is a subsequence of the new one: comments, anchors and layout untouched; only a
    # dashboard's widget lines (one JSON object each) gain the new function's entries.
    def kept(text: str) -> list[str]:
        return [line for line in text.splitlines() if not line.lstrip().startswith('{"type": ')]

    before = kept((project / "template.yaml").read_text())
    after = iter(kept((with_things / "template.yaml").read_text()))
    assert all(line in after for line in before)


def test_the_new_resource_passes_the_suites_checks_and_make_dev_serves_it(with_things: Path, tmp_path: Path):
    # GIVEN the project with the new resource
    # WHEN its handler tests run, with every test that walks all functions or routes, and lint and format
    result = run_tests(
        with_things,
        "tests/handlers/test_things.py",
        "tests/handlers/test_cors_functions.py",
        "tests/handlers/test_head.py",
        "tests/handlers/test_authorization.py::test_every_route_has_a_rule",
        "tests/unit/test_route_manifests.py",
        "tests/template/test_translated_template.py",
        "tests/style",
    )
    # THEN they pass, the new function among them
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert re.search(r"\b\d+ passed\b", result.stdout)
    validated = sam_validate(with_things)
    assert validated.returncode == 0, validated.stdout + validated.stderr
    # AND make dev serves it, with CORS, to a browser origin
    server = start_devserver(tmp_path, "--no-seed", project=with_things)
    try:
        origin = {"Origin": "http://localhost:5173"}
        created = request(
            f"{server.url}/api/v1/things", "POST", {**origin, "Content-Type": "application/json"},
            json.dumps({"name": "Made by make resource"}).encode(),
        )  # fmt: skip
        assert created.status == 201, created.body
        assert created.headers["access-control-allow-origin"] == "http://localhost:5173"
        listed = request(f"{server.url}/api/v1/things", headers=origin)
        assert listed.status == 200, listed.body
        assert [t["name"] for t in json.loads(listed.body)["items"]] == ["Made by make resource"]
        preflight = request(
            f"{server.url}/api/v1/things/{json.loads(created.body)['id']}", "OPTIONS",
            {**origin, "Access-Control-Request-Method": "DELETE"},
        )  # fmt: skip
        assert preflight.status == 204
        assert preflight.headers["access-control-allow-methods"] == "DELETE, GET, HEAD, PATCH, PUT"
    finally:
        server.stop()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["Things"], "is not a valid resource name"),
        (["things/x"], "is not a valid resource name"),
        (["class"], "reserved name"),
        (["sheep"], "its singular cannot be derived"),
        (["items", "--singular", "items"], "must differ"),
        (["health", "--singular", "healthcheck"], "NAME=health is taken: functions/health,"),
    ],
)
def test_a_refused_name_writes_nothing(project: Path, args: list[str], message: str):
    before = snapshot(project)
    result = make(project, "tools.resource", *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert result.stderr.startswith("make resource: ")
    assert snapshot(project) == before


def test_a_name_colliding_with_a_path_or_a_function_writes_nothing(project: Path):
    before = snapshot(project)
    # A function folder that does not exist yet, but a path of that name that the API serves
    template = (project / "template.yaml").read_text()
    taken = template.replace("Path: /api/v1/health,", 'Path: "/api/v1/widgets/{id}",', 1)
    (project / "template.yaml").write_text(taken)
    try:
        result = make(project, "tools.resource", "widgets")
        assert result.returncode == 2
        assert "/api/v1/widgets/{id} is already served" in result.stderr
    finally:
        (project / "template.yaml").write_text(template)
    assert snapshot(project) == before


@pytest.mark.parametrize(
    ("breakage", "message"),
    [
        (lambda text: text + "\n  bad: [unclosed\n", "does not parse"),
        (
            lambda text: text.replace("CodeUri: functions/health/", "CodeUri: functions/healthz/"),
            "no function",
        ),
    ],
    ids=["not YAML", "no model function"],
)
def test_a_template_that_cannot_be_edited_safely_is_left_alone(project: Path, breakage, message: str):
    original = (project / "template.yaml").read_text()
    (project / "template.yaml").write_text(breakage(original))
    before = snapshot(project)
    try:
        result = make(project, "tools.resource", "gadgets")
        assert result.returncode == 2
        assert "template.yaml cannot be edited safely" in result.stderr
        assert message in result.stderr
        assert snapshot(project) == before
    finally:
        (project / "template.yaml").write_text(original)


def test_make_routes_rewrites_every_manifest_and_a_failure_keeps_the_old_one(project: Path):
    manifest = project / "functions" / "health" / "routes.json"
    committed = manifest.read_text()
    manifest.write_text("[]\n")
    done = make(project, "tools.routes")
    assert done.returncode == 0, done.stderr
    assert manifest.read_text() == committed
    # WHEN the app no longer imports THEN the run fails, saying why, and the old file stays, nothing beside
    api = project / "functions" / "health" / "api.py"
    source = api.read_text()
    api.write_text(source + "\nimport no_such_module\n")
    try:
        failed = make(project, "tools.routes", "health")
        assert failed.returncode == 1
        assert "No module named 'no_such_module'" in failed.stderr
        assert manifest.read_text() == committed
        assert sorted(p.name for p in manifest.parent.iterdir() if p.name.startswith(".")) == []
    finally:
        api.write_text(source)


def _without_docstring(text: str) -> str:
    return text.split('"""', 2)[2] if text.startswith('"""') else text


def test_the_items_sample_is_what_make_resource_writes():
    # The README's manual recipe copies functions/items/: make resource writes the same code.
    written = formatted(ROOT, scaffold.function_files(ResourceNames.parse("items")))
    for relative, text in written.items():
        assert _without_docstring(text) == _without_docstring((ROOT / relative).read_text()), relative


def test_the_readmes_recipe_shows_the_files_make_resource_writes():
    # README's "By hand" recipe holds each whole file as `make resource NAME=things` writes it.
    readme = (ROOT / "README.md").read_text()
    for relative, text in formatted(ROOT, scaffold.function_files(ResourceNames.parse("things"))).items():
        assert f"<code>{relative}</code></summary>\n\n```python\n{text}```" in readme, relative
