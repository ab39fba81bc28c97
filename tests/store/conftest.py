"""Store tier: InstanceStore against real engines over HTTP (embedded moto, DynamoDB Local)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from botocore.config import Config

from devtools.dynamodb import client
from devtools.template import Template
from instance_api.store import InstanceStore

TEMPLATE = Template.load()
INDEX = TEMPLATE.functions()["GetInstanceFunction"].environment["NAMESPACE_INDEX_NAME"]


@pytest.fixture
def store(dynamodb_endpoint: str) -> Iterator[InstanceStore]:
    """A fresh table (the template's definition under a unique name) and a store on it."""
    dynamodb = client(dynamodb_endpoint, config=Config(max_pool_connections=64))
    table = TEMPLATE.table("InstancesTable")
    name = f"instances-{uuid.uuid4().hex[:12]}"
    dynamodb.create_table(**{**table.create_table_request, "TableName": name})
    dynamodb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1})
    yield InstanceStore(dynamodb, name, INDEX)
    dynamodb.delete_table(TableName=name)
