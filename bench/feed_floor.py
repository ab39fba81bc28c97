"""The floor under the consumer's records/s: the same DynamoDB and EventBridge calls, no framework.

The bench records the calls the consumer makes for each batch (its own code, in-process,
against clients that only take note: which host-index entries it writes, which PutEvents
calls it makes), then this process replays exactly those calls with plain botocore against
the same local endpoints: a batch's PutItem calls side by side on as many threads as the
consumer's pool, then its PutEvents calls, side by side. No Lambda runtime, no Powertools,
no reading of stream records: what the consumer spends above this is its own.

    python -m bench.feed_floor PLAN.json     prints {"seconds": ..., "cpu_s": ..., "records": ...}
"""

from __future__ import annotations

import contextlib
import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

THREADS = 16


class Recording:
    """A stand-in for the consumer's botocore clients: notes each call, answers as AWS would
    for a first write (the entry landed; every event taken)."""

    def __init__(self) -> None:
        self.puts: list[dict[str, Any]] = []
        self.events: list[list[dict[str, Any]]] = []

    def put_item(self, **request: Any) -> dict[str, Any]:
        self.puts.append(request)
        return {}

    def put_events(self, *, Entries: list[dict[str, Any]]) -> dict[str, Any]:  # noqa: N803 - botocore's name
        self.events.append([{**entry, "Time": _epoch(entry["Time"])} for entry in Entries])
        return {"FailedEntryCount": 0, "Entries": [{"EventId": "noted"} for _ in Entries]}


def _epoch(moment: Any) -> float:
    return moment.timestamp() if isinstance(moment, datetime) else float(moment)


def _put(client: Any, request: dict[str, Any]) -> None:
    with contextlib.suppress(client.exceptions.ConditionalCheckFailedException):
        client.put_item(**request)


def replay(plan: dict[str, Any]) -> dict[str, float]:
    import botocore.session
    from botocore.config import Config

    session = botocore.session.get_session()
    config = Config(max_pool_connections=THREADS, retries={"mode": "standard", "max_attempts": 3})
    credentials = {"aws_access_key_id": "local", "aws_secret_access_key": "local", "region_name": plan["region"]}
    dynamodb: Any = session.create_client("dynamodb", endpoint_url=plan["dynamodb"], config=config, **credentials)
    events: Any = session.create_client("events", endpoint_url=plan["events"], config=config, **credentials)
    started, cpu = time.perf_counter(), time.process_time()
    with ThreadPoolExecutor(THREADS) as pool:
        for batch in plan["batches"]:
            list(pool.map(lambda request: _put(dynamodb, request), batch["puts"]))
            list(pool.map(lambda entries: events.put_events(Entries=entries), batch["events"]))
    return {
        "seconds": time.perf_counter() - started,
        "cpu_s": time.process_time() - cpu,
        "records": sum(batch["records"] for batch in plan["batches"]),
    }


if __name__ == "__main__":
    print(json.dumps(replay(json.loads(Path(sys.argv[1]).read_text(encoding="utf-8")))))
