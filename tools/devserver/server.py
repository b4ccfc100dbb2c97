"""`make dev`: SAM CLI's local API Gateway emulator with Docker-free functions and a local DynamoDB.

What is SAM's own code: reading template.yaml (Globals, parameters, env.json overrides), routing, and
turning each HTTP request into the REST (v1) event API Gateway would send, then the Lambda result back
into HTTP. What is ours: `runtime.WorkerRuntime` (functions in warm worker processes instead of
containers), moto for DynamoDB, the demo page and the API's docs (/docs) on another origin, and one log
line per request.
Private SAM CLI API: SAM CLI's version is pinned in the Makefile, and tests/devserver covers the seam.
"""

from __future__ import annotations

import argparse
import json
import logging
import shlex
import sys
import threading
import time
from functools import partial
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

from flask import g, request
from samcli.commands.local.lib.local_lambda import LocalLambdaRunner
from samcli.lib.providers.api_provider import ApiProvider
from samcli.lib.providers.sam_function_provider import SamFunctionProvider
from samcli.lib.providers.sam_stack_provider import SamLocalStackProvider
from samcli.local.apigw.local_apigw_service import LocalApigwService

from tools.devserver.docs import ApiDocs, DemoHandler
from tools.devserver.dynamodb import LocalDynamoDB
from tools.devserver.ports import port_is_free
from tools.devserver.runtime import HandlerImportError, WorkerRuntime
from tools.rest_events import bare_event, rest_event

ROOT = Path(__file__).resolve().parents[2]
DEMO_DIR = Path(__file__).with_name("demo")
LOCAL_TABLE = "local-api-table"
SEED_BASE = bare_event(stage="Prod", request_id="seed")


