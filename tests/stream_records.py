"""Stream records for the change consumer's tests, from the batch recorded off the real store.

events/stream.json is web-1's life as the store wrote it (devtools.stream_events, `make
events`): created on host-a and host-b (INSERT), moved to host-b and host-c with a new
image (MODIFY), deleted (MODIFY to its tombstone), created again over the tombstone on
host-a (MODIFY). The helpers below derive other records from those images: other names
and hosts, a delete that removes the item (a REMOVE), a TTL expiry, a poison record.
Loading moves the recorded times to now (devtools.events), so a time a test makes up is
taken from them (`later`), never from the calendar.
"""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from typing import Any

from devtools.events import load_event
from instance_api.domain.instance import rfc3339

TTL_DELETER = {"type": "Service", "principalId": "dynamodb.amazonaws.com"}


def recorded() -> list[dict[str, Any]]:
    """events/stream.json's records: [create v1, update v2, delete v2, create v3], a fresh copy."""
    records: list[dict[str, Any]] = load_event("stream")["Records"]
    return records


def image(record: dict[str, Any], which: str = "NewImage") -> dict[str, Any]:
    return copy.deepcopy(record["dynamodb"][which])


def _record(event_name: str, sequence: int, images: dict[str, dict[str, Any]], **extra: Any) -> dict[str, Any]:
    template = copy.deepcopy(recorded()[0])
    keys = next(iter(images.values()))["name"]
    stream = {key: value for key, value in template["dynamodb"].items() if key not in ("NewImage", "OldImage")}
    stream.update(images, Keys={"name": keys}, SequenceNumber=str(sequence))
    return {**template, "eventName": event_name, "dynamodb": stream, **extra}


def insert(new: dict[str, Any], sequence: int) -> dict[str, Any]:
    return _record("INSERT", sequence, {"NewImage": new})


def modify(old: dict[str, Any], new: dict[str, Any], sequence: int) -> dict[str, Any]:
    return _record("MODIFY", sequence, {"OldImage": old, "NewImage": new})


def remove(old: dict[str, Any], sequence: int, *, by_ttl: bool = False) -> dict[str, Any]:
    extra = {"userIdentity": TTL_DELETER} if by_ttl else {}
    return _record("REMOVE", sequence, {"OldImage": old}, **extra)


def named(item: dict[str, Any], name: str) -> dict[str, Any]:
    return {**copy.deepcopy(item), "name": {"S": name}}


def on_hosts(item: dict[str, Any], *hosts: str) -> dict[str, Any]:
    return {**copy.deepcopy(item), "hostIDs": {"L": [{"S": host} for host in hosts]}}


def at_version(item: dict[str, Any], version: int, created_at: str | None = None) -> dict[str, Any]:
    moved = {**copy.deepcopy(item), "version": {"N": str(version)}}
    if created_at is not None:
        moved["createdAt"] = moved["updatedAt"] = {"S": created_at}
    return moved


def later(stamp: str, **delta: float) -> str:
    """The RFC 3339 time `delta` (timedelta's keywords) after `stamp`."""
    return rfc3339(datetime.fromisoformat(stamp) + timedelta(**delta))


def tombstone(live: dict[str, Any], deleted_at: str | None = None) -> dict[str, Any]:
    """What a delete leaves of `live`: name, last version, when (by default a second after its
    last update) and until when the table's TTL keeps it (30 days on)."""
    deleted_at = deleted_at or later(live["updatedAt"]["S"], seconds=1)
    expires_at = datetime.fromisoformat(deleted_at) + timedelta(days=30)
    return {
        "name": live["name"],
        "version": live["version"],
        "deletedAt": {"S": deleted_at},
        "expiresAt": {"N": str(int(expires_at.timestamp()))},
    }


def poison(sequence: int) -> dict[str, Any]:
    """An INSERT whose image is no instance (no spec, no namespace): it can never be processed."""
    return insert({"name": {"S": "poison"}, "version": {"N": "1"}}, sequence)


def batch(*records: dict[str, Any]) -> dict[str, Any]:
    """The event Lambda's event source mapping passes the consumer."""
    return {"Records": list(records)}
