"""The one mapping between an instance and its DynamoDB item (attribute-value JSON)."""

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
