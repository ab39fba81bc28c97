"""Lambda's event source mapping for DynamoDB streams, locally: poll a table's stream, invoke
the function with batches, and handle its failures as Lambda does.

A `StreamPoller` per `DynamoDB` event in template.yaml reads the table's stream (moto's in
the embedded store, DynamoDB Local's own) on a thread, in order, shard by shard (a child
shard after its parent is done). Each shard's records go to `ShardLanes`, which processes
them as Lambda does under a ParallelizationFactor of N: a record goes to the lane its
item's key hashes to, up to N lanes deliver batches at once (each its own records, in
order, one batch at a time), and the shard's checkpoint moves only as far as the slowest
lane. Each lane hands its batches to `deliver`, which follows the mapping's settings the
way Lambda documents them, so one lane's retries never hold or reorder another's:

- the function answers `{"batchItemFailures": [{"itemIdentifier": <sequence number>}]}`
  (ReportBatchItemFailures): the records before the first one named succeeded, the batch is
  retried from it; an answer naming a record not in the batch fails the whole batch;
- the function fails (raises, times out, crashes): with BisectBatchOnFunctionError the
  batch is split in two and each half retried (a split is not a retry), else it is retried;
- after MaximumRetryAttempts retries, or once records are older than
  MaximumRecordAgeInSeconds, the records go to the on-failure destination (here: printed
  and kept, in the message shape Lambda sends to SQS) and the stream moves on.
Retries here are immediate; Lambda backs off between them.
"""

from __future__ import annotations

import itertools
import json
import sys
import threading
import time
import uuid
import zlib
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from devtools.local_api.runtime import FunctionPool, InvokeFailed
from devtools.local_aws import client, streams_client
from devtools.template import StreamConsumer, Template

# How often an idle stream is read: Lambda polls a shard about four times a second.
POLL_INTERVAL_S = 0.1
# How often the stream is described again for new shards (a shard splits rarely; every
# describe is a call on the same store the API writes to).
DISCOVER_INTERVAL_S = 2.0

Invoke = Callable[[list[dict[str, Any]]], Any]


class FunctionError(Exception):
    """The function did not answer: it raised, timed out or crashed."""


@dataclass
class _Batch:
    records: list[dict[str, Any]]
    shard_id: str
    retries: int = 0


def _sequence(record: dict[str, Any]) -> str:
    return str(record["dynamodb"]["SequenceNumber"])


def _failed_from(batch: list[dict[str, Any]], answer: Any) -> int | None:
    """Where the batch failed by the function's answer: None if it all succeeded, 0 if all failed."""
    if not isinstance(answer, dict) or not answer.get("batchItemFailures"):
        return None
    sequences = [_sequence(record) for record in batch]
    positions = []
    for failure in answer["batchItemFailures"]:
        identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
        if identifier not in sequences:
            return 0  # Lambda takes an unknown or empty identifier as the whole batch failing
        positions.append(sequences.index(identifier))
    return min(positions)


