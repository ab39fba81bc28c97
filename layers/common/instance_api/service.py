"""The operations: what create, update, get, list and delete do, over any repository.

The service takes domain commands (domain.py) and a repository (ports.py); it knows
neither HTTP nor DynamoDB. wiring.py builds the one the functions use.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from instance_api.aws_errors import StoreFailure
from instance_api.domain import (
    CreateCommand,
    DeleteCommand,
    Expected,
    GetQuery,
    Instance,
    ListQuery,
    UpdateCommand,
    rfc3339,
)
from instance_api.names import generate_name
from instance_api.pagination import PageTokens
from instance_api.ports import HostIndexRepository, InstanceRepository


def utc_now() -> datetime:
    return datetime.now(UTC)


def _scope(query: ListQuery) -> str | None:
    """What a listing's tokens are bound to: its namespace (None: all), or its host and namespace
    (a host ID's `=` never appears in a namespace, so the two kinds never collide)."""
    if query.host_id is None:
        return query.namespace
    return f"hostID={query.host_id};namespace={query.namespace or ''}"


class InstanceService:
    """`tokens` is called only by a list: the key that signs them is needed for nothing else.
    A deleted instance's tombstone is kept `tombstone_retention` (docs/contract.md: at least
    30 days), so a version read before the delete never matches the instance re-created after.
    `clock` stamps every write (`make events` records its stream at a fixed time with it)."""

    def __init__(
        self,
        store: InstanceRepository,
        tokens: Callable[[], PageTokens],
        tombstone_retention: timedelta,
        host_index: Callable[[], HostIndexRepository] | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._store = store
        self._tokens = tokens
        self._tombstone_retention = tombstone_retention
        self._host_index = host_index
        self._clock = clock

    def create(
        self, command: CreateCommand, *, generated_name: str | None = None, token: str | None = None
    ) -> Instance:
        """Store a new instance; `generated_name` replaces a random one when the client sent none.

        With `token` (an idempotent create's), an existing instance that an earlier attempt of
        this very create wrote is answered instead of 409: its first attempt wrote the
        instance but lost its answer.
        """
        timestamp = rfc3339(self._clock())
        instance: Instance = {
            "name": command.name or generated_name or generate_name(),
            "namespace": command.namespace,
            "spec": command.spec,
            "shareStorage": command.share_storage,
            "hostIDs": list(command.host_ids),
            "version": 1,  # or one more than a tombstone's: the store writes the version
            "createdAt": timestamp,
            "updatedAt": timestamp,
        }
        return self._store.create(instance, token=token)

    def update(self, command: UpdateCommand) -> Instance:
        return self._store.update(
            command.name,
            command.changes,
            rfc3339(self._clock()),
            Expected(command.expected_version, command.expected_namespace, command.scope),
        )

    def get(self, query: GetQuery) -> Instance:
        return self._store.get(query.name, scope=query.scope)

    def list(self, query: ListQuery) -> dict[str, Any]:
        """A page of the list, or with `host_id` of the host index (eventually consistent: it
        follows the table's stream). A token carries its listing's scope, so one listing's
        token is refused by any other."""
        tokens = self._tokens()
        scope = _scope(query)
        start_after = tokens.decode(query.next_token, scope) if query.next_token else None
        if query.host_id is None:
            page = self._store.list(query.namespace, query.limit, start_after)
        else:
            if self._host_index is None:
                raise StoreFailure("listing by host needs the host index (HOST_INDEX_TABLE_NAME)")
            page = self._host_index().list(query.host_id, query.namespace, query.limit, start_after)
        next_token = tokens.encode(scope, page.last_key) if page.last_key else None
        return {"items": page.items, "nextToken": next_token}

    def delete(self, command: DeleteCommand) -> dict[str, str]:
        deleted = self._clock()
        expires = int((deleted + self._tombstone_retention).timestamp())
        self._store.delete(
            command.name, rfc3339(deleted), expires, Expected(version=command.version, scope=command.scope)
        )
        return {"name": command.name}
