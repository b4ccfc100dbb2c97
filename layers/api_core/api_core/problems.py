"""RFC 9457 problem details: the one error format of every function and every error path.

Pure (no FastAPI import): the Lambda entry point uses it for answers it gives before the app runs, and
`app_factory` uses it for the app's own errors, so both produce the same shape.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
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
TYPE_MALFORMED_REQUEST = "urn:problem-type:malformed-request"  # text in it is not Unicode
TYPE_MALFORMED_HOST = "urn:problem-type:malformed-host"
TYPE_INTERNAL = "urn:problem-type:internal-error"
TYPE_NOT_FOUND = "urn:problem-type:not-found"
TYPE_CONFLICT = "urn:problem-type:conflict"
TYPE_PRECONDITION_FAILED = "urn:problem-type:precondition-failed"
TYPE_BAD_CURSOR = "urn:problem-type:bad-cursor"
TYPE_PAGE_WINDOW = "urn:problem-type:page-window-exceeded"
TYPE_PAGINATION_STYLE = "urn:problem-type:pagination-style-conflict"
TYPE_IDEMPOTENCY_KEY_REUSED = "urn:problem-type:idempotency-key-reused"
TYPE_REQUEST_IN_PROGRESS = "urn:problem-type:request-in-progress"
TYPE_TOO_MANY_ENTITY_TAGS = "urn:problem-type:too-many-entity-tags"
TYPE_PAYLOAD_TOO_LARGE = "urn:problem-type:payload-too-large"
TYPE_MALFORMED_BODY = "urn:problem-type:malformed-body"
TYPE_UNSUPPORTED_MEDIA_TYPE = "urn:problem-type:unsupported-media-type"
TYPE_UNAVAILABLE = "urn:problem-type:service-unavailable"
TYPE_OUT_OF_TIME = "urn:problem-type:out-of-time"
# The same types as the authorizer's gateway responses (template.yaml), so a client branches once.
TYPE_UNAUTHENTICATED = "urn:problem-type:unauthenticated"
TYPE_FORBIDDEN = "urn:problem-type:forbidden"

# Bounds on what a problem echoes back. A request controls the path, ids and field names, and an error
# that repeats them unbounded turns a small request into a large answer (an amplifier; on AWS, past
# Lambda's 6 MB response limit, a 502). With these a problem body stays within a few KB.
MAX_DETAIL_CHARS = 1000
MAX_INSTANCE_CHARS = 500
MAX_FIELD_ERRORS = 20
MAX_FIELD_CHARS = 200
ELLIPSIS = "…"

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
    """The JSON body of a problem response; `detail` and `instance` are cut to their bounds."""
    return {
        "type": type,
        "title": title or _phrase(status),
        "status": status,
        "detail": truncate(detail, MAX_DETAIL_CHARS),
        "instance": truncate(instance, MAX_INSTANCE_CHARS),
        **extensions,
    }


def truncate(text: str, limit: int) -> str:
    """`text` if it fits in `limit` characters, else its start and an ellipsis, `limit` characters in all."""
    return text if len(text) <= limit else text[: limit - len(ELLIPSIS)] + ELLIPSIS


def field_errors(errors: Iterable[Mapping[str, str]]) -> dict[str, Any]:
    """The `detail` and `errors` members of a validation problem, bounded however many fields failed.

    Each error is `{"field", "message", "type"}`. At most `MAX_FIELD_ERRORS` are listed, each string cut
    to `MAX_FIELD_CHARS`; `errors_omitted` counts the rest and appears only when some were left out.
    """
    listed: list[dict[str, str]] = []
    omitted = 0
    for error in errors:
        if len(listed) == MAX_FIELD_ERRORS:
            omitted += 1
            continue
        listed.append({key: truncate(str(value), MAX_FIELD_CHARS) for key, value in error.items()})
    names = ", ".join(error["field"] for error in listed)
    detail = f"invalid fields: {names}" + (f" (and {omitted} more)" if omitted else "")
    members: dict[str, Any] = {"detail": detail, "errors": listed}
    if omitted:
        members["errors_omitted"] = omitted
    return members


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
