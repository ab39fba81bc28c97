"""One DynamoDB request, its failures translated, and the placeholders its expressions need.

Every adapter on DynamoDB (the instance store, the host index) calls through `call`, so
botocore failures become the same domain errors everywhere (errors.py): throttling
and timeouts are `Unavailable` (retry later), a failed condition stays a `ClientError`
for the adapter to interpret, anything else is a `Fault` (whose detail only the logs see).
"""

from __future__ import annotations

from typing import Any

from instance_api.aws.errors import CALL_ERRORS, error_code, translated

CONDITION_FAILED = "ConditionalCheckFailedException"
# At most this many reads make one page: each stops at 1 MB, and a filtered read's Limit
# counts the items its filter then drops (tombstones, the host index's markers).
PAGE_READS = 8


def call(client: Any, table: str, operation: str, **request: Any) -> Any:
    """`client.<operation>(TableName=table, **request)`; a failed condition is re-raised as is."""
    try:
        return getattr(client, operation)(TableName=table, **request)
    except CALL_ERRORS as error:
        if error_code(error) == CONDITION_FAILED:
            raise
        raise translated(error, f"DynamoDB {operation}") from error


def read_page(
    client: Any,
    table: str,
    operation: str,
    request: dict[str, Any],
    limit: int,
    start: dict[str, Any] | None,
    budget: int | None = None,
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """Up to `limit` + 1 items after `start` (one more tells whether another page exists),
    continuing a short read up to PAGE_READS times; and the key the last read stopped at
    (None: nothing follows it).

    With a `budget` (a selected listing, whose filter may drop nearly every item it reads),
    each read asks DynamoDB to evaluate twice as many items as the one before it needed, and
    the page ends once `budget` items were evaluated, matching or not: a page then holds
    more than `limit` items (the caller cuts it) or fewer (a short page with its key).
    """
    items: list[dict[str, Any]] = []
    evaluated = start
    spent = 0
    for attempt in range(PAGE_READS):
        wanted = limit + 1 - len(items)
        if budget is not None:
            wanted = min(wanted << attempt, budget - spent)
        more = {"ExclusiveStartKey": evaluated} if evaluated is not None else {}
        response = call(client, table, operation, **request, Limit=wanted, **more)
        items += response.get("Items", [])
        spent += response.get("ScannedCount", wanted)
        evaluated = response.get("LastEvaluatedKey")
        if len(items) > limit or evaluated is None or (budget is not None and spent >= budget):
            break
    return items, evaluated


class Expression:
    """Placeholders for one request's expressions: `#attribute` names and `:key` values.

    `name` is a DynamoDB reserved word, so every expression goes through attribute names.
    """

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.values: dict[str, Any] = {}
        self.conditions: list[str] = []

    def name(self, attribute: str, placeholder: str | None = None) -> str:
        """`#attribute`, or `#placeholder` for a name a placeholder cannot spell (a label key)."""
        self.names[f"#{placeholder or attribute}"] = attribute
        return f"#{placeholder or attribute}"

    def value(self, key: str, value: dict[str, Any]) -> str:
        self.values[f":{key}"] = value
        return f":{key}"

    def require(self, condition: str) -> None:
        self.conditions.append(condition)

    def equals(self, attribute: str, key: str, value: dict[str, Any] | None) -> None:
        """Require `attribute = value` when a value is given."""
        if value is not None:
            self.require(f"{self.name(attribute)} = {self.value(key, value)}")

    def request(self, condition_key: str = "ConditionExpression") -> dict[str, Any]:
        """The request's names, values and conditions (under `condition_key`: a Query filters)."""
        request: dict[str, Any] = {"ExpressionAttributeNames": self.names}
        if self.values:
            request["ExpressionAttributeValues"] = self.values
        if self.conditions:
            request[condition_key] = " AND ".join(self.conditions)
        return request
