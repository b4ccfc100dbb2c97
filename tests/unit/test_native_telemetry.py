"""FastAPI's native OpenTelemetry is off in an app from `create_app`, even where a tracer provider is
configured (as the ADOT layer configures one), and on when the function asks for it with `telemetry=`."""

from __future__ import annotations

from typing import Any

import pytest
from api_core.app_factory import create_app
from api_core.lambda_handler import create_handler
from fastapi import FastAPI
from opentelemetry import trace
from support.events import load_event
from support.handlers import DEV_ENV, use_environment

# The health sample is in every generated project: its event and path stand for any GET.
ROUTE = "/api/v1/health"


class RecordingTracerProvider(trace.TracerProvider):
    """A configured provider, as an OpenTelemetry SDK would be: it names every span started through it."""

    def __init__(self) -> None:
        self.spans: list[str] = []

    def get_tracer(self, *args: Any, **kwargs: Any) -> trace.Tracer:
        return RecordingTracer(self.spans)


class RecordingTracer(trace.NoOpTracer):
    def __init__(self, spans: list[str]) -> None:
        self.spans = spans

    def start_span(self, name: str, *args: Any, **kwargs: Any) -> trace.Span:
        self.spans.append(name)
        return super().start_span(name, *args, **kwargs)

    def start_as_current_span(self, name: str, *args: Any, **kwargs: Any) -> Any:
        self.spans.append(name)
        return super().start_as_current_span(name, *args, **kwargs)


@pytest.fixture
def provider(monkeypatch: pytest.MonkeyPatch) -> RecordingTracerProvider:
    use_environment(monkeypatch, DEV_ENV)
    configured = RecordingTracerProvider()
    # The global provider, as `trace.set_tracer_provider` would leave it (which can be set only once).
    monkeypatch.setattr(trace, "get_tracer_provider", lambda: configured)
    return configured


def status_of_a_get(app: FastAPI) -> int:
    """A GET through the layer's entry point, as Lambda would send it, to an app serving it."""

    @app.get(ROUTE)
    async def health() -> list[str]:
        return []

    return create_handler(app)(load_event("health-get-cross-origin"), None)["statusCode"]


def test_an_app_from_create_app_starts_no_fastapi_span(provider: RecordingTracerProvider) -> None:
    # WHEN a request reaches an app built with the defaults
    status = status_of_a_get(create_app(title="health"))
    # THEN FastAPI traced nothing through the configured provider
    assert status == 200
    assert provider.spans == []


def test_fastapi_traces_when_the_function_asks_for_it(provider: RecordingTracerProvider) -> None:
    # GIVEN the same app with FastAPI's tracing asked for, and the same provider
    app = create_app(title="health", telemetry={"tracing": True, "metrics": False, "logs": False})
    # WHEN a request reaches it
    status = status_of_a_get(app)
    # THEN FastAPI started its spans through that provider: the fixture's provider is one FastAPI uses
    assert status == 200
    assert provider.spans


def test_a_plain_fastapi_app_would_trace_through_the_same_provider(provider: RecordingTracerProvider) -> None:
    # FastAPI's default, which create_app changes: without this, the first test could pass for nothing.
    assert status_of_a_get(FastAPI()) == 200
    assert provider.spans
