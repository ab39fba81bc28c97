"""PUT /api/v1/instance and /api/v1/namespaces/{namespace}/instance: replace the fields sent,
bump `version` (404 absent or in another namespace, 409 stale version)."""

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from instance_api.composition import Composition
from instance_api.domain.commands import UpdateCommand
from instance_api.domain.instance import Instance
from instance_api.http.request import Request
from instance_api.http.resolver import InstanceApi
from instance_api.http.writes import UPDATE
from instance_api.observability import logger, metrics

root = Composition()
app = InstanceApi()


@app.operation("PUT", UPDATE)
def update_instance(request: Request[UpdateCommand]) -> Instance:
    return root.service.update(request.command)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
