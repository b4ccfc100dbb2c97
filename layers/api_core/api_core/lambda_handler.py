"""The Lambda entry point of every function: CORS first, then the FastAPI app through Mangum.

CORS lives here, at the event level, rather than in an ASGI middleware, for three reasons:
- every response gets the right headers, including a 500 from an exception that escaped the app and
  Mangum's own errors (Starlette's CORSMiddleware sits inside ServerErrorMiddleware and misses those);
- preflights and refused writes are answered without running Mangum or the app at all;
- a repeated Origin header is still visible as repeated (Mangum joins values with commas).

Request flow: read the event -> preflight? answer -> plain OPTIONS? answer with Allow -> write from a
refused origin? 403 -> run the app -> decorate the response (CORS headers, Vary, X-Request-Id, Allow on 405).

`lazy_handler("api:app")` imports the app (FastAPI, pydantic, Mangum) only when the first request that
needs it arrives: preflights are answered from the function's committed `routes.json`, so a cold start
whose first request is a preflight costs a fraction of one that imports FastAPI (docs/PERFORMANCE.md).
"""

from __future__ import annotations

import importlib
import importlib.util
import os
from collections.abc import Callable
from typing import Any

from api_core.aws_faults import OutOfTime, out_of_time, start_deadline
from api_core.cors.policy import (
    VARY_ACTUAL,
    VARY_PREFLIGHT,
    CorsPolicy,
    Refusal,
)
from api_core.events import (
    WRITE_METHODS,
    EventFormat,
    HttpRequest,
    LambdaResponse,
    MalformedEvent,
    json_response,
    make_response,
    merge_headers,
    read_request,
    strip_headers,
)
from api_core.observability import logger
from api_core.problems import (
    PROBLEM_JSON,
    TYPE_CORS_REFUSED,
    TYPE_INTERNAL,
    TYPE_MALFORMED_EVENT,
    TYPE_OUT_OF_TIME,
    problem_body,
)
from api_core.routes import RouteTable
from api_core.screening import problem, screen_request
from api_core.security_headers import add_security_headers
from api_core.settings import environment_cors_policy, required_env

LambdaHandler = Callable[[dict[str, Any], Any], LambdaResponse]
_LOGGED_ORIGIN_LENGTH = 200


def create_handler(app: Any, *, cors: CorsPolicy | None = None) -> LambdaHandler:
    """The Lambda handler for a FastAPI app: `handler = create_handler(app)` at module scope.

    `cors` overrides the environment-driven policy for this function only, e.g. `CorsPolicy.public()`.
    """
    policy = cors if cors is not None else environment_cors_policy()
    handler = _CorsLambdaHandler(policy=policy, routes=RouteTable.from_app(app), load_app=lambda: app)
    handler.asgi_handler()  # the app is at hand: pay for Mangum now, at cold start
    return handler


def lazy_handler(
    target: str, *, cors: CorsPolicy | None = None, require_env: tuple[str, ...] = ()
) -> LambdaHandler:
    """The Lambda handler for the FastAPI app at `target` ("module:attribute"), imported on first use.

    `handler = lazy_handler("api:app")` in a function's `app.py`, with the routes in `api.py` and their
    methods in `routes.json` beside it (`python -m api_core.routes api:app > routes.json`; a test fails
    when it drifts). Settings, the CORS policy and the variables in `require_env` (e.g. TABLE_NAME) are
    still read and validated here, at cold start, so a misconfigured function fails before any request.
    """
    # Built even when `cors` overrides it: a bad STAGE or CORS setting fails every function of the stack.
    environment_policy = environment_cors_policy()
    policy = cors if cors is not None else environment_policy
    for name in require_env:
        required_env(name)
    module_name, _, attribute = target.partition(":")
    spec = importlib.util.find_spec(module_name)  # locates the module without running it
    if spec is None or spec.origin is None or not attribute:
        raise ImportError(f"lazy_handler: cannot find {target!r} (expected 'module:attribute')")
    manifest = os.path.join(os.path.dirname(spec.origin), "routes.json")

    def load_app() -> Any:
        return getattr(importlib.import_module(module_name), attribute)

    handler = _CorsLambdaHandler(policy=policy, routes=RouteTable.from_manifest(manifest), load_app=load_app)
    if os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") == "snap-start":
        # With SnapStart, init runs once when a version is published and every cold start restores its
        # snapshot: importing the app now costs no request anything, and leaving it for later would.
        handler.asgi_handler()
    return handler


