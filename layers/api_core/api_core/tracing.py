"""X-Ray traces through Powertools Tracer, when the stack turns them on (template.yaml's `Tracing`).

The entry point builds an `AppTracer` once, when it first loads the app, and only when
`api_core.observability.tracing_enabled()`: a preflight answered from routes.json never imports the tracer
or the X-Ray SDK. Building it patches botocore alone (not every library the SDK knows how to patch), so
each DynamoDB call of a traced invocation is a subsegment with its operation and table. Each app run is a
`## app` subsegment annotated with the route template and the status, searchable in the X-Ray console
(`annotation.route = "/api/v1/items/{item_id}" AND annotation.status >= 500`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.tracing import Tracer

from api_core.routes import UNMATCHED_ROUTE

LambdaResponse = dict[str, Any]


class AppTracer:
    """Runs the app inside a subsegment of the invocation's trace (Lambda's own segment is its parent)."""

    def __init__(self) -> None:
        # Before the app is imported, so that botocore is patched before any client is built.
        self._tracer = Tracer(auto_patch=True, patch_modules=("botocore",))
        self._cold_start = True

    def run(
        self,
        route: str | None,
        handler: Callable[[dict[str, Any], Any], LambdaResponse],
        event: dict[str, Any],
        context: Any,
    ) -> LambdaResponse:
        """`handler(event, context)` in a `## app` subsegment annotated with `route`, ColdStart, status."""
        if self._tracer.disabled:  # e.g. outside Lambda: nothing to record into
            return handler(event, context)
        cold_start, self._cold_start = self._cold_start, False
        with self._tracer.provider.in_subsegment("## app") as subsegment:
            subsegment.put_annotation("route", route or UNMATCHED_ROUTE)
            subsegment.put_annotation("ColdStart", cold_start)
            response = handler(event, context)
            subsegment.put_annotation("status", int(response.get("statusCode", 0)))
            return response
