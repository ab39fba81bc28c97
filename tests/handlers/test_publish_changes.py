"""The change consumer's handler on recorded stream batches: the host index it keeps and the
events it publishes (moto's DynamoDB and EventBridge; each PutEvents entry recorded)."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import botocore.client
import botocore.exceptions
import botocore.session
import pytest

from devtools.events import load_event
from devtools.local_api.streams import EventSourceMapping, FunctionError
from devtools.template import LOCAL_REGION, Template
from instance_api.changes.consumer import BatchFailed
from tests.handlers.conftest import MAKE_API_CALL, InvokeRaw, intercept_aws
from tests.stream_records import batch, image, insert, named, on_hosts, poison, recorded, remove
from tests.support import marked

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

CONSUMER = "PublishChangesFunction"
Consume = Callable[[dict[str, Any]], dict[str, Any]]


@pytest.fixture
def published(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Every entry the code under test puts on EventBridge, in order (moto takes them too)."""
    entries: list[dict[str, Any]] = []

    def record(service: str, operation: str, params: dict[str, Any]) -> None:
        if operation == "PutEvents":
            entries.extend(params["Entries"])

    intercept_aws(monkeypatch, record)
    return entries


@pytest.fixture
def consume(invoke_raw: InvokeRaw, published: list[dict[str, Any]]) -> Consume:
    def call(event: dict[str, Any]) -> dict[str, Any]:
        answer: dict[str, Any] = invoke_raw(CONSUMER, event)
        return answer

    return call


def index(dynamodb: DynamoDBClient) -> dict[tuple[str, str], int | None]:
    """The host index: (host, name) -> the version that runs there, or None for a removed entry."""
    items = dynamodb.scan(TableName="HostIndexTable")["Items"]
    return {
        (item["hostID"]["S"], item["name"]["S"]): int(item["version"]["N"]) if "namespace" in item else None
        for item in items
    }


def kinds(published: list[dict[str, Any]]) -> list[tuple[str, str, int]]:
    return [
        (entry["DetailType"], json.loads(entry["Detail"])["name"], json.loads(entry["Detail"])["version"])
        for entry in published
    ]


def test_given_the_recorded_stream_event_when_consuming_it_then_every_record_succeeds(consume: Consume) -> None:
    assert consume(load_event("stream")) == {"batchItemFailures": []}


def test_given_an_insert_when_consuming_it_then_each_host_holds_the_whole_instance_and_a_create_is_published(
    consume: Consume, dynamodb: DynamoDBClient, published: list[dict[str, Any]]
) -> None:
    consume(batch(recorded()[0]))
    assert index(dynamodb) == {("host-a", "web-1"): 1, ("host-b", "web-1"): 1}
    (entry,) = published
    detail = json.loads(entry["Detail"])
    assert (entry["Source"], entry["DetailType"], entry["EventBusName"]) == (
        "instance-api",
        "Instance Created",
        "instance-api-local-changes",
    )
    assert detail["previous"] is None
    assert detail["instance"]["hostIDs"] == ["host-a", "host-b"]
    stored = dynamodb.get_item(TableName="HostIndexTable", Key={"hostID": {"S": "host-a"}, "name": {"S": "web-1"}})
    assert stored["Item"]["spec"] == {"M": {"image": {"S": "registry.example.com/team/web:1.4.2"}}}


def test_given_an_update_that_moves_hosts_when_consuming_it_then_added_hosts_get_it_and_removed_ones_lose_it(
    consume: Consume, dynamodb: DynamoDBClient, published: list[dict[str, Any]]
) -> None:
    consume(batch(*recorded()[:2]))
    assert index(dynamodb) == {("host-a", "web-1"): None, ("host-b", "web-1"): 2, ("host-c", "web-1"): 2}
    created, updated = (json.loads(entry["Detail"]) for entry in published)
    assert updated["previous"] == created["instance"]
    assert (updated["instance"]["version"], updated["instance"]["hostIDs"]) == (2, ["host-b", "host-c"])


def test_given_a_delete_and_a_create_over_its_tombstone_when_consuming_then_hosts_and_events_follow(
    consume: Consume, dynamodb: DynamoDBClient, published: list[dict[str, Any]]
) -> None:
    consume(batch(*recorded()[:3]))
    assert set(index(dynamodb).values()) == {None}, "deleted: no host runs it"
    consume(batch(recorded()[3]))
    assert index(dynamodb) == {("host-a", "web-1"): 3, ("host-b", "web-1"): None, ("host-c", "web-1"): None}
    assert kinds(published) == [
        ("Instance Created", "web-1", 1),
        ("Instance Updated", "web-1", 2),
        ("Instance Deleted", "web-1", 2),
        ("Instance Created", "web-1", 3),
    ]
    deleted, recreated = (json.loads(entry["Detail"]) for entry in published[2:])
    assert (deleted["instance"], deleted["previous"]["version"]) == (None, 2)
    assert deleted["changedAt"] == recorded()[2]["dynamodb"]["NewImage"]["deletedAt"]["S"]
    assert (recreated["previous"], recreated["instance"]["hostIDs"]) == (None, ["host-a"])


