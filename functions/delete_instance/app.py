"""DELETE /api/v1/instance: delete by body `{"name", "version"?}` or `?name=` (404 absent, 409 stale)."""

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from instance_api import service
from instance_api.api import INSTANCE_PATH, build_app, ok
from instance_api.bodies import parse_delete
from instance_api.observability import logger, metrics

app = build_app("delete")


@app.delete(INSTANCE_PATH)
def delete_instance() -> Response[str]:
    return ok("delete", service.delete_instance(parse_delete(app.current_event)))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
