"""openapi.yaml's host agent operations (docs/contract.md, "Host agents"): the host's view with its
ETag and 304, the report and its body's limits, and the status a get and a report answer with,
checked against what the layer builds."""

from __future__ import annotations

from typing import Any

import pytest

from instance_api.domain.hosts import MESSAGE_MAX, Report, host_status, with_status
from instance_api.domain.instance import Instance
from instance_api.http.routes import HOST_STATUS_PATH, HOST_VIEW_PATH, INSTANCE_PATH
from tests.openapi_document import DOCUMENT, answers, parameters, resolve, validator

SCHEMAS = DOCUMENT["components"]["schemas"]
VIEW = DOCUMENT["paths"][HOST_VIEW_PATH]["get"]
REPORT = DOCUMENT["paths"][HOST_STATUS_PATH]["put"]
COMMON = {400, 403, 413, 415, 429, 500, 502, 503, 504}
CREATED_AT = "2026-01-05T09:30:00.000Z"
INSTANCE: Instance = {
    "name": "web-1",
    "namespace": "team-a",
    "spec": {"image": "registry.example.com/team/web:1.4.2"},
    "shareStorage": False,
    "hostIDs": ["host-a", "host-b"],
    "labels": {},
    "version": 2,
    "createdAt": CREATED_AT,
    "updatedAt": "2026-01-05T09:40:00.000Z",
}
RUNNING = Report("host-a", "Running", 2, None, "2026-01-05T09:41:00.000Z", CREATED_AT)


