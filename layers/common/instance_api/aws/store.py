"""The DynamoDB adapter of the instance repository (domain/ports.py).

Every write is a single conditional request, so concurrency is settled by DynamoDB, not by
read-then-write races. Each asks for `ReturnValuesOnConditionCheckFailure=ALL_OLD`, so one
round trip tells why it failed: 404, 409, or an idempotent create's own earlier write.

Versions never repeat for a name (docs/contract.md, "Integrity"): a delete turns the item
into a hidden tombstone that keeps the name and its last version (items.py) until the
table's TTL removes it; a create takes a name that is free or a tombstone, and continues
its version, in the same UpdateItem. Reads, updates, deletes and listings treat a
tombstone as absent. `name` is a DynamoDB reserved word, so every expression goes through
attribute names.
botocore failures become domain errors (dynamodb.call, errors.py): throttling and timeouts
are `Unavailable`, anything else a `Fault` (whose detail only the logs see).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from botocore.exceptions import ClientError

from instance_api.aws.dynamodb import Expression, call, read_page
from instance_api.aws.items import (
    CREATION_TOKEN,
    DELETED_AT,
    EXPIRES_AT,
    INSTANCE_ONLY,
    change_values,
    creation_token,
    draft_item,
    from_item,
    is_tombstone,
)
from instance_api.aws.selection import require_selected
from instance_api.domain.commands import UNCONDITIONAL, Expected
from instance_api.domain.errors import AlreadyExists, Fault, NotFound
from instance_api.domain.instance import Changes, Draft, Instance, Page
from instance_api.domain.ports import SELECTED_PAGE_BUDGET, Stored, refusal

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

    from instance_api.domain.selectors import Selector


def _old_item(error: ClientError) -> dict[str, Any] | None:
    """The item as it was when a condition failed (ReturnValuesOnConditionCheckFailure=ALL_OLD)."""
    return cast("dict[str, Any] | None", error.response.get("Item"))


def _live_instance(item: dict[str, Any] | None) -> Instance | None:
    """The instance an item holds; None for no item or a tombstone."""
    return None if item is None or is_tombstone(item) else from_item(item)


def _require(expression: Expression, expected: Expected) -> None:
    """The item is a live instance, and what `expected` requires, in the write's own condition."""
    name, deleted_at = expression.name("name"), expression.name(DELETED_AT)
    expression.require(f"attribute_exists({name}) AND attribute_not_exists({deleted_at})")
    expression.equals("namespace", "scope", _string(expected.scope))
    expression.equals("version", "expectedVersion", _number(expected.version))
    expression.equals("namespace", "expectedNamespace", _string(expected.namespace))


def _number(value: int | None) -> dict[str, Any] | None:
    return None if value is None else {"N": str(value)}


def _string(value: str | None) -> dict[str, Any] | None:
    return None if value is None else {"S": value}


