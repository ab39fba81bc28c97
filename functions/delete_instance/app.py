"""DELETE /api/v1/instance and /api/v1/namespaces/{namespace}/instance: delete by body
`{"name", "version"?}` or `?name=` (404 absent or in another namespace, 409 stale)."""

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from instance_api import wiring
from instance_api.api import Call, InstanceApi
from instance_api.bodies import parse_delete
from instance_api.observability import logger, metrics

app = InstanceApi()


@app.operation("DELETE", "delete")
def delete_instance(call: Call) -> dict[str, str]:
    return wiring.service().delete(parse_delete(call.event, call.namespace))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
