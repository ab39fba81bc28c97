"""openapi.yaml: generated from template.yaml and the models, current, valid, complete, and made of
shared components (so a generated SDK has a class per concept; tests/http/test_sdk.py builds one)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import yaml
from openapi_spec_validator import validate

from devtools.openapi import ERRORS, OPENAPI_PATH, build, render
from devtools.template import ROOT, Template
from instance_api.domain import image_reference
from instance_api.http.models import DNS_LABEL_SCHEMA, HOST_ID_SCHEMA
from instance_api.http.routes import INSTANCE_PATH, INSTANCE_RESOURCES, NAMESPACED_INSTANCE_PATH, ROUTED_METHODS
from tests.openapi_document import DOCUMENT, METHODS, answers, operations, parameters, resolve, validator
from tests.unit.test_image_reference import INVALID, VALID

OPERATIONS = DOCUMENT["paths"][INSTANCE_PATH]
NAMESPACED = DOCUMENT["paths"][NAMESPACED_INSTANCE_PATH]
SCHEMAS = DOCUMENT["components"]["schemas"]

# What /docs showed of every operation before the document was made of shared components
# (issue 22), and still must: each status, the reasons it may carry, the parameters with
# their examples, the request body's example and the operation's `message`s.
STATUSES = {
    "post": {200, 400, 403, 409, 413, 415, 422, 429, 500, 502, 503, 504},
    "put": {200, 400, 403, 404, 409, 413, 415, 429, 500, 502, 503, 504},
    "get": {200, 400, 403, 404, 413, 415, 429, 500, 502, 503, 504},
    "delete": {200, 400, 403, 404, 409, 413, 415, 429, 500, 502, 503, 504},
}
REASONS = {
    400: ("BadRequest", "Invalid"),
    403: ("Forbidden",),
    404: ("NotFound",),
    409: ("AlreadyExists", "Conflict"),
    413: ("PayloadTooLarge",),
    415: ("UnsupportedMediaType",),
    422: ("Invalid",),
    429: ("Throttled",),
    500: ("InternalError",),
    502: ("InternalError",),
    503: ("Unavailable",),
    504: ("Unavailable",),
}
NAME, NAMESPACE, HOST = (
    ("name", "query", False, "web-1"),
    ("namespace", "query", False, "team-a"),
    ("hostID", "query", False, "host-a"),
)
PAGE = (
    ("limit", "query", False, 50),
    ("nextToken", "query", False, "v1.eyJzIjpudWxsLCJrIjp7Im5hbWUiOiJ3ZWItMSJ9fQ.signature"),
)
IDEMPOTENCY_KEY = ("Idempotency-Key", "header", False, None)
PATH_NAMESPACE = ("namespace", "path", True, "team-a")
SELECTOR = ("labelSelector", "query", False, "tier=web,env in (prod,staging)")
DRY_RUN = ("dryRun", "query", False, True)
PARAMETERS = {
    (INSTANCE_PATH, "post"): [IDEMPOTENCY_KEY, DRY_RUN],
    (INSTANCE_PATH, "put"): [DRY_RUN],
    (INSTANCE_PATH, "get"): [NAME, NAMESPACE, HOST, SELECTOR, *PAGE],
    (INSTANCE_PATH, "delete"): [NAME, DRY_RUN],
    (NAMESPACED_INSTANCE_PATH, "post"): [PATH_NAMESPACE, IDEMPOTENCY_KEY, DRY_RUN],
    (NAMESPACED_INSTANCE_PATH, "put"): [PATH_NAMESPACE, DRY_RUN],
    (NAMESPACED_INSTANCE_PATH, "get"): [PATH_NAMESPACE, NAME, HOST, SELECTOR, *PAGE],
    (NAMESPACED_INSTANCE_PATH, "delete"): [PATH_NAMESPACE, NAME, DRY_RUN],
}
SEED_CREATE = json.loads((ROOT / "events" / "seed" / "create.json").read_text(encoding="utf-8"))
UPDATE = {
    "name": "test",
    "spec": {"image": "registry.example.com/team/web:1.4.2"},
    "labels": {"app": "web", "example.com/tier": "front"},
    "version": 1,
}
BODIES = {
    (INSTANCE_PATH, "post"): (True, SEED_CREATE),
    (INSTANCE_PATH, "put"): (True, UPDATE),
    (INSTANCE_PATH, "get"): None,
    (INSTANCE_PATH, "delete"): (False, {"name": "test"}),
    (NAMESPACED_INSTANCE_PATH, "post"): (
        True,
        {key: value for key, value in SEED_CREATE.items() if key != "namespace"},
    ),
    (NAMESPACED_INSTANCE_PATH, "put"): (True, UPDATE),
    (NAMESPACED_INSTANCE_PATH, "get"): None,
    (NAMESPACED_INSTANCE_PATH, "delete"): (False, {"name": "test"}),
}
VERBS = {"post": ("create",), "put": ("update",), "get": ("get", "list"), "delete": ("delete",)}


def test_given_the_committed_document_when_regenerating_it_then_nothing_changes() -> None:
    assert OPENAPI_PATH.read_text(encoding="utf-8") == render(build()), "openapi.yaml is stale: run `make openapi`"


def test_given_the_document_when_validating_it_then_it_is_valid_openapi_3_1() -> None:
    validate(DOCUMENT)
    assert DOCUMENT["openapi"] == "3.1.0"


def test_given_the_template_routes_when_comparing_then_every_routed_method_is_an_operation_on_its_path() -> None:
    routed = {(route.path, route.method.lower()) for route in Template.load().routes() if route.method != "ANY"}
    documented = {(path, method) for path, method, _ in operations()}
    served = {(path, method.lower()) for path, methods in ROUTED_METHODS.items() for method in methods.split(", ")}
    assert documented == routed == served
    assert {(path, method) for path in INSTANCE_RESOURCES for method in METHODS} < served


def test_given_the_document_when_listing_operation_ids_and_tags_then_each_id_is_unique_and_each_path_one_tag() -> None:
    ids = [operation["operationId"] for _, _, operation in operations()]
    assert len(ids) == len(set(ids)) == 10
    tags = {
        path: {tuple(operation["tags"]) for p, _, operation in operations() if p == path} for path in ROUTED_METHODS
    }
    assert tags == {
        INSTANCE_PATH: {("Instances",)},
        NAMESPACED_INSTANCE_PATH: {("Namespaced instances",)},
        **{path: {("Host agents",)} for path in ROUTED_METHODS if path not in INSTANCE_RESOURCES},
    }
    assert [tag["name"] for tag in DOCUMENT["tags"]] == ["Instances", "Namespaced instances", "Host agents"]


@pytest.mark.parametrize(("path", "method"), list(PARAMETERS))
def test_given_each_operation_when_reading_what_docs_shows_then_every_status_reason_parameter_and_example_is_there(
    path: str, method: str
) -> None:
    operation = DOCUMENT["paths"][path][method]
    shown = {answer.status: answer for answer in answers(operation)}
    assert set(shown) == STATUSES[method]
    for status, reasons in REASONS.items():
        if status in shown:
            assert shown[status].reasons == reasons, f"{status}'s examples show each reason once"
            assert {body["code"] for body in shown[status].examples} == {status}, "code equals the status"
    found = [(p["name"], p["in"], p["required"], p.get("example")) for p in parameters(path, method)]
    assert found == PARAMETERS[path, method]
    body = operation.get("requestBody")
    assert (body and (body["required"], body["content"]["application/json"]["example"])) == BODIES[path, method]
    messages = {*(f"{verb} succeed" for verb in VERBS[method]), *(f"{verb} failed" for verb in VERBS[method])}
    said = set(re.findall(r"`(\w+ (?:succeed|failed))`", operation["description"]))
    assert said == {*messages, "request failed"}, "the description says the operation's messages"
    assert {body["message"] for body in shown[200].examples} == {f"{verb} succeed" for verb in VERBS[method]}


def _inline_objects(node: Any, where: str) -> list[str]:
    """Where `node` defines an object schema of its own (examples and links excepted)."""
    if isinstance(node, list):
        return [found for index, item in enumerate(node) for found in _inline_objects(item, f"{where}[{index}]")]
    if not isinstance(node, dict):
        return []
    own = [where] if "properties" in node or node.get("type") == "object" or "enum" in node else []
    skipped = ("example", "examples", "links")
    return own + [
        found for key, value in node.items() if key not in skipped for found in _inline_objects(value, f"{where}/{key}")
    ]


def test_given_the_operations_when_reading_their_schemas_then_each_is_a_shared_component() -> None:
    """An inline object or enum in an operation is one more class per operation in a generated SDK."""
    assert _inline_objects(DOCUMENT["paths"], "paths") == []
    for _, _, operation in operations():
        for status, response in operation["responses"].items():
            if int(status) >= 400:
                assert response == {"$ref": f"#/components/responses/{ERRORS[int(status)].name}"}


@pytest.mark.parametrize(("path", "method"), list(PARAMETERS))
def test_given_each_operation_when_validating_its_examples_then_each_matches_its_schema(path: str, method: str) -> None:
    operation = DOCUMENT["paths"][path][method]
    for answer in answers(operation):
        for body in answer.examples:
            validator(answer.schema).validate(body)
    if "requestBody" in operation:
        media = operation["requestBody"]["content"]["application/json"]
        validator(media["schema"]).validate(media["example"])
    for parameter in parameters(path, method):
        if "example" in parameter:
            validator(parameter["schema"]).validate(parameter["example"])


# The `message`s each operation's success envelope admits: the Instance's envelope is shared by
# create and update, the instance with its status by get and a host's report (one class per kind
# of data, not per operation); each operation's description and example say its own.
SUCCESS_MESSAGES = {
    "post": {"create", "update"},
    "put": {"create", "update"},
    "get": {"get", "list"},
    "delete": {"delete"},
}


@pytest.mark.parametrize(("path", "method"), list(PARAMETERS))
def test_given_each_operation_when_checking_its_messages_then_its_success_envelopes_admit_its_own_kind_only(
    path: str, method: str
) -> None:
    (success,) = [answer for answer in answers(DOCUMENT["paths"][path][method]) if answer.status == 200]
    envelopes = [resolve(option) for option in success.schema.get("oneOf", [success.schema])]
    admitted = {
        verb
        for verb in ("create", "update", "get", "list", "delete", "request")
        for envelope in envelopes
        if validator(envelope["properties"]["message"]).is_valid(f"{verb} succeed")
    }
    assert set(VERBS[method]) <= admitted == SUCCESS_MESSAGES[method]


def test_given_the_error_envelope_when_reading_it_then_one_schema_holds_every_reason_and_the_details() -> None:
    assert SCHEMAS["ErrorReason"]["enum"] == list(
        dict.fromkeys(reason for reasons in REASONS.values() for reason in reasons)
    )
    data = SCHEMAS["ErrorData"]
    assert data["properties"]["reason"] == {"$ref": "#/components/schemas/ErrorReason"}
    assert data["properties"]["details"]["items"] == {"$ref": "#/components/schemas/FieldError"}
    assert data["required"] == ["error", "reason", "requestId"]
    message = validator(SCHEMAS["ErrorResponse"]["properties"]["message"])
    assert all(message.is_valid(f"{verb} failed") for verb in ("create", "update", "get", "list", "delete", "request"))
    assert not message.is_valid("create succeed")


def test_given_the_success_envelopes_when_reading_them_then_there_is_one_per_kind_of_data_each_code_200() -> None:
    envelopes = {
        name: schema for name, schema in SCHEMAS.items() if name.endswith("Response") and name != "ErrorResponse"
    }
    assert {name: schema["properties"]["data"]["$ref"].rpartition("/")[2] for name, schema in envelopes.items()} == {
        "InstanceResponse": "Instance",
        "InstanceWithStatusResponse": "InstanceWithStatus",
        "InstancePageResponse": "InstancePage",
        "HostViewPageResponse": "HostViewPage",
        "DeletedInstanceResponse": "DeletedInstance",
    }
    assert all(schema["properties"]["code"] == {"type": "integer", "const": 200} for schema in envelopes.values())


@pytest.mark.parametrize("status", [409, 429, 503, 504])
def test_given_a_retryable_answer_when_reading_it_then_it_has_a_retry_after_header(status: int) -> None:
    response = DOCUMENT["components"]["responses"][ERRORS[status].name]
    assert response["headers"]["Retry-After"] == {"$ref": "#/components/headers/RetryAfter"}


def test_given_create_when_reading_its_parameters_then_the_idempotency_key_header_is_described() -> None:
    (header,) = [parameter for parameter in parameters(INSTANCE_PATH, "post") if parameter["in"] == "header"]
    assert header["name"] == "Idempotency-Key"
    assert (header["schema"]["minLength"], header["schema"]["maxLength"]) == (1, 255)


def test_given_the_field_rules_when_reading_them_then_each_is_one_component_the_others_refer_to() -> None:
    assert {key: SCHEMAS["DnsLabel"][key] for key in DNS_LABEL_SCHEMA} == DNS_LABEL_SCHEMA
    assert {key: SCHEMAS["HostId"][key] for key in HOST_ID_SCHEMA} == HOST_ID_SCHEMA
    assert SCHEMAS["HostIds"]["items"] == {"$ref": "#/components/schemas/HostId"}
    dumped = yaml.safe_dump({name: schema for name, schema in SCHEMAS.items() if name not in ("DnsLabel", "HostId")})
    assert str(DNS_LABEL_SCHEMA["pattern"]) not in dumped, "a DNS label's rule is written once"
    assert str(HOST_ID_SCHEMA["pattern"]) not in dumped, "a host ID's rule is written once"


def test_given_the_host_query_when_reading_its_parameter_then_it_is_a_host_id_by_the_hostids_rule() -> None:
    (host,) = [parameter for parameter in parameters(INSTANCE_PATH, "get") if parameter["name"] == "hostID"]
    assert host["schema"] == resolve(SCHEMAS["CreateInstanceRequest"]["properties"]["hostIDs"])["items"]
    assert "eventually consistent" in OPERATIONS["get"]["description"]


def test_given_a_namespace_s_path_when_reading_its_parameter_then_namespace_is_a_required_dns_label() -> None:
    assert "parameters" not in OPERATIONS
    (parameter,) = [resolve(parameter) for parameter in NAMESPACED["parameters"]]
    assert (parameter["name"], parameter["in"], parameter["required"]) == ("namespace", "path", True)
    assert parameter["schema"] == {"$ref": "#/components/schemas/DnsLabel"}
    assert "404" in parameter["description"]


def test_given_get_on_a_namespace_s_path_when_reading_its_parameters_then_the_path_names_the_namespace() -> None:
    names = [parameter["name"] for parameter in parameters(NAMESPACED_INSTANCE_PATH, "get")]
    assert names == ["namespace", "name", "hostID", "labelSelector", "limit", "nextToken"], (
        "the host query and the selector work within the namespace"
    )
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


def test_given_the_document_when_reading_its_security_then_every_operation_needs_sigv4() -> None:
    assert DOCUMENT["security"] == [{"sigv4": []}]
    scheme = DOCUMENT["components"]["securitySchemes"]["sigv4"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "Authorization")
    assert scheme["x-amazon-apigateway-authtype"] == "awsSigv4"


def test_given_the_request_schemas_when_reading_them_then_they_state_the_field_rules() -> None:
    create = SCHEMAS["CreateInstanceRequest"]
    assert create["additionalProperties"] is False
    assert resolve(create["properties"]["name"])["pattern"] == "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
    assert create["properties"]["namespace"]["default"] == "default", "a default stays beside its rule's $ref"
    assert resolve(create["properties"]["hostIDs"])["uniqueItems"] is True
    assert resolve(create["properties"]["hostIDs"])["maxItems"] == 256
    assert create["properties"]["shareStorage"]["type"] == "boolean"
    update = SCHEMAS["UpdateInstanceRequest"]
    assert "null" not in yaml.safe_dump(update), "null is rejected, so never allowed"
    assert update["required"] == ["name"]
    assert "anyOf" not in update, "a top-level anyOf makes generators type the body as Any"
    assert update["allOf"] == [
        {
            "anyOf": [
                {"required": ["spec"]},
                {"required": ["shareStorage"]},
                {"required": ["hostIDs"]},
                {"required": ["labels"]},
            ]
        }
    ]


def test_given_create_when_reading_its_links_then_get_update_and_delete_follow_it() -> None:
    links = OPERATIONS["post"]["responses"]["200"]["links"]
    assert {link["operationId"] for link in links.values()} == {"getInstances", "updateInstance", "deleteInstance"}


PATTERN = re.compile(image_reference.JSON_SCHEMA_PATTERN)


ACCEPTED = [reference for reference in [*VALID, *INVALID] if image_reference.problem(reference) is None]


@pytest.mark.parametrize("reference", ACCEPTED)
def test_given_an_image_reference_when_the_api_accepts_it_then_the_schema_pattern_does_too(reference: str) -> None:
    assert PATTERN.match(reference)
