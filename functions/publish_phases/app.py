"""The instances table's stream and the host reports' stream: each instance whose phase changed
gets an `Instance Phase Changed` event on the bus.

Lambda's event source mappings (template.yaml, one per stream) call this with batches of
stream records; the answer names the records that failed (ReportBatchItemFailures).
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
    return root.phase_consumer.process_batch(records)
