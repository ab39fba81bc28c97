"""The phase consumer: the instances table's stream and the host reports' stream into
`Instance Phase Changed` events.

Both streams say only *that* an instance may have changed phase; the consumer then reads the
instance's state as it is now and settles it (domain/phases.py) against the phase last
published for it, the *head* kept in the reports table. Per instance of a batch, however many
of its records the batch holds:

1. Read the reports and the head (one strongly consistent Query), then the instance (one
   strongly consistent GetItem). No instance (deleted): nothing to publish.
2. Settle: the events from the head to the phase now (none if it did not change).
3. Claim them: write the new head with the events in it (`pending`), on condition that the
   head still is the one read (its token). Of two invocations that settle one instance at
   once (the two streams' mappings, or two lanes with reports of two hosts), one claims; the
   other reads again.
4. Publish them, then write the head again without them.

An invocation that reads a head with pending events waits for their publisher to clear them
(up to CLAIM_S after the claim), then settles anew; a claim older than that (its invocation
failed or timed out) is taken over: its events are published, then cleared. So each event
goes out once in the common case, and in order: no invocation decides events from a head
whose own events are not out yet.

A record of a deleted instance (a Deleted change) forgets the instance's reports and head of
that generation, so a name created again starts at Unknown with no head. Writes of the head
itself, and deleted reports, are in the reports' stream too: they are not changes of phase
and are skipped (else every head written would wake the consumer again).

Delivery is at least once: a failure after the publication and before the head is cleared
publishes the same events again (a takeover, or the retry), with the same (name, version,
phase, changedAt) subscribers deduplicate on. The answer names every record from the first one of
an instance that failed (ReportBatchItemFailures), like the change consumer's; none
succeeding fails the invocation (BatchFailed) so Lambda bisects it. docs/decisions.md,
"Phase events".
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from aws_lambda_powertools.metrics import MetricUnit

from instance_api.changes.consumer import BatchFailed, _failed, _sequence
from instance_api.changes.records import MalformedRecord, change_of
from instance_api.domain.changes import DELETED, Event
from instance_api.domain.errors import Unavailable
from instance_api.domain.hosts import Report
from instance_api.domain.phases import HEAD_HOST, HeldHead, PhaseHead, settle
from instance_api.domain.ports import ChangePublisher, InstanceRepository, Publication
from instance_api.observability import metrics

# How many times an instance is settled again when another invocation moved its head meanwhile.
SETTLE_ATTEMPTS = 5
# How long events claimed by another invocation are left to it (then this one publishes them),
# and how often meanwhile the head is read again.
CLAIM_S = 10.0
WAIT_S = 0.05


# How the instances of a batch are settled: side by side on AWS (aws.parallel.run_all, which
# the composition root gives), one by one by default; per call, its result or its error.
RunAll = Callable[[Sequence[Callable[[], int]]], list[int | Exception]]


def _one_by_one(calls: Sequence[Callable[[], int]]) -> list[int | Exception]:
    outcomes: list[int | Exception] = []
    for call in calls:
        try:
            outcomes.append(call())
        except Exception as error:  # noqa: BLE001 - handed back per instance, as run_all does
            outcomes.append(error)
    return outcomes


class PhaseBook(Protocol):
    """The reports and phase heads the consumer reads and keeps (aws.reports.ReportTable)."""

    def read(self, name: str) -> tuple[dict[str, Report], HeldHead | None]:
        """Every host's report on `name`, and its phase head as held (if any)."""

    def put_head(
        self, name: str, head: PhaseHead, token: str | None, pending: Sequence[Event] = (), claimed_at: float = 0.0
    ) -> str | None:
        """Write the head (and the events still to publish from it) if it still has `token`
        (None: if there is none); the new token, or None if it moved."""

    def forget(self, name: str, generation: str) -> int:
        """Delete `name`'s reports and head of `generation`."""


class _Work:
    """What a batch asks of one instance: forget a generation, settle it, or both."""

    def __init__(self, first: int) -> None:
        self.first = first
        self.forget: list[str] = []
        self.settle = False


