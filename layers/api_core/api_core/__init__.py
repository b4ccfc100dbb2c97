"""The shared layer: HTTP policy that every function of this API shares.

- `api_core.app_factory.create_app`: a FastAPI app with the shared settings and problem+json errors.
- `api_core.lambda_handler.create_handler`: the Lambda entry point; owns CORS and wraps Mangum.
- `api_core.cors`: the CORS policy (pure), and `python -m api_core.cors explain`.
- `api_core.settings`: environment read once at cold start, errors that name the variable.
- `api_core.problems`: RFC 9457 problem details, the one error format.

Nothing is imported here, so that a function imports only the pieces its code path needs.
"""
