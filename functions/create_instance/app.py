"""POST /api/v1/instance and /api/v1/namespaces/{namespace}/instance: create an instance
(409 AlreadyExists if the name is taken, in any namespace).

With an Idempotency-Key header, a retry with the same body gets the first answer.
"""

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from instance_api import wiring
from instance_api.api import Call, InstanceApi
from instance_api.bodies import parse_body
from instance_api.domain import Instance
from instance_api.http_headers import caller_identity, idempotency_key
from instance_api.http_query import reject_query_string
from instance_api.models import CreateInstanceRequest
from instance_api.observability import logger, metrics

app = InstanceApi()


@app.operation("POST", "create")
def create_instance(call: Call) -> Instance:
    reject_query_string(call.event)
    key = idempotency_key(call.event)
    command = parse_body(call.event, CreateInstanceRequest).command(call.namespace)
    if key is None:
        return wiring.service().create(command)
    from instance_api import idempotency  # only requests with the header pay for the utility's imports

    return idempotency.create_instance(
        command, key=key, caller=caller_identity(call.event), lambda_context=call.lambda_context
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
