"""The shared layer: HTTP policy that every function of this API shares.

- `api_core.app_factory.create_app`: a FastAPI app with the shared settings and problem+json errors.
- `api_core.lambda_handler.create_handler`: the Lambda entry point; owns CORS and wraps Mangum.
- `api_core.cors`: the CORS policy (pure), and `python -m api_core.cors explain`.
- `api_core.settings`: environment read once at cold start, errors that name the variable.
- `api_core.problems`: RFC 9457 problem details, the one error format.
- `api_core.errors`: errors business logic raises by meaning (NotFound, Conflict, PreconditionFailed...).
- `api_core.resources`: REST helpers for routes: Location/Link URLs from the event, ETag and If-Match,
  201/204/304 helpers, list and header parameters, `list_response`.
- `api_core.pagination`: page-number and cursor pagination, pure (bodies, Link header, cursors).
- `api_core.records`, `api_core.dynamo`, `api_core.listing`, `api_core.transactions`: the single table:
  its layout (collections, versions), reads and writes, pages, write transactions.
- `api_core.idempotency`: Idempotency-Key for creates, on Powertools' idempotency utility.
- `api_core.ids`: time-ordered ids (UUIDv7) and timestamps.

Nothing is imported here, so that a function imports only the pieces its code path needs.
"""
