"""Each host's revision on DynamoDB: what the host view's entity tag is made from.

One item per host (partition key `hostID`) holding `revision`, a random value written anew
whenever anything in the host's view changes: by the change consumer after it wrote the
host's index entries, by a report after it recorded the host's report. A random value, not a
counter: a write is a plain PutItem (one write unit, no read, no condition), and two writers
never produce the same revision. A 304 costs one strongly consistent GetItem here (one read
unit).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from typing import Any

from instance_api.aws.dynamodb import call
from instance_api.aws.parallel import run_all


class RevisionTable:
    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def current(self, host_id: str) -> str:
        item = call(self._client, self._table, "get_item", Key={"hostID": {"S": host_id}}, ConsistentRead=True).get(
            "Item"
        )
        return "" if item is None else str(item["revision"]["S"])

    def _bump(self, host_id: str) -> None:
        item = {"hostID": {"S": host_id}, "revision": {"S": os.urandom(12).hex()}}
        call(self._client, self._table, "put_item", Item=item)

    def bump_all(self, host_ids: Sequence[str]) -> list[Exception | None]:
        if not host_ids:
            return []
        return run_all([functools.partial(self._bump, host_id) for host_id in host_ids])
