"""POST /api/v1/instance and /api/v1/namespaces/{namespace}/instance: create an instance
(409 AlreadyExists if the name is taken, in any namespace).

With an Idempotency-Key header, a retry with the same body gets the first answer.
"""

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from instance_api.composition import Composition
from instance_api.domain.commands import CreateCommand
from instance_api.domain.instance import Instance
from instance_api.http.request import Request
from instance_api.http.resolver import InstanceApi
from instance_api.http.writes import CREATE
from instance_api.observability import logger, metrics

root = Composition()
app = InstanceApi()


@app.operation("POST", CREATE)
def create_instance(request: Request[CreateCommand]) -> Instance:
    if request.idempotency_key is None:
        return root.service.create(request.command)
    return root.idempotent_creates.create(request)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
