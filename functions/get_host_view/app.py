"""GET /api/v1/hosts/{hostID}/instances: what should run on a host, across namespaces, with this
host's own report on each instance; a strong ETag, and a bodiless 304 when If-None-Match holds it."""

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from instance_api.composition import Composition
from instance_api.domain.hosts import HostViewQuery
from instance_api.http.hosts import VIEW
from instance_api.http.request import Reply, Request
from instance_api.http.resolver import InstanceApi
from instance_api.http.routes import HOST_VIEW_PATH
from instance_api.observability import logger, metrics

root = Composition()
app = InstanceApi()


@app.operation("GET", VIEW, resources=(HOST_VIEW_PATH,))
def get_host_view(request: Request[HostViewQuery]) -> Reply:
    view = root.host_agents.view(request.command)
    return Reply(view.data, {"ETag": view.tag})


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