def schema(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def test_given_the_host_operations_when_reading_them_then_each_has_its_id_tag_and_statuses() -> None:
    assert (VIEW["operationId"], VIEW["tags"]) == ("getHostView", ["Host agents"])
    assert (REPORT["operationId"], REPORT["tags"]) == ("reportHostStatus", ["Host agents"])
    assert set(map(int, VIEW["responses"])) == {200, 304} | COMMON, "a host nothing runs on is an empty page"
    assert set(map(int, REPORT["responses"])) == {200, 404, 409} | COMMON
    assert "`list succeed`" in VIEW["description"]
    assert "`report succeed`" in REPORT["description"]


@pytest.mark.parametrize(
    ("path", "method", "expected"),
    [
        (HOST_VIEW_PATH, "get", ["hostID", "If-None-Match", "labelSelector", "limit", "nextToken"]),
        (HOST_STATUS_PATH, "put", ["hostID"]),
    ],
)
def test_given_a_host_operation_when_reading_its_parameters_then_the_path_names_the_host(
    path: str, method: str, expected: list[str]
) -> None:
    found = parameters(path, method)
    assert [parameter["name"] for parameter in found] == expected
    (host,) = (parameter for parameter in found if parameter["in"] == "path")
    assert (host["required"], host["schema"]) == (True, schema("HostId"))
    for parameter in found:
        validator(parameter["schema"]).validate(parameter["example"])


def test_given_the_view_when_reading_its_answers_then_a_200_and_a_304_carry_the_etag_and_the_304_no_body() -> None:
    ok = VIEW["responses"]["200"]
    assert ok["headers"] == {"ETag": {"$ref": "#/components/headers/ETag"}}
    not_modified = resolve(VIEW["responses"]["304"])
    assert "content" not in not_modified, "a 304 has no body"
    assert not_modified["headers"] == {"ETag": {"$ref": "#/components/headers/ETag"}}
    tag = validator(DOCUMENT["components"]["headers"]["ETag"]["schema"])
    assert tag.is_valid('"9f2c1e4b7a0d3c5e8f1a2b3c4d5e6f70"')
    assert not tag.is_valid("9f2c1e4b"), "strong and quoted"
    assert not tag.is_valid('W/"9f2c1e4b"')
    header = next(parameter for parameter in parameters(HOST_VIEW_PATH, "get") if parameter["in"] == "header")
    assert header["schema"]["maxLength"] == 2048


@pytest.mark.parametrize("operation", [VIEW, REPORT], ids=["view", "report"])
def test_given_a_host_operation_when_validating_its_examples_then_each_matches_its_schema(
    operation: dict[str, Any],
) -> None:
    for answer in answers(operation):
        for body in answer.examples:
            validator(answer.schema).validate(body)
    if "requestBody" in operation:
        media = operation["requestBody"]["content"]["application/json"]
        validator(media["schema"]).validate(media["example"])


@pytest.mark.parametrize(
    "body",
    [
        {"name": "web-1", "observedVersion": 1, "state": "Running"},
        {"name": "web-1", "observedVersion": 3, "state": "Failed", "message": "x" * MESSAGE_MAX},
        {"name": "web-1", "observedVersion": 3, "state": "Pending", "message": None},
        {"name": "web-1", "observedVersion": 3, "state": "Stopped"},
    ],
)
def test_given_a_good_report_when_validating_it_then_the_request_schema_accepts_it(body: dict[str, Any]) -> None:
    assert validator(schema("ReportHostStatusRequest")).is_valid(body)


@pytest.mark.parametrize(
    "body",
    [
        {"observedVersion": 1, "state": "Running"},
        {"name": "web-1", "state": "Running"},
        {"name": "web-1", "observedVersion": 1},
        {"name": "web-1", "observedVersion": 0, "state": "Running"},
        {"name": "web-1", "observedVersion": True, "state": "Running"},
        {"name": "web-1", "observedVersion": 1, "state": "Unknown"},
        {"name": "web-1", "observedVersion": 1, "state": "running"},
        {"name": "web-1", "observedVersion": 1, "state": "Running", "message": "x" * (MESSAGE_MAX + 1)},
        {"name": "Web_1", "observedVersion": 1, "state": "Running"},
        {"name": "web-1", "observedVersion": 1, "state": "Running", "hostID": "host-a"},
    ],
)
def test_given_a_bad_report_when_validating_it_then_the_request_schema_refuses_it(body: dict[str, Any]) -> None:
    assert not validator(schema("ReportHostStatusRequest")).is_valid(body)


@pytest.mark.parametrize(
    "reports",
    [{}, {"host-a": RUNNING}, {"host-a": RUNNING, "host-b": RUNNING._replace(host_id="host-b", state="Failed")}],
    ids=["no report", "one running", "one failed"],
)
def test_given_the_status_the_layer_builds_when_validating_it_then_the_get_and_report_schema_accepts_it(
    reports: dict[str, Report],
) -> None:
    answer = {"code": 200, "message": "get succeed", "data": with_status(INSTANCE, reports)}
    validator(schema("InstanceWithStatusResponse")).validate(answer)
    validator(schema("InstanceWithStatusResponse")).validate(answer | {"message": "report succeed"})


def test_given_a_view_item_the_layer_builds_when_validating_it_then_host_status_is_a_report_or_null() -> None:
    page = {"items": [INSTANCE | {"hostStatus": host_status(RUNNING)}, INSTANCE | {"hostStatus": host_status(None)}]}
    validator(schema("HostViewPageResponse")).validate(
        {"code": 200, "message": "list succeed", "data": page | {"nextToken": None}}
    )
    assert not validator(schema("HostViewItem")).is_valid(INSTANCE), "hostStatus is always there, null at worst"


def test_given_the_other_operations_when_reading_their_schemas_then_only_a_get_by_name_carries_status() -> None:
    assert not validator(schema("Instance")).is_valid(with_status(INSTANCE, {})), "create and update: no status"
    assert not validator(schema("InstanceWithStatus")).is_valid(INSTANCE), "a get by name: always a status"
    create = resolve(DOCUMENT["paths"][INSTANCE_PATH]["post"]["responses"]["200"])
    assert create["content"]["application/json"]["schema"] == schema("InstanceResponse")
    listed = SCHEMAS["InstancePage"]["properties"]["items"]["items"]
    assert listed == schema("Instance"), "lists carry no status"
