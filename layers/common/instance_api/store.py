"""The DynamoDB data-access layer: the only module that talks to AWS.

Every write is a single conditional request, so concurrency is settled by DynamoDB, not by
read-then-write races: create is `attribute_not_exists`, update and delete carry
`attribute_exists` (plus `version = :v` when the client sent one) and ask for
`ReturnValuesOnConditionCheckFailure=ALL_OLD`, so one round trip tells 404 from 409.
`name` is a DynamoDB reserved word, so every expression goes through attribute names.
botocore failures become domain errors here: throttling and timeouts are `Unavailable`,
anything else is `StoreFailure` (a 500 whose detail only the logs see).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypedDict, cast

from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotocoreConnectionError

from instance_api.errors import AlreadyExists, Conflict, InvalidRequest, NotFound, Unavailable

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

# After the SDK's own retries these mean "try again later", not "the request was wrong".
RETRYABLE_ERROR_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
    }
)


class InstanceSpec(TypedDict):
    image: str


class Instance(TypedDict):
    """An instance exactly as the API returns it (SPEC "The instance")."""

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
    items: list[Instance]
    last_key: dict[str, str] | None


class StoreFailure(Exception):
    """DynamoDB refused a request for a reason the client cannot fix (a bug or misconfiguration)."""


def is_retryable(error: BaseException) -> bool:
    """Throttling, a DynamoDB-side error or a timeout, on `error` or anything that caused it."""
    current: BaseException | None = error
    while current is not None:
        if isinstance(current, ClientError):
            if current.response.get("Error", {}).get("Code", "") in RETRYABLE_ERROR_CODES:
                return True
        elif isinstance(current, BotocoreConnectionError | HTTPClientError):
            return True
        current = current.__cause__ or current.__context__
    return False


def _marshal(instance: Instance) -> dict[str, Any]:
    return {
        "name": {"S": instance["name"]},
        "namespace": {"S": instance["namespace"]},
        "spec": {"M": {"image": {"S": instance["spec"]["image"]}}},
        "shareStorage": {"BOOL": instance["shareStorage"]},
        "hostIDs": {"L": [{"S": host} for host in instance["hostIDs"]]},
        "version": {"N": str(instance["version"])},
        "createdAt": {"S": instance["createdAt"]},
        "updatedAt": {"S": instance["updatedAt"]},
    }


def _unmarshal(item: dict[str, Any]) -> Instance:
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


def _old_item(error: ClientError) -> dict[str, Any] | None:
    """The item as it was when a condition failed (ReturnValuesOnConditionCheckFailure=ALL_OLD)."""
    return cast("dict[str, Any] | None", error.response.get("Item"))


class InstanceStore:
    def __init__(self, client: DynamoDBClient, table_name: str, namespace_index: str | None = None) -> None:
        self._client = client
        self._table = table_name
        self._namespace_index = namespace_index

    def _call(self, operation: str, **request: Any) -> Any:
        try:
            return getattr(self._client, operation)(TableName=self._table, **request)
        except (ClientError, BotocoreConnectionError, HTTPClientError) as error:
            if is_retryable(error):
                raise Unavailable() from error
            code = error.response.get("Error", {}).get("Code", "") if isinstance(error, ClientError) else ""
            if code == "ConditionalCheckFailedException":
                raise
            raise StoreFailure(f"DynamoDB {operation} failed with {code or type(error).__name__}") from error

    def create(self, instance: Instance) -> None:
        try:
            self._call(
                "put_item",
                Item=_marshal(instance),
                ConditionExpression="attribute_not_exists(#name)",
                ExpressionAttributeNames={"#name": "name"},
            )
        except ClientError:
            raise AlreadyExists(f"instance {instance['name']!r} already exists") from None

    def get(self, name: str) -> Instance:
        response = self._call("get_item", Key={"name": {"S": name}}, ConsistentRead=True)
        if "Item" not in response:
            raise NotFound(f"instance {name!r} not found")
        return _unmarshal(response["Item"])

    def update(
        self,
        name: str,
        changes: Changes,
        updated_at: str,
        *,
        expected_version: int | None = None,
        expected_namespace: str | None = None,
    ) -> Instance:
        names = {"#name": "name", "#version": "version", "#updatedAt": "updatedAt"}
        values: dict[str, Any] = {":one": {"N": "1"}, ":updatedAt": {"S": updated_at}}
        assignments = ["#version = #version + :one", "#updatedAt = :updatedAt"]
        if changes.spec is not None:
            names["#spec"] = "spec"
            values[":spec"] = {"M": {"image": {"S": changes.spec["image"]}}}
            assignments.append("#spec = :spec")
        if changes.share_storage is not None:
            names["#shareStorage"] = "shareStorage"
            values[":shareStorage"] = {"BOOL": changes.share_storage}
            assignments.append("#shareStorage = :shareStorage")
        if changes.host_ids is not None:
            names["#hostIDs"] = "hostIDs"
            values[":hostIDs"] = {"L": [{"S": host} for host in changes.host_ids]}
            assignments.append("#hostIDs = :hostIDs")
        conditions = ["attribute_exists(#name)"]
        if expected_version is not None:
            values[":expectedVersion"] = {"N": str(expected_version)}
            conditions.append("#version = :expectedVersion")
        if expected_namespace is not None:
            names["#namespace"] = "namespace"
            values[":expectedNamespace"] = {"S": expected_namespace}
            conditions.append("#namespace = :expectedNamespace")
        try:
            response = self._call(
                "update_item",
                Key={"name": {"S": name}},
                UpdateExpression="SET " + ", ".join(assignments),
                ConditionExpression=" AND ".join(conditions),
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            stored = _old_item(error)
            if stored is None:
                raise NotFound(f"instance {name!r} not found") from None
            current = _unmarshal(stored)
            if expected_namespace is not None and current["namespace"] != expected_namespace:
                raise InvalidRequest(
                    f"namespace is immutable: instance {name!r} is in namespace {current['namespace']!r}",
                    details=[{"field": "namespace", "message": "must equal the stored namespace"}],
                ) from None
            raise Conflict(
                f"instance {name!r} is at version {current['version']}, not {expected_version}; "
                "GET it and reapply the change"
            ) from None
        return _unmarshal(response["Attributes"])

    def delete(self, name: str, *, expected_version: int | None = None) -> None:
        condition = "attribute_exists(#name)"
        request: dict[str, Any] = {"ExpressionAttributeNames": {"#name": "name"}}
        if expected_version is not None:
            condition += " AND #version = :expectedVersion"
            request["ExpressionAttributeNames"]["#version"] = "version"
            request["ExpressionAttributeValues"] = {":expectedVersion": {"N": str(expected_version)}}
        try:
            self._call(
                "delete_item",
                Key={"name": {"S": name}},
                ConditionExpression=condition,
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
                **request,
            )
        except ClientError as error:
            stored = _old_item(error)
            if stored is None:
                raise NotFound(f"instance {name!r} not found") from None
            raise Conflict(
                f"instance {name!r} is at version {_unmarshal(stored)['version']}, not {expected_version}"
            ) from None

    def list(self, namespace: str | None, limit: int, start_after: dict[str, str] | None) -> Page:
        """One page, at most `limit` items; `last_key` is None only when nothing follows.

        Asking DynamoDB for limit + 1 items tells whether another page exists, so the
        last page does not end with an empty one. A page can still be shorter than
        `limit` when DynamoDB's 1 MB response cap cuts it; then its own key continues.
        """
        request: dict[str, Any] = {"Limit": limit + 1}
        if namespace is not None:
            if self._namespace_index is None:
                raise StoreFailure("listing by namespace needs NAMESPACE_INDEX_NAME")
            request.update(
                IndexName=self._namespace_index,
                KeyConditionExpression="#namespace = :namespace",
                ExpressionAttributeNames={"#namespace": "namespace"},
                ExpressionAttributeValues={":namespace": {"S": namespace}},
            )
        if start_after is not None:
            request["ExclusiveStartKey"] = self._start_key(namespace, start_after)
        response = self._call("query" if namespace is not None else "scan", **request)
        items = [_unmarshal(item) for item in response.get("Items", [])]
        if len(items) > limit:
            items = items[:limit]
            last = items[-1]
            return Page(items, {"name": last["name"], "namespace": last["namespace"]})
        evaluated = response.get("LastEvaluatedKey")
        if evaluated is None:
            return Page(items, None)
        return Page(items, {key: value["S"] for key, value in evaluated.items()})

    @staticmethod
    def _start_key(namespace: str | None, start_after: dict[str, str]) -> dict[str, Any]:
        # Tokens are signed by us for this very scope, so the fields are there. A table scan
        # resumes from the table key; an index query also needs the index key.
        fields = ("name", "namespace") if namespace is not None else ("name",)
        return {field: {"S": start_after[field]} for field in fields}
