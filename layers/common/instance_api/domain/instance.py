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
from datetime import UTC, datetime
from typing import Literal, TypedDict


def rfc3339(moment: datetime | float) -> str:
    """A moment (a datetime, or epoch seconds) as the API writes it: UTC with milliseconds,
    e.g. 2026-11-27T10:00:00.000Z."""
    if not isinstance(moment, datetime):
        moment = datetime.fromtimestamp(moment, UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


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
class Expected:
    """What a write to an existing instance requires of it, each checked in the write itself:
    the `version` a client read (another is 409), the `namespace` a body named (another is
    400) and the `scope` of a namespaced path (an instance outside it is 404, as if absent).
    None requires nothing."""

    version: int | None = None
    namespace: str | None = None
    scope: str | None = None


# A write that requires nothing of the instance but that it is there.
UNCONDITIONAL = Expected()


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
    """A page of instances: of one namespace (or all), and with `host_id`, only those on that host."""

    namespace: str | None
    limit: int
    next_token: str | None
    host_id: str | None = None


@dataclass(frozen=True, slots=True)
class DeleteCommand:
    name: str
    version: int | None
    scope: str | None = None


# A change to an instance, as the change consumer reads it from the table's stream (changes.py)
# and publishes it (change_events.py): its kind is the event's detail-type.
ChangeKind = Literal["Instance Created", "Instance Updated", "Instance Deleted"]
CREATED: ChangeKind = "Instance Created"
UPDATED: ChangeKind = "Instance Updated"
DELETED: ChangeKind = "Instance Deleted"


@dataclass(frozen=True, slots=True)
class Change:
    """One change to one instance: what it was before (`previous`) and after (`instance`)."""

    kind: ChangeKind
    instance: Instance | None
    previous: Instance | None
    changed_at: str

    @property
    def subject(self) -> Instance:
        """The instance the change is about: after it, or before a delete."""
        subject = self.instance or self.previous
        assert subject is not None  # every change has one side
        return subject

    @property
    def sequence(self) -> str:
        """Orders the changes of one name: a later change has a greater key.

        Versions order one instance's changes, and a delete keeps the last update's version,
        so it counts one more (2 * version + 1). A name created again after its tombstone
        expired starts again at version 1; its creation time, first in the key, still orders
        it after the deleted instance's changes. Fixed-width, so strings compare as values.
        """
        subject = self.subject
        deleted = 1 if self.kind == DELETED else 0
        return f"{subject['createdAt']}#{2 * subject['version'] + deleted:012d}"

    def hosts(self) -> dict[str, bool]:
        """Every host the change touches, and whether the instance runs there after it."""
        before = self.previous["hostIDs"] if self.previous else []
        after = self.instance["hostIDs"] if self.instance else []
        return {**dict.fromkeys(before, False), **dict.fromkeys(after, True)}
