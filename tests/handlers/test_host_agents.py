"""Host agents on the handlers (moto): the host's view with its ETag and 304, reports with their
404/409/400 rules, status on GET ?name=, and the phase consumer's `Instance Phase Changed` events.

The stream consumers are fed what moto's streams hold, as Lambda's mappings would: the change
consumer keeps the host index and revisions, the phase consumer reads both streams.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import botocore.session
import pytest

from devtools.embedded_dynamodb import _one_insert_per_item
from devtools.local_api.streams import lambda_record
from devtools.template import LOCAL_REGION
from tests.handlers.conftest import Api, Invoke, InvokeRaw, intercept_aws
from tests.support import ApiResponse, assert_envelope, host_event

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

STREAMS_ENDPOINT = f"https://streams.dynamodb.{LOCAL_REGION}.amazonaws.com"
IMAGE = "registry.example.com/team/web:1.4.2"


class Streams:
    """What each table's stream holds that its consumers have not been given yet."""

    def __init__(self, dynamodb: DynamoDBClient) -> None:
        _one_insert_per_item()  # as the embedded store does: DynamoDB records one INSERT per new item
        self._dynamodb = dynamodb
        # moto answers DynamoDB Streams on its own host name only (botocore's default is another).
        self._streams: Any = botocore.session.get_session().create_client(
            "dynamodbstreams", region_name=LOCAL_REGION, endpoint_url=STREAMS_ENDPOINT
        )
        self._iterators: dict[str, dict[str, str | None]] = {}

    def new_records(self, table: str) -> list[dict[str, Any]]:
        arn = self._dynamodb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
        iterators = self._iterators.setdefault(table, {})
        records: list[dict[str, Any]] = []
        for shard in self._streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
            if shard["ShardId"] not in iterators:
                iterators[shard["ShardId"]] = self._streams.get_shard_iterator(
                    StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
                )["ShardIterator"]
            iterator = iterators[shard["ShardId"]]
            while iterator:
                answer = self._streams.get_records(ShardIterator=iterator)
                records += [lambda_record(record, arn) for record in answer["Records"]]
                iterator = answer.get("NextShardIterator")
                if not answer["Records"]:
                    break
            iterators[shard["ShardId"]] = iterator
        return records


class Agents:
    """The two host routes and the two consumers, called as API Gateway and Lambda call them."""

    def __init__(self, invoke: Invoke, invoke_raw: InvokeRaw, streams: Streams) -> None:
        self.invoke, self.invoke_raw, self.streams = invoke, invoke_raw, streams

    def view(self, host: str, *, tag: str | None = None, **query: str) -> ApiResponse:
        headers = {"If-None-Match": tag} if tag is not None else None
        return self.invoke("GetHostViewFunction", host_event("GET", host, query=dict(query) or None, headers=headers))

    def report(self, host: str, body: str | dict[str, Any]) -> ApiResponse:
        return self.invoke("ReportHostStatusFunction", host_event("PUT", host, status=True, body=body))

    def settle(self) -> None:
        """Both consumers catch up with both streams."""
        instances = self.streams.new_records("InstancesTable")
        if instances:
            assert self.invoke_raw("PublishChangesFunction", {"Records": instances}) == {"batchItemFailures": []}
        for records in (instances, self.streams.new_records("HostReportsTable")):
            if records:
                assert self.invoke_raw("PublishPhasesFunction", {"Records": records}) == {"batchItemFailures": []}


