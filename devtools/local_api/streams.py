"""Lambda's event source mapping for DynamoDB streams, locally: poll a table's stream, invoke
the function with batches, and handle its failures as Lambda does.

A `StreamPoller` per `DynamoDB` event in template.yaml reads the table's stream (moto's in
the embedded store, DynamoDB Local's own) on a thread, in order, shard by shard (a child
shard after its parent), and hands each batch to `deliver`, which follows the mapping's
settings the way Lambda documents them:

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

import json
import sys
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from devtools.local_api.runtime import FunctionPool, InvokeFailed, warm_up
from devtools.local_aws import client, streams_client
from devtools.template import StreamConsumer, Template

# How often an idle stream is read: Lambda polls a shard about four times a second.
POLL_INTERVAL_S = 0.1

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
        self.invocations += 1
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


class _Shard:
    def __init__(self, shard_id: str, parent: str | None) -> None:
        self.shard_id = shard_id
        self.parent = parent
        self.iterator: str | None = None
        self.closed = False


class StreamPoller:
    """Reads `mapping.consumer`'s table's stream on a thread and delivers each batch, in order."""

    def __init__(self, mapping: EventSourceMapping, dynamodb: Any, streams: Any, interval: float = POLL_INTERVAL_S):
        self.mapping = mapping
        self._dynamodb = dynamodb
        self._streams = streams
        self._interval = interval
        self._shards: dict[str, _Shard] = {}
        self._first_read = True
        self._stopped = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name=f"stream-{mapping.consumer.function.logical_id}", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        failing, said = 0, ""
        while not self._stopped.is_set():
            try:
                delivered = self.poll()
                failing = 0
            except Exception as error:  # noqa: BLE001 - a store restart or a stream not there yet: try again
                failing, delivered = min(failing + 1, 6), 0
                problem = f"{type(error).__name__}: {error}"
                if problem != said:  # once per problem, not once per poll
                    print(f"stream poller ({self.mapping.consumer.table}): {problem}", file=sys.stderr, flush=True)
                    said = problem
            if not delivered:
                # Back off while the stream cannot be read (up to 5 s), as Lambda's pollers do.
                self._stopped.wait(min(5.0, self._interval * 2**failing))

    def _stream_arn(self) -> str | None:
        table = self._dynamodb.describe_table(TableName=self.mapping.consumer.table)["Table"]
        return str(table["LatestStreamArn"]) if "LatestStreamArn" in table else None

    def _discover(self, stream_arn: str) -> None:
        """Start reading shards not seen yet: from the mapping's starting position at the first
        read, from their start afterwards (a new shard's records are all new)."""
        description = self._streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]
        position = self.mapping.consumer.starting_position if self._first_read else "TRIM_HORIZON"
        for shard in description.get("Shards", []):
            if shard["ShardId"] in self._shards:
                continue
            known = _Shard(shard["ShardId"], shard.get("ParentShardId"))
            known.iterator = self._streams.get_shard_iterator(
                StreamArn=stream_arn, ShardId=known.shard_id, ShardIteratorType=position
            )["ShardIterator"]
            self._shards[known.shard_id] = known
        self._first_read = False

    def _readable(self, shard: _Shard) -> bool:
        parent = self._shards.get(shard.parent or "")
        return not shard.closed and (parent is None or parent.closed)

    def poll(self) -> int:
        """Read each open shard once, deliver what came; how many records were delivered."""
        stream_arn = self._stream_arn()
        if stream_arn is None:
            return 0
        self._discover(stream_arn)
        delivered = 0
        for shard in [shard for shard in self._shards.values() if self._readable(shard)]:
            answer = self._streams.get_records(ShardIterator=shard.iterator, Limit=self.mapping.consumer.batch_size)
            records = [lambda_record(record, stream_arn) for record in answer["Records"]]
            shard.iterator = answer.get("NextShardIterator")
            shard.closed = shard.iterator is None
            if records:
                self.mapping.deliver(records, shard.shard_id)
                delivered += len(records)
        return delivered


class LocalStreamConsumers:
    """Every `DynamoDB` event of the template, served as Lambda's event source mapping serves it.

    Each consumer gets one worker (Lambda runs one invocation per shard at a time) with the
    functions' local environment, a mapping and a poller; a batch given up on is printed.
    """

    def __init__(self, template: Template, endpoint: str, environment: dict[str, str]) -> None:
        self.pools: dict[str, FunctionPool] = {}
        self.pollers: list[StreamPoller] = []
        dynamodb, streams = client(endpoint, template.region), streams_client(endpoint, template.region)
        for consumer in template.stream_consumers():
            pool = FunctionPool(consumer.function, environment, max_workers=1)
            self.pools[consumer.function.logical_id] = pool
            mapping = EventSourceMapping(consumer, _invoker(pool), _reporter(consumer))
            self.pollers.append(StreamPoller(mapping, dynamodb, streams))

    def start(self) -> None:
        """Warm each consumer's worker (in the background, as the gateway does), then poll."""
        warm_up(self.pools.values())
        for poller in self.pollers:
            poller.start()

    def stop(self) -> None:
        for poller in self.pollers:
            poller.stop()
        for pool in self.pools.values():
            pool.close()


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
