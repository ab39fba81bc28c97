"""The host index on DynamoDB: what should run on a host, kept from the instances table's stream.

One item per (hostID, name) in a table of its own (partition key `hostID`, sort key
`name`, so a host's instances come back sorted by name). A live entry is the whole
instance as the table stores it plus `hostID` and `seq`: the host query is one Query and
answers full instances without reading the instances table (docs/decisions.md, "Host index
and change events"). When an instance leaves a host, its entry becomes a hidden marker
(`hostID`, `name`, `seq` and a TTL `expiresAt`): no `namespace`, so every query's filter
skips it.

Writes are idempotent and ordered, so they need no order among themselves: the writes of a
change, and of a batch of changes, go out side by side (parallel.run_all). An entry keeps the ordering key (`seq`, see
domain.changes.Change.sequence) of the last change that wrote it, and a write lands only over a
smaller one. So a retried batch rewrites nothing, and a replayed older record (a redrive,
a backfill racing the stream) never undoes a newer one, a removal included: that is what
the markers are for, and they expire once no older record can still arrive (the stream
keeps records 24 hours).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from instance_api.aws.dynamodb import CONDITION_FAILED, Expression, call, read_page
from instance_api.aws.errors import error_code
from instance_api.aws.items import from_item, to_item
from instance_api.aws.parallel import run_all
from instance_api.aws.selection import require_selected
from instance_api.domain.changes import Change
from instance_api.domain.instance import Page
from instance_api.domain.ports import SELECTED_PAGE_BUDGET, HostWrite, landed

if TYPE_CHECKING:
    from instance_api.domain.selectors import Selector

# How long a removed entry's marker outlives the removal: the stream's 24 h retention, twice.
MARKER_RETENTION_SECONDS = 2 * 24 * 60 * 60
# What a swept marker's `seq` adds to the change it retired: the longer key sorts after it,
# and before any later change of the instance.
SWEPT = "#swept"


class HostIndex:
    """`selected_page_budget`: how many entries a page of a selected listing may read (tests lower it)."""

    def __init__(
        self,
        client: Any,
        table_name: str,
        clock: Callable[[], float] = time.time,
        selected_page_budget: int = SELECTED_PAGE_BUDGET,
    ) -> None:
        self._client = client
        self._table = table_name
        self._clock = clock
        self._selected_page_budget = selected_page_budget

    def _entry(self, write: HostWrite) -> dict[str, Any]:
        change = write.change
        keys = {"hostID": {"S": write.host_id}, "seq": {"S": change.sequence}}
        if write.present and change.instance is not None:
            return {**to_item(change.instance), **keys}
        expires_at = int(self._clock()) + MARKER_RETENTION_SECONDS
        return {"name": {"S": change.subject["name"]}, **keys, "expiresAt": {"N": str(expires_at)}}

    def _put(self, write: HostWrite) -> bool:
        """One conditional PutItem; False when the entry already holds this change or a later one."""
        expression = Expression()
        seq = expression.name("seq")
        newer = expression.value("seq", {"S": write.change.sequence})
        expression.require(f"(attribute_not_exists({seq}) OR {seq} < {newer})")
        try:
            call(self._client, self._table, "put_item", Item=self._entry(write), **expression.request())
        except ClientError as error:
            if error_code(error) != CONDITION_FAILED:
                raise
            return False
        return True

    def apply_all(self, writes: Sequence[HostWrite]) -> list[bool | Exception]:
        """Each write side by side (none waits for another: each has its own condition)."""
        return run_all([functools.partial(self._put, write) for write in writes])

    def apply(self, change: Change) -> int:
        """Write the change's entry on every host it touches; how many writes landed."""
        return landed(self.apply_all(HostWrite.of(change)))

    def retire(self, host_id: str, name: str, seen: str) -> bool:
        """Turn a live entry into a marker, if it still holds the change `seen` (its `seq`):
        the repair for a removal the stream lost (a dead-lettered delete or update). The
        marker orders just after that change, so a replay of it cannot bring the entry back,
        and any later change of the instance still lands. True if it was retired."""
        expression = Expression()
        expression.equals("seq", "seen", {"S": seen})
        expires_at = int(self._clock()) + MARKER_RETENTION_SECONDS
        marker = {"hostID": {"S": host_id}, "name": {"S": name}, "seq": {"S": f"{seen}{SWEPT}"}}
        try:
            call(
                self._client,
                self._table,
                "put_item",
                Item={**marker, "expiresAt": {"N": str(expires_at)}},
                **expression.request(),
            )
        except ClientError as error:
            if error_code(error) != CONDITION_FAILED:
                raise
            return False  # the stream wrote it again meanwhile: its entry is the truth
        return True

    def list(
        self,
        host_id: str,
        namespace: str | None,
        limit: int,
        start_after: dict[str, str] | None,
        selector: Selector | None = None,
    ) -> Page:
        """At most `limit` instances on `host_id` (in `namespace`, if given; with `selector`, those it
        matches, reading at most the selected page budget's entries) after `start_after`, by name."""
        expression = Expression()
        if selector is not None:
            require_selected(expression, selector)
        key = f"{expression.name('hostID')} = {expression.value('hostID', {'S': host_id})}"
        if namespace is None:
            expression.require(f"attribute_exists({expression.name('namespace')})")
        else:
            expression.equals("namespace", "namespace", {"S": namespace})
        request = {"KeyConditionExpression": key, **expression.request("FilterExpression")}
        start = None if start_after is None else {"hostID": {"S": host_id}, "name": {"S": start_after["name"]}}
        budget = None if selector is None else self._selected_page_budget
        read, evaluated = read_page(self._client, self._table, "query", request, limit, start, budget)
        items = [from_item(item) for item in read]
        if len(items) > limit:
            items = items[:limit]
            return Page(items, {"hostID": host_id, "name": items[-1]["name"]})
        return Page(items, None if evaluated is None else {"hostID": host_id, "name": evaluated["name"]["S"]})
