"""GET /api/v1/instance: `?name=` reads one instance; without it, a page of the list."""

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent
from aws_lambda_powertools.utilities.typing import LambdaContext

from instance_api import service
from instance_api.api import INSTANCE_PATH, build_app, ok
from instance_api.envelope import Operation
from instance_api.observability import logger, metrics
from instance_api.request_parsing import GetQuery, parse_get_or_list, wants_single_instance


def _operation(event: APIGatewayProxyEvent) -> Operation:
    return "get" if wants_single_instance(event) else "list"


app = build_app(_operation)


@app.get(INSTANCE_PATH)
def get_or_list_instances() -> Response[str]:
    query = parse_get_or_list(app.current_event)
    if isinstance(query, GetQuery):
        return ok("get", service.get_instance(query.name))
    return ok("list", service.list_instances(query))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