def _name_of(record: dict[str, Any]) -> tuple[str, str | None]:
    """The instance a record is about, and the host ID for a record of the reports' stream."""
    stream = record.get("dynamodb")
    keys = stream.get("Keys") if isinstance(stream, dict) else None
    name = keys.get("name", {}).get("S") if isinstance(keys, dict) else None
    if not isinstance(name, str):
        raise MalformedRecord("a stream record without the key `name`")
    host = keys.get("hostID", {}).get("S") if isinstance(keys, dict) else None
    return name, host if isinstance(host, str) else None


def _plan(records: Sequence[dict[str, Any]]) -> tuple[dict[str, _Work], int]:
    """Per instance, what the batch's records ask; and the position of the first record that
    cannot be read (len(records) if none): nothing from it on is planned."""
    work: dict[str, _Work] = {}
    for position, record in enumerate(records):
        try:
            name, host = _name_of(record)
            if host is not None:
                if host == HEAD_HOST or record.get("eventName") == "REMOVE":
                    continue
                work.setdefault(name, _Work(position)).settle = True
                continue
            change = change_of(record)
        except MalformedRecord as error:
            _failed(records, position, str(error))
            return work, position
        if change is None:
            continue
        item = work.setdefault(name, _Work(position))
        if change.kind == DELETED and change.previous is not None:
            item.forget.append(change.previous["createdAt"])
        else:
            item.settle = True
    return work, len(records)


class PhaseConsumer:
    """The consumer over the store, the reports and the publisher the composition root gives it."""

    def __init__(
        self,
        store: InstanceRepository,
        book: PhaseBook,
        publisher: ChangePublisher,
        run_all: RunAll = _one_by_one,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._store = store
        self._book = book
        self._publisher = publisher
        self._run_all = run_all
        self._clock, self._monotonic, self._sleep = clock, monotonic, sleep

    def process_batch(self, records: Sequence[dict[str, Any]]) -> dict[str, Any]:
        """The answer to Lambda for one batch: every record from the first failure on."""
        work, failed_from = _plan(records)
        names = list(work)
        outcomes = self._run_all([lambda name=name: self._handle(name, work[name]) for name in names])  # type: ignore[misc]
        published = 0
        for name, outcome in zip(names, outcomes, strict=True):
            if isinstance(outcome, Exception):
                first = work[name].first
                _failed(records, first, f"phase of {name!r}: {type(outcome).__name__}: {outcome}")
                failed_from = min(failed_from, first)
            else:
                published += outcome
        metrics.add_metric(name="PhaseEventsPublished", unit=MetricUnit.Count, value=published)
        if records and failed_from == 0:
            raise BatchFailed(f"none of the batch's {len(records)} records could be processed (see the log)")
        return {"batchItemFailures": [{"itemIdentifier": _sequence(record)} for record in records[failed_from:]]}

    def _handle(self, name: str, work: _Work) -> int:
        for generation in work.forget:
            self._book.forget(name, generation)
        return self._settle(name) if work.settle else 0

    def _settle(self, name: str) -> int:
        """Publish the events of `name`'s phase since its head, and move the head; how many went out."""
        published, moved = 0, 0
        waited_until = self._monotonic() + CLAIM_S
        while moved < SETTLE_ATTEMPTS:
            reports, held = self._book.read(name)
            if held is not None and held.pending:
                if held.claimed_at + CLAIM_S > self._clock() and self._monotonic() < waited_until:
                    self._sleep(WAIT_S)  # another invocation is publishing them: let it finish
                    continue
                # Claimed too long ago (its invocation failed or timed out): publish them here.
                published += self._publish(held.pending)
                if self._book.put_head(name, held.head, held.token) is None:
                    moved += 1
                continue
            instance = self._store.stored(name).instance
            if instance is None:
                return published
            head, token = (held.head, held.token) if held is not None else (None, None)
            now, events = settle(instance, reports, head)
            if not events and now == head:
                return published
            claimed = self._book.put_head(name, now, token, events, self._clock())
            if claimed is None:
                moved += 1
                continue
            if events:
                published += self._publish(events)
                self._book.put_head(name, now, claimed)  # None: a waiting invocation took them over
            return published
        raise Unavailable(f"the phase head of {name!r} kept moving ({SETTLE_ATTEMPTS} attempts)")

    def _publish(self, events: Sequence[Event]) -> int:
        sent, refused = self._publisher.publish_all([Publication(0, event) for event in events], 1)
        if refused:
            raise Unavailable(f"EventBridge refused a phase event: {refused[0]}")
        return sent
