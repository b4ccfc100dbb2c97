"""`make dev`'s API documentation at /docs on the demo origin: Swagger UI for docs/openapi.json.

Swagger UI's files come from the dev venv's swagger-ui-bundle-v2 package (nothing from a CDN: the page
works offline). The document is the committed one (`make openapi`), with this run's API first among its
servers, so "Try it out" calls make dev (cross-origin, as the demo page does). Dev only: the deployed
functions serve neither a document nor a docs page (api_core.app_factory turns FastAPI's off).
"""

from __future__ import annotations

import json
import mimetypes
import subprocess
from http import HTTPStatus
from pathlib import Path

PREFIX = "/docs"
PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>API documentation (make dev)</title>
  <link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script src="/docs/swagger-ui-standalone-preset.js"></script>
  <script>
    window.ui = SwaggerUIBundle({
      url: "/docs/openapi.json",
      dom_id: "#swagger-ui",
      deepLinking: true,
      presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
      layout: "StandaloneLayout",
    });
  </script>
</body>
</html>
"""


class ApiDocs:
    """What /docs answers: the page, the document, and Swagger UI's own files (nothing else)."""

    def __init__(self, assets: Path, document: Path, api_url: str) -> None:
        self.assets = assets
        self.document = document
        self.api_url = api_url
        self._files = {path.name for path in assets.iterdir() if path.is_file()}

    @classmethod
    def from_venv(cls, venv_python: Path, document: Path, api_url: str) -> ApiDocs:
        """Swagger UI's files where the dev venv installed them (make dev itself runs in SAM CLI's)."""
        found = subprocess.run(  # noqa: S603 - the project's own venv interpreter, a fixed program
            [str(venv_python), "-c", "import swagger_ui_bundle; print(swagger_ui_bundle.swagger_ui_path)"],
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        )
        return cls(Path(found.stdout.strip()), document, api_url)

    def answer(self, path: str) -> tuple[int, str, bytes]:
        """(status, content type, body) for a path under /docs."""
        name = path.removeprefix(PREFIX).strip("/")
        if name in ("", "index.html"):
            return HTTPStatus.OK, "text/html; charset=utf-8", PAGE.encode()
        if name == "openapi.json":
            document = json.loads(self.document.read_text())
            local = {"url": self.api_url, "description": "this make dev"}
            others = [server for server in document.get("servers", []) if server["url"] != self.api_url]
            document["servers"] = [local, *others]
            return HTTPStatus.OK, "application/json", json.dumps(document).encode()
        if name in self._files:  # a file name of the package's folder: no path ever leaves it
            content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
            return HTTPStatus.OK, content_type, (self.assets / name).read_bytes()
        return HTTPStatus.NOT_FOUND, "text/plain; charset=utf-8", b"not found\n"
