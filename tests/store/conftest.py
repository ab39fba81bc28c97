"""Store tier: the instance repository's and the host index's contracts, on each implementation.

The DynamoDB adapters (instance_api.aws.store, instance_api.aws.host_index) against real engines
over HTTP (embedded moto, AWS's DynamoDB Local), and the in-memory fakes the bench and unit
tests use (devtools.in_memory_store): the same tests hold for all three, so the fakes cannot drift.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from botocore.config import Config

from devtools.in_memory_store import InMemoryHostIndex, InMemoryStore
from devtools.local_aws import client
from devtools.tables import create_table
from devtools.template import Template
from instance_api.aws.host_index import HostIndex
from instance_api.aws.store import InstanceStore
from instance_api.domain.ports import HostIndexRepository, InstanceRepository
from tests.support import ENGINES

TEMPLATE = Template.load()
INDEX = TEMPLATE.functions()["GetInstanceFunction"].environment["NAMESPACE_INDEX_NAME"]


@pytest.fixture(params=[*ENGINES, pytest.param("in_memory", id="in_memory")])
def store(request: pytest.FixtureRequest) -> Iterator[InstanceRepository]:
    """A fresh repository: a DynamoDB table (the template's definition under a unique name), or the fake."""
    if request.param == "in_memory":
        yield InMemoryStore()
        return
    dynamodb = client(request.getfixturevalue(request.param), config=Config(max_pool_connections=64))
    name = create_table(dynamodb, TEMPLATE.table("InstancesTable"), name=f"instances-{uuid.uuid4().hex[:12]}")
    yield InstanceStore(dynamodb, name, INDEX)
    dynamodb.delete_table(TableName=name)


@pytest.fixture(params=[*ENGINES, pytest.param("in_memory", id="in_memory")])
def host_index(request: pytest.FixtureRequest) -> Iterator[HostIndexRepository]:
    """A fresh host index: the template's table under a unique name, or the fake."""
    if request.param == "in_memory":
        yield InMemoryHostIndex()
        return
    dynamodb = client(request.getfixturevalue(request.param))
    name = create_table(dynamodb, TEMPLATE.table("HostIndexTable"), name=f"hosts-{uuid.uuid4().hex[:12]}")
    yield HostIndex(dynamodb, name)
    dynamodb.delete_table(TableName=name)
