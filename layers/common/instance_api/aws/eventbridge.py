"""The change publisher on EventBridge: a batch's events onto the stack's bus.

An event (domain/changes.py) goes out as a PutEvents entry of `source` "instance-api", its
detail-type and its detail as JSON, at its own time. A batch's events go out in as few
calls as EventBridge allows, each instance's in order, only what a call refused sent again.
"""

from __future__ import annotations

import functools
import json
import time
from collections import deque
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, NamedTuple, Protocol

from instance_api.aws.parallel import run_all
from instance_api.domain.changes import Event
from instance_api.domain.ports import Publication

SOURCE = "instance-api"
# What one PutEvents call may carry: 10 entries (the API reference's limit on Entries) whose
# sizes (entry_size) add up to at most 1 MB: EventBridge raised the limit from 256 KB to 1 MB
# on 2026-01-29 (docs/decisions.md); 1 MB read as 1,000,000 bytes, the smaller reading.
ENTRIES_PER_CALL = 10
CALL_MAX_BYTES = 1_000_000
# A refused entry is sent again, alone with the other refused ones, up to this many times in all.
ATTEMPTS = 3
RETRY_PAUSE_S = 0.1


class PutEvents(Protocol):
    """The one call the publisher makes (botocore's EventBridge client has it)."""

    def put_events(self, *, Entries: list[dict[str, Any]]) -> Any: ...  # noqa: N803 - botocore's name


def entry(event: Event, bus: str) -> dict[str, Any]:
    """The PutEvents entry for `event`; its time is the event's, not the publication's."""
    return {
        "EventBusName": bus,
        "Source": SOURCE,
        "DetailType": event.detail_type,
        "Detail": json.dumps(event.detail, separators=(",", ":")),
        "Time": datetime.fromisoformat(event.time),
    }


class Outgoing(NamedTuple):
    """An event waiting to go out: about instance `key`, from the record at `position` in the batch."""

    key: str
    position: int
    entry: dict[str, Any]


def entry_size(entry: dict[str, Any]) -> int:
    """An entry's size as EventBridge counts it against a request's limit: 14 bytes for a Time,
    the UTF-8 bytes of Source, DetailType, Detail and each Resource."""
    texts = [entry["Source"], entry["DetailType"], entry.get("Detail", ""), *entry.get("Resources", [])]
    return (14 if "Time" in entry else 0) + sum(len(text.encode()) for text in texts)


def next_calls(queues: dict[str, deque[Outgoing]], before: int) -> list[list[Outgoing]]:
    """The next round of PutEvents calls: the oldest waiting event of each instance whose record
    is before `before`, in stream order, packed into calls of at most ENTRIES_PER_CALL entries
    and CALL_MAX_BYTES. One instance has at most one event in a round, so its later event is
    never sent before an earlier one has been taken."""
    heads = sorted((queue[0] for queue in queues.values() if queue and queue[0].position < before), key=_position)
    calls: list[list[Outgoing]] = []
    size = 0
    for head in heads:
        needed = entry_size(head.entry)
        if not calls or len(calls[-1]) == ENTRIES_PER_CALL or size + needed > CALL_MAX_BYTES:
            calls.append([])
            size = 0
        calls[-1].append(head)
        size += needed
    return calls


def _position(outgoing: Outgoing) -> int:
    return outgoing.position


class EventBridgePublisher:
    def __init__(self, client: PutEvents, bus: str, pause: Callable[[float], None] = time.sleep) -> None:
        self._client = client
        self._bus = bus
        self._pause = pause

    def _put(self, call: list[Outgoing]) -> list[str | None]:
        """One PutEvents call: per entry, None if EventBridge took it, else why not (a call that
        raised, botocore having given up on its own retries, is settled as refusing them all)."""
        response = self._client.put_events(Entries=[outgoing.entry for outgoing in call])
        answers = response.get("Entries", [])
        if len(answers) != len(call):
            return ["PutEvents answered a different number of entries"] * len(call)
        return [
            f"{answer['ErrorCode']} {answer.get('ErrorMessage', '')}" if answer.get("ErrorCode") else None
            for answer in answers
        ]

    def publish_all(self, publications: Sequence[Publication], before: int) -> tuple[int, dict[int, str]]:
        """Publish the events (in stream order) whose record is before `before`, in as few calls
        as EventBridge allows, each instance's events in order; retry only what a call refused.

        An event refused ATTEMPTS times stops its instance there, and the batch fails from its
        record: no later event (of any instance) goes out in a later call. Returns how many
        events went out and, per record whose event was given up on, why."""
        events = [Outgoing(event.about, position, entry(event, self._bus)) for position, event in publications]
        delivery = _Delivery(events)
        while calls := next_calls(delivery.queues, min([before, *delivery.failed])):
            outcomes = run_all([functools.partial(self._put, call) for call in calls])
            refused = [delivery.settle(call, answers) for call, answers in zip(calls, outcomes, strict=True)]
            if any(refused):
                self._pause(RETRY_PAUSE_S)
        return delivery.sent, delivery.failed


class _Delivery:
    """The events of one batch on their way out: what waits per instance, what was refused."""

    def __init__(self, events: list[Outgoing]) -> None:
        self.queues: dict[str, deque[Outgoing]] = {}
        for outgoing in events:
            self.queues.setdefault(outgoing.key, deque()).append(outgoing)
        self.sent = 0
        self.failed: dict[int, str] = {}
        self._attempts: dict[int, int] = {}

    def settle(self, call: list[Outgoing], answers: list[str | None] | Exception) -> bool:
        """Take a call's answers (per entry, None or why it was refused); whether any was refused."""
        if isinstance(answers, Exception):
            answers = [f"{type(answers).__name__}: {answers}"] * len(call)
        for outgoing, problem in zip(call, answers, strict=True):
            queue = self.queues[outgoing.key]
            if problem is None:
                queue.popleft()
                self.sent += 1
                continue
            self._attempts[id(outgoing)] = self._attempts.get(id(outgoing), 0) + 1
            if self._attempts[id(outgoing)] >= ATTEMPTS:
                self.failed[outgoing.position] = problem
                queue.clear()
        return any(problem is not None for problem in answers)
