"""/docs in Chromium: Swagger UI renders every operation of openapi.yaml, and "Try it out"
reaches the server the page came from (the tests' local API runs on a random port, not the
3000 the committed document names)."""

from __future__ import annotations

import uuid

import yaml

from devtools.openapi import OPENAPI_PATH
from instance_api.http.routes import INSTANCE_PATH
from tests.browser.conftest import Browser
from tests.browser.docs_page import DocsPage, Operation
from tests.http.contract import unreported
from tests.http.local_api import LocalApi

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def documented_operations() -> set[Operation]:
    document = yaml.safe_load(OPENAPI_PATH.read_text(encoding="utf-8"))
    return {
        Operation(method.upper(), path, operation["summary"])
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    }


def test_given_make_run_when_opening_docs_in_chromium_then_every_operation_of_openapi_yaml_is_shown(
    embedded_local_api: LocalApi, browser: Browser
) -> None:
    expected = documented_operations()
    assert expected, "openapi.yaml lists operations"
    assert DocsPage(browser.driver, embedded_local_api.base_url).operations() == expected


def test_given_an_instance_when_getting_it_by_name_with_try_it_out_then_the_page_shows_the_200_envelope(
    embedded_local_api: LocalApi, browser: Browser
) -> None:
    name = f"docs-{uuid.uuid4().hex[:12]}"
    created = embedded_local_api.request("POST", INSTANCE_PATH, {"name": name, "namespace": "browser"})
    assert created.status == 200, created.raw

    response = DocsPage(browser.driver, embedded_local_api.base_url).try_it_out("GET", INSTANCE_PATH, {"name": name})

    assert response.request_url == f"{embedded_local_api.base_url}{INSTANCE_PATH}?name={name}"
    assert response.status == 200, response.details
    assert response.body == {"code": 200, "message": "get succeed", "data": unreported(created.body["data"])}
