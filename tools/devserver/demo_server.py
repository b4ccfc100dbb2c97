"""The demo page's server (its own origin, so the page's API calls are cross-origin, as in production).

Besides the page's files it serves:
- `GET /config.json`: how the page signs in (cognito.config_for_page): `{"auth": "none"}`, or the pool's
  region, user pool id, app client id and `cognitoEndpoint`.
- `POST /cognito`: Cognito's own JSON API (what `fetch` to https://cognito-idp.<region>.amazonaws.com/
  sends: `Content-Type: application/x-amz-json-1.1`, `X-Amz-Target: AWSCognitoIdentityProviderService.<op>`),
  passed on to the local pool in moto. Same origin as the page, so no CORS is involved; a page on the
  real pool sends the same requests to Cognito's endpoint instead.

Only sign-in and sign-out go through: InitiateAuth (USER_PASSWORD_AUTH or REFRESH_TOKEN_AUTH, for this
run's app client), GetUser and GlobalSignOut. An unknown user gets Cognito's answer for a wrong password
when the client has PreventUserExistenceErrors (moto's own answer would reveal that the user does not
exist). moto's guard keeps serving only `make dev` itself; this proxy adds the run's key to what it
passes on, and refuses requests from any other origin or Host (a page elsewhere, DNS rebinding), as the
guard does for the table.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from http.server import SimpleHTTPRequestHandler
from typing import Any

from tools.devserver.cognito import config_for_page
from tools.devserver.docs import PREFIX as DOCS_PREFIX
from tools.devserver.docs import ApiDocs
from tools.devserver.identity import LocalIdentity

TARGET_PREFIX = "AWSCognitoIdentityProviderService."
ALLOWED_OPERATIONS = frozenset({"InitiateAuth", "GetUser", "GlobalSignOut"})
ALLOWED_FLOWS = frozenset({"USER_PASSWORD_AUTH", "REFRESH_TOKEN_AUTH"})
AMZ_JSON = "application/x-amz-json-1.1"
MAX_BODY = 64 * 1024


class DemoHandler(SimpleHTTPRequestHandler):
    """Static files of the demo folder, /config.json, the /cognito proxy and the API's docs (/docs). Set
    `identity`, `port` and `docs`."""

    identity: LocalIdentity | None = None
    port: int = 0
    docs: ApiDocs | None = None

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        if path == "/config.json":
            self._json(200, config_for_page(self.identity.pool if self.identity else None))
            return
        if self.docs is not None and (path == DOCS_PREFIX or path.startswith(DOCS_PREFIX + "/")):
            status, content_type, body = self.docs.answer(path)
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")  # the document changes with `make openapi`
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()

    def do_POST(self) -> None:
        if self.path.split("?")[0] != "/cognito" or self.identity is None:
            self._json(404, {"message": "not found"})
            return
        refusal = self._refusal()
        if refusal is not None:
            self._json(403, {"__type": "RefusedByMakeDev", "message": refusal})
            return
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self._json(413, {"__type": "RefusedByMakeDev", "message": "request too large"})
            return
        body = self.rfile.read(length)
        operation = self.headers["X-Amz-Target"].removeprefix(TARGET_PREFIX)
        problem = self._body_problem(operation, body)
        if problem is not None:
            self._json(400, {"__type": "InvalidParameterException", "message": problem})
            return
        self._forward(body)

    def _refusal(self) -> str | None:
        """Why this request may not use the proxy, or None."""
        own = {f"localhost:{self.port}", f"127.0.0.1:{self.port}"}
        if self.headers.get("Host") not in own:
            return "the Host is not this server (DNS rebinding?)"
        origin = self.headers.get("Origin")
        if origin is not None and origin.removeprefix("http://") not in own:
            return f"another origin ({origin}) may not sign in here"
        if self.headers.get("Sec-Fetch-Site") not in (None, "same-origin"):
            return "only the demo page's own requests may sign in here"
        if (self.headers.get("Content-Type") or "").split(";")[0].strip() != AMZ_JSON:
            return f"Content-Type must be {AMZ_JSON}"
        target = self.headers.get("X-Amz-Target") or ""
        operation = target.removeprefix(TARGET_PREFIX)
        if not target.startswith(TARGET_PREFIX) or operation not in ALLOWED_OPERATIONS:
            return f"X-Amz-Target must be {TARGET_PREFIX}<one of {', '.join(sorted(ALLOWED_OPERATIONS))}>"
        return None

    def _body_problem(self, operation: str, body: bytes) -> str | None:
        try:
            request = json.loads(body)
        except ValueError:
            return "the body is not JSON"
        if not isinstance(request, dict):
            return "the body is not a JSON object"
        if operation == "InitiateAuth":
            assert self.identity is not None
            if request.get("ClientId") != self.identity.pool.client_id:
                return "ClientId is not this make dev's app client"
            if request.get("AuthFlow") not in ALLOWED_FLOWS:
                return f"AuthFlow must be one of {', '.join(sorted(ALLOWED_FLOWS))}"
        return None

    def _forward(self, body: bytes) -> None:
        assert self.identity is not None
        pool = self.identity.pool
        upstream = urllib.request.Request(  # noqa: S310
            pool.endpoint + "/",
            data=body,
            method="POST",
            headers={
                "Content-Type": AMZ_JSON,
                "X-Amz-Target": self.headers["X-Amz-Target"],
                "Authorization": pool.authorization,
            },
        )
        try:
            with urllib.request.urlopen(upstream, timeout=30) as response:  # noqa: S310
                status, payload = response.status, response.read()
        except urllib.error.HTTPError as error:  # Cognito's own errors (NotAuthorizedException, ...)
            status, payload = error.code, self._without_user_existence(error.read())
        self._send(status, payload, AMZ_JSON)

    def _without_user_existence(self, payload: bytes) -> bytes:
        """Cognito's answer for an unknown user when the client prevents user existence errors.

        moto ignores PreventUserExistenceErrors and says UserNotFoundException; Cognito, with it
        ENABLED, answers as for a wrong password.
        """
        assert self.identity is not None
        if self.identity.template.client.get("PreventUserExistenceErrors") != "ENABLED":
            return payload
        try:
            error = json.loads(payload)
        except ValueError:
            return payload
        if str(error.get("__type", "")).endswith("UserNotFoundException"):
            error = {"__type": "NotAuthorizedException", "message": "Incorrect username or password."}
        return json.dumps(error).encode()

    def _json(self, status: int, value: Any) -> None:
        self._send(status, json.dumps(value).encode(), "application/json")

    def _send(self, status: int, payload: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(payload)
