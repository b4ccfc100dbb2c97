"""The FastAPI app every function starts from: shared settings checked, errors as problem+json."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.telemetry import TelemetryConfig
from starlette.exceptions import HTTPException as StarletteHTTPException

from api_core.aws_faults import throttled, unavailable
from api_core.cors.tiers import Tier
from api_core.metrics import Signal, note
from api_core.observability import logger
from api_core.problems import (
    PROBLEM_JSON,
    RETRY_AFTER_SECONDS,
    TYPE_INTERNAL,
    TYPE_MALFORMED_JSON,
    TYPE_UNAVAILABLE,
    TYPE_VALIDATION,
    Problem,
    field_errors,
    problem_body,
)
from api_core.settings import environment_auth, environment_cors_policy

# FastAPI's own OpenTelemetry spans, metrics and logs, off: this template traces with X-Ray and writes
# metrics as EMF (api_core.tracing, api_core.metrics), and left on, FastAPI asks OpenTelemetry's global
# providers on every request whether any is configured (about 5 µs of a warm request: docs/PERFORMANCE.md).
# A function that ships an OpenTelemetry SDK (e.g. the ADOT layer) passes `telemetry=` to create_app.
NO_NATIVE_TELEMETRY: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False}


def create_app(
    *,
    title: str,
    version: str = "1.0.0",
    cors_tiers: Iterable[Tier] = (),
    telemetry: TelemetryConfig = NO_NATIVE_TELEMETRY,
) -> FastAPI:
    """A FastAPI app with the layer's error handling. Routes are added by the function.

    Reads the shared settings and builds the environment's CORS policy now, so that a bad STAGE, CORS or
    AUTH setting fails at import (cold start), naming the variable, in every function of the stack,
    including one that overrides the policy in code.

    `cors_tiers`: CORS policies for a path prefix or a single route of this app (`api_core.cors.tiers`).
    The routes manifest records them (`python -m api_core.routes api:app > routes.json`), so that the
    entry point applies them before the app is imported.

    `telemetry`: FastAPI's native OpenTelemetry configuration (`FastAPI(telemetry=...)`), off by default
    (NO_NATIVE_TELEMETRY).
    """
    environment_cors_policy()
    environment_auth()
    app = FastAPI(
        title=title, version=version, docs_url=None, redoc_url=None, openapi_url=None, telemetry=telemetry
    )
    app.state.cors_tiers = tuple(cors_tiers)
    # A redirect to the slash-less URL would point at the wrong place behind API Gateway (it does not
    # know the stage prefix), and an API client should not rely on redirects: 404 instead.
    app.router.redirect_slashes = False
    app.add_exception_handler(Problem, _on_problem)
    app.add_exception_handler(StarletteHTTPException, _on_http_exception)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    # Starlette runs this handler from ServerErrorMiddleware, then re-raises so Mangum logs the error;
    # the client only ever sees this body.
    app.add_exception_handler(Exception, _on_unhandled)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _openapi(app: FastAPI) -> dict[str, Any]:
    # FastAPI's own document, plus what it cannot see: the list parameters list_params reads itself.
    if app.openapi_schema is None:
        from api_core.lists import document_list_parameters, parameters_in_place  # noqa: PLC0415

        document = FastAPI.openapi(app)
        # A route's `openapi_extra` parameters (ACCEPTS_IDEMPOTENCY_KEY) land after its responses when it
        # has none of its own; deep-copied so that the document never holds the route's own list.
        for operations in document.get("paths", {}).values():
            for method, operation in operations.items():
                placed = parameters_in_place(operation)
                if placed is not operation:
                    placed["parameters"] = copy.deepcopy(placed["parameters"])
                operations[method] = placed
        document_list_parameters(app, document)
    return app.openapi_schema


def problem_response(
    request: Request,
    status: int,
    detail: str,
    *,
    headers: dict[str, str] | None = None,
    **members: Any,
) -> JSONResponse:
    body = problem_body(status, detail, request.url.path, **members)
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)


async def _on_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Problem)
    return problem_response(
        request,
        exc.status,
        exc.detail,
        headers=exc.headers,
        type=exc.type,
        title=exc.title,
        **exc.extensions,
    )


async def _on_http_exception(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else "the request cannot be served"
    return problem_response(request, exc.status_code, detail, headers=dict(exc.headers or {}))


async def _on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    if any(error.get("type") == "json_invalid" for error in errors):
        return problem_response(request, 400, "the request body is not valid JSON", type=TYPE_MALFORMED_JSON)
    # A generator: a body with 100,000 unknown keys has as many errors, and only the first few are read.
    fields = (
        {
            "field": ".".join(str(part) for part in error.get("loc", ())),
            "message": error.get("msg", ""),
            "type": error.get("type", ""),
        }
        for error in errors
    )
    members = field_errors(fields)
    return problem_response(request, 422, members.pop("detail"), type=TYPE_VALIDATION, **members)


async def _on_unhandled(request: Request, exc: Exception) -> JSONResponse:
    if unavailable(exc):
        # DynamoDB throttled or was unreachable and the SDK's retries (standard mode) are spent.
        logger.warning("database unavailable", extra={"path": request.url.path, "error": type(exc).__name__})
        if throttled(exc):
            note(Signal.DYNAMODB_THROTTLED)
        return problem_response(
            request,
            503,
            "the database is busy or unreachable: retry shortly",
            headers={"Retry-After": RETRY_AFTER_SECONDS},
            type=TYPE_UNAVAILABLE,
        )
    logger.exception("unhandled exception", extra={"path": request.url.path})
    return problem_response(request, 500, "an unexpected error occurred", type=TYPE_INTERNAL)
