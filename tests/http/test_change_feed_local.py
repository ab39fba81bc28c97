"""`make run`'s change feed on a DynamoDB that has history: the host index is backfilled when it
is new, an old table gets its stream, and a record the consumer can never read goes aside
(as to the dead-letter queue) without holding the stream."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator

import pytest

from devtools.local_aws import client
from devtools.stream_events import writer
from devtools.tables import create_table
from devtools.template import ROOT, Template
from instance_api.aws.store import InstanceStore
from instance_api.domain.commands import CreateCommand, DeleteCommand
from tests.http.local_api import LocalApi
from tests.http.test_changes import WITHIN_S, create, events_of, on_host, within

TEMPLATE = Template.load()


@pytest.fixture
def history(embedded_dynamodb: str) -> Iterator[str]:
    """A DynamoDB whose instances table predates the change feed: no stream, no host index,
    two instances on host-old and one deleted (its tombstone kept). The template's own table
    names, so they are removed after the test (moto's backend is shared by the process)."""
    dynamodb = client(embedded_dynamodb)
    table = TEMPLATE.table("InstancesTable")
    request = {key: value for key, value in table.create_table_request.items() if key != "StreamSpecification"}
    dynamodb.create_table(**request)
    service = writer(InstanceStore(dynamodb, table.name))
    for name in ("old-1", "old-2", "old-3"):
        service.create(
            CreateCommand(
                name, "team-a", {"spec": {"image": ""}, "shareStorage": False, "hostIDs": ["host-old"], "labels": {}}
            )
        )
    service.delete(DeleteCommand("old-3"))
    yield embedded_dynamodb
    for name in {table.name for table in TEMPLATE.tables()} & set(dynamodb.list_tables()["TableNames"]):
        dynamodb.delete_table(TableName=name)


def test_given_instances_from_before_the_feed_when_make_run_starts_then_it_backfills_and_streams(
    history: str,
) -> None:
    api = LocalApi("--dynamodb-endpoint", history)
    try:
        assert api.wait_for(r"backfilled HostIndexTable with 2 existing instances", timeout=10)
        assert [item["name"] for item in on_host(api, "host-old")] == ["old-1", "old-2"], "at once, tombstone left out"
        name = f"new-{uuid.uuid4().hex[:8]}"
        create(api, name, ["host-old"])
        within(WITHIN_S, lambda: [item["name"] for item in on_host(api, "host-old")], lambda names: name in names)
        stream = client(history).describe_table(TableName="InstancesTable")["Table"]["StreamSpecification"]
        assert stream == {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    finally:
        api.stop()


def test_given_a_record_the_consumer_cannot_read_when_the_stream_goes_on_then_it_is_set_aside_and_later_writes_flow(
    history: str,
) -> None:
    api = LocalApi("--dynamodb-endpoint", history)
    try:
        # An item no API write makes (no namespace, no spec): its record is poison.
        client(history).put_item(TableName="InstancesTable", Item={"name": {"S": "broken"}, "version": {"N": "1"}})
        name = f"after-{uuid.uuid4().hex[:8]}"
        create(api, name, ["host-after"])
        assert api.wait_for(r"PublishChangesFunction gave up on 1 stream records .*RetryAttemptsExhausted", timeout=30)
        within(WITHIN_S, lambda: on_host(api, "host-after"), lambda items: bool(items))
        events = within(WITHIN_S, lambda: events_of(api, name), lambda events: bool(events))
        assert [event["detail-type"] for event in events] == ["Instance Created"]
        assert "ChangesDeadLetterQueue" in api.output
    finally:
        api.stop()


def test_given_a_local_dynamodb_when_running_the_backfill_command_then_it_indexes_what_is_there(
    history: str,
) -> None:
    create_table(client(history), TEMPLATE.table("HostIndexTable"))
    command = [sys.executable, "-m", "devtools.backfill_host_index", "--endpoint", history]
    for _ in range(2):  # safe to run again: the second run writes nothing
        result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.strip().splitlines() == [
        "indexed 2 instances: 0 host entries written into HostIndexTable",
        "swept HostIndexTable: 0 entries of instances gone from their host retired",
    ]
    items = client(history).scan(TableName="HostIndexTable")["Items"]
    assert sorted((item["hostID"]["S"], item["name"]["S"]) for item in items) == [
        ("host-old", "old-1"),
        ("host-old", "old-2"),
    ]


def test_given_removals_the_stream_lost_when_running_the_backfill_command_then_it_retires_their_entries(
    history: str,
) -> None:
    dynamodb = client(history)
    create_table(dynamodb, TEMPLATE.table("HostIndexTable"))
    command = [sys.executable, "-m", "devtools.backfill_host_index", "--endpoint", history]
    subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60, check=True)
    # The stream's delete of old-1 and move of old-2 to host-new went to the dead-letter queue.
    service = writer(InstanceStore(dynamodb, "InstancesTable"))
    service.delete(DeleteCommand("old-1"))
    dynamodb.update_item(
        TableName="InstancesTable",
        Key={"name": {"S": "old-2"}},
        UpdateExpression="SET hostIDs = :hosts",
        ExpressionAttributeValues={":hosts": {"L": [{"S": "host-new"}]}},
    )
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.strip().splitlines()[-1] == (
        "swept HostIndexTable: 2 entries of instances gone from their host retired"
    )
    items = dynamodb.scan(TableName="HostIndexTable")["Items"]
    live = sorted((item["hostID"]["S"], item["name"]["S"]) for item in items if "namespace" in item)
    assert live == [("host-new", "old-2")]
