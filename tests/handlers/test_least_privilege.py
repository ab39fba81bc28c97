"""Each function's IAM policy grants exactly the AWS actions its code calls, no more."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

from devtools.events import load_event
from tests.handlers.conftest import TEMPLATE, Api, InvokeRaw, intercept_aws
from tests.stream_records import batch, image, insert, modify, named, on_hosts, poison, recorded, remove, tombstone
from tests.support import api_event, host_event
from tests.unit.test_template import CONSUMER, CONSUMER_SERVICE, RESOURCES, grants

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

# Each event bus by the name the local tools give it, to its logical id (as grants() names it).
BUSES = {
    TEMPLATE.event_bus_name(logical_id): logical_id
    for logical_id, resource in RESOURCES.items()
    if resource["Type"] == "AWS::Events::EventBus"
}


def every_create_path(api: Api) -> None:
    api.create({"name": "c"})
    api.create({"name": "c"})
    # With an Idempotency-Key: created, replayed, another body, the key released on failure,
    # and a retry that finds the instance its first attempt wrote (the key's record lapsed).
    key = {"Idempotency-Key": "k-1"}
    api.create({"namespace": "team-a"}, headers=key)
    api.create({"namespace": "team-a"}, headers=key)
    api.create({"namespace": "team-b"}, headers=key)
    api.create({"name": "c", "namespace": "other"}, headers={"Idempotency-Key": "k-2"})
    api.create({"name": "a"}, headers={"Idempotency-Key": "k-3"})


def every_update_path(api: Api) -> None:
    api.update({"name": "a", "hostIDs": ["h"]})
    api.update({"name": "a", "hostIDs": ["h"], "version": 9})
    api.update({"name": "ghost", "shareStorage": True})


def every_get_path(api: Api) -> None:
    api.get("a")
    api.get("ghost")
    api.list()
    next_token = api.list(namespace="default", limit="1").data["nextToken"]
    api.list(namespace="default", limit="1", nextToken=next_token)
    api.list(hostID="host-a", namespace="default")


def every_delete_path(api: Api) -> None:
    api.delete({"name": "a", "version": 9})
    api.delete({"name": "a"})
    api.delete({"name": "ghost"})


def every_fallback_path(api: Api) -> None:
    api.invoke("RouteFallbackFunction", api_event("PATCH"))
    api.invoke("RouteFallbackFunction", api_event("GET", path="/x", resource="/{proxy+}"))


def every_report_path(api: Api) -> None:
    for host, body in (
        ("h", {"name": "a", "observedVersion": 1, "state": "Running"}),
        ("h", {"name": "a", "observedVersion": 2, "state": "Running"}),
        ("other", {"name": "a", "observedVersion": 1, "state": "Running"}),
        ("h", {"name": "ghost", "observedVersion": 1, "state": "Running"}),
        ("h", {"name": "a", "observedVersion": 1, "state": "Nope"}),
    ):
        api.invoke("ReportHostStatusFunction", host_event("PUT", host, status=True, body=body))


SCENARIOS: dict[str, Callable[[Api], None]] = {
    "CreateInstanceFunction": every_create_path,
    "UpdateInstanceFunction": every_update_path,
    "GetInstanceFunction": every_get_path,
    "DeleteInstanceFunction": every_delete_path,
    "RouteFallbackFunction": every_fallback_path,
    "ReportHostStatusFunction": every_report_path,
}


def every_change_path(invoke_raw: InvokeRaw) -> None:
    invoke_raw(CONSUMER, load_event("stream"))
    live = image(recorded()[0])
    invoke_raw(CONSUMER, batch(insert(live, 1), modify(live, tombstone(live), 2), remove(tombstone(live), 3)))
    invoke_raw(CONSUMER, batch(insert(live, 4), poison(5)))


def recorder(monkeypatch: pytest.MonkeyPatch) -> set[tuple[str, str]]:
    """Every (action, resource) the code calls from now on, named as grants() names them."""
    called: set[tuple[str, str]] = set()

    def recording(service: str, operation_name: str, params: dict[str, Any]) -> None:
        if service == "secretsmanager":
            called.add((f"secretsmanager:{operation_name}", params["SecretId"]))
            return
        if service == "events":
            for entry in params["Entries"]:
                called.add((f"events:{operation_name}", BUSES[entry["EventBusName"]]))
            return
        if "RequestItems" in params:  # a batch names its tables as the request's keys
            called.update((f"{service}:{operation_name}", table) for table in params["RequestItems"])
            return
        index = f"/index/{params['IndexName']}" if "IndexName" in params else ""
        called.add((f"{service}:{operation_name}", f"{params['TableName']}{index}"))

    intercept_aws(monkeypatch, recording)
    return called


@pytest.mark.parametrize("logical_id", SCENARIOS)
def test_given_a_function_when_it_runs_every_path_then_it_calls_exactly_the_actions_its_policy_grants(
    api: Api, monkeypatch: pytest.MonkeyPatch, logical_id: str
) -> None:
    api.create({"name": "a", "hostIDs": ["h"]})
    api.create({"name": "b"})
    called = recorder(monkeypatch)
    SCENARIOS[logical_id](api)
    assert called == grants(logical_id)


def test_given_the_change_consumer_when_it_runs_every_path_then_its_code_calls_exactly_what_its_role_grants_it(
    invoke_raw: InvokeRaw, monkeypatch: pytest.MonkeyPatch
) -> None:
    called = recorder(monkeypatch)
    every_change_path(invoke_raw)
    assert called == grants(CONSUMER) - CONSUMER_SERVICE, "the rest is for Lambda's stream mapping and logs"


PHASES = "PublishPhasesFunction"


def report_record(name: str, host: str, sequence: int) -> dict[str, Any]:
    return {
        "eventName": "MODIFY",
        "dynamodb": {"Keys": {"name": {"S": name}, "hostID": {"S": host}}, "SequenceNumber": str(sequence)},
    }


def test_given_the_phase_consumer_when_it_runs_every_path_then_its_code_calls_exactly_what_its_role_grants_it(
    api: Api, invoke_raw: InvokeRaw, dynamodb: DynamoDBClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    api.create({"name": "web-1", "hostIDs": ["host-a"]})
    report = {"name": "web-1", "observedVersion": 1, "state": "Running"}
    api.invoke("ReportHostStatusFunction", host_event("PUT", "host-a", status=True, body=report))
    live = dynamodb.get_item(TableName="InstancesTable", Key={"name": {"S": "web-1"}})["Item"]
    called = recorder(monkeypatch)
    invoke_raw(PHASES, {"Records": [report_record("web-1", "host-a", 1)]})  # settled: a head, an event
    invoke_raw(PHASES, batch(modify(live, tombstone(live), 2)))  # deleted: its report and head forgotten
    stream_service = {
        (action, resource)
        for action, resource in grants(PHASES)
        if resource.endswith(("/stream", "/stream/*")) or resource in ("ChangesDeadLetterQueue", "FunctionLogGroup")
    }
    assert len(stream_service) == 2 * 4 + 3, "both streams (4 actions each), the dead-letter queue, the log (2)"
    assert called == grants(PHASES) - stream_service


def test_given_the_host_view_when_it_runs_every_path_then_it_calls_exactly_the_actions_its_policy_grants(
    api: Api, invoke_raw: InvokeRaw, monkeypatch: pytest.MonkeyPatch
) -> None:
    live = image(recorded()[0])
    invoke_raw(CONSUMER, batch(*(insert(on_hosts(named(live, name), "host-a"), n) for n, name in enumerate("ab", 1))))
    called = recorder(monkeypatch)
    page = api.invoke("GetHostViewFunction", host_event("GET", "host-a", query={"limit": "1"}))
    assert page.status == 200, page.body
    api.invoke("GetHostViewFunction", host_event("GET", "host-a", headers={"If-None-Match": page.headers["etag"]}))
    next_page = {"limit": "1", "nextToken": page.data["nextToken"]}
    api.invoke("GetHostViewFunction", host_event("GET", "host-a", query=next_page))
    api.invoke("GetHostViewFunction", host_event("GET", "-bad"))
    assert called == grants("GetHostViewFunction")
