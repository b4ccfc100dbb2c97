"""The Lambda entry point of every function: CORS, limits and security headers around the FastAPI app.

The layer answers at the event level, not in an ASGI middleware, so that every response is decorated
(an exception that escaped the app included), preflights and refused writes never run Mangum or the app,
and a repeated Origin header is seen as repeated (docs/ARCHITECTURE.md, "How a request flows").

The usual allowed preflight is answered first, from the few headers it depends on
(api_core.quick_preflight). Every other request is classified once, into a `Decision` of one `Kind`;
each kind has one code path, and every answer but a malformed event's goes through one `_decorate`,
which also writes the one refusal log line and keeps every answer to a HEAD bodiless. Then the
invocation's metrics are published (api_core.metrics), except for an allowed preflight; the app runs in
a trace subsegment when tracing is on (api_core.tracing).

`lazy_handler("api:app")` imports the app (FastAPI, pydantic, Mangum) only when the first request that
needs it arrives: preflights are answered from the function's committed `routes.json`.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
from collections.abc import Callable, Mapping
from enum import StrEnum
from functools import partial
from typing import Any, NamedTuple

from api_core.authority import Authority
from api_core.aws_faults import OutOfTime, out_of_time, start_deadline
from api_core.collector import collector_paused
from api_core.cors.policy import CorsPolicy, PreflightAnswer, Refusal
from api_core.cors.refusals import log_refusal, refused_response
from api_core.cors.tiers import Tier, TieredPolicy, resolve_tiers
from api_core.decoration import allowed_preflight, decorate
from api_core.events import (
    WRITE_METHODS,
    EventFormat,
    HttpRequest,
    LambdaResponse,
    MalformedEvent,
    json_response,
    make_response,
    read_request,
    with_method,
)
from api_core.observability import logger, metrics_namespace, tracing_enabled
from api_core.problems import (
    PROBLEM_JSON,
    TYPE_INTERNAL,
    TYPE_MALFORMED_EVENT,
    TYPE_OUT_OF_TIME,
    problem_body,
)
from api_core.quick_preflight import quick_preflight
from api_core.routes import RouteTable
from api_core.screening import checked_authority, problem, screen_request
from api_core.settings import environment_auth, environment_cors_policy, required_env, settings

LambdaHandler = Callable[[dict[str, Any], Any], LambdaResponse]


def create_handler(app: Any, *, cors: CorsPolicy | Tier | None = None) -> LambdaHandler:
    """The Lambda handler for a FastAPI app: `handler = create_handler(app)` at module scope.

    `cors` overrides the environment-driven policy for this function only, e.g. `CorsPolicy.public()`, or
    refines it (a `Tier` without prefix or route); the app's own tiers refine it by path prefix and route.
    """
    routes = RouteTable.from_app(app)
    handler = _EntryPoint(policy=_tiers(cors, routes), routes=routes, load_app=lambda: app)
    handler.asgi_handler()  # the app is at hand: pay for Mangum now, at cold start
    return handler


def lazy_handler(
    target: str, *, cors: CorsPolicy | Tier | None = None, require_env: tuple[str, ...] = ()
) -> LambdaHandler:
    """The Lambda handler for the FastAPI app at `target` ("module:attribute"), imported on first use.

    `handler = lazy_handler("api:app")` in a function's `app.py`, with the routes in `api.py` and their
    methods in `routes.json` beside it (`python -m api_core.routes api:app > routes.json`; a test fails
    when it drifts), with the app's CORS tiers. Settings, every tier's policy and the variables in
    `require_env` (e.g. TABLE_NAME) are still read and validated here, at cold start, so a misconfigured
    function fails before any request. `cors` as for `create_handler`.
    """
    environment_cors_policy()  # built even when `cors` overrides it: a bad CORS setting fails every function
    environment_auth()  # a prod stage without an authorizer fails here, unless anonymous writes are allowed
    tracing_enabled()
    for name in require_env:
        required_env(name)
    module_name, _, attribute = target.partition(":")
    spec = importlib.util.find_spec(module_name)  # locates the module without running it
    if spec is None or spec.origin is None or not attribute:
        raise ImportError(f"lazy_handler: cannot find {target!r} (expected 'module:attribute')")
    manifest = os.path.join(os.path.dirname(spec.origin), "routes.json")

    def load_app() -> Any:
        return getattr(importlib.import_module(module_name), attribute)

    routes = RouteTable.from_manifest(manifest)
    handler = _EntryPoint(policy=_tiers(cors, routes), routes=routes, load_app=load_app)
    if os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") == "snap-start":
        # With SnapStart, init runs once when a version is published and every cold start restores its
        # snapshot: importing the app now costs no request anything, and leaving it for later would.
        handler.asgi_handler()
    return handler


def _tiers(cors: CorsPolicy | Tier | None, routes: RouteTable) -> TieredPolicy:
    # Every level resolved once, at cold start: a bad tier (or its variable) stops the function here.
    environment = environment_cors_policy()  # built even when `cors` overrides it
    return resolve_tiers(environment, cors, routes.tiers, stage=settings().stage, environ=os.environ)


class Kind(StrEnum):
    """What the entry point does with a request it could read (a malformed event is answered before)."""

    # Text that is not Unicode, or a Host that is not host[:port]: 400, before anything reads the request.
    MALFORMED = "malformed"
    PREFLIGHT = "preflight"  # OPTIONS + Origin + Access-Control-Request-Method: the policy answers
    # POST/PUT/PATCH/DELETE from an origin the policy refuses, or a POST its tier keeps from browsers: 403
    REFUSED_WRITE = "refused-write"
    SCREENED_OUT = "screened-out"  # a limit failed (413, 415, 400), or a write has too little time (503)
    PLAIN_OPTIONS = "plain-options"  # OPTIONS at a path whose routes do not serve it: 204 with Allow
    # HEAD: the app runs it as the GET it mirrors (RFC 9110 9.3.2: same status and headers; FastAPI routes
    # serve no HEAD), and _decorate drops the body, as it does for every answer to a HEAD.
    HEAD = "head"
    TO_APP = "to-app"  # everything else: Mangum and the FastAPI app


class Decision(NamedTuple):
    """One request, classified once: every later step reads this instead of deciding again. Immutable."""

    kind: Kind
    request: HttpRequest
    origin: tuple[str, ...]  # the Origin header's values, one per occurrence; () without one
    # Why the policy refuses the request: its origin, or for a preflight also its method or headers.
    refusal: Refusal | None
    served: frozenset[str] | None  # the methods of the path's routes; None when no route matches
    cors_headers: Mapping[str, str]  # the policy's Access-Control-* for the answer; {} when refused
    screened: LambdaResponse | None = None  # the screening's problem response: MALFORMED, SCREENED_OUT
    route: str | None = None  # the route template the path matches (metrics, traces); None when none does
    authority: Authority | None = None  # the validated scheme and Host (None: no host, or MALFORMED)
    answer: PreflightAnswer | None = None  # the policy's answer to a PREFLIGHT


class _EntryPoint:
    """The Lambda handler: classifies each event, answers what the layer owns, runs the app for the rest,
    and decorates every answer (CORS, Vary, X-Request-Id, Allow on 405, security headers)."""

    def __init__(self, *, policy: TieredPolicy, routes: RouteTable, load_app: Callable[[], Any]) -> None:
        self.policy = policy
        self.routes = routes
        self._load_app = load_app
        self._app: Any = None
        self._asgi: LambdaHandler | None = None
        self._tracer: Any = None  # api_core.tracing.AppTracer when tracing is on, built with the app
        self._run_asgi: Callable[..., LambdaResponse] | None = None  # api_core.asgi_scope.run_app
        self._metrics: Any = None  # api_core.metrics, imported on the first answer that is not a preflight
        self._namespace = metrics_namespace()

    @property
    def app(self) -> Any:
        """The FastAPI app, imported now if it was not yet."""
        self.asgi_handler()
        return self._app

    def asgi_handler(self) -> LambdaHandler:
        """Mangum around the app, built on first use; the app's own routes then replace the manifest."""
        if self._asgi is None:
            with collector_paused():
                self._build_asgi()
        assert self._asgi is not None
        return self._asgi

    def _build_asgi(self) -> None:
        # FastAPI before anything else: a function's app imports its data layer (botocore), and the X-Ray
        # SDK comes with tracing, before FastAPI otherwise, and FastAPI's own models then take 6-12 ms
        # longer to build. The same modules are imported either way; measured on the items function's
        # cold GET (A/B runs of 15-21 fresh processes each, docs/PERFORMANCE.md).
        import fastapi  # noqa: F401, PLC0415
        from mangum import Mangum  # noqa: PLC0415 - lazy: preflights never import it
        from mangum.adapter import DEFAULT_TEXT_MIME_TYPES  # noqa: PLC0415

        from api_core.asgi_scope import HANDLERS, run_app  # noqa: PLC0415 - imports Mangum

        if tracing_enabled():
            from api_core.tracing import AppTracer  # noqa: PLC0415 - lazy: the X-Ray SDK too

            self._tracer = AppTracer()
        self._app = self._load_app()
        self.routes = RouteTable.from_app(self._app)
        # Without this, Mangum base64-encodes problem+json bodies, which API Gateway passes as-is.
        text_mime_types = [*DEFAULT_TEXT_MIME_TYPES, PROBLEM_JSON]
        self._asgi = Mangum(
            self._app, lifespan="off", text_mime_types=text_mime_types, custom_handlers=HANDLERS
        )
        self._run_asgi = run_app

    def __call__(self, event: dict[str, Any], context: Any) -> LambdaResponse:
        response = quick_preflight(event, self.routes, self.policy)  # the usual allowed preflight, or None
        if response is not None:
            return response
        try:
            request = read_request(event)
        except MalformedEvent as error:
            # Not decorated: an event that cannot be read has no origin to decide on.
            logger.warning("malformed event", extra={"reason": str(error)})
            body = problem_body(400, str(error), "", type=TYPE_MALFORMED_EVENT)
            return json_response(EventFormat.REST_V1, 400, body, PROBLEM_JSON)
        logger.set_correlation_id(request.request_id)
        decision = self.classify(request, event, context)
        match decision.kind:
            case Kind.PREFLIGHT if decision.refusal is None:
                # The policy's headers, decorated as any answer, remembered per answer; no metrics.
                assert decision.answer is not None  # classify sets it for preflights
                return allowed_preflight(request, decision.answer)
            case Kind.PREFLIGHT | Kind.REFUSED_WRITE:
                # CORS alone lets a simple cross-site POST through (only the reading is blocked), so a
                # write from an origin the policy refuses is stopped here, before it reaches any data.
                response = refused_response(decision.request, decision.refusal)
            case Kind.MALFORMED | Kind.SCREENED_OUT:
                assert decision.screened is not None  # classify sets it for these kinds
                response = decision.screened
            case Kind.PLAIN_OPTIONS:
                allow = ", ".join(sorted((decision.served or frozenset()) | {"OPTIONS"}))
                response = make_response(request.format, 204, {"Allow": allow})
            case Kind.HEAD:
                response = self._run_app(decision, with_method(event, "GET"), context)
            case Kind.TO_APP:
                response = self._run_app(decision, event, context)
        if decision.refusal is not None:  # the one log line of every refusal, whatever answered it
            log_refusal(request, decision.origin, decision.refusal)
        response = decorate(
            request,
            response,
            decision.cors_headers,
            preflight=decision.kind is Kind.PREFLIGHT,
            served=decision.served,
        )
        if self._metrics is None:
            from api_core import metrics  # noqa: PLC0415 - lazy: an allowed preflight never loads it

            self._metrics = metrics
        if self._namespace is None:  # read at cold start, as every setting: no metrics to write
            self._metrics.forget()
            return response
        refused = str(decision.refusal.check) if decision.refusal is not None else None
        self._metrics.publish(decision.route, response["statusCode"], refused)
        return response

    def classify(self, request: HttpRequest, event: dict[str, Any], context: Any) -> Decision:
        """Decide, once, what to do with a request; starts the deadline and screens what it must."""
        match = self.routes.lookup(request.path)
        served, route_tier = (match.methods, match.tier) if match else (None, None)
        route = match.template if match else None  # what metrics and traces name the request by
        # The most specific tier covering the path decides (api_core.cors.tiers); its refusals name it.
        policy = self.policy.policy_for(request.path, route_tier, matched=match is not None)
        authority, malformed = checked_authority(event, request)
        if malformed is not None:
            # No CORS headers: the Origin may be one of the malformed parts, and no browser sends these.
            return Decision(Kind.MALFORMED, request, (), None, served, {}, malformed, route)
        headers = request.headers
        origin = headers.get("origin", ())
        method = headers.get("access-control-request-method") if request.method == "OPTIONS" else None
        if origin and method and method[0]:
            requested = headers.get("access-control-request-headers")
            answer = policy.preflight(origin, method[0], requested[0] if requested else None, served)
            refusal, cors_headers = answer.refusal, answer.headers
            return Decision(
                Kind.PREFLIGHT, request, origin, refusal, served, cors_headers, None, route, authority, answer
            )
        refusal = policy.check_actual(origin, request.method) if origin else None
        cors_headers = policy.actual_headers(origin[0]) if origin and refusal is None else {}

        def decided(kind: Kind, screened: LambdaResponse | None = None) -> Decision:
            return Decision(kind, request, origin, refusal, served, cors_headers, screened, route, authority)

        start_deadline(context)
        is_write = request.method in WRITE_METHODS
        # Before the limits, so that a cross-site simple POST is always refused as such (403, not 415).
        if refusal is not None and is_write:
            return decided(Kind.REFUSED_WRITE)
        screened = screen_request(event, request)
        if screened is None and is_write and out_of_time():
            screened = problem(request, 503, OutOfTime().detail, TYPE_OUT_OF_TIME, retry_after=True)
        if screened is not None:
            return decided(Kind.SCREENED_OUT, screened)
        if request.method == "OPTIONS" and served is not None and "OPTIONS" not in served:
            return decided(Kind.PLAIN_OPTIONS)
        return decided(Kind.HEAD if request.method == "HEAD" else Kind.TO_APP)

    def _run_app(self, decision: Decision, event: dict[str, Any], context: Any) -> LambdaResponse:
        try:
            handler = self.asgi_handler()
            assert self._run_asgi is not None  # set with the handler
            if self._tracer is not None:
                handler = partial(self._tracer.run, decision.route, handler)
            return self._run_asgi(handler, event, context, decision.request, decision.authority)
        except Exception:
            logger.exception("unhandled exception outside the app")
            return problem(decision.request, 500, "an unexpected error occurred", TYPE_INTERNAL)