@dataclass
class EventSourceMapping:
    """One consumer's failure handling; `on_failure` gets each batch given up on, in Lambda's
    on-failure message shape."""

    consumer: StreamConsumer
    invoke: Invoke
    on_failure: Callable[[dict[str, Any]], None]
    clock: Callable[[], float] = time.time
    _invoked: Iterator[int] = field(default_factory=lambda: itertools.count(1), init=False)
    invocations: int = field(default=0, init=False)

    def _expired(self, batch: _Batch) -> _Batch:
        """The batch without its records older than MaximumRecordAgeInSeconds (those are given up on)."""
        limit = self.consumer.max_record_age_s
        if limit < 0:
            return batch
        cutoff = self.clock() - limit
        old = [record for record in batch.records if record["dynamodb"]["ApproximateCreationDateTime"] < cutoff]
        if old:
            self._give_up(_Batch(old, batch.shard_id, batch.retries), "RecordAgeExceeded")
        return _Batch([record for record in batch.records if record not in old], batch.shard_id, batch.retries)

    def _attempt(self, batch: _Batch) -> tuple[int | None, bool]:
        """Invoke the function once: where the batch failed (None: nowhere), and whether it raised."""
        self.invocations = next(self._invoked)  # lanes invoke at once: the count is an atomic counter's
        try:
            answer = self.invoke(batch.records)
        except FunctionError:
            return 0, True
        if not self.consumer.report_item_failures:
            return None, False
        return _failed_from(batch.records, answer), False

    def _next(self, batch: _Batch, failed_from: int, raised: bool) -> list[_Batch]:
        """What to try after a failure: two halves, the rest of the batch again, or nothing."""
        records, shard_id, retries = batch.records, batch.shard_id, batch.retries
        if raised and self.consumer.bisect_on_error and len(records) > 1:
            middle = len(records) // 2
            return [_Batch(records[:middle], shard_id, retries), _Batch(records[middle:], shard_id, retries)]
        rest = _Batch(records[failed_from:], shard_id, retries + 1)
        if 0 <= self.consumer.max_retries <= retries:
            self._give_up(rest, "RetryAttemptsExhausted")
            return []
        return [rest]

    def deliver(self, records: list[dict[str, Any]], shard_id: str = "") -> None:
        """Process `records` (one batch of a shard, in stream order) until each succeeded or was given up on."""
        pending = deque([_Batch(records, shard_id)])
        while pending:
            batch = self._expired(pending.popleft())
            if not batch.records:
                continue
            failed_from, raised = self._attempt(batch)
            if failed_from is not None:
                pending.extendleft(reversed(self._next(batch, failed_from, raised)))

    def _give_up(self, batch: _Batch, condition: str) -> None:
        records = batch.records
        first, last = records[0], records[-1]
        self.on_failure(
            {
                "requestContext": {
                    "requestId": str(uuid.uuid4()),
                    "functionArn": self.consumer.function.logical_id,
                    "condition": condition,
                    "approximateInvokeCount": batch.retries,
                },
                "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
                "version": "1.0",
                "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "DDBStreamBatchInfo": {
                    "shardId": batch.shard_id,
                    "startSequenceNumber": _sequence(first),
                    "endSequenceNumber": _sequence(last),
                    "approximateArrivalOfFirstRecord": first["dynamodb"]["ApproximateCreationDateTime"],
                    "approximateArrivalOfLastRecord": last["dynamodb"]["ApproximateCreationDateTime"],
                    "batchSize": len(records),
                    "streamArn": first.get("eventSourceARN", ""),
                },
            }
        )


def lambda_record(record: dict[str, Any], stream_arn: str) -> dict[str, Any]:
    """A record as GetRecords returns it (botocore-parsed) in the shape Lambda passes it on."""
    stream = dict(record["dynamodb"])
    created = stream.get("ApproximateCreationDateTime")
    if created is not None and not isinstance(created, int | float):
        stream["ApproximateCreationDateTime"] = int(created.timestamp())
    return {**record, "dynamodb": stream, "eventSourceARN": stream_arn}


def lane_of(record: dict[str, Any], lanes: int) -> int:
    """The lane of a record's item: a hash of its key, so an item's records always share one."""
    return zlib.crc32(json.dumps(record["dynamodb"]["Keys"], sort_keys=True).encode()) % lanes


