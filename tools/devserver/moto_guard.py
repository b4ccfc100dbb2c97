"""moto's server behind a guard that serves only this run's own boto3 clients, never a browser.

moto answers any request and sends permissive CORS headers, and it checks no signature. Left bare on a
loopback port, any web page the developer visits could read and write the local table, or wipe it all
through `/moto-api/reset`, with a made-up signature: a known attack on local development servers.

The one check that closes that: every request must be signed with this run's access key id, a random
value that `make dev` gives to its own clients (the functions' workers, the snapshot) through their
environment. A browser cannot send it: a page cannot learn it, and a cross-origin page cannot even attach
an Authorization header without a preflight, which carries none. The other checks name the usual
browser attacks plainly (and would hold if the key ever leaked): a request with an Origin or any
Sec-Fetch-* header comes from a browser (boto3 sends neither), and a Host other than this loopback
address and port is DNS rebinding. Refusals are a bare 403 with no CORS headers, so a page reads nothing.

Started by `dynamodb.LocalDynamoDB` with the dev venv's Python (moto lives there):
    python -P moto_guard.py <port>    with the key in DEV_DYNAMODB_ACCESS_KEY_ID
"""

from __future__ import annotations

import hmac
import os
import re
import signal
import sys
from collections.abc import Callable, Iterable
from typing import Any

ACCESS_KEY_VARIABLE = "DEV_DYNAMODB_ACCESS_KEY_ID"
# SigV4: "AWS4-HMAC-SHA256 Credential=<access key id>/<date>/<region>/<service>/aws4_request, ..."
_CREDENTIAL = re.compile(r"\bCredential=([^/,\s]+)/")

Environ = dict[str, Any]
StartResponse = Callable[..., Any]


class BrowserGuard:
    """WSGI middleware: pass a request on to `app` only when no check below refuses it."""

    def __init__(self, app: Callable[[Environ, StartResponse], Iterable[bytes]], port: int, key: str) -> None:
        self.app = app
        self.hosts = frozenset({f"127.0.0.1:{port}", f"localhost:{port}"})
        self.key = key.encode()

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        reason = self.refusal(environ)
        if reason is None:
            return self.app(environ, start_response)
        body = f"refused: {reason}. This is make dev's DynamoDB; only its own clients may use it.\n".encode()
        start_response(
            "403 Forbidden",
            [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))],
        )
        return [body]

    def refusal(self, environ: Environ) -> str | None:
        """Why this request is refused, or None when it comes from one of this run's clients."""
        if "HTTP_ORIGIN" in environ:
            return "a browser's request (it has an Origin)"
        if any(name.startswith("HTTP_SEC_FETCH_") for name in environ):
            return "a browser's request (it has Sec-Fetch-* headers)"
        if environ.get("HTTP_HOST") not in self.hosts:
            return "the Host is not this loopback address and port (DNS rebinding?)"
        found = _CREDENTIAL.search(environ.get("HTTP_AUTHORIZATION", ""))
        if found is None or not hmac.compare_digest(found.group(1).encode(), self.key):
            return "not signed with this run's access key id"
        return None


def main() -> None:
    port = int(sys.argv[1])
    key = os.environ[ACCESS_KEY_VARIABLE]
    # moto's own CORS headers go too (read when moto is imported): nothing here is for a browser.
    os.environ["MOTO_DISABLE_GLOBAL_CORS"] = "true"
    from moto.moto_server.werkzeug_app import (  # noqa: PLC0415
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import run_simple  # noqa: PLC0415

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    app = BrowserGuard(DomainDispatcherApplication(create_backend_app), port, key)
    run_simple("127.0.0.1", port, app, threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
