"""The instance, in the API's own spelling from the edge to the store: plain data, no HTTP and no AWS.

The fields a client sets (`Desired`, or some of them: `Changes`) keep the names a client
writes (`shareStorage`, `hostIDs`) everywhere: in a command, in the service, in the store's
items and in the change events. Field rules are in docs/contract.md, "The instance".
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import NamedTuple, TypedDict


def rfc3339(moment: datetime | float) -> str:
    """A moment (a datetime, or epoch seconds) as the API writes it: UTC with milliseconds,
    e.g. 2026-11-27T10:00:00.000Z."""
    if not isinstance(moment, datetime):
        moment = datetime.fromtimestamp(moment, UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class InstanceSpec(TypedDict):
    image: str


# Labels: string keys and values a client sets to select instances by (docs/contract.md).
Labels = dict[str, str]


class Changes(TypedDict, total=False):
    """Some of the fields a client sets: an update replaces those it names (`spec` as a whole)."""

    spec: InstanceSpec
    shareStorage: bool
    hostIDs: list[str]
    labels: Labels


class Desired(TypedDict):
    """Every field a client sets: what a create stores (the defaults filled in)."""

    spec: InstanceSpec
    shareStorage: bool
    hostIDs: list[str]
    labels: Labels


class Draft(TypedDict):
    """A new instance before the store numbers it: its version is the store's to give (1, or
    one more than the deleted instance whose name it takes)."""

    name: str
    namespace: str
    spec: InstanceSpec
    shareStorage: bool
    hostIDs: list[str]
    labels: Labels
    createdAt: str
    updatedAt: str


class Instance(TypedDict):
    """An instance exactly as the API returns it (docs/contract.md, "The instance")."""

    name: str
    namespace: str
    spec: InstanceSpec
    shareStorage: bool
    hostIDs: list[str]
    labels: Labels
    version: int
    createdAt: str
    updatedAt: str


# The fields an update may replace, in the order the API shows them.
CHANGEABLE = ("spec", "shareStorage", "hostIDs", "labels")


class Page(NamedTuple):
    """One page of a listing; `last_key` is None only when nothing follows."""

    items: list[Instance]
    last_key: dict[str, str] | None
