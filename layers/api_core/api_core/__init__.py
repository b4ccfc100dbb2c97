"""The shared layer: the HTTP policy every function of this API shares (CORS, errors, settings, REST and
pagination helpers, data access). docs/ARCHITECTURE.md maps its modules and the path of a request.

Nothing is imported here, so that a function imports only the pieces its code path needs: a preflight
must not pay for FastAPI, pydantic or boto3.
"""
