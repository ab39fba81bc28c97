"""The composition root: settings, the DynamoDB client, the store and the token signer.

Each is built on first use and kept for the container's life, so importing a handler does
no I/O and tests can point the functions at moto or DynamoDB Local between cases
(`reset()`), or hand the operations another repository (`install_store()`).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, cast

from instance_api.pagination import PageTokens
from instance_api.service import InstanceService
from instance_api.settings import Settings
from instance_api.store import InstanceStore

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

    from instance_api.ports import InstanceRepository

# Connect fast and read fast, retry a little: a throttled table must answer (503) well
# inside API Gateway's 29 s, where botocore's legacy mode would retry DynamoDB 10 times.
CLIENT_CONFIG: dict[str, Any] = {
    "retries": {"mode": "standard", "max_attempts": 3},
    "connect_timeout": 1,
    "read_timeout": 2,
    "tcp_keepalive": True,
}

_installed_store: list[InstanceRepository] = []


@functools.cache
def settings() -> Settings:
    return Settings.from_env()


@functools.cache
def dynamodb_client() -> DynamoDBClient:
    # botocore, not boto3: the same client without boto3's import cost at cold start.
    import botocore.session
    from botocore.config import Config

    client = botocore.session.get_session().create_client(
        "dynamodb", endpoint_url=settings().dynamodb_endpoint_url, config=Config(**CLIENT_CONFIG)
    )
    return cast("DynamoDBClient", client)


@functools.cache
def instance_store() -> InstanceRepository:
    if _installed_store:
        return _installed_store[0]
    config = settings()
    return InstanceStore(dynamodb_client(), config.table_name, config.namespace_index_name)


@functools.cache
def page_tokens() -> PageTokens:
    return PageTokens(settings().require_pagination_key())


@functools.cache
def service() -> InstanceService:
    return InstanceService(instance_store(), page_tokens)


def install_store(store: InstanceRepository) -> None:
    """Run the operations against `store` until `reset()` (benchmarks, tests with a fake)."""
    reset()
    _installed_store.append(store)


def reset() -> None:
    """Forget everything built so far (tests switch environments between cases)."""
    _installed_store.clear()
    for cached in (settings, dynamodb_client, instance_store, page_tokens, service):
        cached.cache_clear()