def test_given_an_item_removed_without_a_tombstone_when_consuming_it_then_it_is_a_delete(
    consume: Consume, dynamodb: DynamoDBClient, published: list[dict[str, Any]]
) -> None:
    consume(batch(*recorded()[:2], remove(image(recorded()[1]), 10)))
    assert set(index(dynamodb).values()) == {None}
    assert kinds(published)[-1] == ("Instance Deleted", "web-1", 2)


def test_given_a_retried_batch_when_consuming_it_again_then_the_index_is_unchanged_and_events_repeat(
    consume: Consume, dynamodb: DynamoDBClient, published: list[dict[str, Any]]
) -> None:
    consume(batch(*recorded()[:2]))
    before = dynamodb.scan(TableName="HostIndexTable")["Items"]
    assert consume(batch(*recorded()[:2])) == {"batchItemFailures": []}
    assert dynamodb.scan(TableName="HostIndexTable")["Items"] == before, "not even an expiry moved"
    assert kinds(published) == kinds(published[:2]) * 2, "at least once: consumers deduplicate"


def test_given_an_older_record_after_a_newer_one_when_consuming_it_then_it_undoes_nothing(
    consume: Consume, dynamodb: DynamoDBClient
) -> None:
    inserted, updated, deleted, _ = recorded()
    consume(batch(deleted))
    consume(batch(inserted, updated))
    assert set(index(dynamodb).values()) == {None}, "the delete stands: host-a, -b, -c stay empty"
    consume(batch(updated))
    consume(batch(inserted))
    assert set(index(dynamodb).values()) == {None}


def test_given_a_tombstone_removed_by_its_ttl_when_consuming_it_then_nothing_is_written_or_published(
    consume: Consume, dynamodb: DynamoDBClient, published: list[dict[str, Any]]
) -> None:
    gone = image(recorded()[2])
    assert consume(batch(remove(gone, 4, by_ttl=True))) == {"batchItemFailures": []}
    assert (index(dynamodb), published) == ({}, [])


def test_given_a_poison_record_when_consuming_its_batch_then_it_and_what_follows_are_reported_failed(
    consume: Consume, dynamodb: DynamoDBClient, published: list[dict[str, Any]]
) -> None:
    first = insert(named(image(recorded()[0]), "app-1"), 1)
    after = insert(named(image(recorded()[0]), "app-2"), 3)
    answer = consume(batch(first, poison(2), after))
    assert answer == {"batchItemFailures": [{"itemIdentifier": "2"}, {"itemIdentifier": "3"}]}
    assert kinds(published) == [("Instance Created", "app-1", 1)], "nothing after the failure went out"
    assert {name for _, name in index(dynamodb)} == {"app-1"}


def test_given_a_batch_of_only_poison_when_consuming_it_then_the_function_fails_so_lambda_bisects(
    consume: Consume,
) -> None:
    with pytest.raises(BatchFailed):
        consume(batch(poison(1)))


