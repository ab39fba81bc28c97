"""The operations: what create, update, get, list and delete do, over any repository.

The service takes the commands of commands.py and the ports of ports.py; it knows neither
HTTP nor DynamoDB, and reads no environment: the composition root gives it what it uses.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from instance_api.domain.commands import CreateCommand, DeleteCommand, GetQuery, ListQuery, UpdateCommand
from instance_api.domain.hosts import with_status
from instance_api.domain.instance import Draft, Instance, rfc3339
from instance_api.domain.ports import HostIndexRepository, InstanceRepository, ReportBook
from instance_api.domain.writes import created, deleted, updated

if TYPE_CHECKING:
    from instance_api.domain.pagination import PageTokens

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def _token_scope(query: ListQuery) -> str | None:
    """What a listing's tokens are bound to: its namespace (None: all), or its host and namespace
    (a host ID's `=` never appears in a namespace, so the two kinds never collide); and its
    label selector, if it has one (by a hash of it, after a `|` no namespace or host ID holds)."""
    scope = query.namespace if query.host_id is None else f"hostID={query.host_id};namespace={query.namespace or ''}"
    if query.selector is None:
        return scope
    return f"{scope or ''}|labelSelector={query.selector.digest()}"


def _random_name() -> str:
    # Imported here: its CSPRNG and hashing are a create's without a name, not every cold start's.
    from instance_api.domain.names import generate_name

    return generate_name()


class InstanceService:
    """`tokens` and `host_index` are called only by the listings that need them: the key that
    signs tokens, and the host index's table, are needed for nothing else. A deleted
    instance's tombstone is kept `tombstone_retention` (docs/contract.md: at least 30 days),
    so a version read before the delete never matches the instance re-created after."""

    def __init__(
        self,
        store: InstanceRepository,
        tokens: Callable[[], PageTokens],
        host_index: Callable[[], HostIndexRepository],
        tombstone_retention: timedelta,
        clock: Clock = utc_now,
        reports: Callable[[], ReportBook] | None = None,
    ) -> None:
        self._store = store
        self._tokens = tokens
        self._host_index = host_index
        self._tombstone_retention = tombstone_retention
        self._clock = clock
        self._reports = reports

    def create(
        self, command: CreateCommand, *, generated_name: str | None = None, token: str | None = None
    ) -> Instance:
        """Store a new instance; `generated_name` replaces a random one when the client sent none.

        With `token` (an idempotent create's), an existing instance that an earlier attempt of
        this very create wrote is answered instead of AlreadyExists: its first attempt wrote
        the instance but lost its answer.
        """
        timestamp = rfc3339(self._clock())
        draft: Draft = {
            "name": command.name or generated_name or _random_name(),
            "namespace": command.namespace,
            **command.desired,
            "createdAt": timestamp,
            "updatedAt": timestamp,
        }
        if command.dry_run:
            return created(draft, self._store.stored(draft["name"]), token)
        return self._store.create(draft, token=token)

    def update(self, command: UpdateCommand) -> Instance:
        updated_at = rfc3339(self._clock())
        if command.dry_run:
            stored = self._store.stored(command.name)
            return updated(command.name, command.changes, updated_at, command.expected, stored)
        return self._store.update(command.name, command.changes, updated_at, command.expected)

    def get(self, query: GetQuery) -> dict[str, Any]:
        """The instance with its status: its hosts' reports (none where no report book is given)."""
        instance = self._store.get(query.name, scope=query.scope)
        return with_status(instance, self._reports().of_instance(query.name) if self._reports else {})

    def list(self, query: ListQuery) -> dict[str, Any]:
        """A page of the list, or with `host_id` of the host index (eventually consistent: it
        follows the table's stream). A token carries its listing's scope, so one listing's
        token is refused by any other."""
        tokens = self._tokens()
        scope = _token_scope(query)
        start_after = tokens.decode(query.next_token, scope) if query.next_token else None
        if query.host_id is None:
            page = self._store.list(query.namespace, query.limit, start_after, query.selector)
        else:
            page = self._host_index().list(query.host_id, query.namespace, query.limit, start_after, query.selector)
        next_token = tokens.encode(scope, page.last_key) if page.last_key else None
        return {"items": page.items, "nextToken": next_token}

    def delete(self, command: DeleteCommand) -> dict[str, str]:
        if command.dry_run:
            deleted(command.name, command.expected, self._store.stored(command.name))
            return {"name": command.name}
        now = self._clock()
        expires = int((now + self._tombstone_retention).timestamp())
        self._store.delete(command.name, rfc3339(now), expires, command.expected)
        return {"name": command.name}
