"""GET /api/v1/instance and /api/v1/namespaces/{namespace}/instance: `?name=` reads one
instance; without it, a page of the list (of that namespace, on the namespaced path)."""

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from instance_api import wiring
from instance_api.api import Call, InstanceApi
from instance_api.http_headers import reject_body
from instance_api.http_query import get_or_list, parse_get, parse_list
from instance_api.observability import logger, metrics

app = InstanceApi()


@app.operation("GET", get_or_list)
def get_or_list_instances(call: Call) -> Any:
    reject_body(call.event)
    if call.operation == "get":
        return wiring.service().get(parse_get(call.event, call.namespace))
    return wiring.service().list(parse_list(call.event, call.namespace))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
