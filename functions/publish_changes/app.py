"""The instances table's stream: each change into the host index, then onto the event bus.

Lambda's event source mapping (template.yaml) calls this with batches of stream records;
the answer names the records that failed (ReportBatchItemFailures), so Lambda retries from
the first of them (see instance_api.changes.consumer for the ordering this keeps).
"""

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from instance_api.composition import Composition
from instance_api.observability import logger, metrics

root = Composition()


@logger.inject_lambda_context
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    records = event.get("Records", [])
    metrics.add_metric(name="StreamRecordsReceived", unit=MetricUnit.Count, value=len(records))
    return root.consumer.process_batch(records)
