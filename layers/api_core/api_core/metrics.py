"""Application metrics in CloudWatch's embedded metric format (Powertools' EMF provider).

One JSON line on stdout per metric group, which Lambda writes to the function's log group and CloudWatch
turns into metrics, in the stack's namespace (POWERTOOLS_METRICS_NAMESPACE, set by template.yaml; unset,
as in tests and `make dev` by default, nothing is written; the entry point reads it at cold start, like
every setting, and then only `forget`s what was noted). Every metric carries the function's
`service` (POWERTOOLS_SERVICE_NAME):

| metric | dimensions | counts |
|---|---|---|
| `Requests` | route, status_class; and status_class alone | every answer but an allowed preflight's |
| `CorsRefusals` | check | requests the CORS policy refused, by the check that failed |
| `IdempotentReplays` | route | creates answered from a stored result (a retried `Idempotency-Key`) |
| `DynamoDBThrottled` | route | DynamoDB throttling that the SDK's retries did not absorb: a 503 |

`route` is the route template (`/api/v1/items/{item_id}`) or `unmatched`, never the raw path: each id
would otherwise be a metric of its own (CloudWatch bills per metric, and dashboards cannot sum them).
The entry point publishes once per invocation; what the app notes during it (`note`) goes out then.
Never imported by an allowed preflight (api_core.lambda_handler), so the cold preflight stays lean.
"""

from __future__ import annotations

from collections import Counter
from enum import StrEnum

from api_core.observability import metrics_namespace
from api_core.routes import UNMATCHED_ROUTE


class Signal(StrEnum):
    """What the app notes during an invocation, counted by route when the invocation ends."""

    IDEMPOTENT_REPLAY = "IdempotentReplays"
    DYNAMODB_THROTTLED = "DynamoDBThrottled"


_noted: Counter[Signal] = Counter()


def note(signal: Signal) -> None:
    """Count `signal` for the current invocation (published with its route by the entry point)."""
    _noted[signal] += 1


def status_class(status: int) -> str:
    """`2xx`, `4xx`, ...: what the Requests metric is split by (never the status itself, nor the path)."""
    return f"{status // 100}xx"


def forget() -> None:
    """Forget what was noted during this invocation, publishing nothing: the entry point's end of an
    invocation in a function started without a namespace."""
    _noted.clear()


def publish(route: str | None, status: int, cors_check: str | None) -> None:
    """Write this invocation's metrics, one EMF line per dimension set, and forget what was noted."""
    namespace = metrics_namespace()
    if namespace is None:
        _noted.clear()
        return
    # Imported by the first invocation that writes metrics: a function without a namespace never needs them.
    from aws_lambda_powertools.metrics import MetricUnit  # noqa: PLC0415
    from aws_lambda_powertools.metrics.provider.cloudwatch_emf.cloudwatch import (  # noqa: PLC0415
        AmazonCloudWatchEMFProvider,
    )

    noted = dict(_noted)
    _noted.clear()
    route = route or UNMATCHED_ROUTE
    requests = AmazonCloudWatchEMFProvider(namespace=namespace)
    requests.add_metric("Requests", MetricUnit.Count, 1)
    requests.add_dimension("route", route)
    requests.add_dimension("status_class", status_class(status))
    # A second dimension set, for a function's error rate over all its routes (its alarm and rollback).
    service = {"service": requests.service} if requests.service else {}
    requests.add_dimensions(**service, status_class=status_class(status))
    requests.flush_metrics()
    if noted:
        signals = AmazonCloudWatchEMFProvider(namespace=namespace)
        for signal, count in noted.items():
            signals.add_metric(str(signal), MetricUnit.Count, count)
        signals.add_dimension("route", route)
        signals.flush_metrics()
    if cors_check is not None:
        refusals = AmazonCloudWatchEMFProvider(namespace=namespace)
        refusals.add_metric("CorsRefusals", MetricUnit.Count, 1)
        refusals.add_dimension("check", cors_check)
        refusals.flush_metrics()
