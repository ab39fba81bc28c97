"""The events in events/: one API Gateway event per operation (seed/ holds the seed note's
bodies) and stream.json, a batch of the instances table's stream records.

Every time in them was recorded at one fixed moment, RECORDED_AT: the API Gateway events
carry `sam local generate-event`'s sample request time, and `make events` stamps the
stream's writes from that same moment (devtools.stream_events), so the files change only
when what they record does. `load_event` moves every recorded time by one amount, to now,
so a test is fed events sent just now whatever the date: no record ages past the event
source mapping's MaximumRecordAgeInSeconds, no tombstone past its TTL.
"""

from __future__ import annotations

import copy
import functools
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from devtools.template import ROOT

EVENTS = ROOT / "events"
SEED = EVENTS / "seed"

# generate-event's sample request time ("09/Apr/2015:12:34:56 +0000").
RECORDED_AT = datetime(2015, 4, 9, 12, 34, 56, tzinfo=UTC)
# The times an instance item holds (instance_api.items): RFC 3339 text, and the TTL in epoch seconds.
_ITEM_TIMES = ("createdAt", "updatedAt", "deletedAt")
_ITEM_EPOCHS = ("expiresAt",)
_REQUEST_TIME = "%d/%b/%Y:%H:%M:%S +0000"


@functools.cache
def _event_file(name: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / f"{name}.json").read_text(encoding="utf-8"))
    return event


@functools.cache
def _since_recorded() -> timedelta:
    """How far recorded times move: to when this process first loads an event (whole
    seconds), so that every load in one run agrees with the others."""
    return datetime.now(UTC).replace(microsecond=0) - RECORDED_AT


def load_event(name: str) -> dict[str, Any]:
    """A fresh copy of events/<name>.json, its recorded times moved to now."""
    return restamped(copy.deepcopy(_event_file(name)), _since_recorded())


def restamped(event: dict[str, Any], by: timedelta) -> dict[str, Any]:
    """`event` with every time it records moved `by` (in place)."""
    context = event.get("requestContext")
    if context is not None:
        sent = datetime.fromtimestamp(context["requestTimeEpoch"] / 1000, UTC) + by
        context["requestTimeEpoch"] = round(sent.timestamp() * 1000)
        context["requestTime"] = sent.strftime(_REQUEST_TIME)
    for record in event.get("Records", ()):
        stream = record["dynamodb"]
        stream["ApproximateCreationDateTime"] += int(by.total_seconds())
        for image in (stream.get("OldImage"), stream.get("NewImage")):
            if image is not None:
                _restamp_item(image, by)
    return event


def _restamp_item(item: dict[str, Any], by: timedelta) -> None:
    for attribute in _ITEM_TIMES:
        if attribute in item:
            moved = datetime.fromisoformat(item[attribute]["S"]) + by
            item[attribute] = {"S": moved.isoformat(timespec="milliseconds").replace("+00:00", "Z")}
    for attribute in _ITEM_EPOCHS:
        if attribute in item:
            item[attribute] = {"N": str(int(item[attribute]["N"]) + int(by.total_seconds()))}


def seed_body(name: str) -> str:
    """The seed note's request body, verbatim (events/seed/<name>.json)."""
    return (SEED / f"{name}.json").read_text(encoding="utf-8")