class InstanceStore:
    """`selected_page_budget`: how many items a page of a selected listing may read (tests lower it)."""

    def __init__(
        self,
        client: DynamoDBClient,
        table_name: str,
        namespace_index: str | None = None,
        selected_page_budget: int = SELECTED_PAGE_BUDGET,
    ) -> None:
        self._client = client
        self._table = table_name
        self._namespace_index = namespace_index
        self._selected_page_budget = selected_page_budget

    def _call(self, operation: str, **request: Any) -> Any:
        return call(self._client, self._table, operation, **request)

    def create(self, draft: Draft, *, token: str | None = None) -> Instance:
        """Store `draft` under a free name or over a tombstone (its version continuing the
        tombstone's), and return it as stored. A name taken by a live instance is
        AlreadyExists, unless that instance carries `token`: an earlier attempt of this very
        idempotent create wrote it, and it is returned as it is now."""
        expression = Expression()
        item = draft_item(draft)
        key = {"name": item.pop("name")}
        if token is not None:
            item[CREATION_TOKEN] = {"S": token}
        version = expression.name("version")
        assignments = [
            f"{expression.name(attribute)} = {expression.value(attribute, value)}" for attribute, value in item.items()
        ]
        assignments.append(
            f"{version} = if_not_exists({version}, {expression.value('zero', {'N': '0'})}) "
            f"+ {expression.value('one', {'N': '1'})}"
        )
        removed = [expression.name(DELETED_AT), expression.name(EXPIRES_AT)]
        if token is None:
            removed.append(expression.name(CREATION_TOKEN))
        expression.require(
            f"attribute_not_exists({expression.name('name')}) OR attribute_exists({expression.name(DELETED_AT)})"
        )
        try:
            response = self._call(
                "update_item",
                Key=key,
                UpdateExpression=f"SET {', '.join(assignments)} REMOVE {', '.join(removed)}",
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
                **expression.request(),
            )
        except ClientError as error:
            stored = _old_item(error)
            if token is not None and stored is not None and creation_token(stored) == token:
                return from_item(stored)
            raise AlreadyExists.instance(draft["name"]) from None
        return from_item(response["Attributes"])

    def get(self, name: str, *, scope: str | None = None) -> Instance:
        stored = self.stored(name).instance
        if stored is None or scope not in (None, stored["namespace"]):
            raise NotFound.instance(name, scope)
        return stored

    def stored(self, name: str) -> Stored:
        item = self._call("get_item", Key={"name": {"S": name}}, ConsistentRead=True).get("Item")
        if item is None:
            return Stored(None)
        return Stored(_live_instance(item), int(item["version"]["N"]), creation_token(item))

    def update(self, name: str, changes: Changes, updated_at: str, expected: Expected = UNCONDITIONAL) -> Instance:
        expression = Expression()
        version = expression.name("version")
        assignments = [
            f"{version} = {version} + {expression.value('one', {'N': '1'})}",
            f"{expression.name('updatedAt')} = {expression.value('updatedAt', {'S': updated_at})}",
        ]
        for attribute, value in change_values(changes).items():
            assignments.append(f"{expression.name(attribute)} = {expression.value(attribute, value)}")
        _require(expression, expected)
        try:
            response = self._call(
                "update_item",
                Key={"name": {"S": name}},
                UpdateExpression="SET " + ", ".join(assignments),
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
                **expression.request(),
            )
        except ClientError as error:
            raise refusal(expected, name, _live_instance(_old_item(error)), reapply=True) from None
        return from_item(response["Attributes"])

    def delete(self, name: str, deleted_at: str, expires_at: int, expected: Expected = UNCONDITIONAL) -> None:
        """Turn the instance into its tombstone: hidden, keeping its name and last version,
        until DynamoDB's TTL removes it after `expires_at` (epoch seconds)."""
        expression = Expression()
        _require(expression, expected)
        stamps = (
            f"{expression.name(DELETED_AT)} = {expression.value('deletedAt', {'S': deleted_at})}, "
            f"{expression.name(EXPIRES_AT)} = {expression.value('expiresAt', {'N': str(expires_at)})}"
        )
        removed = ", ".join(expression.name(attribute) for attribute in INSTANCE_ONLY)
        try:
            self._call(
                "update_item",
                Key={"name": {"S": name}},
                UpdateExpression=f"SET {stamps} REMOVE {removed}",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
                **expression.request(),
            )
        except ClientError as error:
            raise refusal(expected, name, _live_instance(_old_item(error)), reapply=False) from None

    def list(
        self, namespace: str | None, limit: int, start_after: dict[str, str] | None, selector: Selector | None = None
    ) -> Page:
        """One page, at most `limit` items; `last_key` is None only when nothing follows.

        Asking DynamoDB for limit + 1 items tells whether another page exists, so the
        last page does not end with an empty one. A scan's Limit counts the tombstones its
        filter then drops, and a response stops at 1 MB: a short read is continued, up to
        dynamodb.PAGE_READS requests, so a page comes back short (or empty, with a nextToken) only
        when far more tombstones than instances lie in its stretch of the table. With a
        `selector`, DynamoDB filters on the labels (aws/selection.py) and a page reads at most
        the selected page budget's items.
        """
        operation, request = self._list_request(namespace, selector)
        start = self._start_key(namespace, start_after) if start_after is not None else None
        budget = None if selector is None else self._selected_page_budget
        read, evaluated = read_page(self._client, self._table, operation, request, limit, start, budget)
        items = [from_item(item) for item in read]
        if len(items) > limit:
            last = items[limit - 1]
            return Page(items[:limit], {"name": last["name"], "namespace": last["namespace"]})
        if evaluated is None:
            return Page(items, None)
        return Page(items, {key: value["S"] for key, value in evaluated.items()})

    def _list_request(self, namespace: str | None, selector: Selector | None) -> tuple[str, dict[str, Any]]:
        """A namespace's: a query on its index (which holds no tombstones); else a filtered scan."""
        expression = Expression()
        if selector is not None:
            require_selected(expression, selector)
        if namespace is None:
            expression.require(f"attribute_not_exists({expression.name(DELETED_AT)})")
            return "scan", expression.request("FilterExpression")
        if self._namespace_index is None:
            raise Fault("listing by namespace needs the namespace index (NAMESPACE_INDEX_NAME)")
        namespace_value = expression.value("namespace", {"S": namespace})
        parameters = {
            "IndexName": self._namespace_index,
            "KeyConditionExpression": f"{expression.name('namespace')} = {namespace_value}",
            **expression.request("FilterExpression"),
        }
        return "query", parameters

    @staticmethod
    def _start_key(namespace: str | None, start_after: dict[str, str]) -> dict[str, Any]:
        # Tokens are signed by us for this very scope, so the fields are there. A table scan
        # resumes from the table key; an index query also needs the index key.
        fields = ("name", "namespace") if namespace is not None else ("name",)
        return {field: {"S": start_after[field]} for field in fields}