class StartupError(Exception):
    """A clear, one-line reason why `make dev` cannot start; exit code 1."""


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="make dev", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=3000, help="the API (sam local start-api's default)")
    parser.add_argument("--demo-port", type=int, default=5173, help="the demo page, on another origin")
    parser.add_argument("--template", type=Path, default=ROOT / "template.yaml")
    parser.add_argument(
        "--parameter-overrides", default="", help='as for sam: "Stage=prod AllowedOrigins=https://a.b"'
    )
    parser.add_argument(
        "--env-vars", type=Path, default=None, help="SAM-style env.json (default: ./env.json if present)"
    )
    parser.add_argument("--state-dir", type=Path, default=ROOT / ".local", help="snapshot and layer packages")
    parser.add_argument("--no-seed", action="store_true", help="start with an empty table")
    parser.add_argument(
        "--record", type=Path, default=None, help="write each event and result to this folder"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # our own line per request replaces its log
    try:
        dev = DevServer(args)
    except StartupError as error:
        print(f"make dev: {error}", file=sys.stderr)
        return 1
    return dev.run()


class DevServer:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        for port in (args.port, args.demo_port):
            ensure_port_free(args.host if port == args.port else "127.0.0.1", port)
        self.parameters = {"Stage": "dev", "AllowedOrigins": "", **parse_overrides(args.parameter_overrides)}
        try:
            stacks, _ = SamLocalStackProvider.get_stacks(
                str(args.template), parameter_overrides=self.parameters
            )
            self.function_provider = SamFunctionProvider(stacks)
            self.api = ApiProvider(stacks, cwd=str(args.template.parent)).api
        except Exception as error:
            raise StartupError(f"{args.template.name} cannot be read: {error}") from None
        self.table_properties = _table_properties(stacks)
        self.dynamodb = LocalDynamoDB(ROOT / ".venv" / "bin" / "python", args.state_dir / "dynamodb.json")
        self.runtime = WorkerRuntime(
            base_dir=args.template.parent,
            extra_paths=[str(args.state_dir / "layer-packages"), str(args.state_dir / "lambda-runtime")],
            env_overrides=self.dynamodb.client_environment(),
            record_dir=args.record,
        )
        env_vars = load_env_vars(args.env_vars)
        env_vars.setdefault("Parameters", {}).setdefault("TABLE_NAME", LOCAL_TABLE)
        self.runner = LocalLambdaRunner(
            local_runtime=self.runtime,
            function_provider=self.function_provider,
            cwd=str(args.template.parent),
            real_path=str(args.template.parent),
            aws_region="us-east-1",
            env_vars_values=env_vars,
        )
        self.demo: ThreadingHTTPServer | None = None

    def run(self) -> int:
        try:
            self._start_dynamodb()
            self._warm_functions()
            service = LocalApigwService(
                self.api, self.runner, port=self.args.port, host=self.args.host, stderr=None
            )
            service.create()
            _log_requests(service)
            self._start_demo()
            self._print_banner()
            service.run()
        except StartupError as error:
            print(f"make dev: {error}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            pass
        except Exception as error:
            # SAM raises its own exception on SIGTERM; anything else is shown, then everything is stopped.
            if type(error).__name__ != "ProcessSigTermException":
                raise
        finally:
            self._shutdown()
        return 0

    def _start_dynamodb(self) -> None:
        self.dynamodb.start()
        self.dynamodb.create_table(LOCAL_TABLE, self.table_properties)
        restored = self.dynamodb.restore(LOCAL_TABLE)
        print(f"DynamoDB: moto on {self.dynamodb.endpoint}, {restored} items from {self.dynamodb.snapshot}")
        # Browsers are refused; a shell client (the AWS CLI, say) signs with this run's key id.
        print(f"  its clients sign with AWS_ACCESS_KEY_ID={self.dynamodb.access_key_id} (this run only)")

    def _warm_functions(self) -> None:
        for function in self.function_provider.get_all():
            try:
                self.runtime.start(self.runner.get_invoke_config(function))
            except HandlerImportError as error:
                raise StartupError(str(error)) from None
        if not self.args.no_seed and not self.dynamodb.snapshot.exists():
            count = seed_items(self.runtime, self.runner, self.function_provider)
            print(f"Seeded {count} sample items")

    def _start_demo(self) -> None:
        api_url = f"http://{self.args.host}:{self.args.port}"
        docs = ApiDocs.from_venv(ROOT / ".venv" / "bin" / "python", ROOT / "docs" / "openapi.json", api_url)
        handler = partial(DemoHandler, directory=str(DEMO_DIR), docs=docs)
        self.demo = ThreadingHTTPServer(("127.0.0.1", self.args.demo_port), handler)
        threading.Thread(target=self.demo.serve_forever, daemon=True).start()

    def _print_banner(self) -> None:
        api_url = f"http://{self.args.host}:{self.args.port}"
        demo_url = f"http://localhost:{self.args.demo_port}/?api={api_url}"
        origins = self.parameters["AllowedOrigins"]
        cors = (
            "dev reflection (any origin, with credentials)"
            if self.parameters["Stage"] == "dev" and origins in ("", "*")
            else f"allow-list: {origins}"
        )
        print(f"\nStage {self.parameters['Stage']}, CORS {cors}")
        for route in sorted(self.api.routes, key=lambda r: r.path):
            methods = "ANY" if len(route.methods) >= 7 else ",".join(sorted(route.methods))
            print(f"  {methods:<8} {api_url}{route.path:<45} -> {route.function_name}")
        print(f"\nAPI   {api_url}")
        print(f"Demo  {demo_url}  (another origin: the calls are cross-origin)")
        print(f"Docs  http://localhost:{self.args.demo_port}/docs  (Swagger UI for docs/openapi.json)")
        print("Ctrl-C stops everything.\n")
        sys.stdout.flush()

    def _shutdown(self) -> None:
        self.runtime.stop_all()
        if self.demo is not None:
            self.demo.shutdown()
        if self.dynamodb.process is not None:
            try:
                saved = self.dynamodb.save(LOCAL_TABLE)
                print(f"Saved {saved} items to {self.dynamodb.snapshot}")
            except Exception as error:  # the server may already be gone; never block shutdown on it
                print(f"Could not save the DynamoDB snapshot: {error}", file=sys.stderr)
        self.dynamodb.stop()


def seed_items(runtime: WorkerRuntime, runner: LocalLambdaRunner, provider: SamFunctionProvider) -> int:
    """Create sample items through the items function itself, so seeding follows its data model."""
    function = next((f for f in provider.get_all() if f.name == "ItemsFunction"), None)
    if function is None:
        return 0
    config = runner.get_invoke_config(function)
    names = ["Desk lamp", "Floor lamp", "Chair", "Table", "Bookshelf", "Rug", "Mirror", "Clock"]
    created = 0
    for number in range(45):
        body = {"name": f"{names[number % len(names)]} {number + 1:02d}", "description": "Sample item"}
        event = rest_event(
            SEED_BASE,
            method="POST",
            path="/api/v1/items",
            resource="/api/v1/items",
            headers={"Content-Type": "application/json", "Host": "127.0.0.1:3000"},
            body=json.dumps(body),
        )
        response = runtime.invoke_json(config, event)
        created += isinstance(response, dict) and response.get("statusCode") == 201
    return created


def _log_requests(service: LocalApigwService) -> None:
    """One line per request: method, path, status, duration, function."""
    app = service._app  # the Flask app SAM built: its request hooks are public Flask API

    @app.before_request
    def _start_clock() -> None:
        g.started = time.perf_counter()

    @app.after_request
    def _log_line(response: Any) -> Any:
        try:
            function = service._get_current_route(request).function_name
        except Exception:
            function = "-"
        took = (time.perf_counter() - getattr(g, "started", time.perf_counter())) * 1000
        path = request.full_path.rstrip("?")
        print(f"{request.method:<7} {path:<50} {response.status_code} {took:7.1f} ms  {function}", flush=True)
        return response


def ensure_port_free(host: str, port: int) -> None:
    if not port_is_free(port, host):
        raise StartupError(f"port {port} on {host} is already in use (is another `make dev` running?)")


def parse_overrides(text: str) -> dict[str, str]:
    """`Stage=prod AllowedOrigins="https://a.example,https://b.example"`, as sam's --parameter-overrides."""
    pairs = {}
    for token in shlex.split(text):
        name, sep, value = token.partition("=")
        if not sep:
            raise StartupError(f"--parameter-overrides: expected Name=Value, got {token!r}")
        pairs[name] = value
    return pairs


def load_env_vars(path: Path | None) -> dict[str, Any]:
    path = path or (ROOT / "env.json")
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise StartupError(f"{path.name} is not valid JSON: {error}") from None


def _table_properties(stacks: list[Any]) -> dict[str, Any]:
    for stack in stacks:
        for resource in stack.resources.values():
            if resource.get("Type") == "AWS::DynamoDB::Table":
                return resource["Properties"]
    raise StartupError("template.yaml has no AWS::DynamoDB::Table")
