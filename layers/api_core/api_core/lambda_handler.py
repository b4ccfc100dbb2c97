"""The Lambda entry point of every function: CORS first, then the FastAPI app through Mangum.

CORS lives here, at the event level, rather than in an ASGI middleware, for three reasons:
- every response gets the right headers, including a 500 from an exception that escaped the app and
  Mangum's own errors (Starlette's CORSMiddleware sits inside ServerErrorMiddleware and misses those);
- preflights and refused writes are answered without running Mangum or the app at all;
- a repeated Origin header is still visible as repeated (Mangum joins values with commas).

Request flow: read the event -> preflight? answer -> plain OPTIONS? answer with Allow -> write from a
refused origin? 403 -> run the app -> decorate the response (CORS headers, Vary, X-Request-Id, Allow on 405).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mangum import Mangum
from mangum.adapter import DEFAULT_TEXT_MIME_TYPES

from api_core.cors.policy import (
    STATE_CHANGING_METHODS,
    VARY_ACTUAL,
    VARY_PREFLIGHT,
    CorsPolicy,
    Refusal,
)
from api_core.events import (
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
    problem_body,
)
from api_core.routes import RouteTable
from api_core.settings import environment_cors_policy

LambdaHandler = Callable[[dict[str, Any], Any], LambdaResponse]
# Without this, Mangum base64-encodes problem+json bodies, which API Gateway then passes through as-is.
TEXT_MIME_TYPES = [*DEFAULT_TEXT_MIME_TYPES, PROBLEM_JSON]
_LOGGED_ORIGIN_LENGTH = 200


def create_handler(app: Any, *, cors: CorsPolicy | None = None) -> LambdaHandler:
    """The Lambda handler for a FastAPI app: `handler = create_handler(app)` at module scope.

    `cors` overrides the environment-driven policy for this function only, e.g. `CorsPolicy.public()`.
    """
    policy = cors if cors is not None else environment_cors_policy()
    return _CorsLambdaHandler(
        policy=policy,
        routes=RouteTable.from_app(app),
        asgi_handler=Mangum(app, lifespan="off", text_mime_types=TEXT_MIME_TYPES),
    )


class _CorsLambdaHandler:
    def __init__(self, *, policy: CorsPolicy, routes: RouteTable, asgi_handler: LambdaHandler) -> None:
        self.policy = policy
        self.routes = routes
        self.asgi_handler = asgi_handler

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
        try:
            response = self._serve(request, origin, event, context)
        except Exception:
            logger.exception("unhandled exception outside the app")
            response = self._problem(request, 500, "an unexpected error occurred", type=TYPE_INTERNAL)
        return self._decorate(request, origin, response)

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
        return response

    def _serve(
        self, request: HttpRequest, origin: tuple[str, ...], event: dict[str, Any], context: Any
    ) -> LambdaResponse:
        if request.method == "OPTIONS":
            served = self.routes.methods_for(request.path)
            if served is not None and "OPTIONS" not in served:
                allow = ", ".join(sorted(served | {"OPTIONS"}))
                return make_response(request.format, 204, {"Allow": allow})
        if origin and request.method in STATE_CHANGING_METHODS:
            refusal = self.policy.check_origin(origin)
            if refusal is not None:
                # CORS alone lets a simple cross-site POST through (only the reading is blocked), so a
                # write from an origin the policy refuses is stopped here, before it reaches any data.
                self._log_refusal(request, origin, refusal)
                return self._refused(request, refusal)
        return self.asgi_handler(event, context)

    def _decorate(
        self, request: HttpRequest, origin: tuple[str, ...], response: LambdaResponse
    ) -> LambdaResponse:
        # The layer is the only owner of CORS headers: anything the app set is replaced.
        strip_headers(response, "access-control-")
        extra = self._request_id_header(request)
        if origin:
            refusal = self.policy.check_origin(origin)
            if refusal is None:
                extra.update(self.policy.actual_headers(origin[0]))
            elif request.method not in STATE_CHANGING_METHODS:  # writes were logged when refused
                self._log_refusal(request, origin, refusal)
        if response.get("statusCode") == 405:
            served = self.routes.methods_for(request.path)
            if served:
                extra["Allow"] = ", ".join(sorted(served))
        merge_headers(response, extra, VARY_ACTUAL)
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
