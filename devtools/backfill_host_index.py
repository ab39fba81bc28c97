"""Index the instances that existed before the host index did, and repair what the stream
lost: a one-off, safe to run again.

    python -m devtools.backfill_host_index --stack STACK_NAME [--region REGION]
    python -m devtools.backfill_host_index --endpoint URL [--table T] [--index-table I]

The change consumer indexes every write from the moment its stream mapping exists; an
instance written earlier (before the feature was deployed, or longer ago than the stream's
24 hours) is indexed by this command: it scans the instances table and writes each live
instance's entries with the consumer's own conditional write (instance_api.aws.host_index),
ordered by the instance's version. So it may run while the API takes writes, and twice:
an entry the stream has already moved on is left alone. Tombstones are skipped.

Then it sweeps the index: an entry whose instance is gone (a tombstone or no item) or no
longer lists that host is retired, if it still holds the change it was read with. That
repairs a delete or an update the stream mapping sent to the dead-letter queue, which a
backfill alone could not (it only writes what runs).

With --stack it reads the table names from the deployed stack's outputs (TableName,
HostIndexTableName) with your AWS credentials; with --endpoint it works on a local
DynamoDB (`make run` backfills a new index itself).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from devtools.local_aws import client
from instance_api.aws.host_index import HostIndex
from instance_api.aws.items import from_item, is_tombstone
from instance_api.domain.changes import CREATED, Change


def backfill(dynamodb: Any, table: str, index_table: str) -> tuple[int, int]:
    """Index every live instance of `table` in `index_table`: (instances read, entries written)."""
    index = HostIndex(dynamodb, index_table)
    instances = written = 0
    for page in dynamodb.get_paginator("scan").paginate(TableName=table, ConsistentRead=True):
        for item in page.get("Items", []):
            if is_tombstone(item):
                continue
            instance = from_item(item)
            instances += 1
            written += index.apply(Change(CREATED, instance, None, instance["createdAt"]))
    return instances, written


def _runs_on(dynamodb: Any, table: str, name: str, host_id: str) -> bool:
    response = dynamodb.get_item(TableName=table, Key={"name": {"S": name}}, ConsistentRead=True)
    item = response.get("Item")
    return item is not None and not is_tombstone(item) and host_id in from_item(item)["hostIDs"]


def sweep(dynamodb: Any, table: str, index_table: str) -> int:
    """Retire every live entry of `index_table` whose instance no longer runs on its host."""
    index = HostIndex(dynamodb, index_table)
    retired = 0
    pages = dynamodb.get_paginator("scan").paginate(
        TableName=index_table,
        ConsistentRead=True,
        FilterExpression="attribute_exists(#namespace)",
        ExpressionAttributeNames={"#namespace": "namespace"},
    )
    for page in pages:
        for entry in page.get("Items", []):
            host_id, name = entry["hostID"]["S"], entry["name"]["S"]
            if not _runs_on(dynamodb, table, name, host_id):
                retired += index.retire(host_id, name, entry["seq"]["S"])
    return retired


def _stack_tables(stack: str, region: str | None) -> tuple[Any, str, str]:
    """The deployed stack's DynamoDB client and table names, from its outputs."""
    import botocore.session

    session = botocore.session.get_session()
    cloudformation: Any = session.create_client("cloudformation", region_name=region)
    outputs = cloudformation.describe_stacks(StackName=stack)
    values = {output["OutputKey"]: output["OutputValue"] for output in outputs["Stacks"][0].get("Outputs", [])}
    return session.create_client("dynamodb", region_name=region), values["TableName"], values["HostIndexTableName"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m devtools.backfill_host_index", description=__doc__.split("\n\n")[0]
    )
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--stack", help="a deployed stack's name (its outputs name the tables)")
    target.add_argument("--endpoint", help="a local DynamoDB endpoint, e.g. http://127.0.0.1:8000")
    parser.add_argument("--region", help="the stack's region (default: your AWS configuration's)")
    parser.add_argument("--table", default="InstancesTable", help="with --endpoint: the instances table")
    parser.add_argument("--index-table", default="HostIndexTable", help="with --endpoint: the host index table")
    arguments = parser.parse_args(argv)
    if arguments.stack:
        dynamodb, table, index_table = _stack_tables(arguments.stack, arguments.region)
    else:
        dynamodb, table, index_table = client(arguments.endpoint), arguments.table, arguments.index_table
    instances, written = backfill(dynamodb, table, index_table)
    print(f"indexed {instances} instances: {written} host entries written into {index_table}")
    print(
        f"swept {index_table}: {sweep(dynamodb, table, index_table)} entries of instances gone from their host retired"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
