"""Local-only pages: the OpenAPI document, and Swagger UI to click through it.

GET /openapi.yaml serves the committed document (read on each request, so `make openapi`
shows at once); GET /docs serves Swagger UI from the swagger-ui-bundle package's files, not
from a CDN. These paths are the emulator's, not the API's: on AWS they do not exist.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from devtools.local_api.gateway import HttpRequest, HttpResponse

_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Instance API (local)</title>
  <link rel="stylesheet" href="/docs/swagger-ui/swagger-ui.css">
</head>
<body>
  <div id="ui"></div>
  <script src="/docs/swagger-ui/swagger-ui-bundle.js"></script>
  <script>
    window.ui = SwaggerUIBundle({url: "/openapi.yaml", dom_id: "#ui", deepLinking: true});
  </script>
</body>
</html>
"""


def _swagger_ui_files() -> Path | None:
    try:
        from swagger_ui_bundle import swagger_ui_path
    except ImportError:
        return None
    return Path(swagger_ui_path)


class DocsPages:
    """Answers GET /openapi.yaml and /docs[...]; None for everything else."""

    def __init__(self, openapi_path: Path) -> None:
        self._openapi_path = openapi_path
        self._assets = _swagger_ui_files()

    def serve(self, request: HttpRequest) -> HttpResponse | None:
        path = request.target.partition("?")[0]
        if request.method != "GET":
            return None
        if path == "/openapi.yaml" and self._openapi_path.is_file():
            return HttpResponse(200, [("Content-Type", "application/yaml")], self._openapi_path.read_bytes())
        if path in ("/docs", "/docs/") and self._assets is not None:
            return HttpResponse(200, [("Content-Type", "text/html; charset=utf-8")], _PAGE.encode())
        if path.startswith("/docs/swagger-ui/") and self._assets is not None:
            asset = (self._assets / path.removeprefix("/docs/swagger-ui/")).resolve()
            if asset.is_relative_to(self._assets) and asset.is_file():
                content_type = mimetypes.guess_type(asset.name)[0] or "application/octet-stream"
                return HttpResponse(200, [("Content-Type", content_type)], asset.read_bytes())
        return None
