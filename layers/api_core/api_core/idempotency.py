"""Safe retries of creates: the `Idempotency-Key` request header, backed by Powertools on the same table.

The first request with a key runs the create and stores its result under the key; a repeat with the same
key and the same body gets that stored result back without creating anything; the same key with a
different body is refused (422). Records live in the single table at `PK="IDEMPOTENCY"`,
`SK="<scope>#<hash of the key>"`, and expire after `expires_after_seconds` (Powertools checks the expiry
itself; a TTL on the `expiration` attribute removes them from the table).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pydantic import BaseModel

from api_core.aws_faults import invocation_context
from api_core.dynamo import Database
from api_core.errors import IdempotencyKeyReused, RequestInProgress
from api_core.idempotency_key import IdempotencyKey
from api_core.metrics import Signal, note
from api_core.problems import RETRY_AFTER_SECONDS

DEFAULT_EXPIRY_SECONDS = 24 * 60 * 60
IDEMPOTENCY_PARTITION = "IDEMPOTENCY"


class Idempotency:
    """Makes one kind of create safe to retry. Build it at cold start, one per operation, on the
    function's `Database` (the records live in the same table, and share its client):

        creates = Idempotency("items.create", get_repository().db)
        item = creates.run(key, data, Item, lambda: _item(get_repository().create(data)))

    `scope` keeps the keys of different operations apart. Without a key, `run` just calls `create`.
    Powertools' idempotency utility is imported, and its store and DynamoDB client built, by the first
    request that sends a key, so a cold start that serves anything else does not pay for them.
    """

    def __init__(
        self, scope: str, db: Database, *, expires_after_seconds: int = DEFAULT_EXPIRY_SECONDS
    ) -> None:
        self._scope = scope
        self._db = db
        self._expires_after_seconds = expires_after_seconds
        self._config: Any = None  # Powertools' IdempotencyConfig, built with the store
        self._idempotent_call: Callable[..., dict[str, Any]] | None = None

    def _call(self) -> Callable[..., dict[str, Any]]:
        if self._idempotent_call is None:
            # Imported here: the utility imports boto3 (its package, resource layer included), jmespath and
            # more, which nothing else loads (docs/PERFORMANCE.md).
            from aws_lambda_powertools.utilities.idempotency import (  # noqa: PLC0415
                DynamoDBPersistenceLayer,
                IdempotencyConfig,
                idempotent_function,
            )

            self._config = IdempotencyConfig(
                event_key_jmespath="key",
                payload_validation_jmespath="payload",
                expires_after_seconds=self._expires_after_seconds,
            )
            store = DynamoDBPersistenceLayer(
                table_name=self._db.table_name,
                key_attr="PK",
                sort_key_attr="SK",
                static_pk_value=IDEMPOTENCY_PARTITION,
                # The Database's own low-level client (typed JSON, as Powertools sends it): its retries,
                # timeouts and deadline guard (aws_faults) hold for the store's calls too.
                boto3_client=self._db.client,
            )
            self._idempotent_call = idempotent_function(
                _call,
                data_keyword_argument="request",
                persistence_store=store,
                config=self._config,
                key_prefix=self._scope,
            )
        return self._idempotent_call

    def run[M: BaseModel](
        self,
        key: IdempotencyKey | None,
        body: BaseModel,
        model: type[M],
        create: Callable[[], M],
        *,
        within: str = "",
    ) -> M:
        """`create()` once per key; a repeat with the same request `body` gets the first result back as a
        `model`, and the same key with another body is refused (IdempotencyKeyReused).

        `within` narrows the key to one parent, e.g. the user whose order this is: the same key sent for
        another parent is another request, not a reuse.
        """
        if key is None:
            return create()
        from aws_lambda_powertools.utilities.idempotency.exceptions import (  # noqa: PLC0415
            IdempotencyAlreadyInProgressError,
            IdempotencyValidationError,
        )

        call = self._call()
        context = invocation_context()
        if context is not None:  # a crashed attempt keeps the key locked no longer than the invocation
            self._config.register_lambda_context(context)
        created: list[dict[str, Any]] = []  # what `create` made now; empty when the result was stored

        def action() -> dict[str, Any]:
            created.append(create().model_dump(mode="json"))
            return created[0]

        try:
            result = call(
                request={"key": [within, key], "payload": body.model_dump(mode="json")},
                action=action,
            )
        except IdempotencyValidationError:
            raise IdempotencyKeyReused(
                "this Idempotency-Key was already used with a different request body: use a new key"
            ) from None
        except IdempotencyAlreadyInProgressError:
            raise RequestInProgress(
                "a request with this Idempotency-Key is still in progress: retry shortly",
                headers={"Retry-After": RETRY_AFTER_SECONDS},
            ) from None
        if not created:
            note(Signal.IDEMPOTENT_REPLAY)
        return model.model_validate(result)


def _call(*, request: Mapping[str, Any], action: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    # Powertools hashes `request` (the key, and the payload for validation); `action` does the work.
    del request
    return action()
