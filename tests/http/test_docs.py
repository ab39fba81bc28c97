"""The local API publishes its OpenAPI document, naming itself first, and Swagger UI 5 from
Powertools' files (tests/browser opens the page in Chromium)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from devtools.local_api.docs import DocsPages
from devtools.local_api.gateway import HttpRequest
from devtools.openapi import OPENAPI_PATH
from tests.http.local_api import LocalApi


def committed_document() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(OPENAPI_PATH.read_text(encoding="utf-8"))
    return document


def test_given_the_local_api_when_asking_for_openapi_yaml_then_it_is_the_committed_document_naming_this_server_first(
    embedded_local_api: LocalApi,
) -> None:
    result = embedded_local_api.request("GET", "/openapi.yaml")
    assert result.status == 200
    assert result.headers["Content-Type"] == "application/yaml"
    served = yaml.safe_load(result.raw)
    expected = committed_document()
    own, *others = served.pop("servers")
    assert own["url"] == embedded_local_api.base_url, "Try it out calls the first server"
    assert others == expected.pop("servers"), "a random port is not the committed 127.0.0.1:3000"
    assert served == expected
    assert result.raw.startswith(OPENAPI_PATH.read_bytes().partition(b"\n")[0]), "it still says it is generated"


@pytest.mark.parametrize("host", ["localhost:8080", "192.0.2.7:3000", "[::1]:3001", "example.test"])
def test_given_any_host_header_when_asking_for_openapi_yaml_then_its_origin_is_the_first_server_and_only_once(
    embedded_local_api: LocalApi, host: str
) -> None:
    served = yaml.safe_load(embedded_local_api.request("GET", "/openapi.yaml", headers={"Host": host}).raw)
    urls = [server["url"] for server in served["servers"]]
    assert urls[0] == f"http://{host}"
    assert urls.count(f"http://{host}") == 1


def test_given_the_committed_server_as_host_when_asking_for_openapi_yaml_then_it_is_not_listed_twice(
    embedded_local_api: LocalApi,
) -> None:
    committed = [server["url"] for server in committed_document()["servers"]]
    host = committed[0].removeprefix("http://")
    served = yaml.safe_load(embedded_local_api.request("GET", "/openapi.yaml", headers={"Host": host}).raw)
    assert [server["url"] for server in served["servers"]] == committed


def test_given_a_host_header_that_is_no_host_when_asking_for_openapi_yaml_then_the_committed_bytes_are_served(
    embedded_local_api: LocalApi,
) -> None:
    result = embedded_local_api.request("GET", "/openapi.yaml", headers={"Host": "a b/c"})
    assert result.raw == OPENAPI_PATH.read_bytes()


def test_given_the_local_api_when_opening_docs_then_swagger_ui_5_loads_from_local_files(
    embedded_local_api: LocalApi,
) -> None:
    page = embedded_local_api.request("GET", "/docs")
    assert page.status == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert b'src="/docs/swagger-ui/swagger-ui-bundle.min.js"' in page.raw
    assert b'href="/docs/swagger-ui/swagger-ui.min.css"' in page.raw
    assert b"https://" not in page.raw, "no CDN: these machines have no internet"
    script = embedded_local_api.request("GET", "/docs/swagger-ui/swagger-ui-bundle.min.js")
    assert script.status == 200
    assert script.headers["Content-Type"] == "text/javascript"
    assert re.search(rb'PACKAGE_VERSION:"5\.', script.raw), "Swagger UI 4 cannot read OpenAPI 3.1"
    style = embedded_local_api.request("GET", "/docs/swagger-ui/swagger-ui.min.css")
    assert (style.status, style.headers["Content-Type"]) == (200, "text/css")


@pytest.mark.parametrize(
    "target",
    [
        "/docs/swagger-ui/../../../../../../etc/passwd",
        "/docs/swagger-ui/html.py",  # Powertools' module beside the assets
        "/docs/swagger-ui/",
    ],
)
def test_given_a_path_that_is_not_one_of_the_assets_when_asking_docs_for_it_then_nothing_is_served(
    embedded_local_api: LocalApi, target: str
) -> None:
    result = embedded_local_api.request("GET", target)
    assert result.status == 404, "the answer for an unrouted path"
    assert b"root:" not in result.raw
    assert b"def " not in result.raw


def test_given_powertools_without_its_swagger_ui_files_when_opening_docs_then_503_says_which_and_what_to_do(
    tmp_path: Path,
) -> None:
    (tmp_path / "swagger-ui.min.css").write_text("body {}")
    pages = DocsPages(OPENAPI_PATH, swagger_ui=tmp_path)
    request = HttpRequest("GET", "/docs", [("Host", "127.0.0.1:3000")], None, "127.0.0.1")
    response = pages.serve(request)
    assert response is not None
    assert response.status == 503
    assert f"missing from {tmp_path} (swagger-ui-bundle.min.js)" in response.body.decode()
    assert "make clean && make install" in response.body.decode()
    asset = HttpRequest("GET", "/docs/swagger-ui/swagger-ui.min.css", [], None, "127.0.0.1")
    assert pages.serve(asset) is None, "no half a Swagger UI"
