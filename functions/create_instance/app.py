"""POST /api/v1/instance: create an instance (409 AlreadyExists if the name is taken).

With an Idempotency-Key header, a retry with the same body gets the first answer.
"""

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from instance_api import service
from instance_api.api import INSTANCE_PATH, build_app, ok
from instance_api.bodies import parse_body
from instance_api.models import CreateInstanceRequest
from instance_api.observability import logger, metrics
from instance_api.request_parsing import caller_identity, idempotency_key, reject_query_string

app = build_app("create")


@app.post(INSTANCE_PATH)
def create_instance() -> Response[str]:
    event = app.current_event
    reject_query_string(event)
    key = idempotency_key(event)
    request = parse_body(event, CreateInstanceRequest)
    if key is None:
        return ok("create", service.create_instance(request))
    from instance_api import idempotency  # only requests with the header pay for the utility's imports

    created = idempotency.create_instance(
        request, key=key, caller=caller_identity(event), lambda_context=app.lambda_context
    )
    return ok("create", created)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
