"""What the entry point does with a CORS refusal: one 403 problem, and one log line saying why."""

from __future__ import annotations

from api_core.cors.policy import Refusal
from api_core.events import HttpRequest, LambdaResponse
from api_core.observability import logger
from api_core.problems import TYPE_CORS_REFUSED
from api_core.screening import problem

_LOGGED_ORIGIN_LENGTH = 200


def refused_response(request: HttpRequest, refusal: Refusal | None) -> LambdaResponse:
    """The 403 problem for a refused preflight or write: the check and the tier, never the allowed list."""
    assert refusal is not None  # only refused kinds get here
    return problem(
        request, 403, refusal.explained, TYPE_CORS_REFUSED, check=str(refusal.check), tier=refusal.tier
    )


def log_refusal(request: HttpRequest, origin: tuple[str, ...], refusal: Refusal) -> None:
    """One JSON line per refusal. The browser hides why a CORS call failed; this is what a developer
    debugging it needs."""
    logger.info(
        "CORS refused",
        extra={
            "cors_check": str(refusal.check),
            "cors_tier": refusal.tier,
            "cors_reason": refusal.detail,
            "origin": [value[:_LOGGED_ORIGIN_LENGTH] for value in origin],
            "method": request.method,
            "path": request.path,
        },
    )
