"""PUT /api/v1/hosts/{hostID}/status: what a host runs of an instance (its state at a version);
the answer is the instance with its status."""

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from instance_api.composition import Composition
from instance_api.domain.hosts import ReportCommand
from instance_api.http.hosts import REPORT
from instance_api.http.request import Request
from instance_api.http.resolver import InstanceApi
from instance_api.http.routes import HOST_STATUS_PATH
from instance_api.observability import logger, metrics

root = Composition()
app = InstanceApi()


@app.operation("PUT", REPORT, resources=(HOST_STATUS_PATH,))
def report_host_status(request: Request[ReportCommand]) -> dict[str, Any]:
    return root.host_agents.report(request.command)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
