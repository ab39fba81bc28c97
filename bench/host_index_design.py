"""How to keep "what runs on a host": the measurements behind docs/decisions.md's host index design.

    .venv/bin/python -m bench.host_index_design [--engine dynamodb-local|embedded] [--instances 100]

One host runs `--instances` instances (each also on two other hosts). Three designs answer a
page of that host's instances, whole, and take an update of one instance's image:

- projection: a table of its own keyed (hostID, name) whose entries hold the whole instance
  (what instance_api.aws.host_index does): one Query; an update rewrites every host's entry;
- keys + BatchGetItem: the same table holding keys only, then the instances read from the
  instances table: a Query and a BatchGetItem (100 keys a call); an update whose hosts do not
  change writes nothing;
- adjacency items in the instances table: one item per (instance, host) beside the
  instances, found through an index; the list of all instances (a Scan) now reads them too.

Capacity is DynamoDB's own accounting (ReturnConsumedCapacity=TOTAL) on DynamoDB Local;
latency is the median of 30 requests over loopback (DynamoDB Local's, not DynamoDB's).
Not part of `make bench`: it informs a design decision, it does not guard a goal.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any

from devtools.dynamodb_local import DynamoDBLocal
from devtools.embedded_dynamodb import EmbeddedDynamoDB
from devtools.local_aws import client
from devtools.tables import create_table
from devtools.template import Template
from instance_api.aws.host_index import HostIndex
from instance_api.aws.items import to_item
from instance_api.domain.changes import CREATED, UPDATED, Change
from instance_api.domain.instance import Instance

SAMPLES = 30
T0 = "2026-11-28T10:00:00.000Z"


def _instance(number: int) -> Instance:
    return {
        "name": f"web-{number:04d}",
        "namespace": "team-a",
        "spec": {"image": f"registry.example.com/team/web-{number}:1.4.2"},
        "shareStorage": False,
        "hostIDs": ["host-a", f"host-b-{number % 7}", f"host-c-{number % 11}"],
        "labels": {},
        "version": 1,
        "createdAt": T0,
        "updatedAt": T0,
    }


def _timed(call: Callable[[], float]) -> tuple[float, float]:
    """Median milliseconds of `call`, and the capacity it reported (the same every time)."""
    durations, capacity = [], 0.0
    for _ in range(SAMPLES):
        started = time.perf_counter()
        capacity = call()
        durations.append((time.perf_counter() - started) * 1000)
    return statistics.median(durations), capacity


def _capacity(response: dict[str, Any]) -> float:
    consumed = response.get("ConsumedCapacity", {})
    if isinstance(consumed, list):
        return sum(float(item.get("CapacityUnits", 0)) for item in consumed)
    return float(consumed.get("CapacityUnits", 0))


class _Tables:
    def __init__(self, dynamodb: Any, instances: int) -> None:
        template, suffix = Template.load(), uuid.uuid4().hex[:8]
        self.dynamodb = dynamodb
        self.instances = create_table(dynamodb, template.table("InstancesTable"), f"design-instances-{suffix}")
        self.index = create_table(dynamodb, template.table("HostIndexTable"), f"design-hosts-{suffix}")
        self.keys = create_table(dynamodb, template.table("HostIndexTable"), f"design-keys-{suffix}")
        self.values = [_instance(number) for number in range(instances)]
        projection = HostIndex(dynamodb, self.index)
        for value in self.values:
            dynamodb.put_item(TableName=self.instances, Item=to_item(value))
            projection.apply(Change(CREATED, value, None, T0))
            for host in value["hostIDs"]:
                dynamodb.put_item(TableName=self.keys, Item={"hostID": {"S": host}, "name": {"S": value["name"]}})

    def drop(self) -> None:
        for table in (self.instances, self.index, self.keys):
            self.dynamodb.delete_table(TableName=table)


def _projection_page(tables: _Tables, limit: int) -> float:
    response = tables.dynamodb.query(
        TableName=tables.index,
        KeyConditionExpression="hostID = :h",
        FilterExpression="attribute_exists(#namespace)",
        ExpressionAttributeNames={"#namespace": "namespace"},
        ExpressionAttributeValues={":h": {"S": "host-a"}},
        Limit=limit + 1,
        ReturnConsumedCapacity="TOTAL",
    )
    assert len(response["Items"]) == limit + 1 or "LastEvaluatedKey" not in response
    return _capacity(response)


def _keys_then_batch_get(tables: _Tables, limit: int) -> float:
    query = tables.dynamodb.query(
        TableName=tables.keys,
        KeyConditionExpression="hostID = :h",
        ExpressionAttributeValues={":h": {"S": "host-a"}},
        Limit=limit + 1,
        ReturnConsumedCapacity="TOTAL",
    )
    capacity = _capacity(query)
    keys = [{"name": item["name"]} for item in query["Items"][:limit]]
    for start in range(0, len(keys), 100):
        answer = tables.dynamodb.batch_get_item(
            RequestItems={tables.instances: {"Keys": keys[start : start + 100]}}, ReturnConsumedCapacity="TOTAL"
        )
        assert not answer.get("UnprocessedKeys")
        capacity += _capacity(answer)
    return capacity


def _update_writes(tables: _Tables) -> tuple[float, float]:
    """Write capacity of indexing one image change: the projection's entries, and the keys' (none)."""
    before = tables.values[0]
    after: Instance = {**before, "spec": {"image": "registry.example.com/team/web:1.5.0"}, "version": 2}
    capacity = 0.0
    for host in Change(UPDATED, after, before, T0).hosts():
        item = {**to_item(after), "hostID": {"S": host}, "seq": {"S": "x"}}
        capacity += _capacity(
            tables.dynamodb.put_item(TableName=tables.index, Item=item, ReturnConsumedCapacity="TOTAL")
        )
    return capacity, 0.0


def _scan_page(dynamodb: Any, table: str, limit: int) -> float:
    capacity, items, start = 0.0, 0, None
    while items < limit:
        request: dict[str, Any] = {"TableName": table, "Limit": limit + 1, "ReturnConsumedCapacity": "TOTAL"}
        request.update({"FilterExpression": "attribute_not_exists(adjacent)"})
        if start:
            request["ExclusiveStartKey"] = start
        response = dynamodb.scan(**request)
        capacity += _capacity(response)
        items += len(response["Items"])
        start = response.get("LastEvaluatedKey")
        if start is None:
            break
    return capacity


def _adjacency_scan(tables: _Tables, limit: int) -> tuple[float, float]:
    """A page of the list of all instances (a Scan) without and with one adjacency item per host."""
    without = _scan_page(tables.dynamodb, tables.instances, limit)
    for value in tables.values:
        for host in value["hostIDs"]:
            item = {"name": {"S": f"{value['name']}#{host}"}, "hostID": {"S": host}, "adjacent": {"S": value["name"]}}
            tables.dynamodb.put_item(TableName=tables.instances, Item=item)
    return without, _scan_page(tables.dynamodb, tables.instances, limit)


def measure(dynamodb: Any, instances: int) -> dict[str, Any]:
    tables = _Tables(dynamodb, instances)
    try:
        limit = min(100, instances)
        projection_ms, projection_rcu = _timed(lambda: _projection_page(tables, limit))
        keys_ms, keys_rcu = _timed(lambda: _keys_then_batch_get(tables, limit))
        projection_wcu, keys_wcu = _update_writes(tables)
        scan_without, scan_with = _adjacency_scan(tables, limit)
    finally:
        tables.drop()
    return {
        "page": limit,
        "projection": {"ms": projection_ms, "read_units": projection_rcu, "update_write_units": projection_wcu},
        "keys_batch_get": {"ms": keys_ms, "read_units": keys_rcu, "update_write_units": keys_wcu},
        "adjacency": {"list_page_read_units_without": scan_without, "list_page_read_units_with": scan_with},
    }


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.host_index_design", description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", choices=["dynamodb-local", "embedded"], default="dynamodb-local")
    parser.add_argument("--instances", type=int, default=100)
    arguments = parser.parse_args()
    engine = DynamoDBLocal() if arguments.engine == "dynamodb-local" else EmbeddedDynamoDB()
    try:
        results = measure(client(engine.endpoint), arguments.instances)
    finally:
        engine.stop()
    page = results["page"]
    projection, keys, adjacency = results["projection"], results["keys_batch_get"], results["adjacency"]
    print(f"a page of {page} instances on one host ({arguments.engine}; median of {SAMPLES}):")
    print(f"  projection           {projection['ms']:6.1f} ms  {projection['read_units']:6.1f} read units")
    print(f"  keys + BatchGetItem  {keys['ms']:6.1f} ms  {keys['read_units']:6.1f} read units")
    print(
        f"an image update indexed: projection {projection['update_write_units']:.0f} write units, "
        f"keys {keys['update_write_units']:.0f}"
    )
    print(
        f"a page of the list of all instances: {adjacency['list_page_read_units_without']:.1f} read units, "
        f"{adjacency['list_page_read_units_with']:.1f} with adjacency items in the table"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