class _CorsLambdaHandler:
    def __init__(self, *, policy: CorsPolicy, routes: RouteTable, load_app: Callable[[], Any]) -> None:
        self.policy = policy
        self.routes = routes
        self._load_app = load_app
        self._app: Any = None
        self._asgi: LambdaHandler | None = None

    @property
    def app(self) -> Any:
        """The FastAPI app, imported now if it was not yet."""
        self.asgi_handler()
        return self._app

    def asgi_handler(self) -> LambdaHandler:
        """Mangum around the app, built on first use; the app's own routes then replace the manifest."""
        if self._asgi is None:
            from mangum import Mangum  # noqa: PLC0415 - lazy: preflights never import it
            from mangum.adapter import DEFAULT_TEXT_MIME_TYPES  # noqa: PLC0415

            self._app = self._load_app()
            self.routes = RouteTable.from_app(self._app)
            # Without this, Mangum base64-encodes problem+json bodies, which API Gateway passes as-is.
            text_mime_types = [*DEFAULT_TEXT_MIME_TYPES, PROBLEM_JSON]
            self._asgi = Mangum(self._app, lifespan="off", text_mime_types=text_mime_types)
        return self._asgi

    def __call__(self, event: dict[str, Any], context: Any) -> LambdaResponse:
        try:
            request = read_request(event)
        except MalformedEvent as error:
            logger.warning("malformed event", extra={"reason": str(error)})
            body = problem_body(400, str(error), "", type=TYPE_MALFORMED_EVENT)
            return json_response(EventFormat.REST_V1, 400, body, PROBLEM_JSON)
        logger.set_correlation_id(request.request_id)
        origin = request.headers.get("origin", ())
        if request.method == "OPTIONS" and origin and request.header("access-control-request-method"):
            return self._preflight(request, origin)
        # Limits before the app (413, 415, bad body, out of time); a write from a refused origin is left to
        # the 403 below, so that a cross-site simple POST is always refused as such.
        # The origin is decided once per request; every step below uses that one decision.
        refusal = self.policy.check_origin(origin) if origin else None
        refused_write = refusal is not None and request.method in WRITE_METHODS
        start_deadline(context)
        if not refused_write:
            screened = screen_request(event, request)
            if screened is None and request.method in WRITE_METHODS and out_of_time():
                screened = problem(request, 503, OutOfTime().detail, TYPE_OUT_OF_TIME, retry_after=True)
            if screened is not None:
                return self._decorate(request, origin, refusal, screened)
        try:
            response = self._serve(request, origin, refusal, event, context)
        except Exception:
            logger.exception("unhandled exception outside the app")
            response = self._problem(request, 500, "an unexpected error occurred", type=TYPE_INTERNAL)
        return self._decorate(request, origin, refusal, response)

    def _preflight(self, request: HttpRequest, origin: tuple[str, ...]) -> LambdaResponse:
        answer = self.policy.preflight(
            origin,
            request_method=request.header("access-control-request-method") or "",
            request_headers=request.header("access-control-request-headers"),
            served_methods=self.routes.methods_for(request.path),
        )
        if answer.refusal is None:
            response = make_response(request.format, 204, answer.headers)
        else:
            self._log_refusal(request, origin, answer.refusal)
            response = self._refused(request, answer.refusal)
        merge_headers(response, self._request_id_header(request), VARY_PREFLIGHT)
        add_security_headers(request, response)  # preflight answers are responses like any other
        return response

    def _serve(
        self,
        request: HttpRequest,
        origin: tuple[str, ...],
        refusal: Refusal | None,
        event: dict[str, Any],
        context: Any,
    ) -> LambdaResponse:
        if request.method == "OPTIONS":
            served = self.routes.methods_for(request.path)
            if served is not None and "OPTIONS" not in served:
                allow = ", ".join(sorted(served | {"OPTIONS"}))
                return make_response(request.format, 204, {"Allow": allow})
        if refusal is not None and request.method in WRITE_METHODS:
            # CORS alone lets a simple cross-site POST through (only the reading is blocked), so a
            # write from an origin the policy refuses is stopped here, before it reaches any data.
            self._log_refusal(request, origin, refusal)
            return self._refused(request, refusal)
        return self.asgi_handler()(event, context)

    def _decorate(
        self,
        request: HttpRequest,
        origin: tuple[str, ...],
        refusal: Refusal | None,
        response: LambdaResponse,
    ) -> LambdaResponse:
        # The layer is the only owner of CORS headers: anything the app set is replaced.
        strip_headers(response, "access-control-")
        extra = self._request_id_header(request)
        if origin and refusal is None:
            extra.update(self.policy.actual_headers(origin[0]))
        elif refusal is not None and request.method not in WRITE_METHODS:
            self._log_refusal(request, origin, refusal)  # refused writes were logged when refused
        if response.get("statusCode") == 405:
            served = self.routes.methods_for(request.path)
            if served:
                extra["Allow"] = ", ".join(sorted(served))
        merge_headers(response, extra, VARY_ACTUAL)
        add_security_headers(request, response)
        return response

    def _refused(self, request: HttpRequest, refusal: Refusal) -> LambdaResponse:
        return self._problem(request, 403, refusal.detail, type=TYPE_CORS_REFUSED, check=str(refusal.check))

    @staticmethod
    def _problem(request: HttpRequest, status: int, detail: str, **members: Any) -> LambdaResponse:
        body = problem_body(status, detail, request.path, **members)
        return json_response(request.format, status, body, PROBLEM_JSON)

    @staticmethod
    def _request_id_header(request: HttpRequest) -> dict[str, str]:
        return {"X-Request-Id": request.request_id} if request.request_id else {}

    @staticmethod
    def _log_refusal(request: HttpRequest, origin: tuple[str, ...], refusal: Refusal) -> None:
        # The browser hides why a CORS call failed; this line is what a developer debugging it needs.
        logger.info(
            "CORS refused",
            extra={
                "cors_check": str(refusal.check),
                "cors_reason": refusal.detail,
                "origin": [value[:_LOGGED_ORIGIN_LENGTH] for value in origin],
                "method": request.method,
                "path": request.path,
            },
        )
