"""PUT /api/v1/instance: replace the fields sent, bump `version` (404 absent, 409 stale version)."""

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from instance_api import service
from instance_api.api import INSTANCE_PATH, build_app, ok
from instance_api.bodies import parse_body
from instance_api.models import UpdateInstanceRequest
from instance_api.observability import logger, metrics
from instance_api.request_parsing import reject_query_string

app = build_app("update")


@app.put(INSTANCE_PATH)
def update_instance() -> Response[str]:
    reject_query_string(app.current_event)
    request = parse_body(app.current_event, UpdateInstanceRequest)
    return ok("update", service.update_instance(request))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
