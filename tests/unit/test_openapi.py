"""openapi.yaml: generated from template.yaml and the models, current, valid, and complete."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml
from openapi_spec_validator import validate

from devtools.openapi import OPENAPI_PATH, STATUSES, build, render
from devtools.template import Template
from instance_api import image_reference
from instance_api.models import DNS_LABEL_SCHEMA
from instance_api.routes import INSTANCE_PATH, INSTANCE_RESOURCES, NAMESPACED_INSTANCE_PATH
from tests.unit.test_image_reference import INVALID, VALID

DOCUMENT: dict[str, Any] = yaml.safe_load(OPENAPI_PATH.read_text(encoding="utf-8"))
OPERATIONS = DOCUMENT["paths"][INSTANCE_PATH]
NAMESPACED = DOCUMENT["paths"][NAMESPACED_INSTANCE_PATH]
METHODS = ("post", "put", "get", "delete")


def test_given_the_committed_document_when_regenerating_it_then_nothing_changes() -> None:
    assert OPENAPI_PATH.read_text(encoding="utf-8") == render(build()), "openapi.yaml is stale: run `make openapi`"


def test_given_the_document_when_validating_it_then_it_is_valid_openapi_3_1() -> None:
    validate(DOCUMENT)
    assert DOCUMENT["openapi"] == "3.1.0"


def test_given_the_template_routes_when_comparing_then_every_routed_method_is_an_operation_on_its_path() -> None:
    routed = {(route.path, route.method.lower()) for route in Template.load().routes() if route.method != "ANY"}
    documented = {(path, method) for path, item in DOCUMENT["paths"].items() for method in item if method in METHODS}
    assert documented == routed == {(path, method) for path in INSTANCE_RESOURCES for method in METHODS}


def test_given_the_document_when_listing_operation_ids_then_each_is_unique() -> None:
    ids = [item[method]["operationId"] for item in DOCUMENT["paths"].values() for method in METHODS]
    assert len(ids) == len(set(ids)) == 8


@pytest.mark.parametrize("path", INSTANCE_RESOURCES)
@pytest.mark.parametrize(
    ("method", "statuses"),
    [
        ("post", {200, 400, 403, 409, 413, 415, 422, 429, 500, 502, 503, 504}),
        ("put", {200, 400, 403, 404, 409, 413, 415, 429, 500, 502, 503, 504}),
        ("get", {200, 400, 403, 404, 413, 415, 429, 500, 502, 503, 504}),
        ("delete", {200, 400, 403, 404, 409, 413, 415, 429, 500, 502, 503, 504}),
    ],
)
def test_given_each_operation_when_reading_its_responses_then_every_spec_status_is_described(
    path: str, method: str, statuses: set[int]
) -> None:
    responses = DOCUMENT["paths"][path][method]["responses"]
    assert {int(status) for status in responses} == statuses
    for status, response in responses.items():
        schema = response["content"]["application/json"]["schema"]
        assert schema["properties"]["code"]["enum"] == [int(status)], "code equals the status"
        if int(status) >= 400:
            assert schema["properties"]["data"]["properties"]["reason"]["enum"] == list(STATUSES[int(status)][1])


@pytest.mark.parametrize("status", ["409", "503"])
def test_given_a_retryable_answer_when_reading_it_then_it_has_a_retry_after_header(status: str) -> None:
    assert OPERATIONS["post"]["responses"][status]["headers"]["Retry-After"] == {
        "$ref": "#/components/headers/RetryAfter"
    }


def test_given_create_when_reading_its_parameters_then_the_idempotency_key_header_is_described() -> None:
    (header,) = OPERATIONS["post"]["parameters"]
    assert (header["name"], header["in"]) == ("Idempotency-Key", "header")
    assert (header["schema"]["minLength"], header["schema"]["maxLength"]) == (1, 255)


def test_given_get_when_reading_its_parameters_then_name_and_the_list_parameters_are_described() -> None:
    names = [parameter["name"] for parameter in OPERATIONS["get"]["parameters"]]
    assert names == ["name", "namespace", "hostID", "limit", "nextToken"]


def test_given_the_host_query_when_reading_its_parameter_then_it_is_a_host_id_by_the_hostids_rule() -> None:
    (host,) = [parameter for parameter in OPERATIONS["get"]["parameters"] if parameter["name"] == "hostID"]
    instance_hosts = DOCUMENT["components"]["schemas"]["CreateInstanceRequest"]["properties"]["hostIDs"]
    schema = {key: value for key, value in host["schema"].items() if key != "description"}
    assert schema == instance_hosts["items"], "the hostIDs entry rule (docs/contract.md)"
    assert "eventually consistent" in OPERATIONS["get"]["description"]


def test_given_a_namespace_s_path_when_reading_its_parameter_then_namespace_is_a_required_dns_label() -> None:
    assert "parameters" not in OPERATIONS
    (parameter,) = NAMESPACED["parameters"]
    assert (parameter["name"], parameter["in"], parameter["required"]) == ("namespace", "path", True)
    assert parameter["schema"] == DNS_LABEL_SCHEMA
    assert "404" in parameter["description"]


def test_given_get_on_a_namespace_s_path_when_reading_its_parameters_then_the_path_names_the_namespace() -> None:
    names = [parameter["name"] for parameter in NAMESPACED["get"]["parameters"]]
    assert names == ["name", "hostID", "limit", "nextToken"], "the host query works within the namespace too"
    assert "`namespace` query parameter is 400" in NAMESPACED["get"]["description"]


@pytest.mark.parametrize(
    ("method", "says"),
    [
        ("put", "404 if absent or in another namespace (which is left untouched)"),
        ("get", "that instance if it is in the path's namespace (a strongly consistent read), else 404"),
        ("delete", "404 if absent or in another namespace (nothing is deleted)"),
    ],
)
def test_given_an_operation_on_a_namespace_s_path_when_reading_it_then_another_namespace_s_instance_is_404(
    method: str, says: str
) -> None:
    assert says in " ".join(NAMESPACED[method]["description"].split())
    assert "404" in NAMESPACED[method]["responses"]


def test_given_create_on_a_namespace_s_path_when_reading_its_links_then_they_stay_in_that_namespace() -> None:
    links = NAMESPACED["post"]["responses"]["200"]["links"]
    assert {link["operationId"] for link in links.values()} == {
        "getNamespacedInstances",
        "updateNamespacedInstance",
        "deleteNamespacedInstance",
    }
    assert all(link["parameters"]["path.namespace"] == "$request.path.namespace" for link in links.values())
    assert "namespace" not in NAMESPACED["post"]["requestBody"]["content"]["application/json"]["example"]


def test_given_the_document_when_reading_its_security_then_every_operation_needs_sigv4() -> None:
    assert DOCUMENT["security"] == [{"sigv4": []}]
    scheme = DOCUMENT["components"]["securitySchemes"]["sigv4"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "Authorization")
    assert scheme["x-amazon-apigateway-authtype"] == "awsSigv4"


def test_given_the_request_schemas_when_reading_them_then_they_state_the_field_rules() -> None:
    schemas = DOCUMENT["components"]["schemas"]
    create = schemas["CreateInstanceRequest"]
    assert create["additionalProperties"] is False
    assert create["properties"]["name"]["pattern"] == "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
    assert create["properties"]["hostIDs"]["uniqueItems"] is True
    assert create["properties"]["hostIDs"]["maxItems"] == 256
    assert create["properties"]["shareStorage"]["type"] == "boolean"
    assert "null" not in yaml.safe_dump(schemas["UpdateInstanceRequest"]), "null is rejected, so never allowed"
    assert schemas["UpdateInstanceRequest"]["required"] == ["name"]
    assert len(schemas["UpdateInstanceRequest"]["anyOf"]) == 3


def test_given_create_when_reading_its_links_then_get_update_and_delete_follow_it() -> None:
    links = OPERATIONS["post"]["responses"]["200"]["links"]
    assert {link["operationId"] for link in links.values()} == {"getInstances", "updateInstance", "deleteInstance"}


PATTERN = re.compile(image_reference.JSON_SCHEMA_PATTERN)


ACCEPTED = [reference for reference in [*VALID, *INVALID] if image_reference.problem(reference) is None]


@pytest.mark.parametrize("reference", ACCEPTED)
def test_given_an_image_reference_when_the_api_accepts_it_then_the_schema_pattern_does_too(reference: str) -> None:
    assert PATTERN.match(reference)
