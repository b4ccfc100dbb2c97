"""RFC 9457 problem details: the one error format of every function and every error path.

Pure (no FastAPI import): the Lambda entry point uses it for answers it gives before the app runs, and
`app_factory` uses it for the app's own errors, so both produce the same shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

PROBLEM_JSON = "application/problem+json"

# Problem types. `about:blank` means "the status code says it all" (RFC 9457 section 4.2.1); the others
# are stable identifiers a client can branch on.
ABOUT_BLANK = "about:blank"
TYPE_CORS_REFUSED = "urn:problem-type:cors-refused"
TYPE_VALIDATION = "urn:problem-type:validation-error"
TYPE_MALFORMED_JSON = "urn:problem-type:malformed-json"
TYPE_MALFORMED_EVENT = "urn:problem-type:malformed-event"
TYPE_INTERNAL = "urn:problem-type:internal-error"
TYPE_NOT_FOUND = "urn:problem-type:not-found"
TYPE_CONFLICT = "urn:problem-type:conflict"
TYPE_PRECONDITION_FAILED = "urn:problem-type:precondition-failed"
TYPE_BAD_CURSOR = "urn:problem-type:bad-cursor"
TYPE_PAGE_WINDOW = "urn:problem-type:page-window-exceeded"
TYPE_PAGINATION_STYLE = "urn:problem-type:pagination-style-conflict"
TYPE_IDEMPOTENCY_KEY_REUSED = "urn:problem-type:idempotency-key-reused"
TYPE_REQUEST_IN_PROGRESS = "urn:problem-type:request-in-progress"
TYPE_PAYLOAD_TOO_LARGE = "urn:problem-type:payload-too-large"
TYPE_MALFORMED_BODY = "urn:problem-type:malformed-body"
TYPE_UNSUPPORTED_MEDIA_TYPE = "urn:problem-type:unsupported-media-type"
TYPE_UNAVAILABLE = "urn:problem-type:service-unavailable"
TYPE_OUT_OF_TIME = "urn:problem-type:out-of-time"

# The one Retry-After (seconds) of every "retry shortly" answer: 503s, transaction conflicts, keys in use.
RETRY_AFTER_SECONDS = "1"


class Problem(Exception):
    """Raise anywhere below a route to answer with problem details.

    `Problem(404, "no item with id 42")` becomes a 404 `application/problem+json` response whose title
    is the status phrase. Extra keyword arguments become extension members of the body.
    """

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        type: str = ABOUT_BLANK,
        title: str | None = None,
        headers: Mapping[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.type = type
        self.title = title
        self.headers = dict(headers or {})
        self.extensions = extensions


def problem_body(
    status: int,
    detail: str,
    instance: str,
    *,
    type: str = ABOUT_BLANK,
    title: str | None = None,
    **extensions: Any,
) -> dict[str, Any]:
    """The JSON body of a problem response."""
    return {
        "type": type,
        "title": title or _phrase(status),
        "status": status,
        "detail": detail,
        "instance": instance,
        **extensions,
    }


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
