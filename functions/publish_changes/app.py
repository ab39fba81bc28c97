"""The instances table's stream: each change into the host index, then onto the event bus.

Lambda's event source mapping (template.yaml) calls this with batches of stream records;
the answer names the records that failed (ReportBatchItemFailures), so Lambda retries from
the first of them (see instance_api.consumer for the ordering this keeps).
"""

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from instance_api.consumer import process_batch
from instance_api.observability import logger, metrics


@logger.inject_lambda_context
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    records = event.get("Records", [])
    metrics.add_metric(name="StreamRecordsReceived", unit=MetricUnit.Count, value=len(records))
    return process_batch(records)
