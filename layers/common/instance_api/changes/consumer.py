"""The change consumer: a batch of the instances table's stream into the host index and change events.

Lambda's event source mapping hands the function batches of stream records in the table's
order (with a ParallelizationFactor, each batch holds some instances' records, each
instance's in order). The batch's work is done together, in three steps:

1. Plan: each record becomes its host-index writes and its events (`plan`, the one place a
   record's work is decided); a record that is no change (tombstone bookkeeping) plans
   nothing; one that cannot be read (MalformedRecord) fails, and nothing from it on is
   planned.
2. Index: every entry the batch touches is written once, with the newest change of the batch
   that touches it, all writes side by side (HostIndexRepository.apply_all). Each write is
   conditional on its ordering key (`seq`), so applying only the newest change of an entry
   ends exactly where applying them all in order would, and a retried or replayed batch
   never undoes a newer change. A write that fails fails the first record of the batch that
   touches its entry: that record's effect is not complete.
   Then each host the batch touched gets a new revision (Revisions.bump_all, side by side):
   what a host view's entity tag is made from, so its agent's next If-None-Match is a 200.
3. Publish: the events of the records before the first failure go out in as few PutEvents
   calls as EventBridge allows, each instance's events in order, at most one per instance in
   a call, a refused one retried alone (ChangePublisher.publish_all). An event given up on
   fails its record.

The answer names every record from the first failure in stream order on
(ReportBatchItemFailures): Lambda retries the batch from that record, so nothing is
reported done that did not happen, and each instance's events leave in order. The records
after the failure may have written the index already (harmless: the writes are idempotent
and ordered) but published nothing. When no record succeeds the invocation fails
(BatchFailed): Lambda then bisects the batch (BisectBatchOnFunctionError), retries a bounded
number of times and sends what still fails to the dead-letter queue, so one poison record
never holds the stream for good. docs/decisions.md, "The change feed keeps up".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from aws_lambda_powertools.metrics import MetricUnit

from instance_api.changes.records import MalformedRecord, change_of
from instance_api.domain.changes import change_event
from instance_api.domain.ports import ChangePublisher, HostIndexRepository, HostWrite, Publication, Revisions
from instance_api.observability import logger, metrics


class BatchFailed(Exception):
    """No record of the batch could be processed: the invocation fails, so Lambda bisects the batch."""


class RecordPlan(NamedTuple):
    """What one stream record asks for: its writes to the host index and its events."""

    position: int
    writes: list[HostWrite]
    events: list[Publication]


def plan(position: int, record: dict[str, Any]) -> RecordPlan:
    """The record at `position` of a batch, as index writes and events (none if it is no change)."""
    change = change_of(record)
    if change is None:
        return RecordPlan(position, [], [])
    return RecordPlan(position, HostWrite.of(change), [Publication(position, change_event(change))])


def _newest_writes(plans: Sequence[RecordPlan]) -> tuple[list[HostWrite], list[int]]:
    """One write per entry the plans touch, carrying the newest change that touches it, and
    for each the position of the first record that touches that entry."""
    newest: dict[tuple[str, str], HostWrite] = {}
    first: dict[tuple[str, str], int] = {}
    for record in plans:
        for write in record.writes:
            first.setdefault(write.entry, record.position)
            held = newest.get(write.entry)
            if held is None or held.change.sequence < write.change.sequence:
                newest[write.entry] = write
    return list(newest.values()), [first[entry] for entry in newest]


def _index(
    plans: Sequence[RecordPlan],
    index: HostIndexRepository,
    revisions: Revisions | None,
    records: Sequence[dict[str, Any]],
) -> int:
    """Write the plans' entries, then a new revision for each host they touch (after its
    entries: a host view's tag never stands for an older page); the position of the first
    record whose writes did not all land (len(records) when none failed)."""
    writes, firsts = _newest_writes(plans)
    failed_from = len(records)
    touched: dict[str, int] = {}
    for write, first, outcome in zip(writes, firsts, index.apply_all(writes), strict=True):
        if isinstance(outcome, Exception):
            _failed(records, first, f"host index write of {write.entry}: {type(outcome).__name__}: {outcome}")
            failed_from = min(failed_from, first)
        touched[write.host_id] = min(touched.get(write.host_id, first), first)
    if revisions is not None and touched:
        for (host_id, first), bumped in zip(touched.items(), revisions.bump_all(list(touched)), strict=True):
            if bumped is not None:
                _failed(records, first, f"revision of host {host_id}: {type(bumped).__name__}: {bumped}")
                failed_from = min(failed_from, first)
    return failed_from


def _failed(records: Sequence[dict[str, Any]], position: int, reason: str) -> None:
    logger.warning("stream record failed", extra={"sequenceNumber": _sequence(records[position]), "reason": reason})


def _sequence(record: dict[str, Any]) -> str:
    stream = record.get("dynamodb")
    return str(stream.get("SequenceNumber", "")) if isinstance(stream, dict) else ""


def consume(
    records: Sequence[dict[str, Any]],
    index: HostIndexRepository,
    publisher: ChangePublisher,
    revisions: Revisions | None = None,
) -> int:
    """Index and publish the batch's changes; the position of the first record that failed
    (len(records) when all succeeded)."""
    plans: list[RecordPlan] = []
    failed_from = len(records)
    for position, record in enumerate(records):
        try:
            plans.append(plan(position, record))
        except MalformedRecord as error:
            _failed(records, position, str(error))
            failed_from = position
            break
    failed_from = min(failed_from, _index(plans, index, revisions, records))
    sent, refused = publisher.publish_all([event for record in plans for event in record.events], failed_from)
    for position, reason in sorted(refused.items()):
        _failed(records, position, f"EventBridge refused its event: {reason}")
    metrics.add_metric(name="ChangeEventsPublished", unit=MetricUnit.Count, value=sent)
    return min([failed_from, *refused])


class ChangeConsumer:
    """The consumer over the host index and the publisher the composition root gives it."""

    def __init__(
        self, host_index: HostIndexRepository, publisher: ChangePublisher, revisions: Revisions | None = None
    ) -> None:
        self._host_index = host_index
        self._publisher = publisher
        self._revisions = revisions

    def process_batch(self, records: Sequence[dict[str, Any]]) -> dict[str, Any]:
        """The answer to Lambda for one batch: every record from the first failure on, by sequence number."""
        failed_from = consume(records, self._host_index, self._publisher, self._revisions)
        if records and failed_from == 0:
            raise BatchFailed(f"none of the batch's {len(records)} records could be processed (see the log)")
        return {"batchItemFailures": [{"itemIdentifier": _sequence(record)} for record in records[failed_from:]]}
