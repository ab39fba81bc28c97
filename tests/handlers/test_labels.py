"""Labels and label selectors through the functions (moto): every representation carries the
labels, update replaces them whole, bad ones are a 400 naming `labels.<key>`, and every list (all,
`?namespace=`, the namespaced path, `?hostID=`) takes `labelSelector`, its pages bound to it."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from devtools.events import load_event
from instance_api.aws.items import to_item
from instance_api.domain.instance import Instance
from instance_api.domain.ports import SELECTED_PAGE_BUDGET
from instance_api.http import idempotency
from instance_api.http.models import CreateInstanceRequest
from tests.handlers.conftest import FUNCTIONS, TEMPLATE, Api, Invoke, InvokeRaw, intercept_aws, unreported
from tests.stream_records import batch, image, insert, named, recorded
from tests.support import ApiResponse, api_event, assert_envelope

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

WEB = {"app": "web", "example.com/tier": "front"}


def listed(api: Api, **query: str) -> list[str]:
    response = api.list(**query)
    assert_envelope(response, 200, "list succeed")
    return [item["name"] for item in response.data["items"]]


def namespaced_list(invoke: Invoke, namespace: str, **query: str) -> ApiResponse:
    return invoke("GetInstanceFunction", api_event("GET", namespace=namespace, query=dict(query) or None))


@pytest.fixture
def labelled(api: Api) -> None:
    for name, namespace, labels in (
        ("web-1", "team-a", WEB),
        ("web-2", "team-a", {"app": "web"}),
        ("api-1", "team-a", {"app": "api", "env": "prod"}),
        ("bare-1", "team-a", None),
        ("web-b", "team-b", WEB),
    ):
        body: dict[str, Any] = {"name": name, "namespace": namespace, "hostIDs": ["host-x"]}
        if labels is not None:
            body["labels"] = labels
        assert api.create(body).status == 200


def test_given_labels_when_creating_then_every_representation_carries_them(api: Api) -> None:
    created = api.create({"name": "web-1", "labels": WEB})
    assert_envelope(created, 200, "create succeed")
    assert created.data["labels"] == WEB
    assert list(created.data) == [
        "name",
        "namespace",
        "spec",
        "shareStorage",
        "hostIDs",
        "labels",
        "version",
        "createdAt",
        "updatedAt",
    ]
    got = api.get("web-1").data
    assert got == unreported(created.data)
    assert list(got) == [*created.data, "status"], "the status follows the instance"
    assert api.list().data["items"] == [created.data]
    assert api.create({"name": "bare-1"}).data["labels"] == {}, "labels default to {}"


def test_given_an_update_with_labels_when_updating_then_they_replace_the_map_whole(api: Api) -> None:
    api.create({"name": "web-1", "labels": WEB})
    replaced = api.update({"name": "web-1", "labels": {"app": "api"}})
    assert (replaced.data["labels"], replaced.data["version"]) == ({"app": "api"}, 2)
    kept = api.update({"name": "web-1", "shareStorage": True})
    assert kept.data["labels"] == {"app": "api"}, "an update without labels keeps them"
    cleared = api.update({"name": "web-1", "labels": {}})
    assert (cleared.data["labels"], api.get("web-1").data["labels"]) == ({}, {})


def test_given_bad_labels_when_creating_then_400_naming_each_label_and_nothing_stored(api: Api) -> None:
    response = api.create({"name": "web-1", "labels": {"Bad Key": "v", "tier": "-x", "n": None, "a/b/c": "1"}})
    assert_envelope(response, 400, "create failed")
    assert response.reason == "Invalid"
    assert response.fields == ["labels.Bad Key", "labels.tier", "labels.n", "labels.a/b/c"]
    assert api.get("web-1").status == 404


def test_given_a_key_repeated_inside_labels_when_creating_then_400_bad_request(api: Api) -> None:
    response = api.create('{"name": "web-1", "labels": {"app": "web", "app": "api"}}')
    assert_envelope(response, 400, "create failed")
    assert response.reason == "BadRequest"
    assert "repeats the key 'app'" in response.data["error"]


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("app=web", ["web-1", "web-2"]),
        ("app in (web,api),example.com/tier!=front", ["api-1", "web-2"]),
        ("!app", ["bare-1"]),
        ("env", ["api-1"]),
        ("", ["api-1", "bare-1", "web-1", "web-2"]),
    ],
)
def test_given_a_selector_when_listing_a_namespace_on_either_path_then_only_matches_come(
    api: Api, invoke: Invoke, labelled: None, selector: str, expected: list[str]
) -> None:
    assert listed(api, namespace="team-a", labelSelector=selector) == expected
    on_path = namespaced_list(invoke, "team-a", labelSelector=selector)
    assert [item["name"] for item in on_path.data["items"]] == expected
    everywhere = listed(api, labelSelector=selector)
    assert sorted(everywhere) == sorted(expected + (["web-b"] if "app=web" in selector or not selector else []))


@pytest.mark.parametrize(
    ("selector", "message"),
    [
        ("app=web,", "labelSelector at character 9: found the end of the selector, expected a label key"),
        ("app in ()x", "labelSelector at character 10: found 'x', expected ',' or the end"),
        ("a/b/c", "labelSelector at character 1: 'a/b/c' is not a valid label key"),
        ("app>1", "labelSelector at character 4: found '>'"),
    ],
)
def test_given_a_malformed_selector_when_listing_anywhere_then_400_invalid_label_selector(
    api: Api, invoke: Invoke, selector: str, message: str
) -> None:
    for response in (
        api.list(labelSelector=selector),
        api.list(labelSelector=selector, hostID="host-x"),
        namespaced_list(invoke, "team-a", labelSelector=selector),
    ):
        assert_envelope(response, 400, "list failed")
        assert (response.reason, response.fields) == ("Invalid", ["labelSelector"])
        assert response.data["error"].startswith(message)


def test_given_a_selector_given_twice_when_listing_then_400(api: Api) -> None:
    response = api.invoke("GetInstanceFunction", api_event("GET", query={"labelSelector": ["app", "env"]}))
    assert (response.status, response.fields) == (400, ["labelSelector"])


def test_given_a_selector_when_paging_by_one_then_each_match_comes_once(api: Api, labelled: None) -> None:
    seen: list[str] = []
    query = {"namespace": "team-a", "labelSelector": "app", "limit": "1"}
    for _ in range(10):
        page = api.list(**query)
        seen += [item["name"] for item in page.data["items"]]
        if page.data["nextToken"] is None:
            break
        query["nextToken"] = page.data["nextToken"]
    assert seen == ["api-1", "web-1", "web-2"]


@pytest.mark.parametrize(
    ("issued", "used"),
    [
        ({"labelSelector": "app"}, {"labelSelector": "env"}),
        ({"labelSelector": "app"}, {}),
        ({}, {"labelSelector": "app"}),
        ({"labelSelector": "app", "namespace": "team-a"}, {"labelSelector": "app", "namespace": "team-b"}),
    ],
)
def test_given_a_token_from_another_selector_when_listing_then_400(
    api: Api, labelled: None, issued: dict[str, str], used: dict[str, str]
) -> None:
    token = api.list(**issued, limit="1").data["nextToken"]
    assert token is not None
    response = api.list(**used, limit="1", nextToken=token)
    assert_envelope(response, 400, "list failed")
    assert response.reason == "BadRequest"


def test_given_one_selector_spelled_two_ways_when_paging_then_the_token_serves_both(api: Api, labelled: None) -> None:
    token = api.list(namespace="team-a", labelSelector="app=web", limit="1").data["nextToken"]
    rest = api.list(namespace="team-a", labelSelector=" app == web ", limit="5", nextToken=token)
    assert [item["name"] for item in rest.data["items"]] == ["web-2"]
    empty = api.list(namespace="team-a", labelSelector=" ", limit="1")
    whole = api.list(namespace="team-a", limit="5", nextToken=empty.data["nextToken"])
    assert whole.status == 200, "an empty selector is no selector"


def test_given_a_rare_label_among_more_than_a_page_reads_when_listing_then_a_short_page_and_then_the_match(
    api: Api, dynamodb: DynamoDBClient
) -> None:
    """The production budget: more items than one selected page may read, written straight into
    the table; the first page is empty with a token (no 5xx, no loop), the next one finds it."""
    table = TEMPLATE.table("InstancesTable").name
    template: Instance = api.create({"name": "aaa-0000", "namespace": "team-a", "labels": {"app": "web"}}).data
    requests: list[Any] = [
        {"PutRequest": {"Item": to_item({**template, "name": f"aaa-{number:04d}"})}}
        for number in range(1, SELECTED_PAGE_BUDGET + 50)
    ]
    for start in range(0, len(requests), 25):
        dynamodb.batch_write_item(RequestItems={table: requests[start : start + 25]})
    api.create({"name": "zzz-rare", "namespace": "team-a", "labels": {"app": "rare"}})
    first = api.list(namespace="team-a", labelSelector="app=rare")
    assert_envelope(first, 200, "list succeed")
    assert (first.data["items"], first.data["nextToken"] is not None) == ([], True)
    second = api.list(namespace="team-a", labelSelector="app=rare", nextToken=first.data["nextToken"])
    assert ([item["name"] for item in second.data["items"]], second.data["nextToken"]) == (["zzz-rare"], None)


# -- the host query and the change events (the consumer writes both) ------------------------


def test_given_labelled_and_old_instances_on_a_host_when_selecting_then_old_ones_have_none(
    api: Api, invoke_raw: InvokeRaw, monkeypatch: pytest.MonkeyPatch
) -> None:
    published: list[dict[str, Any]] = []
    intercept_aws(
        monkeypatch,
        lambda _service, operation, params: published.extend(params["Entries"]) if operation == "PutEvents" else None,
    )
    live = image(recorded()[0])
    old = {key: value for key, value in named(live, "old-1").items() if key != "labels"}
    labelled = {**named(live, "new-1"), "labels": {"M": {"app": {"S": "web"}}}}
    assert invoke_raw("PublishChangesFunction", batch(insert(old, 200), insert(labelled, 201))) == {
        "batchItemFailures": []
    }
    assert listed(api, hostID="host-a", labelSelector="app=web") == ["new-1"]
    assert listed(api, hostID="host-a", labelSelector="!app") == ["old-1"]
    assert listed(api, hostID="host-a", labelSelector="app notin (web)", namespace="team-a") == ["old-1"]
    token = api.list(hostID="host-a", labelSelector="!missing,env!=x", limit="1").data["nextToken"]
    assert token is not None
    assert api.list(hostID="host-a", labelSelector="app", limit="1", nextToken=token).reason == "BadRequest"
    assert api.list(hostID="host-a", limit="1", nextToken=token).reason == "BadRequest"
    details = [json.loads(entry["Detail"]) for entry in published]
    assert [(detail["name"], detail["instance"]["labels"]) for detail in details] == [
        ("old-1", {}),
        ("new-1", {"app": "web"}),
    ]


def test_given_the_recorded_stream_when_consuming_then_events_carry_the_labels(
    invoke_raw: InvokeRaw, monkeypatch: pytest.MonkeyPatch
) -> None:
    published: list[dict[str, Any]] = []
    intercept_aws(
        monkeypatch,
        lambda _service, operation, params: published.extend(params["Entries"]) if operation == "PutEvents" else None,
    )
    invoke_raw("PublishChangesFunction", load_event("stream"))
    updated = json.loads(published[1]["Detail"])
    assert (updated["previous"]["labels"], updated["instance"]["labels"]) == (
        {"app": "web"},
        {"app": "web", "env": "prod"},
    )


# -- idempotent creates across the deployment that added labels ------------------------------


def test_given_a_create_without_labels_when_hashing_its_record_then_it_is_the_record_before_labels() -> None:
    command = CreateInstanceRequest.model_validate({"name": "web-1"}).command()
    assert idempotency.record(command, "k", "me")["request"] == {
        "name": "web-1",
        "namespace": "default",
        "spec": {"image": ""},
        "shareStorage": False,
        "hostIDs": [],
    }
    labelled = CreateInstanceRequest.model_validate({"name": "web-1", "labels": {"app": "web"}}).command()
    assert idempotency.record(labelled, "k", "me")["request"]["labels"] == {"app": "web"}


def test_given_a_record_answered_before_labels_when_retrying_then_the_replay_has_empty_labels(
    invoke: Invoke, dynamodb: DynamoDBClient
) -> None:
    first = invoke(
        "CreateInstanceFunction", api_event("POST", body={"name": "web-1"}, headers={"Idempotency-Key": "k-1"})
    )
    table = FUNCTIONS["CreateInstanceFunction"].environment["IDEMPOTENCY_TABLE_NAME"]
    (item,) = dynamodb.scan(TableName=table)["Items"]
    answer = json.loads(item["data"]["S"])
    del answer["labels"]
    dynamodb.put_item(TableName=table, Item={**item, "data": {"S": json.dumps(answer)}})
    again = invoke(
        "CreateInstanceFunction", api_event("POST", body={"name": "web-1"}, headers={"Idempotency-Key": "k-1"})
    )
    assert_envelope(again, 200, "create succeed")
    assert again.data == first.data
