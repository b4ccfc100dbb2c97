"""The one structured logger of every function (aws-lambda-powertools), JSON with the request id.

The service name comes from POWERTOOLS_SERVICE_NAME, set per function in template.yaml.

The Powertools Logger is built on first use. Importing any part of Powertools runs its package
`__init__`, which imports its metrics and tracer modules too; an allowed preflight logs nothing, so a cold
start whose first request is one never loads them (tests/unit/test_route_manifests.py). Traces and
metrics themselves live in `api_core.tracing` and `api_core.metrics`, imported only when needed.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, cast

from api_core.settings import ConfigError

if TYPE_CHECKING:
    from aws_lambda_powertools.logging import Logger


class _DeferredLogger:
    """Stands for the Powertools Logger and builds it on first use. The correlation id is applied when the
    logger is next used: most requests log nothing, and Powertools' `set_correlation_id` costs each of
    them more than the rest of an allowed preflight's bookkeeping."""

    __slots__ = ("_correlation_id", "_logger", "_pending")

    def __init__(self) -> None:
        self._logger: Logger | None = None
        self._correlation_id: str | None = None
        self._pending = True

    def set_correlation_id(self, value: str | None) -> None:
        """The request id every log line of this invocation carries (applied on the next use)."""
        self._correlation_id = value
        self._pending = True

    def __getattr__(self, name: str) -> Any:
        if self._logger is None:
            from aws_lambda_powertools.logging import Logger  # noqa: PLC0415 - see the module docstring

            self._logger = Logger()
        if self._pending:
            self._logger.set_correlation_id(self._correlation_id)
            self._pending = False
        return getattr(self._logger, name)


# Typed as the Logger it stands for: every attribute but set_correlation_id is the real logger's.
logger = cast("Logger", _DeferredLogger())


def tracing_enabled() -> bool:
    """Whether to trace (api_core.tracing): POWERTOOLS_TRACE_DISABLED=false, as template.yaml sets it when
    its Tracing parameter is on. Unset means off, so that tests and `make dev` never load the X-Ray SDK;
    checked at cold start like every setting (ConfigError naming the variable)."""
    text = os.environ.get("POWERTOOLS_TRACE_DISABLED", "").strip().lower()
    if text not in ("", "true", "false"):
        raise ConfigError("POWERTOOLS_TRACE_DISABLED", f"expected 'true' or 'false', got {text!r}")
    return text == "false"


def metrics_namespace() -> str | None:
    """The CloudWatch namespace of the layer's metrics (api_core.metrics): POWERTOOLS_METRICS_NAMESPACE,
    set by template.yaml; None when unset or blank (tests and `make dev`), and then nothing is written."""
    return os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "").strip() or None
