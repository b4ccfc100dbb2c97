"""Import a function's handler as Lambda does, and read its responses.

On Lambda each function's CodeUri is the root of its code (/var/task) and the layer is on sys.path. Here
all functions share one interpreter, so loading a function first forgets the modules of any other
function (they may share names such as `app`), then imports `app` from that function's folder with the
given environment. Each load is a fresh cold start: settings are read again.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from support.paths import FUNCTIONS_DIR

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]

# AUTH is set in every environment, as template.yaml sets it for every function, so that one cold start
# does not inherit another's.
DEV_ENV = {"STAGE": "dev", "CORS_ALLOWED_ORIGINS": "", "CORS_ADMIN_ALLOWED_ORIGINS": "", "AUTH": "none"}
ALLOWED_ORIGIN = "https://app.example.com"
# The admin console's origin: the `admin` tier's only one (the admin sample's), refused everywhere else.
ADMIN_ORIGIN = "https://admin.example.com"
PREVIEW_ORIGIN = "https://pr-42.preview.example.com"
DISALLOWED_ORIGIN = "https://evil.example.net"
# Prod without an authorizer, which the tests of everything but identity assume: it takes the explicit
# opt-in (AllowAnonymousWrites=true), as a deployed stack would.
PROD_ENV = {
    "STAGE": "prod",
    "CORS_ALLOWED_ORIGINS": f"{ALLOWED_ORIGIN},https://*.preview.example.com",
    "CORS_ADMIN_ALLOWED_ORIGINS": ADMIN_ORIGIN,
    "AUTH": "none",
    "ALLOW_ANONYMOUS_WRITES": "true",
}
# Prod behind a Cognito user pool authorizer: what samconfig.toml's [prod] deploys.
PROD_COGNITO_ENV = {**PROD_ENV, "AUTH": "cognito", "ALLOW_ANONYMOUS_WRITES": "false"}


def load_handler(function: str) -> Handler:
    """Cold-start `functions/<function>/app.py` with the current os.environ; return its `handler`."""
    code_dir = FUNCTIONS_DIR / function
    for name, module in list(sys.modules.items()):
        module_file = getattr(module, "__file__", None) or ""
        if module_file.startswith(str(FUNCTIONS_DIR)) or name == "app":
            del sys.modules[name]
    forget_settings()
    _forget_previous_apps()
    # A new Lambda process starts with no event loop; Mangum takes the thread's current one at import.
    # Other tests (Playwright's sync API) may leave a closed loop behind, so start from a fresh one.
    asyncio.set_event_loop(asyncio.new_event_loop())
    # As on Lambda, the code dir stays on sys.path: `lazy_handler` imports the routes on first use. The
    # previous function's dir goes, so that modules of the same name come from this function.
    sys.path[:] = [entry for entry in sys.path if not entry.startswith(str(FUNCTIONS_DIR))]
    sys.path.insert(0, str(code_dir))
    module = importlib.import_module("app")
    return module.handler


def _forget_previous_apps() -> None:
    """Let the apps of earlier cold starts be garbage-collected, as a new process would.

    FastAPI keeps module-level caches keyed by endpoint function (fastapi.dependencies.models). One app
    per process, as on Lambda, makes that harmless; one app per test kept every earlier app, its modules
    and boto3 clients alive: gigabytes over the suite, and minutes of garbage collection at exit.
    """
    models = sys.modules.get("fastapi.dependencies.models")
    for name in ("_is_gen_callable_cached", "_is_async_gen_callable_cached", "_is_coroutine_callable_cached"):
        cached = getattr(models, name, None)
        if cached is not None:
            cached.cache_clear()


class LambdaContext:
    """The attributes of the Lambda context object that the layer and Powertools read."""

    function_name = "test-function"
    function_version = "$LATEST"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:test-function"
    aws_request_id = "00000000-0000-0000-0000-000000000000"

    # Generous by default: handler tests are not about time, and the first request of a lazy handler pays
    # for importing the app, which a loaded CI machine can stretch. Time-budget tests pass their own value.
    def __init__(self, remaining_ms: int = 60_000) -> None:
        self._remaining_ms = remaining_ms

    def get_remaining_time_in_millis(self) -> int:
        return self._remaining_ms


@dataclass(frozen=True)
class Result:
    """A Lambda HTTP response, read as a client would: header names case-insensitive."""

    raw: dict[str, Any]

    @property
    def status(self) -> int:
        return self.raw["statusCode"]

    @property
    def headers(self) -> Mapping[str, str]:
        """Every header, lowercase names; repeated values joined with ', ' as HTTP allows."""
        merged: dict[str, str] = {}
        for name, value in (self.raw.get("headers") or {}).items():
            merged[name.lower()] = value
        for name, values in (self.raw.get("multiValueHeaders") or {}).items():
            merged[name.lower()] = ", ".join(values)
        return merged

    def header_count(self, name: str) -> int:
        """How many times a header name appears across both header maps (catches duplicates)."""
        count = sum(1 for n in (self.raw.get("headers") or {}) if n.lower() == name.lower())
        multi = self.raw.get("multiValueHeaders") or {}
        return count + sum(len(v) for n, v in multi.items() if n.lower() == name.lower())

    @property
    def body(self) -> str:
        return self.raw.get("body") or ""

    def json(self) -> Any:
        return json.loads(self.body)

    def cors_headers(self) -> dict[str, str]:
        return {k: v for k, v in self.headers.items() if k.startswith("access-control-")}


def invoke(handler: Handler, event: dict[str, Any], context: LambdaContext | None = None) -> Result:
    """Invoke as the Lambda runtime does: the event arrives as parsed JSON, the response must be JSON."""
    wire_event = json.loads(json.dumps(event))
    raw = handler(wire_event, context or LambdaContext())
    json.dumps(raw)  # a response the runtime could not serialize is a bug in itself
    return Result(raw)


def forget_settings() -> None:
    """Forget the settings read so far: they are read once per process, as on Lambda, and a test that
    changes the environment starts a new "process"."""
    import api_core.settings

    api_core.settings.settings.cache_clear()
    api_core.settings.environment_cors_policy.cache_clear()
    api_core.settings.environment_auth.cache_clear()


def use_environment(monkeypatch: Any, env: dict[str, str]) -> None:
    """Set `env` for this test (monkeypatch undoes it) and forget the settings read before."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    forget_settings()
