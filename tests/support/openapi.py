"""The merged OpenAPI document of the whole API, as `make openapi` builds it (tools/openapi.py, the one
implementation), with each function cold-started as the tests load them (support.handlers)."""

from __future__ import annotations

from typing import Any

from support.handlers import load_handler
from tools.openapi import build_document


def api_document() -> dict[str, Any]:
    """Every function's routes, the layer's problem+json answers and headers, security and servers."""
    return build_document(lambda function: load_handler(function).app)
