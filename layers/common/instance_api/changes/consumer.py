"""The change consumer: a batch of the instances table's stream into the host index and change events.

Lambda's event source mapping hands the function batches of stream records in the table's
order. Each record that is a change (records.change_of) is written to the host index, then
published; one that is not (tombstone bookkeeping) is skipped. The host index and the
publisher are the composition root's (ports of the domain), given to `ChangeConsumer`.

Per instance, events must go out in order. Lambda retries a batch from the first record
reported failed (ReportBatchItemFailures), so once a record fails, every later record of
the batch is reported failed without being touched: the retry then starts at the failed
record and nothing after it has gone out twice or ahead of it. When no record of a batch
succeeds, Powertools raises, which is a function error: Lambda then bisects the batch
(BisectBatchOnFunctionError), retries a bounded number of times and sends what still
fails to the dead-letter queue, so one poison record never holds the stream for good.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.batch.base import FailureResponse, SuccessResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from instance_api.changes.records import change_of
from instance_api.domain.ports import ChangePublisher, HostIndexRepository
from instance_api.observability import logger, metrics


class EarlierRecordFailed(Exception):
    """This record was not processed: one before it in the batch failed."""


class OrderedStreamProcessor(BatchProcessor):
    """Powertools' batch processor for DynamoDB streams that stops at the first failure.

    Like Powertools' own SqsFifoPartialProcessor: every record after a failed one is
    reported failed, untouched (no traceback is logged for those). It overrides Powertools'
    `_process_record` and uses `failure_handler`, which are not public API and have no hash
    guard (unlike the lazy-import patch): the consumer tests with a poison record in the middle
    of a batch (tests/handlers/test_publish_changes.py) pin what it relies on, so an upgrade
    that changes them fails there.
    """

    _skipped = (EarlierRecordFailed, EarlierRecordFailed("a record before this one failed"), None)

    def __init__(self) -> None:
        super().__init__(EventType.DynamoDBStreams, logger=logger)  # type: ignore[arg-type]

    def _process_record(self, record: dict[str, Any]) -> SuccessResponse | FailureResponse:
        if self.fail_messages:
            return self.failure_handler(self._to_batch_type(record, self.event_type), self._skipped)
        return super()._process_record(record)


class ChangeConsumer:
    def __init__(self, host_index: HostIndexRepository, publisher: ChangePublisher) -> None:
        self._host_index = host_index
        self._publisher = publisher

    def publish_change(self, record: DynamoDBRecord) -> None:
        """Index and publish the change one record stands for, if it is one."""
        change = change_of(record.raw_event)
        if change is None:
            return
        self._host_index.apply(change)
        self._publisher.publish(change)
        metrics.add_metric(name="ChangeEventsPublished", unit=MetricUnit.Count, value=1)
