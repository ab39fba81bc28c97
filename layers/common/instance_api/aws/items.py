"""The one mapping between an instance and its DynamoDB item (attribute-value JSON), tombstones included."""

from __future__ import annotations

from typing import Any

from instance_api.domain import Instance, InstanceSpec


def spec_value(spec: InstanceSpec) -> dict[str, Any]:
    return {"M": {"image": {"S": spec["image"]}}}


def hosts_value(host_ids: list[str]) -> dict[str, Any]:
    return {"L": [{"S": host} for host in host_ids]}


def to_item(instance: Instance) -> dict[str, Any]:
    return {
        "name": {"S": instance["name"]},
        "namespace": {"S": instance["namespace"]},
        "spec": spec_value(instance["spec"]),
        "shareStorage": {"BOOL": instance["shareStorage"]},
        "hostIDs": hosts_value(instance["hostIDs"]),
        "version": {"N": str(instance["version"])},
        "createdAt": {"S": instance["createdAt"]},
        "updatedAt": {"S": instance["updatedAt"]},
    }


def from_item(item: dict[str, Any]) -> Instance:
    return {
        "name": item["name"]["S"],
        "namespace": item["namespace"]["S"],
        "spec": {"image": item["spec"]["M"]["image"]["S"]},
        "shareStorage": item["shareStorage"]["BOOL"],
        "hostIDs": [host["S"] for host in item["hostIDs"]["L"]],
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
INSTANCE_ONLY = ("namespace", "spec", "shareStorage", "hostIDs", "createdAt", "updatedAt", CREATION_TOKEN)


def is_tombstone(item: dict[str, Any]) -> bool:
    return DELETED_AT in item


def creation_token(item: dict[str, Any]) -> str | None:
    token = item.get(CREATION_TOKEN)
    return None if token is None else str(token["S"])
