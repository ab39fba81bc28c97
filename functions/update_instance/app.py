"""PUT /api/v1/instance and /api/v1/namespaces/{namespace}/instance: replace the fields sent,
bump `version` (404 absent or in another namespace, 409 stale version)."""

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from instance_api import wiring
from instance_api.api import Call, InstanceApi
from instance_api.bodies import parse_body
from instance_api.domain import Instance
from instance_api.http_query import reject_query_string
from instance_api.models import UpdateInstanceRequest
from instance_api.observability import logger, metrics

app = InstanceApi()


@app.operation("PUT", "update")
def update_instance(call: Call) -> Instance:
    reject_query_string(call.event)
    return wiring.service().update(parse_body(call.event, UpdateInstanceRequest).command(call.namespace))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
