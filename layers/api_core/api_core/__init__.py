"""The shared layer: HTTP policy that every function of this API shares.

- `api_core.app_factory.create_app`: a FastAPI app with the shared settings and problem+json errors.
- `api_core.lambda_handler.create_handler`: the Lambda entry point; owns CORS and wraps Mangum.
- `api_core.cors`: the CORS policy (pure), and `python -m api_core.cors explain`.
- `api_core.settings`: environment read once at cold start, errors that name the variable.
- `api_core.identity`: the caller's `Principal`, read only from the authorizer's claims in the event (pure).
- `api_core.auth`: FastAPI dependencies for who may call a route: `SignedIn` (401), `in_group` (403).
- `api_core.problems`: RFC 9457 problem details, the one error format.
- `api_core.errors`: errors business logic raises by meaning (NotFound, Conflict, PreconditionFailed...).
- `api_core.resources`: URLs from the event (Location, Link), 201/204 helpers, the Idempotency-Key header.
- `api_core.conditional`: ETags, If-Match for writes, the conditional GET (304).
- `api_core.lists`: the list query parameters and `list_response` (Link, X-Total-Count).
- `api_core.pagination`: page-number and cursor pagination, pure (bodies, Link header, cursors).
- `api_core.records`, `api_core.dynamo`, `api_core.listing`, `api_core.transactions`: the single table:
  its layout (collections, versions), reads and writes, pages, write transactions.
- `api_core.idempotency`: Idempotency-Key for creates, on Powertools' idempotency utility.
- `api_core.idempotency_key`: the `IdempotencyKey` value both sides share (pure).
- `api_core.ids`: time-ordered ids (UUIDv7) and timestamps.

Nothing is imported here, so that a function imports only the pieces its code path needs.
"""