@pytest.fixture
def phase_events(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The detail of every `Instance Phase Changed` event put on EventBridge, in order."""
    details: list[dict[str, Any]] = []

    def record(service: str, operation: str, params: dict[str, Any]) -> None:
        if operation == "PutEvents":
            details.extend(
                json.loads(entry["Detail"])
                for entry in params["Entries"]
                if entry["DetailType"] == "Instance Phase Changed"
            )

    intercept_aws(monkeypatch, record)
    return details


@pytest.fixture
def agents(invoke: Invoke, invoke_raw: InvokeRaw, dynamodb: DynamoDBClient, phase_events: Any) -> Agents:
    return Agents(invoke, invoke_raw, Streams(dynamodb))


def create(api: Api, name: str, hosts: list[str], namespace: str = "team-a") -> dict[str, Any]:
    created = api.create({"name": name, "namespace": namespace, "spec": {"image": IMAGE}, "hostIDs": hosts})
    assert created.status == 200, created.body
    return dict(created.data)


def phases(events: list[dict[str, Any]]) -> list[tuple[str | None, str, int]]:
    return [(event["previousPhase"], event["phase"], event["version"]) for event in events]


# -- the host's view ------------------------------------------------------------------------


def test_given_instances_in_two_namespaces_when_a_host_reads_its_view_then_both_are_listed_by_name_with_its_report(
    api: Api, agents: Agents
) -> None:
    create(api, "web", ["h1", "h2"])
    create(api, "api", ["h1"], namespace="team-b")
    create(api, "other", ["h2"])
    agents.settle()
    assert agents.report("h1", {"name": "web", "observedVersion": 1, "state": "Running"}).status == 200

    view = agents.view("h1")

    assert_envelope(view, 200, "list succeed")
    assert [item["name"] for item in view.data["items"]] == ["api", "web"]
    assert view.data["items"][0]["hostStatus"] is None
    assert view.data["items"][1]["hostStatus"]["state"] == "Running"
    assert view.data["items"][1]["hostStatus"]["observedVersion"] == 1
    assert view.data["nextToken"] is None
    assert view.headers["etag"].startswith('"')
    assert view.headers["etag"].endswith('"')


def test_given_the_current_etag_when_the_host_asks_again_then_it_is_a_bodiless_304_after_one_small_read(
    api: Api, agents: Agents, monkeypatch: pytest.MonkeyPatch
) -> None:
    create(api, "web", ["h1"])
    agents.settle()
    tag = agents.view("h1").headers["etag"]
    calls: list[str] = []
    intercept_aws(monkeypatch, lambda service, operation, params: calls.append(f"{service}:{operation}"))

    again = agents.view("h1", tag=tag)

    assert again.status == 304
    assert again.body == {}
    assert again.headers["etag"] == tag
    assert calls == ["dynamodb:GetItem"]


def test_given_an_etag_when_the_view_changes_then_the_old_one_gets_a_200_with_a_new_etag(
    api: Api, agents: Agents
) -> None:
    create(api, "web", ["h1"])
    agents.settle()
    tag = agents.view("h1").headers["etag"]

    assert api.update({"name": "web", "spec": {"image": IMAGE + "-2"}}).status == 200
    agents.settle()
    after_update = agents.view("h1", tag=tag)
    assert after_update.status == 200
    assert after_update.headers["etag"] != tag

    assert agents.report("h1", {"name": "web", "observedVersion": 2, "state": "Running"}).status == 200
    after_report = agents.view("h1", tag=after_update.headers["etag"])
    assert after_report.status == 200
    assert after_report.data["items"][0]["hostStatus"]["observedVersion"] == 2


def test_given_a_weak_or_listed_or_star_etag_when_asking_then_they_match_as_http_says(api: Api, agents: Agents) -> None:
    create(api, "web", ["h1"])
    agents.settle()
    tag = agents.view("h1").headers["etag"]

    assert agents.view("h1", tag=f'"other", W/{tag}').status == 304
    assert agents.view("h1", tag="*").status == 304
    assert agents.view("h1", tag='"other"').status == 200


def test_given_a_host_with_nothing_when_it_reads_its_view_then_it_is_an_empty_page_with_an_etag(
    agents: Agents,
) -> None:
    view = agents.view("nobody")
    assert_envelope(view, 200, "list succeed")
    assert view.data == {"items": [], "nextToken": None}
    assert agents.view("nobody", tag=view.headers["etag"]).status == 304


def test_given_more_instances_than_the_limit_when_paging_the_view_then_every_one_comes_once(
    api: Api, agents: Agents
) -> None:
    for number in range(5):
        create(api, f"web-{number}", ["h1"])
    agents.settle()
    seen: list[str] = []
    page = agents.view("h1", limit="2")
    while True:
        assert page.status == 200, page.body
        seen += [item["name"] for item in page.data["items"]]
        if page.data["nextToken"] is None:
            break
        page = agents.view("h1", limit="2", nextToken=page.data["nextToken"])
    assert seen == [f"web-{number}" for number in range(5)]


def test_given_another_hosts_token_when_paging_then_it_is_400(api: Api, agents: Agents) -> None:
    for number in range(3):
        create(api, f"web-{number}", ["h1", "h2"])
    agents.settle()
    token = agents.view("h1", limit="1").data["nextToken"]
    assert agents.view("h2", limit="1", nextToken=token).status == 400


@pytest.mark.parametrize("host", ["-leading-dash", "a" * 254, "bad/slash", "sp ace", "#", "%FF", "a%2Fb", "a%253Ab"])
def test_given_a_malformed_host_id_when_reading_or_reporting_then_it_is_400_invalid_on_host_id(
    agents: Agents, host: str
) -> None:
    for response, message in (
        (agents.view(host), "list failed"),
        (agents.report(host, {"name": "web", "observedVersion": 1, "state": "Running"}), "report failed"),
    ):
        assert_envelope(response, 400, message)
        assert response.reason == "Invalid"
        assert response.fields == ["hostID"]


def test_given_a_host_id_with_a_colon_percent_encoded_when_reading_and_reporting_then_it_is_that_host(
    api: Api, agents: Agents
) -> None:
    create(api, "web", ["rack-1:host-7"])
    agents.settle()
    assert [item["name"] for item in agents.view("rack-1%3Ahost-7").data["items"]] == ["web"]
    reported = agents.report("rack-1%3Ahost-7", {"name": "web", "observedVersion": 1, "state": "Running"})
    assert reported.status == 200, reported.body
    assert reported.data["status"]["hosts"][0]["hostID"] == "rack-1:host-7"


# -- reports --------------------------------------------------------------------------------


def test_given_a_report_when_it_lands_then_the_instance_is_unchanged_and_no_update_is_published(
    api: Api, agents: Agents, dynamodb: DynamoDBClient
) -> None:
    created = create(api, "web", ["h1", "h2"])
    agents.settle()

    reported = agents.report("h1", {"name": "web", "observedVersion": 1, "state": "Running", "message": "up"})

    assert_envelope(reported, 200, "report succeed")
    assert {key: value for key, value in reported.data.items() if key != "status"} == created
    assert reported.data["status"]["hosts"][0]["message"] == "up"
    assert agents.streams.new_records("InstancesTable") == []
    assert api.update({"name": "web", "version": 1, "spec": {"image": IMAGE + "-2"}}).status == 200


@pytest.mark.parametrize(
    ("host", "name"), [("h1", "missing"), ("h9", "web")], ids=["no-such-instance", "host-not-in-hostIDs"]
)
def test_given_an_unknown_instance_or_a_host_not_in_its_hosts_when_reporting_then_it_is_404(
    api: Api, agents: Agents, host: str, name: str
) -> None:
    create(api, "web", ["h1"])
    response = agents.report(host, {"name": name, "observedVersion": 1, "state": "Running"})
    assert_envelope(response, 404, "report failed")
    assert response.reason == "NotFound"


def test_given_an_observed_version_above_the_instances_when_reporting_then_it_is_409(api: Api, agents: Agents) -> None:
    create(api, "web", ["h1"])
    response = agents.report("h1", {"name": "web", "observedVersion": 2, "state": "Running"})
    assert_envelope(response, 409, "report failed")
    assert response.reason == "Conflict"


def test_given_a_newer_report_when_an_older_one_arrives_late_then_it_is_409_and_the_newer_stays(
    api: Api, agents: Agents
) -> None:
    create(api, "web", ["h1"])
    assert api.update({"name": "web", "spec": {"image": IMAGE + "-2"}}).status == 200
    assert agents.report("h1", {"name": "web", "observedVersion": 2, "state": "Running"}).status == 200

    late = agents.report("h1", {"name": "web", "observedVersion": 1, "state": "Failed"})

    assert_envelope(late, 409, "report failed")
    assert "observedVersion 2" in late.body["data"]["error"]
    status = api.get("web").data["status"]
    assert status["hosts"][0]["state"] == "Running"
    assert status["hosts"][0]["observedVersion"] == 2
    same_again = agents.report("h1", {"name": "web", "observedVersion": 2, "state": "Stopped"})
    assert same_again.status == 200
    assert same_again.data["status"]["hosts"][0]["state"] == "Stopped"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "web", "observedVersion": 1, "state": "Ready"}, "state"),
        ({"name": "web", "observedVersion": 1, "state": "Unknown"}, "state"),
        ({"name": "web", "observedVersion": 0, "state": "Running"}, "observedVersion"),
        ({"name": "web", "observedVersion": "1", "state": "Running"}, "observedVersion"),
        ({"name": "web", "observedVersion": True, "state": "Running"}, "observedVersion"),
        ({"name": "web", "observedVersion": 1.5, "state": "Running"}, "observedVersion"),
        ({"name": "web", "observedVersion": 10**40, "state": "Running"}, "observedVersion"),
        ({"name": "web", "observedVersion": 1, "state": "Running", "message": "x" * 1025}, "message"),
        ({"name": "web", "observedVersion": 1, "state": "Running", "message": 7}, "message"),
        ({"name": "Not_A_Name", "observedVersion": 1, "state": "Running"}, "name"),
        ({"observedVersion": 1, "state": "Running"}, "name"),
        ({"name": "web", "state": "Running"}, "observedVersion"),
        ({"name": "web", "observedVersion": 1}, "state"),
        ({"name": "web", "observedVersion": 1, "state": "Running", "hostID": "h2"}, "hostID"),
    ],
)
def test_given_a_bad_report_when_sent_then_it_is_400_invalid_naming_the_field(
    api: Api, agents: Agents, body: dict[str, Any], field: str
) -> None:
    create(api, "web", ["h1"])
    response = agents.report("h1", body)
    assert_envelope(response, 400, "report failed")
    assert response.reason == "Invalid"
    assert field in response.fields


@pytest.mark.parametrize("body", ["", "not json", "[]", '{"name": "web", "name": "web"}'])
def test_given_a_body_that_is_no_report_when_sent_then_it_is_400(api: Api, agents: Agents, body: str) -> None:
    create(api, "web", ["h1"])
    response = agents.report("h1", body)
    assert response.status == 400, response.body
    assert response.body["message"] == "report failed"


def test_given_a_message_of_exactly_1024_characters_when_reporting_then_it_is_kept_whole(
    api: Api, agents: Agents
) -> None:
    create(api, "web", ["h1"])
    message = "é" * 1024
    response = agents.report("h1", {"name": "web", "observedVersion": 1, "state": "Failed", "message": message})
    assert response.status == 200, response.body
    assert response.data["status"]["hosts"][0]["message"] == message


# -- status and phase -----------------------------------------------------------------------


def test_given_hosts_that_have_not_reported_when_getting_the_instance_then_each_is_unknown_in_hostids_order(
    api: Api,
) -> None:
    create(api, "web", ["h2", "h1"])
    status = api.get("web").data["status"]
    assert status == {
        "phase": "Progressing",
        "desired": 2,
        "ready": 0,
        "hosts": [
            {"hostID": host, "state": "Unknown", "observedVersion": None, "message": None, "reportedAt": None}
            for host in ("h2", "h1")
        ],
    }


def test_given_no_hosts_when_getting_the_instance_then_it_is_ready(api: Api) -> None:
    create(api, "lonely", [])
    assert api.get("lonely").data["status"] == {"phase": "Ready", "desired": 0, "ready": 0, "hosts": []}


def test_given_a_rollout_when_hosts_report_then_the_phases_are_published_in_order(
    api: Api, agents: Agents, phase_events: list[dict[str, Any]]
) -> None:
    create(api, "web", ["h1", "h2"])
    agents.settle()
    agents.report("h1", {"name": "web", "observedVersion": 1, "state": "Running"})
    agents.report("h2", {"name": "web", "observedVersion": 1, "state": "Failed", "message": "crash"})
    agents.settle()
    agents.report("h2", {"name": "web", "observedVersion": 1, "state": "Running"})
    agents.settle()
    assert api.get("web").data["status"]["phase"] == "Ready"

    assert api.update({"name": "web", "spec": {"image": IMAGE + "-2"}}).status == 200
    agents.settle()
    assert api.get("web").data["status"]["ready"] == 0
    for host in ("h1", "h2"):
        agents.report(host, {"name": "web", "observedVersion": 2, "state": "Running"})
    agents.settle()

    assert phases(phase_events) == [
        (None, "Progressing", 1),
        ("Progressing", "Failed", 1),
        ("Failed", "Ready", 1),
        ("Ready", "Progressing", 2),
        ("Progressing", "Ready", 2),
    ]
    last = phase_events[-1]
    assert last["namespace"] == "team-a"
    assert (last["desired"], last["ready"]) == (2, 2)


def test_given_an_update_already_ready_when_the_consumer_first_sees_it_then_progressing_is_published_first(
    api: Api, agents: Agents, phase_events: list[dict[str, Any]]
) -> None:
    create(api, "web", ["h1"])
    agents.report("h1", {"name": "web", "observedVersion": 1, "state": "Running"})
    agents.settle()
    assert api.update({"name": "web", "spec": {"image": IMAGE + "-2"}}).status == 200
    agents.report("h1", {"name": "web", "observedVersion": 2, "state": "Running"})
    agents.settle()

    assert phases(phase_events)[-2:] == [("Ready", "Progressing", 2), ("Progressing", "Ready", 2)]


def test_given_a_create_already_ready_when_the_consumer_first_sees_it_then_progressing_is_published_first(
    api: Api, agents: Agents, phase_events: list[dict[str, Any]]
) -> None:
    created = create(api, "web", ["h1"])
    agents.report("h1", {"name": "web", "observedVersion": 1, "state": "Running"})
    agents.settle()
    assert phases(phase_events) == [(None, "Progressing", 1), ("Progressing", "Ready", 1)]
    assert phase_events[0]["changedAt"] == created["createdAt"]
    assert (phase_events[0]["ready"], phase_events[1]["ready"]) == (0, 1)


def test_given_a_create_with_no_hosts_when_consumed_then_its_one_event_is_ready(
    api: Api, agents: Agents, phase_events: list[dict[str, Any]]
) -> None:
    create(api, "lonely", [])
    agents.settle()
    assert phases(phase_events) == [(None, "Ready", 1)]


def test_given_the_same_records_twice_when_consuming_then_no_phase_event_is_published_again(
    api: Api, agents: Agents, invoke_raw: InvokeRaw, phase_events: list[dict[str, Any]], dynamodb: DynamoDBClient
) -> None:
    create(api, "web", ["h1"])
    records = agents.streams.new_records("InstancesTable")
    invoke_raw("PublishPhasesFunction", {"Records": records})
    invoke_raw("PublishPhasesFunction", {"Records": records})
    assert phases(phase_events) == [(None, "Progressing", 1)]


def test_given_a_deleted_instance_when_created_again_then_it_starts_unknown_with_a_first_phase_event(
    api: Api, agents: Agents, phase_events: list[dict[str, Any]], dynamodb: DynamoDBClient
) -> None:
    create(api, "web", ["h1"])
    agents.settle()
    agents.report("h1", {"name": "web", "observedVersion": 1, "state": "Running"})
    agents.settle()
    assert api.delete({"name": "web"}).status == 200
    agents.settle()
    assert (
        dynamodb.query(
            TableName="HostReportsTable",
            KeyConditionExpression="#n = :n",
            ExpressionAttributeNames={"#n": "name"},
            ExpressionAttributeValues={":n": {"S": "web"}},
        )["Items"]
        == []
    )

    again = create(api, "web", ["h1"])
    agents.settle()

    assert api.get("web").data["status"]["hosts"][0]["state"] == "Unknown"
    assert phases(phase_events) == [
        (None, "Progressing", 1),
        ("Progressing", "Ready", 1),
        (None, "Progressing", again["version"]),
    ]
    stale = agents.report("h1", {"name": "web", "observedVersion": again["version"], "state": "Running"})
    assert stale.data["status"]["ready"] == 1


def test_given_a_host_removed_from_hostids_when_getting_then_its_report_leaves_the_status(
    api: Api, agents: Agents
) -> None:
    create(api, "web", ["h1", "h2"])
    agents.report("h2", {"name": "web", "observedVersion": 1, "state": "Failed"})
    assert api.get("web").data["status"]["phase"] == "Failed"
    assert api.update({"name": "web", "hostIDs": ["h1"]}).status == 200
    status = api.get("web").data["status"]
    assert [host["hostID"] for host in status["hosts"]] == ["h1"]
    assert status["phase"] == "Progressing"
