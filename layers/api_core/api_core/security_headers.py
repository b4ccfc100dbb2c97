"""Security headers on every response the entry point sends, the app's and the layer's own. Pure."""

from __future__ import annotations

from api_core.events import HttpRequest, LambdaResponse

HSTS = "max-age=31536000"


def add_security_headers(request: HttpRequest, response: LambdaResponse) -> None:
    """nosniff always; no-store on credentialed responses without their own Cache-Control; HSTS on HTTPS."""
    headers = response.get("headers")
    if not isinstance(headers, dict):
        headers = response["headers"] = {}
    present = {name.lower(): value for name, value in headers.items()}
    multi = response.get("multiValueHeaders")
    if isinstance(multi, dict):
        present.update({name.lower(): ", ".join(map(str, v)) for name, v in multi.items()})
    headers.setdefault("X-Content-Type-Options", "nosniff")
    credentialed = (
        credentialed_request(request)
        or present.get("access-control-allow-credentials", "").lower() == "true"
        or headers.get("Access-Control-Allow-Credentials", "").lower() == "true"
    )
    if credentialed and "cache-control" not in present:
        headers["Cache-Control"] = "no-store"
    proto = (request.header("x-forwarded-proto") or "").split(",")[0].strip().lower()
    if proto == "https" and "strict-transport-security" not in present:
        headers["Strict-Transport-Security"] = HSTS


def credentialed_request(request: HttpRequest) -> bool:
    """Whether the request carries credentials of its own (Authorization, Cookie)."""
    return "authorization" in request.headers or "cookie" in request.headers
