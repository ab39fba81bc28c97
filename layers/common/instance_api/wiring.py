"""The composition root: settings, the AWS clients, the store, the keys and the token signer,
and for the change consumer the host index and the change publisher.

Each is built on first use and kept for the container's life, so importing a handler does
no I/O and tests can point the functions at moto or DynamoDB Local between cases
(`reset()`), or hand the operations another repository (`install_store()`). The keys are
read from Secrets Manager only by the requests that need them: a list (the pagination
key), a create with an Idempotency-Key and no name (the key names are derived with).
"""

from __future__ import annotations

import functools
from datetime import timedelta
from typing import TYPE_CHECKING, Any, cast

from instance_api.keys import CURRENT, RotatingKey
from instance_api.pagination import PageTokens
from instance_api.parallel import MAX_CALLS_IN_FLIGHT
from instance_api.secret_store import SecretStore
from instance_api.service import InstanceService
from instance_api.settings import Settings
from instance_api.store import InstanceStore

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

    from instance_api.change_events import ChangePublisher
    from instance_api.ports import HostIndexRepository, InstanceRepository

# Connect fast and read fast, retry a little: a throttled table must answer (503) well
# inside API Gateway's 29 s, where botocore's legacy mode would retry DynamoDB 10 times.
# The change consumer's calls run side by side (parallel.py): a connection for each.
CLIENT_CONFIG: dict[str, Any] = {
    "retries": {"mode": "standard", "max_attempts": 3},
    "connect_timeout": 1,
    "read_timeout": 2,
    "tcp_keepalive": True,
    "max_pool_connections": MAX_CALLS_IN_FLIGHT,
}

# The pagination key is read again after this long, and at once (at most this often) when
# a token carries a signature no known key made: a rotation reaches every container within
# minutes, and a listing in progress survives it (docs/decisions.md).
KEY_MAX_AGE_SECONDS = 300
KEY_MIN_REFRESH_SECONDS = 5

_installed_store: list[InstanceRepository] = []
_installed_host_index: list[HostIndexRepository] = []


@functools.cache
def settings() -> Settings:
    return Settings.from_env()


def _client(service: str, endpoint_url: str | None = None) -> Any:
    # botocore, not boto3: the same client without boto3's import cost at cold start.
    import botocore.session
    from botocore.config import Config

    return botocore.session.get_session().create_client(
        service, endpoint_url=endpoint_url, config=Config(**CLIENT_CONFIG)
    )


@functools.cache
def dynamodb_client() -> DynamoDBClient:
    return cast("DynamoDBClient", _client("dynamodb", settings().dynamodb_endpoint_url))


@functools.cache
def secrets() -> SecretStore:
    return SecretStore(_client("secretsmanager"))


@functools.cache
def pagination_key() -> RotatingKey:
    secret = settings().require_pagination_key_secret()
    return RotatingKey(
        lambda stage: secrets().value(secret, stage),
        max_age=KEY_MAX_AGE_SECONDS,
        min_refresh=KEY_MIN_REFRESH_SECONDS,
    )


@functools.cache
def name_key() -> bytes:
    """The key generated names are derived with; never rotated (rotating it would let a
    retry that spans the rotation create a second instance), so read once."""
    key = secrets().value(settings().require_name_key_secret(), CURRENT)
    assert key is not None
    return key


@functools.cache
def instance_store() -> InstanceRepository:
    if _installed_store:
        return _installed_store[0]
    config = settings()
    return InstanceStore(dynamodb_client(), config.table_name, config.namespace_index_name)


@functools.cache
def page_tokens() -> PageTokens:
    return PageTokens(pagination_key())


@functools.cache
def service() -> InstanceService:
    retention = timedelta(days=settings().tombstone_retention_days)
    return InstanceService(instance_store(), page_tokens, retention, host_index)


@functools.cache
def host_index() -> HostIndexRepository:
    if _installed_host_index:
        return _installed_host_index[0]
    from instance_api.host_index import HostIndex  # a host query's, not every request's, import

    return HostIndex(dynamodb_client(), settings().require_host_index_table())


@functools.cache
def change_publisher() -> ChangePublisher:
    # The regional endpoint on AWS; locally AWS_ENDPOINT_URL_EVENTBRIDGE (botocore reads it) points
    # at the emulator's EventBridge stand-in. Only the change consumer imports it.
    from instance_api.change_events import ChangePublisher

    return ChangePublisher(_client("events"), settings().require_event_bus())


def install_store(store: InstanceRepository, host_index: HostIndexRepository | None = None) -> None:
    """Run the operations against `store` (and `host_index`) until `reset()` (benchmarks, tests with fakes)."""
    reset()
    _installed_store.append(store)
    if host_index is not None:
        _installed_host_index.append(host_index)


def reset() -> None:
    """Forget everything built so far (tests switch environments between cases)."""
    _installed_store.clear()
    _installed_host_index.clear()
    built = (settings, dynamodb_client, secrets, pagination_key, name_key, instance_store, page_tokens, service)
    for cached in (*built, host_index, change_publisher):
        cached.cache_clear()
