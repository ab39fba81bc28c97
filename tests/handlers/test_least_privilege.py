"""Each function's IAM policy grants exactly the AWS actions its code calls, no more."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from devtools.events import load_event
from tests.handlers.conftest import TEMPLATE, Api, InvokeRaw, intercept_aws
from tests.stream_records import batch, image, insert, modify, poison, recorded, remove, tombstone
from tests.support import api_event
from tests.unit.test_template import CONSUMER, CONSUMER_SERVICE, RESOURCES, grants

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


SCENARIOS: dict[str, Callable[[Api], None]] = {
    "CreateInstanceFunction": every_create_path,
    "UpdateInstanceFunction": every_update_path,
    "GetInstanceFunction": every_get_path,
    "DeleteInstanceFunction": every_delete_path,
    "RouteFallbackFunction": every_fallback_path,
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
        index = f"/index/{params['IndexName']}" if "IndexName" in params else ""
        called.add((f"{service}:{operation_name}", f"{params['TableName']}{index}"))

    intercept_aws(monkeypatch, recording)
    return called


@pytest.mark.parametrize("logical_id", SCENARIOS)
def test_given_a_function_when_it_runs_every_path_then_it_calls_exactly_the_actions_its_policy_grants(
    api: Api, monkeypatch: pytest.MonkeyPatch, logical_id: str
) -> None:
    api.create({"name": "a"})
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
