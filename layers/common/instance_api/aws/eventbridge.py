"""Change events on the stack's EventBridge bus: one per create, update and delete.

An event is `source` "instance-api", `detail-type` the change's kind ("Instance Created",
"Instance Updated", "Instance Deleted") and `detail` {name, namespace, version, instance,
previous, changedAt}, instances in the API's shape (docs/contract.md, "What runs on a host,
and what changed"; its JSON Schema: docs/events/instance-change.schema.json). Delivery is
at least once: consumers deduplicate on (name, version, detail-type).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Protocol

from instance_api.domain.changes import Change

SOURCE = "instance-api"


class PutEvents(Protocol):
    """The one call the publisher makes (botocore's EventBridge client has it)."""

    def put_events(self, *, Entries: list[dict[str, Any]]) -> Any: ...  # noqa: N803 - botocore's name


class PublishFailed(Exception):
    """EventBridge did not take the event; the record fails and is retried."""


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


def entry(change: Change, bus: str) -> dict[str, Any]:
    """The PutEvents entry for `change`; its time is the change's, not the publication's."""
    return {
        "EventBusName": bus,
        "Source": SOURCE,
        "DetailType": change.kind,
        "Detail": json.dumps(detail(change), separators=(",", ":")),
        "Time": datetime.fromisoformat(change.changed_at),
    }


class EventBridgePublisher:
    def __init__(self, client: PutEvents, bus: str) -> None:
        self._client = client
        self._bus = bus

    def publish(self, change: Change) -> None:
        response = self._client.put_events(Entries=[entry(change, self._bus)])
        if response.get("FailedEntryCount", 0):
            (failed,) = response["Entries"]
            raise PublishFailed(
                f"EventBridge refused the event: {failed.get('ErrorCode')} {failed.get('ErrorMessage')}"
            )
