"""GET /api/v1/instance and /api/v1/namespaces/{namespace}/instance: `?name=` reads one
instance; without it, a page of the list (of that namespace, on the namespaced path)."""

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from instance_api.composition import Composition
from instance_api.domain.commands import GetQuery, ListQuery
from instance_api.http.reads import get_or_list
from instance_api.http.request import Request
from instance_api.http.resolver import InstanceApi
from instance_api.observability import logger, metrics

root = Composition()
app = InstanceApi()


@app.operation("GET", get_or_list)
def get_or_list_instances(request: Request[GetQuery | ListQuery]) -> Any:
    if isinstance(request.command, GetQuery):
        return root.service.get(request.command)
    return root.service.list(request.command)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
