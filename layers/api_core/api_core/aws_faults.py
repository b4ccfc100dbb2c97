"""AWS faults, in the terms the data modules need: the invocation's deadline and DynamoDB being unavailable.

- `guard_client` registers a botocore hook so that no DynamoDB attempt starts unless it can finish
  (connect plus read timeout) before the Lambda runtime's deadline: a write is never cut off half-way.
- `unavailable` tells which exceptions mean "DynamoDB is throttling or unreachable", after the SDK's own
  retries (standard mode) gave up; `app_factory` answers those with 503 and `Retry-After`, and counts
  the `throttled` ones (api_core.metrics).

Nothing here imports FastAPI, Mangum or botocore: exceptions are recognised by class name.
"""

from __future__ import annotations

import time
from contextvars import ContextVar
from typing import Any

from api_core.problems import RETRY_AFTER_SECONDS, TYPE_OUT_OF_TIME, Problem

# DynamoDB attempts: connect and read timeouts (the botocore Config in dynamo.py), and the time one attempt
# may take at worst. No attempt starts with less than that left before the runtime's deadline.
CONNECT_TIMEOUT_S = 1.0
READ_TIMEOUT_S = 2.0
ATTEMPT_BUDGET_MS = int((CONNECT_TIMEOUT_S + READ_TIMEOUT_S) * 1000) + 250

# Error codes DynamoDB answers when it sheds load or fails on its side (the SDK retried them already).
_UNAVAILABLE_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "TransactionInProgressException",
    }
)
_UNAVAILABLE_REASONS = frozenset({"ThrottlingError", "ProvisionedThroughputExceeded", "TransactionConflict"})
# Of those, the ones that mean "over capacity" rather than "failing" (metrics count them apart).
_THROTTLING_CODES = frozenset(
    {"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"}
)
_THROTTLING_REASONS = frozenset({"ThrottlingError", "ProvisionedThroughputExceeded"})
# botocore's network errors, by class name (botocore.exceptions), so this module need not import it.
_NETWORK_ERRORS = frozenset(
    {"EndpointConnectionError", "ConnectTimeoutError", "ReadTimeoutError", "ConnectionClosedError"}
)

_deadline: ContextVar[float | None] = ContextVar("api_core_deadline", default=None)
_context: ContextVar[Any] = ContextVar("api_core_lambda_context", default=None)


class OutOfTime(Problem):
    """Too little of the invocation's time is left to finish a DynamoDB call: 503, retry later."""

    def __init__(self) -> None:
        super().__init__(
            503,
            "the request ran out of time before it could be completed safely: retry",
            type=TYPE_OUT_OF_TIME,
            headers={"Retry-After": RETRY_AFTER_SECONDS},
        )


# -- the invocation's time budget ---------------------------------------------------------------------
def start_deadline(context: Any) -> None:
    """Start this invocation's clock from the Lambda context (no deadline without one); the context is
    kept for `invocation_context`."""
    _context.set(context)
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    deadline = None
    if callable(remaining):
        try:
            deadline = time.monotonic() + float(remaining()) / 1000
        except (TypeError, ValueError):
            deadline = None
    _deadline.set(deadline)


def invocation_context() -> Any:
    """The Lambda context of the invocation in progress, as the entry point passed it; None outside one."""
    return _context.get()


def remaining_ms() -> float:
    """Milliseconds left before the Lambda runtime ends this invocation (infinite outside Lambda)."""
    deadline = _deadline.get()
    return float("inf") if deadline is None else (deadline - time.monotonic()) * 1000


def out_of_time() -> bool:
    """Whether a DynamoDB attempt started now might not finish before the deadline."""
    return remaining_ms() < ATTEMPT_BUDGET_MS


def guard_client(client: Any) -> None:
    """Refuse (OutOfTime, a 503) to start a botocore attempt that might not finish before the deadline."""
    client.meta.events.register_first("before-send", _check_time_before_send)


def _check_time_before_send(**_: Any) -> None:
    if out_of_time():
        raise OutOfTime


# -- DynamoDB unavailable -----------------------------------------------------------------------------
def unavailable(exc: BaseException) -> bool:
    """Whether `exc` (or what caused it) means DynamoDB is throttling or unreachable, retries spent, or
    that no attempt could start in the time left (OutOfTime wrapped by a library)."""
    return any(_is_unavailable(current) for current in _chain(exc))


def throttled(exc: BaseException) -> bool:
    """Whether `exc` (or what caused it) is DynamoDB throttling that the SDK's retries did not absorb: of
    the `unavailable` errors, those that say "over capacity" rather than "failing"."""
    return any(_has_code(current, _THROTTLING_CODES, _THROTTLING_REASONS) for current in _chain(exc))


def _chain(exc: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and all(current is not seen for seen in chain):
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def _is_unavailable(exc: BaseException) -> bool:
    if isinstance(exc, OutOfTime):  # e.g. wrapped by Powertools' idempotency layer
        return True
    names = {cls.__name__ for cls in type(exc).__mro__ if cls.__module__.startswith("botocore")}
    if names & _NETWORK_ERRORS:
        return True
    return _has_code(exc, _UNAVAILABLE_CODES, _UNAVAILABLE_REASONS)


def _has_code(exc: BaseException, codes: frozenset[str], reasons: frozenset[str]) -> bool:
    """A botocore ClientError with one of `codes`, or a cancelled transaction for one of `reasons`."""
    classes = type(exc).__mro__
    if not any(c.__name__ == "ClientError" and c.__module__.startswith("botocore") for c in classes):
        return False
    response = getattr(exc, "response", None) or {}
    code = str(response.get("Error", {}).get("Code", ""))
    if code in codes:
        return True
    cancellations = response.get("CancellationReasons") or []
    return code == "TransactionCanceledException" and any(
        isinstance(r, dict) and r.get("Code") in reasons for r in cancellations
    )
