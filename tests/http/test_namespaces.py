"""docs/contract.md, "Namespaces are a security boundary", over real HTTP: namespace A's path
never reaches, changes or reveals namespace B's instances. On both DynamoDB engines here,
and SigV4-signed in tests/e2e (where a deployed stack adds IAM's own 403s)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.http.contract import PATH, check, unique, unreported
from tests.http.local_api import HttpApi, HttpResult


def namespaced(namespace: str) -> str:
    return f"/api/v1/namespaces/{namespace}/instance"


def revealed(result: HttpResult, *secrets: str) -> list[str]:
    return [secret for secret in secrets if secret in result.raw.decode()]


@pytest.fixture
def other(api: HttpApi) -> dict[str, Any]:
    """Namespace B's instance, made on the cluster-wide path."""
    created = api.request("POST", PATH, {"name": unique("theirs"), "namespace": unique("team-b"), "hostIDs": ["h"]})
    check(created, 200, "create succeed")
    data: dict[str, Any] = created.body["data"]
    return data


def test_given_namespace_b_instance_when_every_operation_of_a_addresses_it_then_404_and_untouched(
    api: HttpApi, other: dict[str, Any]
) -> None:
    ours, name = namespaced(unique("team-a")), other["name"]
    attempts = [
        ("GET", f"{ours}?name={name}", None),
        ("PUT", ours, {"name": name, "spec": {"image": "evil:1"}}),
        ("PUT", ours, {"name": name, "hostIDs": [], "version": other["version"]}),
        ("DELETE", ours, {"name": name}),
        ("DELETE", ours, {"name": name, "version": other["version"]}),
        ("DELETE", f"{ours}?name={name}", None),
    ]
    for method, path, body in attempts:
        result = api.request(method, path, body)
        operation = {"GET": "get", "PUT": "update", "DELETE": "delete"}[method]
        check(result, 404, f"{operation} failed", "NotFound")
        assert not revealed(result, name, other["namespace"]), (method, result.raw)
    assert api.request("GET", f"{PATH}?name={name}").body["data"] == unreported(other), "version and fields untouched"


def test_given_namespace_b_instances_when_a_lists_its_path_then_none_of_them_shows(
    api: HttpApi, other: dict[str, Any]
) -> None:
    ours = namespaced(unique("team-a"))
    check(api.request("POST", ours, {"name": unique("mine")}), 200, "create succeed")
    listed = api.request("GET", ours)
    check(listed, 200, "list succeed")
    assert [item["namespace"] for item in listed.body["data"]["items"]] == [ours.split("/")[4]]
    assert not revealed(listed, other["name"], other["namespace"])
    check(api.request("GET", f"{ours}?namespace={other['namespace']}"), 400, "list failed", "Invalid")


def test_given_a_name_taken_in_namespace_b_when_a_creates_it_then_409_naming_no_namespace(
    api: HttpApi, other: dict[str, Any]
) -> None:
    result = api.request("POST", namespaced(unique("team-a")), {"name": other["name"]})
    check(result, 409, "create failed", "AlreadyExists")
    assert not revealed(result, other["namespace"])


def test_given_a_namespaced_path_when_walking_an_instance_through_its_life_then_each_step_answers(
    api: HttpApi,
) -> None:
    namespace = unique("team-a")
    ours, name = namespaced(namespace), unique()
    created = api.request("POST", ours, {"name": name, "hostIDs": ["h1"]})
    check(created, 200, "create succeed")
    assert created.body["data"]["namespace"] == namespace
    check(api.request("POST", ours, {"name": unique(), "namespace": "elsewhere"}), 400, "create failed", "Invalid")
    updated = api.request("PUT", ours, {"name": name, "shareStorage": True, "version": 1})
    check(updated, 200, "update succeed")
    fetched = api.request("GET", f"{ours}?name={name}")
    check(fetched, 200, "get succeed")
    assert fetched.body["data"] == unreported(updated.body["data"])
    check(api.request("DELETE", ours, {"name": name, "version": 2}), 200, "delete succeed")
    check(api.request("GET", f"{ours}?name={name}"), 404, "get failed", "NotFound")


@pytest.mark.parametrize("namespace", ["Team_A", "a" * 64, "caf%C3%A9", "a%2Fb"])
def test_given_a_malformed_namespace_in_the_path_when_calling_then_400_invalid_namespace(
    api: HttpApi, namespace: str
) -> None:
    result = api.request("GET", f"{namespaced(namespace)}?name=x")
    check(result, 400, "get failed", "Invalid")
    assert [detail["field"] for detail in result.body["data"]["details"]] == ["namespace"]


def test_given_a_method_the_namespaced_path_does_not_route_when_sending_it_then_405_with_allow(
    api: HttpApi,
) -> None:
    result = api.request("PATCH", namespaced("team-a"), json.dumps({"name": "a"}).encode())
    check(result, 405, "request failed", "MethodNotAllowed")
    assert result.headers["Allow"] == "DELETE, GET, POST, PUT"