class ShardLanes:
    """One shard's records in up to `mapping.consumer.parallelization_factor` lanes at once.

    Each lane is a thread delivering its records in order, at most a batch at a time, through
    the mapping (so its retries, bisection and giving up stay within it). `checkpoint` is the
    sequence number up to which every record is done: a record a lane still works on holds it,
    however far the other lanes got, as Lambda's checkpoint for the shard does.
    """

    def __init__(self, mapping: EventSourceMapping, shard_id: str) -> None:
        self.mapping = mapping
        self.shard_id = shard_id
        consumer = mapping.consumer
        self._queues: list[deque[dict[str, Any]]] = [deque() for _ in range(max(1, consumer.parallelization_factor))]
        self._order: deque[str] = deque()  # sequence numbers read and not yet checkpointed, in stream order
        self._done: set[str] = set()
        self.checkpoint: str | None = None
        self._changed = threading.Condition()
        self._stopped = False
        self._threads = [
            threading.Thread(target=self._run, args=(lane,), name=f"{shard_id}-lane-{lane}", daemon=True)
            for lane in range(len(self._queues))
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, records: list[dict[str, Any]]) -> None:
        """Records read from the shard, in stream order."""
        with self._changed:
            for record in records:
                self._order.append(_sequence(record))
                self._queues[lane_of(record, len(self._queues))].append(record)
            self._changed.notify_all()

    @property
    def outstanding(self) -> int:
        """Records read and not yet past the checkpoint."""
        with self._changed:
            return len(self._order)

    def wait_idle(self, timeout: float) -> bool:
        """Wait until every record read is done; whether it was within `timeout` s."""
        with self._changed:
            return self._changed.wait_for(lambda: not self._order, timeout)

    def _take(self, lane: int) -> list[dict[str, Any]] | None:
        with self._changed:
            self._changed.wait_for(lambda: self._stopped or bool(self._queues[lane]))
            if self._stopped:
                return None
            queue = self._queues[lane]
            return [queue.popleft() for _ in range(min(len(queue), self.mapping.consumer.batch_size))]

    def _finish(self, batch: list[dict[str, Any]]) -> None:
        with self._changed:
            self._done.update(_sequence(record) for record in batch)
            while self._order and self._order[0] in self._done:
                self.checkpoint = self._order.popleft()
                self._done.discard(self.checkpoint)
            self._changed.notify_all()

    def _run(self, lane: int) -> None:
        while (batch := self._take(lane)) is not None:
            try:
                self.mapping.deliver(batch, self.shard_id)
            finally:
                self._finish(batch)

    def stop(self) -> None:
        with self._changed:
            self._stopped = True
            self._changed.notify_all()
        for thread in self._threads:
            thread.join(timeout=5)


class _Shard:
    def __init__(self, shard_id: str, parent: str | None, lanes: ShardLanes) -> None:
        self.shard_id = shard_id
        self.parent = parent
        self.lanes = lanes
        self.iterator: str | None = None
        self.closed = False
        self.position = "TRIM_HORIZON"  # where its first iterator started
        self.last_sequence: str | None = None  # of the last record read from it


