"""The instance and the commands the operations take: plain data, no HTTP and no AWS.

A command's `scope` is the namespace of the path it came on (/api/v1/namespaces/{ns}/...):
an instance outside it is treated as absent, so nothing on a namespaced path reveals or
touches another namespace. None is the seed's cluster-wide path.

The request models (models.py) and the query parsing (http_query.py) turn what a client
sent into these; the service runs them against a repository (ports.py); the store maps
them to DynamoDB (store.py, items.py). Field rules are in docs/contract.md, "The instance".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypedDict


class InstanceSpec(TypedDict):
    image: str


class Instance(TypedDict):
    """An instance exactly as the API returns it (docs/contract.md, "The instance")."""

    name: str
    namespace: str
    spec: InstanceSpec
    shareStorage: bool
    hostIDs: list[str]
    version: int
    createdAt: str
    updatedAt: str


@dataclass(frozen=True, slots=True)
class Changes:
    """The fields an update replaces; None leaves the stored value as it is."""

    spec: InstanceSpec | None = None
    share_storage: bool | None = None
    host_ids: list[str] | None = None


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a listing; `last_key` is None only when nothing follows."""

    items: list[Instance]
    last_key: dict[str, str] | None


@dataclass(frozen=True, slots=True)
class CreateCommand:
    """A create; `name` None asks the server to generate one."""

    name: str | None
    namespace: str
    spec: InstanceSpec
    share_storage: bool
    host_ids: list[str]


@dataclass(frozen=True, slots=True)
class UpdateCommand:
    """`expected_namespace` is a body's (another value is 400); `scope` is a namespaced
    path's (an instance outside it is 404, as if absent)."""

    name: str
    changes: Changes
    expected_version: int | None = None
    expected_namespace: str | None = None
    scope: str | None = None


@dataclass(frozen=True, slots=True)
class GetQuery:
    name: str
    scope: str | None = None


@dataclass(frozen=True, slots=True)
class ListQuery:
    namespace: str | None
    limit: int
    next_token: str | None


@dataclass(frozen=True, slots=True)
class DeleteCommand:
    name: str
    version: int | None
    scope: str | None = None
