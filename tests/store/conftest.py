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
from instance_api.domain.ports import SELECTED_PAGE_BUDGET, HostIndexRepository, InstanceRepository
from tests.support import ENGINES

TEMPLATE = Template.load()
INDEX = TEMPLATE.functions()["GetInstanceFunction"].environment["NAMESPACE_INDEX_NAME"]


# The selected page budget of the `budgeted_*` repositories: small, so a few dozen items outrun it.
BUDGET = 10
IMPLEMENTATIONS = [*ENGINES, pytest.param("in_memory", id="in_memory")]


def _store(request: pytest.FixtureRequest, **options: int) -> Iterator[InstanceRepository]:
    """A fresh repository: a DynamoDB table (the template's definition under a unique name), or the fake."""
    if request.param == "in_memory":
        yield InMemoryStore(**options)
        return
    dynamodb = client(request.getfixturevalue(request.param), config=Config(max_pool_connections=64))
    name = create_table(dynamodb, TEMPLATE.table("InstancesTable"), name=f"instances-{uuid.uuid4().hex[:12]}")
    yield InstanceStore(dynamodb, name, INDEX, **options)
    dynamodb.delete_table(TableName=name)


def _host_index(request: pytest.FixtureRequest, **options: int) -> Iterator[HostIndexRepository]:
    """A fresh host index: the template's table under a unique name, or the fake."""
    if request.param == "in_memory":
        yield InMemoryHostIndex(**options)
        return
    dynamodb = client(request.getfixturevalue(request.param))
    name = create_table(dynamodb, TEMPLATE.table("HostIndexTable"), name=f"hosts-{uuid.uuid4().hex[:12]}")
    yield HostIndex(dynamodb, name, selected_page_budget=options.get("selected_page_budget", SELECTED_PAGE_BUDGET))
    dynamodb.delete_table(TableName=name)


@pytest.fixture(params=IMPLEMENTATIONS)
def store(request: pytest.FixtureRequest) -> Iterator[InstanceRepository]:
    yield from _store(request)


@pytest.fixture(params=IMPLEMENTATIONS)
def host_index(request: pytest.FixtureRequest) -> Iterator[HostIndexRepository]:
    yield from _host_index(request)


@pytest.fixture(params=IMPLEMENTATIONS)
def budgeted_store(request: pytest.FixtureRequest) -> Iterator[InstanceRepository]:
    """A repository whose selected listings read at most BUDGET items a page."""
    yield from _store(request, selected_page_budget=BUDGET)


@pytest.fixture(params=IMPLEMENTATIONS)
def budgeted_host_index(request: pytest.FixtureRequest) -> Iterator[HostIndexRepository]:
    """A host index whose selected listings read at most BUDGET entries a page."""
    yield from _host_index(request, selected_page_budget=BUDGET)
