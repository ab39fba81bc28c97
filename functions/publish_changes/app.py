"""The instances table's stream: each change into the host index, then onto the event bus.

Lambda's event source mapping (template.yaml) calls this with batches of stream records;
the answer names the records that failed (ReportBatchItemFailures), so Lambda retries from
the first of them (see instance_api.changes.consumer for the ordering this keeps).
"""

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from instance_api.changes.consumer import OrderedStreamProcessor
from instance_api.composition import Composition
from instance_api.observability import logger, metrics

root = Composition()
processor = OrderedStreamProcessor()


def publish_change(record: DynamoDBRecord) -> None:
    root.consumer.publish_change(record)


@logger.inject_lambda_context
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    metrics.add_metric(name="StreamRecordsReceived", unit=MetricUnit.Count, value=len(event.get("Records", [])))
    answer = process_partial_response(event=event, record_handler=publish_change, processor=processor, context=context)
    return dict(answer)
