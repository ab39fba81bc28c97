"""The operations, between HTTP parsing (request_parsing) and storage (store).

The store and its DynamoDB client are built on first use and kept for the container's
life, so importing a handler does no I/O and tests can point it at moto or DynamoDB Local.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

from instance_api.errors import AlreadyExists
from instance_api.names import generate_name
from instance_api.pagination import PageTokens
from instance_api.request_parsing import DeleteCommand, ListQuery
from instance_api.settings import Settings
from instance_api.store import Changes, Instance, InstanceStore

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

    from instance_api.models import CreateInstanceRequest, UpdateInstanceRequest

# Connect fast and read fast, retry a little: a throttled table must answer (503) well
# inside API Gateway's 29 s, where botocore's legacy mode would retry DynamoDB 10 times.
CLIENT_CONFIG: dict[str, Any] = {
    "retries": {"mode": "standard", "max_attempts": 3},
    "connect_timeout": 1,
    "read_timeout": 2,
    "tcp_keepalive": True,
}


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
def instance_store() -> InstanceStore:
    config = settings()
    return InstanceStore(dynamodb_client(), config.table_name, config.namespace_index_name)


@functools.cache
def page_tokens() -> PageTokens:
    return PageTokens(settings().require_pagination_key())


def reset() -> None:
    """Forget the cached settings, client and key (tests switch environments between cases)."""
    settings.cache_clear()
    dynamodb_client.cache_clear()
    instance_store.cache_clear()
    page_tokens.cache_clear()


def now() -> str:
    """RFC 3339 UTC with milliseconds, e.g. 2026-11-27T10:00:00.000Z."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def create_instance(
    request: CreateInstanceRequest, *, generated_name: str | None = None, adopt_own_write: bool = False
) -> Instance:
    """Store a new instance; `generated_name` replaces a random one when the client sent none.

    With `adopt_own_write`, an existing instance that this very request could have written
    (same fields, never updated) is returned instead of 409: an idempotent create whose
    first attempt wrote the instance but lost its answer.
    """
    timestamp = now()
    instance: Instance = {
        "name": request.name or generated_name or generate_name(),
        "namespace": request.namespace,
        "spec": {"image": request.spec.image},
        "shareStorage": request.shareStorage,
        "hostIDs": list(request.hostIDs),
        "version": 1,
        "createdAt": timestamp,
        "updatedAt": timestamp,
    }
    store = instance_store()
    try:
        store.create(instance)
    except AlreadyExists:
        if not adopt_own_write:
            raise
        stored = store.get(instance["name"])
        if not _could_have_written(instance, stored):
            raise
        return stored
    return instance


def _could_have_written(created: Instance, stored: Instance) -> bool:
    """The stored instance is what `created` would be, untouched since: a write of ours."""
    return stored["version"] == 1 and (
        stored["namespace"],
        stored["spec"],
        stored["shareStorage"],
        stored["hostIDs"],
    ) == (created["namespace"], created["spec"], created["shareStorage"], created["hostIDs"])


def update_instance(request: UpdateInstanceRequest) -> Instance:
    changes = Changes(
        spec={"image": request.spec.image} if request.spec is not None else None,
        share_storage=request.shareStorage,
        host_ids=list(request.hostIDs) if request.hostIDs is not None else None,
    )
    return instance_store().update(
        request.name,
        changes,
        now(),
        expected_version=request.version,
        expected_namespace=request.namespace,
    )


def get_instance(name: str) -> Instance:
    return instance_store().get(name)


def list_instances(query: ListQuery) -> dict[str, Any]:
    tokens = page_tokens()
    start_after = tokens.decode(query.next_token, query.namespace) if query.next_token else None
    page = instance_store().list(query.namespace, query.limit, start_after)
    next_token = tokens.encode(query.namespace, page.last_key) if page.last_key else None
    return {"items": page.items, "nextToken": next_token}


def delete_instance(command: DeleteCommand) -> dict[str, str]:
    instance_store().delete(command.name, expected_version=command.version)
    return {"name": command.name}