def test_given_a_poison_record_under_the_event_source_mapping_then_it_goes_aside_and_the_rest_succeeds(
    consume: Consume, dynamodb: DynamoDBClient, published: list[dict[str, Any]]
) -> None:
    consumers = Template.load().stream_consumers()
    (settings,) = [consumer for consumer in consumers if consumer.function.logical_id == CONSUMER]
    failures: list[dict[str, Any]] = []

    def invoke(records: list[dict[str, Any]]) -> Any:
        try:
            return consume(batch(*records))
        except BatchFailed as error:
            raise FunctionError(str(error)) from error

    # The mapping's clock is the records' own time: they are recorded, and must not age out.
    written = float(recorded()[0]["dynamodb"]["ApproximateCreationDateTime"])
    mapping = EventSourceMapping(settings, invoke, failures.append, clock=lambda: written)
    names = [f"app-{number}" for number in range(1, 6)]
    records = [insert(named(image(recorded()[0]), name), number) for number, name in enumerate(names, start=1)]
    mapping.deliver([*records[:2], poison(99), *records[2:]], "shard-1")
    assert [name for _, name, _ in kinds(published)] == names, "every other record, in stream order"
    (failure,) = failures
    info = failure["DDBStreamBatchInfo"]
    assert (info["startSequenceNumber"], info["endSequenceNumber"], info["batchSize"]) == ("99", "99", 1)
    assert failure["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert mapping.invocations <= 1 + 3 + settings.max_retries + 1, "bisected, then retried a bounded number of times"


class Bus:
    """PutEvents answered here instead of by moto: every call's events are kept, and the
    instances named in `refusing` have their entries refused (a per-entry ErrorCode, as
    EventBridge answers a partly failed call) that many more times (-1: always)."""

    def __init__(self) -> None:
        self.calls: list[list[tuple[str, str, int]]] = []
        self.taken: list[tuple[str, str, int]] = []
        self.refusing: dict[str, int] = {}

    def answer(self, entries: list[dict[str, Any]]) -> dict[str, Any]:
        self.calls.append(kinds(entries))
        answers: list[dict[str, str]] = []
        for event in kinds(entries):
            if self.refusing.get(event[1], 0) != 0:
                self.refusing[event[1]] -= 1
                answers.append({"ErrorCode": "InternalFailure", "ErrorMessage": "try again"})
            else:
                self.taken.append(event)
                answers.append({"EventId": f"event-{len(self.taken)}"})
        return {"FailedEntryCount": sum("ErrorCode" in answer for answer in answers), "Entries": answers}


@pytest.fixture
def bus(monkeypatch: pytest.MonkeyPatch, published: list[dict[str, Any]]) -> Bus:
    answered = Bus()

    def make_api_call(client: Any, operation_name: str, params: dict[str, Any]) -> Any:
        if operation_name == "PutEvents":
            return answered.answer(params["Entries"])
        return MAKE_API_CALL(client, operation_name, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", make_api_call)
    return answered


def app(name: str, sequence: int, *hosts: str) -> dict[str, Any]:
    """An INSERT of instance `name` (on `hosts`, else the recorded image's)."""
    live = named(image(recorded()[0]), name)
    return insert(on_hosts(live, *hosts) if hosts else live, sequence)


def test_given_records_of_many_instances_when_publishing_then_events_go_ten_to_a_call_in_stream_order(
    consume: Consume, bus: Bus
) -> None:
    names = [f"app-{number}" for number in range(25)]
    assert consume(batch(*(app(name, number) for number, name in enumerate(names, start=1)))) == {
        "batchItemFailures": []
    }
    # The three calls of a round hold different instances, so they go out side by side.
    calls = sorted(([name for _, name, _ in call] for call in bus.calls), key=lambda call: names.index(call[0]))
    assert [len(call) for call in calls] == [10, 10, 5]
    assert [name for call in calls for name in call] == names


def test_given_several_changes_of_one_instance_when_publishing_then_a_call_holds_at_most_one_of_its_events(
    consume: Consume, bus: Bus
) -> None:
    created, updated, deleted, _ = recorded()
    consume(batch(created, app("app-2", 10), updated, deleted))
    assert bus.calls == [
        [("Instance Created", "web-1", 1), ("Instance Created", "app-2", 1)],
        [("Instance Updated", "web-1", 2)],
        [("Instance Deleted", "web-1", 2)],
    ]


def test_given_eventbridge_refuses_one_entry_of_a_call_when_publishing_then_only_that_entry_is_sent_again(
    consume: Consume, bus: Bus
) -> None:
    bus.refusing["app-2"] = 1
    assert consume(batch(app("app-1", 1), app("app-2", 2), app("app-3", 3))) == {"batchItemFailures": []}
    assert [[name for _, name, _ in call] for call in bus.calls] == [["app-1", "app-2", "app-3"], ["app-2"]]
    assert sorted(name for _, name, _ in bus.taken) == ["app-1", "app-2", "app-3"], "each once"


def test_given_eventbridge_keeps_refusing_an_instance_s_event_when_consuming_then_it_and_all_after_fail(
    consume: Consume, bus: Bus, dynamodb: DynamoDBClient
) -> None:
    bus.refusing["web-1"] = -1
    created, updated, _, _ = recorded()
    answer = consume(batch(app("app-1", 1), created, updated, app("app-3", 4)))
    failed = [failure["itemIdentifier"] for failure in answer["batchItemFailures"]]
    assert failed == [created["dynamodb"]["SequenceNumber"], updated["dynamodb"]["SequenceNumber"], "4"]
    assert ("Instance Updated", "web-1", 2) not in [event for call in bus.calls for event in call], (
        "web-1's later event waits for its earlier one"
    )
    assert [call for call in bus.calls if ("Instance Created", "web-1", 1) in call][1:] == [
        [("Instance Created", "web-1", 1)]
    ] * 2, "refused three times in all, alone after the first call"
    assert ("Instance Created", "app-1", 1) in bus.taken
    assert index(dynamodb)[("host-c", "web-1")] == 2, "indexed anyway: the retry rewrites nothing"


def test_given_a_batch_changing_one_instance_twice_when_indexing_then_each_entry_is_written_once_with_the_newest(
    consume: Consume, dynamodb: DynamoDBClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    written: list[tuple[str, str, int | None]] = []

    def count(service: str, operation: str, params: dict[str, Any]) -> None:
        if operation == "PutItem":
            item = params["Item"]
            version = int(item["version"]["N"]) if "version" in item else None
            written.append((params["TableName"], item["hostID"]["S"], version))

    intercept_aws(monkeypatch, count)
    consume(batch(*recorded()[:2]))
    entries, bumps = written[:3], written[3:]
    assert sorted(entries) == [
        ("HostIndexTable", host, version) for host, version in (("host-a", None), ("host-b", 2), ("host-c", 2))
    ]
    assert sorted(bumps) == [("HostRevisionsTable", host, None) for host in ("host-a", "host-b", "host-c")], (
        "then one new revision per host touched, after its entries"
    )
    assert index(dynamodb) == {("host-a", "web-1"): None, ("host-b", "web-1"): 2, ("host-c", "web-1"): 2}


def test_given_a_host_index_write_that_fails_when_consuming_then_the_first_record_touching_it_and_all_after_fail(
    consume: Consume, dynamodb: DynamoDBClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    taken: list[tuple[str, str, int]] = []

    def throttle(service: str, operation: str, params: dict[str, Any]) -> None:
        if operation == "PutEvents":
            taken.extend(kinds(params["Entries"]))
        if operation == "PutItem" and params["Item"]["hostID"]["S"] == "host-x":
            error = {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow down"}}
            raise botocore.exceptions.ClientError(error, "PutItem")  # type: ignore[arg-type]

    intercept_aws(monkeypatch, throttle)
    records = [app("app-1", 1, "host-a"), app("app-2", 2, "host-a", "host-x"), app("app-3", 3, "host-a")]
    assert consume(batch(*records)) == {"batchItemFailures": [{"itemIdentifier": "2"}, {"itemIdentifier": "3"}]}
    assert [name for _, name, _ in taken] == ["app-1"], "no event of a record from the failure on"
    assert {("host-a", "app-2"), ("host-a", "app-3")} <= set(index(dynamodb)), (
        "written, harmlessly: a retry rewrites nothing"
    )


def test_given_a_record_on_many_hosts_when_indexing_then_its_writes_do_not_wait_on_each_other(
    consume: Consume, dynamodb: DynamoDBClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each write waits until four are in flight together: one at a time, they never would.
    together = threading.Barrier(4, timeout=10)

    def meet(service: str, operation: str, params: dict[str, Any]) -> None:
        if operation == "PutItem":
            together.wait()

    intercept_aws(monkeypatch, meet)
    hosts = [f"host-{number}" for number in range(8)]
    assert consume(batch(app("app-1", 1, *hosts))) == {"batchItemFailures": []}
    assert {host for host, _ in index(dynamodb)} == set(hosts)


def test_given_the_documented_rule_when_the_consumer_publishes_then_only_deletes_in_prod_reach_the_queue(
    consume: Consume, dynamodb: DynamoDBClient
) -> None:
    """docs/host-agents.md's rule, run by moto's EventBridge into moto's SQS."""
    pattern = re.search(r"--event-pattern '([^']+)'", marked("docs/host-agents.md", "event-rule"))
    assert pattern is not None
    session = botocore.session.get_session()
    events: Any = session.create_client("events", region_name=LOCAL_REGION)
    sqs: Any = session.create_client("sqs", region_name=LOCAL_REGION)
    queue = sqs.create_queue(QueueName="prod-deletions")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    (bus,) = Template.load().event_buses()
    events.put_rule(EventBusName=bus, Name="prod-deletions", EventPattern=pattern.group(1))
    events.put_targets(EventBusName=bus, Rule="prod-deletions", Targets=[{"Id": "queue", "Arn": arn}])
    records = []
    for number, namespace in enumerate(("prod", "staging")):
        live = {**named(image(recorded()[0]), f"web-{namespace}"), "namespace": {"S": namespace}}
        records += [insert(live, 10 * number + 1), remove(live, 10 * number + 2)]
    assert consume(batch(*records)) == {"batchItemFailures": []}
    messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
    (delivered,) = [json.loads(message["Body"]) for message in messages]
    assert (delivered["detail-type"], delivered["detail"]["name"]) == ("Instance Deleted", "web-prod")
