"""Tables from template.yaml, created on a local DynamoDB endpoint."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from devtools.template import TableSpec

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient


def create_table(dynamodb: DynamoDBClient, table: TableSpec, name: str | None = None) -> str:
    """Create `table` (under `name` if given: tests take copies), wait for it, turn on its TTL."""
    table_name = name or table.name
    dynamodb.create_table(**{**table.create_table_request, "TableName": table_name})
    dynamodb.get_waiter("table_exists").wait(TableName=table_name, WaiterConfig={"Delay": 1})
    if table.ttl_attribute:
        dynamodb.update_time_to_live(
            TableName=table_name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": table.ttl_attribute},
        )
    return table_name


def create_tables(dynamodb: DynamoDBClient, tables: Iterable[TableSpec]) -> list[str]:
    """Create each table that does not exist yet; returns the names created."""
    existing = set(dynamodb.list_tables()["TableNames"])
    return [create_table(dynamodb, table) for table in tables if table.name not in existing]


def enable_streams(dynamodb: DynamoDBClient, tables: Iterable[TableSpec]) -> list[str]:
    """Turn on the template's stream where an existing table has none (a table DynamoDB Local
    kept from before the template asked for one); returns the names changed."""
    changed = []
    for table in tables:
        wanted = table.create_table_request.get("StreamSpecification")
        if wanted is None:
            continue
        try:
            described = dynamodb.describe_table(TableName=table.name)["Table"]
        except dynamodb.exceptions.ResourceNotFoundException:
            continue  # not there to change (an endpoint that lists tables it does not serve)
        if not described.get("StreamSpecification", {}).get("StreamEnabled"):
            dynamodb.update_table(TableName=table.name, StreamSpecification=wanted)
            changed.append(table.name)
    return changed
