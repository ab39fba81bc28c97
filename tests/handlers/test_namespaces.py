"""docs/contract.md, "Namespaces are a security boundary", at the handler tier: each function
on /api/v1/namespaces/{namespace}/instance, as API Gateway sends it (pathParameters)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.handlers.conftest import Api, Invoke, unreported
from tests.support import ApiResponse, api_event, assert_envelope

FUNCTIONS = {
    "POST": "CreateInstanceFunction",
    "PUT": "UpdateInstanceFunction",
    "GET": "GetInstanceFunction",
    "DELETE": "DeleteInstanceFunction",
}


def call(invoke: Invoke, method: str, namespace: str, **kwargs: Any) -> ApiResponse:
    return invoke(FUNCTIONS[method], api_event(method, namespace=namespace, **kwargs))


@pytest.fixture
def theirs(api: Api) -> dict[str, Any]:
    """Team B's instance, created on the cluster-wide path."""
    created = api.create({"name": "theirs", "namespace": "team-b", "hostIDs": ["h1"]})
    assert created.status == 200
    data: dict[str, Any] = created.data
    return data


def test_given_a_namespaced_path_when_creating_without_a_namespace_then_the_instance_goes_there(
    invoke: Invoke, api: Api
) -> None:
    created = call(invoke, "POST", "team-a", body={"name": "ours"})
    assert_envelope(created, 200, "create succeed")
    assert created.data["namespace"] == "team-a"
    same = call(invoke, "POST", "team-a", body={"name": "ours2", "namespace": "team-a"})
    assert same.status == 200


def test_given_a_body_namespace_other_than_the_paths_when_creating_or_updating_then_400(
    invoke: Invoke, theirs: dict[str, Any]
) -> None:
    created = call(invoke, "POST", "team-a", body={"name": "x", "namespace": "team-b"})
    assert_envelope(created, 400, "create failed")
    assert (created.reason, created.fields) == ("Invalid", ["namespace"])
    updated = call(invoke, "PUT", "team-a", body={"name": "x", "namespace": "team-b", "shareStorage": True})
    assert (updated.status, updated.fields) == (400, ["namespace"])


@pytest.mark.parametrize(
    ("method", "request_"),
    [
        ("GET", {"query": {"name": "theirs"}}),
        ("PUT", {"body": {"name": "theirs", "shareStorage": True}}),
        ("PUT", {"body": {"name": "theirs", "hostIDs": [], "version": 1}}),
        ("PUT", {"body": {"name": "theirs", "hostIDs": [], "version": 7}}),
        ("DELETE", {"body": {"name": "theirs"}}),
        ("DELETE", {"body": {"name": "theirs", "version": 1}}),
        ("DELETE", {"query": {"name": "theirs"}}),
    ],
)
def test_given_another_namespaces_instance_when_addressed_on_our_path_then_404_and_it_is_untouched(
    invoke: Invoke, api: Api, theirs: dict[str, Any], method: str, request_: dict[str, Any]
) -> None:
    response = call(invoke, method, "team-a", **request_)
    assert response.status == 404
    assert response.reason == "NotFound"
    assert response.data["error"] == "no instance of that name in namespace 'team-a'"
    assert "team-b" not in json.dumps(response.body)
    assert "theirs" not in json.dumps(response.body)
    assert api.get("theirs").data == unreported(theirs)


def test_given_a_name_taken_in_another_namespace_when_creating_on_our_path_then_409_naming_no_namespace(
    invoke: Invoke, theirs: dict[str, Any]
) -> None:
    response = call(invoke, "POST", "team-a", body={"name": "theirs"})
    assert_envelope(response, 409, "create failed")
    assert response.reason == "AlreadyExists"
    assert "team-b" not in json.dumps(response.body)


def test_given_instances_in_two_namespaces_when_listing_on_a_namespaced_path_then_only_its_own(
    invoke: Invoke, api: Api, theirs: dict[str, Any]
) -> None:
    for name in ("a2", "a1"):
        api.create({"name": name, "namespace": "team-a"})
    listed = call(invoke, "GET", "team-a")
    assert_envelope(listed, 200, "list succeed")
    assert [item["name"] for item in listed.data["items"]] == ["a1", "a2"]
    first = call(invoke, "GET", "team-a", query={"limit": "1"})
    rest = call(invoke, "GET", "team-a", query={"limit": "1", "nextToken": first.data["nextToken"]})
    assert [item["name"] for item in rest.data["items"]] == ["a2"]


def test_given_a_namespace_parameter_on_a_namespaced_path_when_listing_then_400(invoke: Invoke) -> None:
    response = call(invoke, "GET", "team-a", query={"namespace": "team-b"})
    assert_envelope(response, 400, "list failed")
    assert response.fields == ["namespace"]


@pytest.mark.parametrize("method", sorted(FUNCTIONS))
@pytest.mark.parametrize("namespace", ["Team_A", "a" * 64, "-a", "é"])
def test_given_a_malformed_namespace_in_the_path_when_calling_then_400_invalid_namespace(
    invoke: Invoke, method: str, namespace: str
) -> None:
    body = {"name": "x", "shareStorage": True} if method in ("POST", "PUT") else None
    response = call(invoke, method, namespace, body=body, query={"name": "x"} if method == "GET" else None)
    assert response.status == 400
    assert (response.reason, response.fields) == ("Invalid", ["namespace"])


def test_given_a_namespace_routers_do_not_match_when_calling_then_still_400_invalid_namespace(
    invoke: Invoke,
) -> None:
    # A segment Powertools' router will not match (a quote, say) still gets the namespace rule.
    response = call(invoke, "GET", 'te"am', query={"name": "x"})
    assert response.status == 400
    assert response.fields == ["namespace"]


def test_given_our_own_instance_when_walking_its_life_on_the_namespaced_path_then_every_step_answers(
    invoke: Invoke,
) -> None:
    assert call(invoke, "POST", "team-a", body={"name": "life"}).status == 200
    assert call(invoke, "GET", "team-a", query={"name": "life"}).data["version"] == 1
    updated = call(invoke, "PUT", "team-a", body={"name": "life", "hostIDs": ["h"], "version": 1})
    assert (updated.status, updated.data["version"]) == (200, 2)
    assert call(invoke, "DELETE", "team-a", body={"name": "life", "version": 2}).status == 200
    assert call(invoke, "GET", "team-a", query={"name": "life"}).status == 404


def test_given_an_update_on_the_seed_path_naming_another_namespace_when_refused_then_it_names_none(
    api: Api, theirs: dict[str, Any]
) -> None:
    response = api.update({"name": "theirs", "namespace": "team-a", "shareStorage": True})
    assert (response.status, response.fields) == (400, ["namespace"])
    assert "team-b" not in json.dumps(response.body)
