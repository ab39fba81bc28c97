"""What the operations need from storage: one interface, two implementations.

`store.InstanceStore` implements it on DynamoDB; `devtools.in_memory_store` implements it
over a dict for benchmarks and tests. Each method is one atomic step: the conditions
(name free, name present, version and namespace as expected) are checked and applied
together, and a failed one raises the error the client sees (AlreadyExists, NotFound,
Conflict, NamespaceMismatch).
"""

from __future__ import annotations

from typing import Protocol

from instance_api.domain import Changes, Instance, Page


class InstanceRepository(Protocol):
    def create(self, instance: Instance) -> None:
        """Store `instance` if its name is free, else raise AlreadyExists."""

    def get(self, name: str) -> Instance:
        """The stored instance, else raise NotFound."""

    def update(
        self,
        name: str,
        changes: Changes,
        updated_at: str,
        *,
        expected_version: int | None = None,
        expected_namespace: str | None = None,
    ) -> Instance:
        """Apply `changes` and bump the version; NotFound, Conflict or NamespaceMismatch otherwise."""

    def delete(self, name: str, *, expected_version: int | None = None) -> None:
        """Remove the instance; NotFound or Conflict otherwise."""

    def list(self, namespace: str | None, limit: int, start_after: dict[str, str] | None) -> Page:
        """At most `limit` instances after `start_after` (of `namespace`, sorted by name, if given)."""
