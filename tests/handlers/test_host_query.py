"""GET /api/v1/instance?hostID=H: the get function answers from the host index the change
consumer keeps (fed here with recorded stream batches), sorted by name, paginated with signed
tokens bound to the listing, every bad parameter a 400."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from instance_api.aws.items import from_item
from tests.handlers.conftest import Api, InvokeRaw, intercept_aws
from tests.stream_records import batch, image, insert, named, on_hosts, recorded
from tests.support import api_event, assert_envelope


@pytest.fixture
def indexed(invoke_raw: InvokeRaw) -> list[dict[str, Any]]:
    """web-1's recorded life (it ends on host-a at version 3), and app-0..app-5 on host-x:
    app-0..2 in namespace team-a, app-3..5 in team-b. What the consumer published, its answer."""
    live = image(recorded()[0])
    records = [*recorded()]
    for number in range(6):
        item = on_hosts(named(live, f"app-{number}"), "host-x", "host-y")
        item["namespace"] = {"S": "team-a" if number < 3 else "team-b"}
        records.append(insert(item, 100 + number))
    answer: dict[str, Any] = invoke_raw("PublishChangesFunction", batch(*records))
    assert answer == {"batchItemFailures": []}
    return records


def names(api: Api, **query: str) -> list[str]:
    response = api.list(**query)
    assert_envelope(response, 200, "list succeed")
    return [item["name"] for item in response.data["items"]]


def test_given_an_instance_s_whole_life_when_asking_its_hosts_then_only_the_last_one_runs_it(
    api: Api, indexed: list[dict[str, Any]]
) -> None:
    response = api.list(hostID="host-a")
    assert_envelope(response, 200, "list succeed")
    (web,) = response.data["items"]
    assert (web["name"], web["version"], web["hostIDs"], response.data["nextToken"]) == ("web-1", 3, ["host-a"], None)
    assert web == from_item(recorded()[3]["dynamodb"]["NewImage"]), "the whole instance, as a get answers it"
    assert names(api, hostID="host-b") == names(api, hostID="host-c") == []


def test_given_a_host_with_more_than_a_page_when_paging_then_each_instance_comes_once_in_name_order(
    api: Api, indexed: list[dict[str, Any]]
) -> None:
    seen: list[str] = []
    query = {"hostID": "host-x", "limit": "4"}
    while True:
        page = api.list(**query)
        assert_envelope(page, 200, "list succeed")
        seen += [item["name"] for item in page.data["items"]]
        if page.data["nextToken"] is None:
            break
        query["nextToken"] = page.data["nextToken"]
    assert seen == [f"app-{number}" for number in range(6)]


def test_given_a_namespace_when_asking_a_host_then_only_that_namespace_s_instances_come(
    api: Api, indexed: list[dict[str, Any]]
) -> None:
    assert names(api, hostID="host-x", namespace="team-b") == ["app-3", "app-4", "app-5"]
    first = api.list(hostID="host-x", namespace="team-a", limit="2")
    assert [item["name"] for item in first.data["items"]] == ["app-0", "app-1"]
    rest = api.list(hostID="host-x", namespace="team-a", limit="2", nextToken=first.data["nextToken"])
    assert ([item["name"] for item in rest.data["items"]], rest.data["nextToken"]) == (["app-2"], None)


@pytest.mark.parametrize(
    ("issued", "used"),
    [
        ({"hostID": "host-x"}, {"hostID": "host-y"}),
        ({"hostID": "host-x"}, {"hostID": "host-x", "namespace": "team-a"}),
        ({"hostID": "host-x"}, {}),
        ({}, {"hostID": "host-x"}),
    ],
)
def test_given_a_token_of_another_listing_when_asking_a_host_then_it_is_refused(
    api: Api, indexed: list[dict[str, Any]], issued: dict[str, str], used: dict[str, str]
) -> None:
    api.create({"name": "table-1"})
    api.create({"name": "table-2"})
    token = api.list(**issued, limit="1").data["nextToken"]
    assert token is not None
    refused = api.list(**used, nextToken=token)
    assert_envelope(refused, 400, "list failed")
    assert refused.reason == "BadRequest"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"hostID": ""}, "hostID"),
        ({"hostID": "-leading-dash"}, "hostID"),
        ({"hostID": "h" * 254}, "hostID"),
        ({"hostID": "host a"}, "hostID"),
        ({"hostID": ["h1", "h2"]}, "hostID"),
        ({"hostID": "h1", "limit": "0"}, "limit"),
    ],
)
def test_given_a_bad_host_query_when_listing_then_400_invalid_naming_the_field(
    api: Api, query: dict[str, Any], field: str
) -> None:
    response = api.list(**query)
    assert_envelope(response, 400, "list failed")
    assert (response.reason, response.fields) == ("Invalid", [field])


def test_given_a_name_and_a_host_when_getting_then_the_host_is_not_a_get_parameter(api: Api) -> None:
    response = api.invoke("GetInstanceFunction", api_event("GET", query={"name": "web-1", "hostID": "host-a"}))
    assert_envelope(response, 400, "get failed")
    assert response.fields == ["hostID"]


def test_given_the_host_index_throttled_when_asking_a_host_then_503_with_retry_after(
    api: Api, indexed: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    def throttle(service: str, operation: str, params: dict[str, Any]) -> None:
        if params.get("TableName") == "HostIndexTable":
            raise ClientError({"Error": {"Code": "ProvisionedThroughputExceededException"}}, operation)

    intercept_aws(monkeypatch, throttle)
    response = api.list(hostID="host-x")
    assert_envelope(response, 503, "list failed")
    assert response.headers["retry-after"] == "1"


def namespaced(api: Api, path_namespace: str, **query: str) -> Any:
    return api.invoke("GetInstanceFunction", api_event("GET", namespace=path_namespace, query=dict(query)))


def test_given_a_namespace_s_path_when_asking_a_host_then_only_that_namespace_s_instances_come(
    api: Api, indexed: list[dict[str, Any]]
) -> None:
    """docs/contract.md: the host query on a namespaced path is within that namespace."""
    response = namespaced(api, "team-b", hostID="host-x", limit="2")
    assert_envelope(response, 200, "list succeed")
    assert [item["name"] for item in response.data["items"]] == ["app-3", "app-4"]
    rest = namespaced(api, "team-b", hostID="host-x", nextToken=response.data["nextToken"])
    assert ([item["name"] for item in rest.data["items"]], rest.data["nextToken"]) == (["app-5"], None)
    assert namespaced(api, "team-c", hostID="host-x").data == {"items": [], "nextToken": None}
    refused = namespaced(api, "team-b", hostID="host-x", namespace="team-a")
    assert (refused.status, refused.fields) == (400, ["namespace"])


def test_given_a_host_token_of_the_cluster_path_when_used_on_that_namespace_s_path_then_it_continues(
    api: Api, indexed: list[dict[str, Any]]
) -> None:
    """The same listing on both paths (namespace team-a, host-x): the token carries over."""
    first = api.list(hostID="host-x", namespace="team-a", limit="2")
    rest = namespaced(api, "team-a", hostID="host-x", nextToken=first.data["nextToken"])
    assert [item["name"] for item in rest.data["items"]] == ["app-2"]
