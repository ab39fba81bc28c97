"""The one mapping between an instance and its DynamoDB item (attribute-value JSON), tombstones included.

Attributes are named as the API names the fields (`shareStorage`, `hostIDs`), so a change a
client sends is written under its own names. `labels` is a map of strings (M of S); an item
written before instances had labels has no such attribute, and reads as `{}` (in the table,
in the host index's entries and in stream images alike).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from instance_api.domain.instance import Changes, Draft, Instance, InstanceSpec, Labels


def spec_value(spec: InstanceSpec) -> dict[str, Any]:
    return {"M": {"image": {"S": spec["image"]}}}


def share_value(share: bool) -> dict[str, Any]:
    return {"BOOL": share}


def hosts_value(host_ids: list[str]) -> dict[str, Any]:
    return {"L": [{"S": host} for host in host_ids]}


def labels_value(labels: Labels) -> dict[str, Any]:
    return {"M": {key: {"S": value} for key, value in labels.items()}}


def _labels(item: dict[str, Any]) -> Labels:
    """An item's labels: none before labels existed. DynamoDB Local's stream writes an empty map
    as `{}` (no `M`), where the table and DynamoDB itself say `{"M": {}}`."""
    stored = item.get("labels") or {"M": {}}
    return {key: value["S"] for key, value in stored["M"].items()}


# How each field an update may change is stored.
_VALUE_OF: dict[str, Callable[[Any], dict[str, Any]]] = {
    "spec": spec_value,
    "shareStorage": share_value,
    "hostIDs": hosts_value,
    "labels": labels_value,
}


def change_values(changes: Changes) -> dict[str, dict[str, Any]]:
    """The attribute values of the fields an update changes, under the fields' own names."""
    return {field: _VALUE_OF[field](value) for field, value in changes.items()}


def draft_item(draft: Draft) -> dict[str, Any]:
    """A new instance's attributes, all but its `version` (the store's to give)."""
    return {
        "name": {"S": draft["name"]},
        "namespace": {"S": draft["namespace"]},
        "spec": spec_value(draft["spec"]),
        "shareStorage": share_value(draft["shareStorage"]),
        "hostIDs": hosts_value(draft["hostIDs"]),
        "labels": labels_value(draft["labels"]),
        "createdAt": {"S": draft["createdAt"]},
        "updatedAt": {"S": draft["updatedAt"]},
    }


def to_item(instance: Instance) -> dict[str, Any]:
    return {**draft_item(instance), "version": {"N": str(instance["version"])}}


def from_item(item: dict[str, Any]) -> Instance:
    return {
        "name": item["name"]["S"],
        "namespace": item["namespace"]["S"],
        "spec": {"image": item["spec"]["M"]["image"]["S"]},
        "shareStorage": item["shareStorage"]["BOOL"],
        "hostIDs": [host["S"] for host in item["hostIDs"]["L"]],
        "labels": _labels(item),
        "version": int(item["version"]["N"]),
        "createdAt": item["createdAt"]["S"],
        "updatedAt": item["updatedAt"]["S"],
    }


# A deleted instance's tombstone keeps its name and last version (so a re-create continues
# the sequence) and these two; everything else is removed, its namespace too, so the
# namespace index never holds tombstones. expiresAt is the table's TTL attribute.
DELETED_AT = "deletedAt"
EXPIRES_AT = "expiresAt"
# On an instance an idempotent create wrote: a hash of the caller, the key and the body, so
# a retry of that very create can recognise its own write. Never returned to clients.
CREATION_TOKEN = "creationToken"  # noqa: S105 - an attribute name, not a secret
# What a delete removes from the item, leaving the tombstone.
INSTANCE_ONLY = ("namespace", "spec", "shareStorage", "hostIDs", "labels", "createdAt", "updatedAt", CREATION_TOKEN)


def is_tombstone(item: dict[str, Any]) -> bool:
    return DELETED_AT in item


def creation_token(item: dict[str, Any]) -> str | None:
    token = item.get(CREATION_TOKEN)
    return None if token is None else str(token["S"])