class StreamPoller:
    """Reads `mapping.consumer`'s table's stream on a thread and hands each shard's records to its lanes.

    A shard is read ahead of its lanes by at most a batch per lane (Lambda too holds only so
    many records in flight); a child shard is read once its parent is closed and done, so
    an item's records never overtake each other across a split.
    """

    def __init__(self, mapping: EventSourceMapping, dynamodb: Any, streams: Any, interval: float = POLL_INTERVAL_S):
        self.mapping = mapping
        self._dynamodb = dynamodb
        self._streams = streams
        self._interval = interval
        self._shards: dict[str, _Shard] = {}
        self._first_read = True
        self._stream: str | None = None
        self._discovered = 0.0
        consumer = mapping.consumer
        self._full_read = min(1000, consumer.batch_size * max(1, consumer.parallelization_factor))
        self._stopped = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name=f"stream-{mapping.consumer.function.logical_id}", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        if self._thread.ident is not None:  # started (a stop can come while its worker warms)
            self._thread.join(timeout=5)
        for shard in self._shards.values():
            shard.lanes.stop()

    def _run(self) -> None:
        failing, said = 0, ""
        while not self._stopped.is_set():
            try:
                delivered = self.poll()
                failing = 0
            except Exception as error:  # noqa: BLE001 - a store restart or a stream not there yet: try again
                self._stream = None  # describe it again: the table may have been made anew
                failing, delivered = min(failing + 1, 6), 0
                problem = f"{type(error).__name__}: {error}"
                if problem != said:  # once per problem, not once per poll
                    print(f"stream poller ({self.mapping.consumer.table}): {problem}", file=sys.stderr, flush=True)
                    said = problem
            if not delivered:
                # Back off while the stream cannot be read (up to 5 s), as Lambda's pollers do.
                self._stopped.wait(min(5.0, self._interval * 2**failing))
            elif delivered < self._full_read:
                # A short read: the shard is drained for now. Read again at the polling rate,
                # not at once (every read is a call on the store the API writes to).
                self._stopped.wait(self._interval)

    def _stream_arn(self) -> str | None:
        if self._stream is None:
            table = self._dynamodb.describe_table(TableName=self.mapping.consumer.table)["Table"]
            self._stream = table.get("LatestStreamArn")
            self._discovered = 0.0
        return self._stream

    def _discover(self, stream_arn: str) -> None:
        """Start reading shards not seen yet: from the mapping's starting position at the first
        read, from their start afterwards (a new shard's records are all new). A stream with no
        open shard (not seen yet, or all closed: children to find) is described at every poll."""
        open_shard = any(not shard.closed for shard in self._shards.values())
        if open_shard and time.monotonic() - self._discovered < DISCOVER_INTERVAL_S:
            return
        self._discovered = time.monotonic()
        description = self._streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]
        position = self.mapping.consumer.starting_position if self._first_read else "TRIM_HORIZON"
        for shard in description.get("Shards", []):
            if shard["ShardId"] in self._shards:
                continue
            known = _Shard(shard["ShardId"], shard.get("ParentShardId"), ShardLanes(self.mapping, shard["ShardId"]))
            known.position = position
            known.iterator = self._streams.get_shard_iterator(
                StreamArn=stream_arn, ShardId=known.shard_id, ShardIteratorType=position
            )["ShardIterator"]
            self._shards[known.shard_id] = known
        self._first_read = False

    def _room(self, shard: _Shard) -> int:
        """How many records the shard may be read ahead of its lanes: 0 while its parent is not done."""
        parent = self._shards.get(shard.parent or "")
        if shard.closed or (parent is not None and (not parent.closed or parent.lanes.outstanding)):
            return 0
        return self._full_read - shard.lanes.outstanding  # GetRecords reads at most 1000

    def poll(self) -> int:
        """Read each open shard once, hand what came to its lanes; how many records were read."""
        stream_arn = self._stream_arn()
        if stream_arn is None:
            return 0
        self._discover(stream_arn)
        read = 0
        for shard in list(self._shards.values()):
            room = self._room(shard)
            if room <= 0:
                continue
            answer = self._read(stream_arn, shard, room)
            records = [lambda_record(record, stream_arn) for record in answer["Records"]]
            if records:
                shard.last_sequence = records[-1]["dynamodb"]["SequenceNumber"]
            shard.iterator = answer.get("NextShardIterator")
            shard.closed = shard.iterator is None
            if shard.closed:
                self._discovered = 0.0  # its children are there to find now
            shard.lanes.submit(records)
            read += len(records)
        return read

    def _read(self, stream_arn: str, shard: _Shard, limit: int) -> dict[str, Any]:
        """GetRecords on the shard's iterator. DynamoDB Local 3.3 (with more than one table that
        has a stream) refuses an iterator taken while the shard was empty, once the shard has
        records, as if they were trimmed: the iterator is taken again after the last record
        read (or where it first started), which is where it stood."""
        try:
            answer: dict[str, Any] = self._streams.get_records(ShardIterator=shard.iterator, Limit=limit)
            return answer
        except self._streams.exceptions.TrimmedDataAccessException:
            where: dict[str, str] = {"ShardIteratorType": shard.position}
            if shard.last_sequence is not None:
                where = {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": shard.last_sequence}
            shard.iterator = self._streams.get_shard_iterator(StreamArn=stream_arn, ShardId=shard.shard_id, **where)[
                "ShardIterator"
            ]
            again: dict[str, Any] = self._streams.get_records(ShardIterator=shard.iterator, Limit=limit)
            return again


class LocalStreamConsumers:
    """Every `DynamoDB` event of the template, served as Lambda's event source mapping serves it.

    Each consumer gets as many workers as its ParallelizationFactor (Lambda runs that many
    invocations per shard at a time) with the functions' local environment, a mapping and a
    poller; a batch given up on is printed.
    """

    def __init__(self, template: Template, endpoint: str, environment: dict[str, str]) -> None:
        self.pools: dict[str, FunctionPool] = {}
        self.pollers: list[StreamPoller] = []
        dynamodb, streams = client(endpoint, template.region), streams_client(endpoint, template.region)
        consumers = template.stream_consumers()
        # A function with several mappings (one per stream) is one function, one pool, with
        # room for every mapping's lanes (Lambda runs each mapping's invocations side by side).
        lanes: dict[str, int] = {}
        for consumer in consumers:
            logical_id = consumer.function.logical_id
            lanes[logical_id] = lanes.get(logical_id, 0) + max(1, consumer.parallelization_factor)
        for consumer in consumers:
            logical_id = consumer.function.logical_id
            if logical_id not in self.pools:
                self.pools[logical_id] = FunctionPool(consumer.function, environment, max_workers=lanes[logical_id])
            mapping = EventSourceMapping(consumer, _invoker(self.pools[logical_id]), _reporter(consumer))
            self.pollers.append(StreamPoller(mapping, dynamodb, streams))

    def start(self) -> None:
        """In the background (as the gateway warms its functions): warm one worker per mapping
        of each consumer, then poll. Any lane's first batch finds that worker idle; more lanes
        busy at once start theirs on demand (a backlog read at start pays those cold starts
        once). Warming every lane of every mapping (12 workers with the phase consumer) made
        four `make run`s started side by side (the client tier's Pythons) miss the 10 s init
        limit on two cores."""
        for logical_id, pool in self.pools.items():
            pollers = [poller for poller in self.pollers if poller.mapping.consumer.function.logical_id == logical_id]
            threading.Thread(target=_warm_then_poll, args=(pool, pollers), name="warm-then-poll", daemon=True).start()

    def stop(self) -> None:
        for poller in self.pollers:
            poller.stop()
        for pool in self.pools.values():
            pool.close()


def _warm_then_poll(pool: FunctionPool, pollers: list[StreamPoller]) -> None:
    """Warm the pool once, a worker per mapping (two warm-ups side by side would each hold
    workers the other waits for), then start each of its mappings' pollers."""
    pool.warm_up(len(pollers))
    for poller in pollers:
        poller.start()


def _invoker(pool: FunctionPool) -> Invoke:
    def invoke(records: list[dict[str, Any]]) -> Any:
        try:
            return pool.invoke({"Records": records}, str(uuid.uuid4()))
        except InvokeFailed as failure:
            # A failed batch's records are in the function's own log; anything else is not.
            detail = "" if "BatchFailed" in failure.summary else f"\n{failure.detail}"
            print(f"{failure.summary} ({len(records)} stream records){detail}", file=sys.stderr, flush=True)
            raise FunctionError(failure.summary) from failure

    return invoke


def _reporter(consumer: StreamConsumer) -> Callable[[dict[str, Any]], None]:
    def report(message: dict[str, Any]) -> None:
        info, condition = message["DDBStreamBatchInfo"], message["requestContext"]["condition"]
        print(
            f"{consumer.function.logical_id} gave up on {info['batchSize']} stream records "
            f"({info['startSequenceNumber']}-{info['endSequenceNumber']}, {condition}); "
            f"on AWS they would be in {consumer.on_failure or 'no destination'}: {json.dumps(message)}",
            file=sys.stderr,
            flush=True,
        )

    return report
