"""`make dev`: SAM CLI's local API Gateway emulator with Docker-free functions and a local DynamoDB.

What is SAM's own code: reading template.yaml (Globals, parameters, env.json overrides), routing, and
turning each HTTP request into the REST (v1) event API Gateway would send, then the Lambda result back
into HTTP. What is ours: `runtime.WorkerRuntime` (functions in warm worker processes instead of
containers), moto for DynamoDB and Cognito, API Gateway's own part (`local_api`: throttling, the Cognito
authorizer, gateway responses), the demo page and the API's docs (/docs) on another origin, and one log
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

from tools.devserver import demo_users
from tools.devserver.cognito import PoolTemplate, UserPoolError
from tools.devserver.demo_server import DemoHandler
from tools.devserver.docs import ApiDocs
from tools.devserver.dynamodb import LocalDynamoDB
from tools.devserver.gateway import GatewayResponses, Security, Throttle
from tools.devserver.identity import LocalIdentity
from tools.devserver.intrinsics import Resolver, TemplateError
from tools.devserver.local_api import ApiGatewayPart, LocalApi
from tools.devserver.ports import port_is_free
from tools.devserver.runtime import HandlerImportError, WorkerRuntime
from tools.rest_events import bare_event, rest_event

ROOT = Path(__file__).resolve().parents[2]
DEMO_DIR = Path(__file__).with_name("demo")
LOCAL_TABLE = "local-api-table"
ADMIN = next(email for email, groups in demo_users.USERS.items() if "admin" in groups)
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
    # SAM's reader skips Cognito authorizers and says so; make dev's own authorizer (local_api.py) runs them.
    logging.getLogger("samcli.commands.local.lib.swagger.parser").setLevel(logging.ERROR)
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
        venv_python = ROOT / ".venv" / "bin" / "python"
        self.dynamodb = LocalDynamoDB(venv_python, args.state_dir / "dynamodb.json")
        self.gateway, pool = _api_gateway_part(args.template, self.parameters)
        self.identity = (
            LocalIdentity(venv_python, self.dynamodb.endpoint, self.dynamodb.access_key_id, pool)
            if pool is not None
            else None
        )
        self.gateway.identity = self.identity
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
            self._start_identity()
            self._warm_functions()
            service = LocalApi(
                self.api,
                self.runner,
                port=self.args.port,
                host=self.args.host,
                stderr=None,
                gateway=self.gateway,
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

    def _start_identity(self) -> None:
        if self.identity is None:
            return
        self.identity.start()
        pool = self.identity.pool
        print(f"Cognito: user pool {pool.pool_id}, app client {pool.client_id} (moto, this run's key)")

    def _warm_functions(self) -> None:
        for function in self.function_provider.get_all():
            try:
                self.runtime.start(self.runner.get_invoke_config(function))
            except HandlerImportError as error:
                raise StartupError(str(error)) from None
        if not self.args.no_seed and not self.dynamodb.snapshot.exists():
            # Through the authorizer, as a signed-in admin would create them, when writes need a token.
            claims = self.identity.claims_of(ADMIN) if self.identity else None
            count = seed_items(self.runtime, self.runner, self.function_provider, claims)
            if count:
                print(f"Seeded {count} sample items")

    def _start_demo(self) -> None:
        api_url = f"http://{self.args.host}:{self.args.port}"
        docs = ApiDocs.from_venv(ROOT / ".venv" / "bin" / "python", ROOT / "docs" / "openapi.json", api_url)
        attributes = {"identity": self.identity, "port": self.args.demo_port, "docs": docs}
        handler_class = type("Demo", (DemoHandler,), attributes)
        handler = partial(handler_class, directory=str(DEMO_DIR))
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
        self._print_sign_in()
        print(f"\nAPI   {api_url}")
        print(f"Demo  {demo_url}  (another origin: the calls are cross-origin)")
        print(f"Docs  http://localhost:{self.args.demo_port}/docs  (Swagger UI for docs/openapi.json)")
        print("Ctrl-C stops everything.\n")
        sys.stdout.flush()

    def _print_sign_in(self) -> None:
        if self.identity is None:
            print("\nSign-in: none (Auth=none): no authorizer, as the deployed API with Auth=none")
            return
        print("\nSign-in: Cognito ID tokens are checked on the methods the template protects. Users,")
        print(f"password {demo_users.PASSWORD} (local only):")
        for email, groups in demo_users.USERS.items():
            print(f"  {email:<20} {'groups: ' + ','.join(groups) if groups else ''}".rstrip())
        print("  a token for curl: make -s token USER=alice@example.com")

    def _shutdown(self) -> None:
        self.runtime.stop_all()
        if self.identity is not None:
            self.identity.stop()
        if self.demo is not None:
            self.demo.shutdown()
        if self.dynamodb.process is not None:
            try:
                saved = self.dynamodb.save(LOCAL_TABLE)
                print(f"Saved {saved} items to {self.dynamodb.snapshot}")
            except Exception as error:  # the server may already be gone; never block shutdown on it
                print(f"Could not save the DynamoDB snapshot: {error}", file=sys.stderr)
        self.dynamodb.stop()


def seed_items(
    runtime: WorkerRuntime,
    runner: LocalLambdaRunner,
    provider: SamFunctionProvider,
    claims: dict[str, str] | None = None,
) -> int:
    """Create sample items through the items function itself, so seeding follows its data model; a project
    generated without the items sample has nothing to seed (0)."""
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
        if claims is not None:
            event["requestContext"]["authorizer"] = {"claims": claims}
        response = runtime.invoke_json(config, event)
        created += isinstance(response, dict) and response.get("statusCode") == 201
    return created


def _log_requests(service: LocalApi) -> None:
    """One line per request: method, path, status, duration, function."""
    app = service._app  # the Flask app SAM built: its request hooks are public Flask API

    def _start_clock() -> None:
        g.started = time.perf_counter()

    # First of the request hooks: API Gateway's own answers (local_api's gate) are timed too.
    app.before_request_funcs.setdefault(None, []).insert(0, _start_clock)

    @app.after_request
    def _log_line(response: Any) -> Any:
        try:
            function = service._get_current_route(request).function_name
        except Exception:
            function = "-"
        # API Gateway answered itself: name the gateway response (and why the authorizer refused).
        if "gateway_response" in g:
            function = " ".join(filter(None, [f"[{g.gateway_response}]", g.get("gateway_note")]))
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


def _api_gateway_part(
    template: Path, parameters: dict[str, str]
) -> tuple[ApiGatewayPart, PoolTemplate | None]:
    """API Gateway's part of the template's REST API for these parameters (see local_api.py), and the
    template's user pool, if it creates one."""
    try:
        resolver = Resolver.from_file(template, parameters)
        apis = resolver.resources("AWS::Serverless::Api")
        # One explicit API is what the template defines; an implicit API has no definition of its own.
        api = next(iter(apis.values()), {})
        pool = PoolTemplate.read(resolver)
    except (TemplateError, UserPoolError) as error:
        raise StartupError(f"{template.name}: {error}") from None
    security = Security(api.get("DefinitionBody"))
    if security.any_protected and pool is None:
        raise StartupError(
            "the API's methods need tokens of a user pool make dev cannot create: it creates the "
            "template's own AWS::Cognito::UserPool (Auth=cognito), not one named by CognitoUserPoolArn"
        )
    part = ApiGatewayPart(
        security=security,
        throttle=Throttle(api.get("MethodSettings")),
        responses=GatewayResponses(api.get("GatewayResponses")),
        identity=None,
        stage=parameters.get("Stage", "dev"),
    )
    return part, pool
