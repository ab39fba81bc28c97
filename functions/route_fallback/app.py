"""Any method or path the API does not route: 405 on the API's paths (with Allow: http/routes.py), else 404.

API Gateway sends here what the operation functions do not take (their explicit
methods win over this ANY route), so a signed request gets the envelope rather than API
Gateway's 403 "Missing Authentication Token". It has no routes of its own: every event
takes the resolver's not-found path, which answers from the shared layer. It touches no data
and reads no setting, so it builds no composition root.
"""

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from instance_api.http.resolver import InstanceApi
from instance_api.observability import logger, metrics

app = InstanceApi()


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
