"""The operations: what create, update, get, list and delete do, over any repository.

The service takes domain commands (domain.py) and a repository (ports.py); it knows
neither HTTP nor DynamoDB. wiring.py builds the one the functions use.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from instance_api.domain import CreateCommand, DeleteCommand, GetQuery, Instance, ListQuery, UpdateCommand
from instance_api.errors import AlreadyExists
from instance_api.names import generate_name
from instance_api.pagination import PageTokens
from instance_api.ports import InstanceRepository


def now() -> str:
    """RFC 3339 UTC with milliseconds, e.g. 2026-11-27T10:00:00.000Z."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _could_have_written(created: Instance, stored: Instance) -> bool:
    """The stored instance is what `created` would be, untouched since: a write of ours."""
    return stored["version"] == 1 and (
        stored["namespace"],
        stored["spec"],
        stored["shareStorage"],
        stored["hostIDs"],
    ) == (created["namespace"], created["spec"], created["shareStorage"], created["hostIDs"])


class InstanceService:
    """`tokens` is called only by a list: the key that signs them is needed for nothing else."""

    def __init__(self, store: InstanceRepository, tokens: Callable[[], PageTokens]) -> None:
        self._store = store
        self._tokens = tokens

    def create(
        self, command: CreateCommand, *, generated_name: str | None = None, adopt_own_write: bool = False
    ) -> Instance:
        """Store a new instance; `generated_name` replaces a random one when the client sent none.

        With `adopt_own_write`, an existing instance that this very request could have written
        (same fields, never updated) is returned instead of 409: an idempotent create whose
        first attempt wrote the instance but lost its answer.
        """
        timestamp = now()
        instance: Instance = {
            "name": command.name or generated_name or generate_name(),
            "namespace": command.namespace,
            "spec": command.spec,
            "shareStorage": command.share_storage,
            "hostIDs": list(command.host_ids),
            "version": 1,
            "createdAt": timestamp,
            "updatedAt": timestamp,
        }
        try:
            self._store.create(instance)
        except AlreadyExists:
            if not adopt_own_write:
                raise
            stored = self._store.get(instance["name"])
            if not _could_have_written(instance, stored):
                raise
            return stored
        return instance

    def update(self, command: UpdateCommand) -> Instance:
        return self._store.update(
            command.name,
            command.changes,
            now(),
            expected_version=command.expected_version,
            expected_namespace=command.expected_namespace,
        )

    def get(self, query: GetQuery) -> Instance:
        return self._store.get(query.name)

    def list(self, query: ListQuery) -> dict[str, Any]:
        tokens = self._tokens()
        start_after = tokens.decode(query.next_token, query.namespace) if query.next_token else None
        page = self._store.list(query.namespace, query.limit, start_after)
        next_token = tokens.encode(query.namespace, page.last_key) if page.last_key else None
        return {"items": page.items, "nextToken": next_token}

    def delete(self, command: DeleteCommand) -> dict[str, str]:
        self._store.delete(command.name, expected_version=command.version)
        return {"name": command.name}
