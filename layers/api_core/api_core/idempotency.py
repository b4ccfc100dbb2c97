"""Safe retries of creates: the `Idempotency-Key` request header, backed by Powertools on the same table.

The first request with a key runs the create and stores its result under the key; a repeat with the same
key and the same body gets that stored result back without creating anything; the same key with a
different body is refused (422). Records live in the single table at `PK="IDEMPOTENCY"`,
`SK="<scope>#<hash of the key>"`, and expire after `expires_after_seconds` (Powertools checks the expiry
itself; a TTL on the `expiration` attribute removes them from the table).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)
from botocore.config import Config
from pydantic import BaseModel

from api_core.errors import IdempotencyKeyReused, RequestInProgress
from api_core.hardening import CONNECT_TIMEOUT_S, READ_TIMEOUT_S, guard_client
from api_core.settings import required_env

DEFAULT_EXPIRY_SECONDS = 24 * 60 * 60
IDEMPOTENCY_PARTITION = "IDEMPOTENCY"


@dataclass(frozen=True, slots=True)
class IdempotencyKey:
    """The client's key, and the Lambda context (its remaining time bounds how long a crashed attempt
    keeps the key locked)."""

    value: str
    lambda_context: Any | None = None


class Idempotency:
    """Makes one kind of create safe to retry. Build it at cold start, one per operation:

        creates = Idempotency("items.create")
        item = creates.run(key, payload=data.model_dump(mode="json"), create=lambda: repo.create(data),
                           model=Item)

    `scope` keeps the keys of different operations apart. Without a key, `run` just calls `create`.
    """

    def __init__(
        self,
        scope: str,
        *,
        table_name: str | None = None,
        expires_after_seconds: int = DEFAULT_EXPIRY_SECONDS,
    ) -> None:
        self._config = IdempotencyConfig(
            event_key_jmespath="key",
            payload_validation_jmespath="payload",
            expires_after_seconds=expires_after_seconds,
        )
        store = DynamoDBPersistenceLayer(
            table_name=table_name or required_env("TABLE_NAME"),
            key_attr="PK",
            sort_key_attr="SK",
            static_pk_value=IDEMPOTENCY_PARTITION,
            boto_config=Config(
                retries={"mode": "standard", "max_attempts": 3},
                connect_timeout=CONNECT_TIMEOUT_S,
                read_timeout=READ_TIMEOUT_S,
            ),
        )
        guard_client(store.client)
        self._run = idempotent_function(
            _call,
            data_keyword_argument="request",
            persistence_store=store,
            config=self._config,
            key_prefix=scope,
        )

    def run[M: BaseModel](
        self,
        key: IdempotencyKey | None,
        *,
        payload: Mapping[str, Any],
        create: Callable[[], M],
        model: type[M],
        within: str = "",
    ) -> M:
        """`create()` once per key; a repeat with the same `payload` returns the first result.

        `within` narrows the key to one parent, e.g. the user whose order this is: the same key sent for
        another parent is another request, not a reuse.
        """
        if key is None:
            return create()
        if key.lambda_context is not None:
            self._config.register_lambda_context(key.lambda_context)
        try:
            result = self._run(
                request={"key": [within, key.value], "payload": dict(payload)},
                action=lambda: create().model_dump(mode="json"),
            )
        except IdempotencyValidationError:
            raise IdempotencyKeyReused(
                "this Idempotency-Key was already used with a different request body: use a new key"
            ) from None
        except IdempotencyAlreadyInProgressError:
            raise RequestInProgress(
                "a request with this Idempotency-Key is still in progress: retry shortly",
                headers={"Retry-After": "1"},
            ) from None
        return model.model_validate(result)


def _call(*, request: Mapping[str, Any], action: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    # Powertools hashes `request` (the key, and the payload for validation); `action` does the work.
    del request
    return action()
