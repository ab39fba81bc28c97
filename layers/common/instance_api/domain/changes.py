"""A change to an instance, as the change consumer reads it from the table's stream
(instance_api.changes), and the event it is published as: its kind is the event's detail-type.

An event's shape is the contract's (docs/contract.md, "What runs on a host, and what
changed"; its JSON Schema: docs/events/instance-change.schema.json): detail {name,
namespace, version, instance, previous, changedAt}, instances in the API's shape. Delivery
is at least once: consumers deduplicate on (name, version, detail-type).
"""

from __future__ import annotations

from typing import Any, Literal, NamedTuple

from instance_api.domain.instance import Instance

ChangeKind = Literal["Instance Created", "Instance Updated", "Instance Deleted"]
CREATED: ChangeKind = "Instance Created"
UPDATED: ChangeKind = "Instance Updated"
DELETED: ChangeKind = "Instance Deleted"


class Change(NamedTuple):
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


class Event(NamedTuple):
    """What goes on the bus: its detail-type and detail, when it happened, and the instance it
    is about (one instance's events keep their order)."""

    about: str
    detail_type: str
    detail: dict[str, Any]
    time: str


def detail(change: Change) -> dict[str, Any]:
    subject = change.subject
    return {
        "name": subject["name"],
        "namespace": subject["namespace"],
        "version": subject["version"],
        "instance": change.instance,
        "previous": change.previous,
        "changedAt": change.changed_at,
    }


def change_event(change: Change) -> Event:
    """The event `change` is published as; its time is the change's, not the publication's."""
    return Event(change.subject["name"], change.kind, detail(change), change.changed_at)
