"""Errors that business logic raises, each already bound to its problem type and status.

Logic modules raise these by meaning (`NotFound`, `Conflict`, ...) and never build HTTP responses; the
one `Problem` handler registered by `api_core.app_factory.create_app` turns each into problem+json.
Extra keyword arguments become extension members of the problem body.
"""

from __future__ import annotations

from typing import Any, ClassVar

from api_core.problems import (
    TYPE_BAD_CURSOR,
    TYPE_CONFLICT,
    TYPE_FORBIDDEN,
    TYPE_IDEMPOTENCY_KEY_REUSED,
    TYPE_NOT_FOUND,
    TYPE_PAGE_WINDOW,
    TYPE_PAGINATION_STYLE,
    TYPE_PRECONDITION_FAILED,
    TYPE_REQUEST_IN_PROGRESS,
    TYPE_TOO_MANY_ENTITY_TAGS,
    TYPE_UNAUTHENTICATED,
    TYPE_VALIDATION,
    Problem,
    field_errors,
)


class DomainError(Problem):
    """Base of the errors below: subclasses fix `status` and `type`, callers give the detail."""

    status_code: ClassVar[int] = 400
    problem_type: ClassVar[str] = "about:blank"

    def __init__(self, detail: str, *, headers: dict[str, str] | None = None, **extensions: Any) -> None:
        super().__init__(self.status_code, detail, type=self.problem_type, headers=headers, **extensions)


class Unauthenticated(DomainError):
    """The request carries no verified identity, and the route needs one."""

    status_code = 401
    problem_type = TYPE_UNAUTHENTICATED


class Forbidden(DomainError):
    """The caller is known, and not allowed to do this (a route that hides existence raises NotFound)."""

    status_code = 403
    problem_type = TYPE_FORBIDDEN


class NotFound(DomainError):
    """No resource with that id (or its parent does not exist)."""

    status_code = 404
    problem_type = TYPE_NOT_FOUND


class Conflict(DomainError):
    """The request clashes with the current state, e.g. a second user with the same email."""

    status_code = 409
    problem_type = TYPE_CONFLICT


class PreconditionFailed(DomainError):
    """If-Match named a version that is no longer current: someone else wrote first."""

    status_code = 412
    problem_type = TYPE_PRECONDITION_FAILED


class VersionMismatch(PreconditionFailed):
    """The stored record's version is not one the write expected (the data layer raises it, with no HTTP
    words): worded here for the client, whose expectation came from an ETag."""

    def __init__(self, label: str, record_id: str) -> None:
        super().__init__(f"{label} {record_id} has changed since that ETag: GET it again, then retry")
        self.label = label
        self.record_id = record_id


class InvalidField(DomainError):
    """A field is well-formed but refers to something that does not exist (e.g. an unknown item_id).

    Answered as 422 in the same shape as FastAPI's validation errors, so clients need one parser.
    """

    status_code = 422
    problem_type = TYPE_VALIDATION

    def __init__(self, field: str, message: str) -> None:
        members = field_errors([{"field": field, "message": message, "type": "reference"}])
        super().__init__(members.pop("detail"), **members)


class TooManyEntityTags(DomainError):
    """An If-Match or If-None-Match header lists more entity tags than the API evaluates."""

    status_code = 400
    problem_type = TYPE_TOO_MANY_ENTITY_TAGS


class BadCursor(DomainError):
    """The pagination cursor is malformed, or was issued for another collection or query."""

    status_code = 400
    problem_type = TYPE_BAD_CURSOR


class PageWindowExceeded(DomainError):
    """page * per_page is past the deepest page served by page numbers; the cursor style has no limit."""

    status_code = 400
    problem_type = TYPE_PAGE_WINDOW


class PaginationStyleConflict(DomainError):
    """Both page-number (page, per_page) and cursor (limit, cursor) parameters were given."""

    status_code = 400
    problem_type = TYPE_PAGINATION_STYLE


class IdempotencyKeyReused(DomainError):
    """The Idempotency-Key was already used with a different request body."""

    status_code = 422
    problem_type = TYPE_IDEMPOTENCY_KEY_REUSED


class RequestInProgress(DomainError):
    """A request with the same Idempotency-Key is still being processed."""

    status_code = 409
    problem_type = TYPE_REQUEST_IN_PROGRESS
