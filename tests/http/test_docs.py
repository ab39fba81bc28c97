"""The local API publishes its OpenAPI document and a Swagger UI served from installed files."""

from __future__ import annotations

from devtools.openapi import OPENAPI_PATH
from tests.http.local_api import LocalApi


def test_given_the_local_api_when_asking_for_openapi_yaml_then_it_serves_the_committed_document(
    embedded_local_api: LocalApi,
) -> None:
    result = embedded_local_api.request("GET", "/openapi.yaml")
    assert result.status == 200
    assert result.headers["Content-Type"] == "application/yaml"
    assert result.raw == OPENAPI_PATH.read_bytes()


def test_given_the_local_api_when_opening_docs_then_swagger_ui_loads_from_local_files(
    embedded_local_api: LocalApi,
) -> None:
    page = embedded_local_api.request("GET", "/docs")
    assert page.status == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert b'src="/docs/swagger-ui/swagger-ui-bundle.js"' in page.raw
    assert b"https://" not in page.raw, "no CDN: these machines have no internet"
    script = embedded_local_api.request("GET", "/docs/swagger-ui/swagger-ui-bundle.js")
    assert script.status == 200
    assert len(script.raw) > 100_000


def test_given_a_path_outside_the_assets_when_asking_docs_for_it_then_nothing_is_served(
    embedded_local_api: LocalApi,
) -> None:
    result = embedded_local_api.request("GET", "/docs/swagger-ui/../../../../../../etc/passwd")
    assert result.status == 404
    assert b"root:" not in result.raw
