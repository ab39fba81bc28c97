"""Local-only pages: the OpenAPI document, and Swagger UI to click through it.

GET /openapi.yaml serves the committed document (read on each request, so `make openapi`
shows at once) with one server put first: the origin the request was sent to. Swagger UI's
"Try it out" uses the first server, so it calls this server whatever HOST and PORT it runs
on (the committed first server is `make run`'s default, 127.0.0.1:3000).

GET /docs serves Swagger UI 5, which reads OpenAPI 3.1 (Swagger UI 4 renders nothing for
it), from the assets aws-lambda-powertools ships: no CDN, no network, no extra package.
The layer build leaves those assets out of the Lambda layer; this page is dev tooling,
served from the venv. These paths are the emulator's, not the API's: on AWS they do not exist.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from typing import Any

import yaml

from devtools.local_api.gateway import HttpRequest, HttpResponse

ASSETS_PATH = "/docs/swagger-ui/"
# The only files served from Powertools' swagger_ui folder (it also holds Python modules).
ASSETS = {"swagger-ui-bundle.min.js": "text/javascript", "swagger-ui.min.css": "text/css"}
# A Host header that can stand in a URL: a name or IPv4 address, or a bracketed IPv6 one, and a port.
_HOST = re.compile(r"(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?")

_PAGE = f"""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Instance API (local)</title>
  <link rel="stylesheet" href="{ASSETS_PATH}swagger-ui.min.css">
</head>
<body>
  <div id="ui"></div>
  <script src="{ASSETS_PATH}swagger-ui-bundle.min.js"></script>
  <script>
    window.ui = SwaggerUIBundle({{url: "/openapi.yaml", dom_id: "#ui", deepLinking: true}});
  </script>
</body>
</html>
"""


def powertools_swagger_ui() -> Path:
    """Powertools' Swagger UI folder, found without importing Powertools (its package patches
    botocore's user agent, and its event_handler imports every resolver)."""
    spec = importlib.util.find_spec("aws_lambda_powertools")
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError("aws_lambda_powertools is not installed: make install")
    return Path(spec.origin).parent / "event_handler" / "openapi" / "swagger_ui"


def with_own_server(document: str, host: str) -> str:
    """`document` with `http://<host>` as its first server (and not repeated further down)."""
    spec: dict[str, Any] = yaml.safe_load(document)
    origin = f"http://{host}"
    others = [server for server in spec.get("servers", []) if server.get("url") != origin]
    spec["servers"] = [{"url": origin, "description": "this local API (the server this document came from)"}, *others]
    lines = document.splitlines(keepends=True)
    comments = next((index for index, line in enumerate(lines) if not line.startswith("#")), len(lines))
    return "".join(lines[:comments]) + yaml.safe_dump(spec, sort_keys=False, allow_unicode=True, width=100)


def _host(request: HttpRequest) -> str | None:
    host = next((value for name, value in request.headers if name.lower() == "host"), None)
    return host if host is not None and _HOST.fullmatch(host) else None


class DocsPages:
    """Answers GET /openapi.yaml and /docs[...]; None for everything else."""

    def __init__(self, openapi_path: Path, swagger_ui: Path | None = None) -> None:
        self._openapi_path = openapi_path
        self._swagger_ui = swagger_ui or powertools_swagger_ui()
        self._missing = sorted(name for name in ASSETS if not (self._swagger_ui / name).is_file())

    def serve(self, request: HttpRequest) -> HttpResponse | None:
        path = request.target.partition("?")[0]
        if request.method != "GET":
            return None
        if path == "/openapi.yaml" and self._openapi_path.is_file():
            return self._openapi(request)
        if path in ("/docs", "/docs/"):
            return self._page()
        name = path.removeprefix(ASSETS_PATH)
        if path.startswith(ASSETS_PATH) and name in ASSETS and not self._missing:
            return HttpResponse(200, [("Content-Type", ASSETS[name])], (self._swagger_ui / name).read_bytes())
        return None

    def _openapi(self, request: HttpRequest) -> HttpResponse:
        document = self._openapi_path.read_text(encoding="utf-8")
        host = _host(request)
        body = with_own_server(document, host) if host is not None else document
        return HttpResponse(200, [("Content-Type", "application/yaml")], body.encode())

    def _page(self) -> HttpResponse:
        if self._missing:
            message = (
                f"Swagger UI's assets are missing from {self._swagger_ui} ({', '.join(self._missing)}): "
                "an incomplete venv (make clean && make install), or a Powertools upgrade moved them "
                "(see devtools/local_api/docs.py)\n"
            )
            return HttpResponse(503, [("Content-Type", "text/plain; charset=utf-8")], message.encode())
        return HttpResponse(200, [("Content-Type", "text/html; charset=utf-8")], _PAGE.encode())
