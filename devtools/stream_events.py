"""Stream records recorded from the real store: what the change consumer is fed.

`record` runs writes through the layer's own store (instance_api.aws.store) on a local DynamoDB
(the embedded one, or DynamoDB Local) against a fresh copy of the template's instances
table, reads back its stream, and returns the records as Lambda's event source mapping
passes them on. `make events` writes one such batch, `recorded_batch`, to events/stream.json
(for `sam local invoke PublishChangesFunction -e events/stream.json`), and the tests read
it, so what the consumer is tested on is what the store writes, tombstones included.
"""

from __future__ import annotations

import itertools
import json
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from devtools.events import RECORDED_AT
from devtools.local_api.streams import lambda_record
from devtools.local_aws import client, streams_client
from devtools.tables import create_table
from devtools.template import Template
from instance_api.aws.items import DELETED_AT
from instance_api.aws.store import InstanceStore
from instance_api.domain.commands import CreateCommand, DeleteCommand, UpdateCommand
from instance_api.domain.instance import Changes, Desired
from instance_api.domain.ports import InstanceRepository
from instance_api.domain.service import Clock, InstanceService, utc_now

Writes = Callable[[InstanceService], None]


def _lists_nothing() -> Any:
    raise AssertionError("a writer lists nothing")


def writer(store: InstanceRepository, clock: Clock = utc_now) -> InstanceService:
    """The operations over `store`, for writes only (a listing fails): what records are made of."""
    return InstanceService(store, _lists_nothing, _lists_nothing, timedelta(days=30), clock=clock)


def record(
    endpoint: str, writes: Writes, template: Template | None = None, clock: Clock = utc_now
) -> list[dict[str, Any]]:
    """The stream records `writes` produce on a fresh copy of the instances table at `endpoint`,
    each write stamped by `clock`."""
    template = template or Template.load()
    dynamodb = client(endpoint, template.region)
    table = create_table(dynamodb, template.table("InstancesTable"), f"recorded-{uuid.uuid4().hex[:12]}")
    try:
        writes(writer(InstanceStore(dynamodb, table), clock))
        stream_arn = dynamodb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
        return _read_all(streams_client(endpoint, template.region), stream_arn)
    finally:
        dynamodb.delete_table(TableName=table)


def recorded_batch(endpoint: str) -> dict[str, Any]:
    """events/stream.json: `life_of_an_instance` written from RECORDED_AT on, a second a write,
    and what the engine makes up on each run (event IDs, sequence numbers, the table's and
    the stream's names, the records' times) fixed, so `make events` writes the same file every
    time (SizeBytes too: the engine's counts its own made-up values). devtools.events.load_event
    moves its times to now."""
    seconds = itertools.count()
    records = record(endpoint, life_of_an_instance, clock=lambda: RECORDED_AT + timedelta(seconds=next(seconds)))
    return {"Records": [_fixed(record_, number) for number, record_ in enumerate(records, start=1)]}


_SIZED = ("Keys", "OldImage", "NewImage")


def _fixed(record_: dict[str, Any], number: int) -> dict[str, Any]:
    stream = record_["dynamodb"]
    written = stream["NewImage"].get(DELETED_AT) or stream["NewImage"]["updatedAt"]
    region_and_account = record_["eventSourceARN"].split(":table/")[0]
    return {
        **record_,
        "eventID": f"{number:032x}",
        "eventSourceARN": f"{region_and_account}:table/recorded/stream/{RECORDED_AT:%Y-%m-%dT%H:%M:%S.000}",
        "dynamodb": {
            **stream,
            "ApproximateCreationDateTime": int(datetime.fromisoformat(written["S"]).timestamp()),
            "SequenceNumber": f"{number}00",
            "SizeBytes": len(json.dumps([stream.get(part) for part in _SIZED], separators=(",", ":"))),
        },
    }


def _read_all(streams: Any, stream_arn: str) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for shard in streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(
            StreamArn=stream_arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        while iterator:
            answer = streams.get_records(ShardIterator=iterator)
            records += [lambda_record(record, stream_arn) for record in answer["Records"]]
            if not answer["Records"]:
                break
            iterator = answer.get("NextShardIterator")
    return records


def _create(service: InstanceService, hosts: list[str]) -> None:
    image = "registry.example.com/team/web:1.4.2"
    desired: Desired = {"spec": {"image": image}, "shareStorage": True, "hostIDs": hosts, "labels": {"app": "web"}}
    service.create(CreateCommand("web-1", "team-a", desired))


def life_of_an_instance(service: InstanceService) -> None:
    """events/stream.json's writes: web-1 created on two hosts, moved to another pair (and
    labelled for production), deleted (its tombstone kept), and created again over its
    tombstone on one host."""
    _create(service, ["host-a", "host-b"])
    changes: Changes = {
        "spec": {"image": "registry.example.com/team/web:1.5.0"},
        "hostIDs": ["host-b", "host-c"],
        "labels": {"app": "web", "env": "prod"},
    }
    service.update(UpdateCommand("web-1", changes))
    service.delete(DeleteCommand("web-1"))
    _create(service, ["host-a"])
