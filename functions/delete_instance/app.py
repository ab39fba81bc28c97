"""DELETE /api/v1/instance and /api/v1/namespaces/{namespace}/instance: delete by body
`{"name", "version"?}` or `?name=` (404 absent or in another namespace, 409 stale)."""

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from instance_api.composition import Composition
from instance_api.domain.commands import DeleteCommand
from instance_api.http.deletes import DELETE
from instance_api.http.request import Request
from instance_api.http.resolver import InstanceApi
from instance_api.observability import logger, metrics

root = Composition()
app = InstanceApi()


@app.operation("DELETE", DELETE)
def delete_instance(request: Request[DeleteCommand]) -> dict[str, str]:
    return root.service.delete(request.command)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
