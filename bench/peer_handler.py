"""A typical Powertools + pydantic handler, for `python -m bench.peers` to cold-start.

A minimal equivalent of the create and delete order handlers of
ran-isenberg/aws-lambda-handler-cookbook (read at commit 72f62a1, 2026-07-03), in one
module: its observability module (Logger, Tracer, Metrics), its resolver module
(`APIGatewayRestResolver(enable_validation=True)` with Swagger and OpenAPI merge, exception
handlers), its pydantic models (input, output, order, DynamoDB entry, environment
variables) and its handlers with their decorator stack, over the cookbook's boto3
resource-based DynamoDB access layer (its version before it moved to pydynox). Left out,
because they call services a loopback DynamoDB cannot stand in for, or make calls the bare
boto3 baseline would not: the AppConfig feature flags and the idempotency wrapper of
create. So this is lighter than the cookbook itself.

`COOKBOOK_HANDLER` (create or delete) says which route this process registers, as each of
the cookbook's functions imports only its own handler module. Never imported by the
project's code or tests: the bench copies it into a scratch folder as `app.py`.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from http import HTTPStatus
from pathlib import Path
from typing import Annotated, Any, Literal

import boto3  # type: ignore[import-untyped]
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.logging import Logger, correlation_paths
from aws_lambda_powertools.metrics import Metrics, MetricUnit
from aws_lambda_powertools.tracing import Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import AfterValidator, BaseModel, Field, HttpUrl, PositiveInt, field_validator

# service/handlers/utils/observability.py
logger = Logger()
tracer = Tracer()
metrics = Metrics(namespace="orders_kpi")


# service/handlers/models/env_vars.py, read as aws-lambda-env-modeler does (validated, cached).
class Observability(BaseModel):
    POWERTOOLS_SERVICE_NAME: Annotated[str, Field(min_length=1)]
    LOG_LEVEL: Literal["DEBUG", "INFO", "ERROR", "CRITICAL", "WARNING", "EXCEPTION"]


class DynamicConfiguration(BaseModel):
    CONFIGURATION_APP: Annotated[str, Field(min_length=1)]
    CONFIGURATION_ENV: Annotated[str, Field(min_length=1)]
    CONFIGURATION_NAME: Annotated[str, Field(min_length=1)]
    CONFIGURATION_MAX_AGE_MINUTES: PositiveInt


class Idempotency(BaseModel):
    IDEMPOTENCY_TABLE_NAME: Annotated[str, Field(min_length=1)]


class MyHandlerEnvVars(Observability, DynamicConfiguration, Idempotency):
    REST_API: HttpUrl
    ROLE_ARN: Annotated[str, Field(min_length=20, max_length=2048)]
    TABLE_NAME: Annotated[str, Field(min_length=1)]


class DeleteHandlerEnvVars(Observability):
    TABLE_NAME: Annotated[str, Field(min_length=1)]


@cache
def get_environment_variables[Model: BaseModel](model: type[Model]) -> Model:
    return model.model_validate(dict(os.environ))


def init_environment_variables(model: type[BaseModel]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def decorator(handler: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(event: dict[str, Any], context: LambdaContext) -> Any:
            get_environment_variables(model)
            return handler(event, context)

        return wrapper

    return decorator


# service/models/order.py, input.py, output.py, exceptions.py and dal/models/db.py
def validate_product_id(product_id: str) -> str:
    uuid.UUID(product_id, version=4)
    return product_id


OrderId = Annotated[str, Field(min_length=36, max_length=36), AfterValidator(validate_product_id)]


class Order(BaseModel):
    name: Annotated[str, Field(min_length=1, max_length=20, description="Customer name")]
    item_count: Annotated[int, Field(strict=True, description="Amount of items in order")]
    id: OrderId

    @field_validator("item_count")
    @classmethod
    def check_item_count(cls, value: int) -> int:
        if value <= 0:
            raise ValueError("item_count must be larger than 0")
        return value


class CreateOrderRequest(BaseModel):
    customer_name: Annotated[str, Field(min_length=1, max_length=20, description="Customer name")]
    order_item_count: Annotated[int, Field(strict=True, description="Amount of items in order")]

    @field_validator("order_item_count")
    @classmethod
    def check_order_item_count(cls, value: int) -> int:
        if value <= 0:
            raise ValueError("order_item_count must be larger than 0")
        return value


class CreateOrderOutput(Order):
    pass


class DeleteOrderOutput(BaseModel):
    order_id: Annotated[str, Field(description="The deleted order ID")]


class InternalServerErrorOutput(BaseModel):
    error: Annotated[str, Field(description="Error description")] = "internal server error"


class OrderNotFoundOutput(BaseModel):
    error: Annotated[str, Field(description="Error description")] = "order was not found"


class OrderEntry(BaseModel):
    id: OrderId
    name: Annotated[str, Field(min_length=1, max_length=20)]
    item_count: PositiveInt
    created_at: PositiveInt


class InternalServerException(Exception):
    pass


class OrderNotFoundException(Exception):
    pass


# service/dal/dynamo_dal_handler.py (boto3 resource, as before pydynox)
@cache
def _table(table_name: str) -> Any:
    logger.info("opening connection to dynamodb table", table_name=table_name)
    return boto3.resource("dynamodb").Table(table_name)


@tracer.capture_method(capture_response=False)
def create_order_in_db(table_name: str, customer_name: str, order_item_count: int) -> Order:
    order_id = str(uuid.uuid4())
    logger.append_keys(order_id=order_id)
    entry = OrderEntry(
        id=order_id,
        name=customer_name,
        item_count=order_item_count,
        created_at=int(datetime.now(UTC).timestamp()),
    )
    _table(table_name).put_item(Item=entry.model_dump())
    logger.info("finished create order successfully", order_item_count=order_item_count)
    return Order(id=entry.id, name=entry.name, item_count=entry.item_count)


@tracer.capture_method(capture_response=False)
def delete_order_from_db(table_name: str, order_id: str) -> None:
    table = _table(table_name)
    if "Item" not in table.get_item(Key={"id": order_id}):
        raise OrderNotFoundException(f"order {order_id} was not found")
    table.delete_item(Key={"id": order_id})
    logger.info("finished delete order successfully")


# service/handlers/utils/rest_api_resolver.py
ORDERS_PATH = "/api/orders/"
JSON = content_types.APPLICATION_JSON
app = APIGatewayRestResolver(enable_validation=True)
app.enable_swagger(path="/swagger", title="AWS Lambda Handler Cookbook - Orders Service")
app.configure_openapi_merge(path=str(Path(__file__).parent), pattern="*/.py", resolver_name="app")


@app.exception_handler(InternalServerException)  # type: ignore[untyped-decorator]
def handle_internal_server_error(error: InternalServerException) -> Response[Any]:
    logger.exception("finished handling request with internal error")
    body = InternalServerErrorOutput().model_dump()
    return Response(status_code=HTTPStatus.INTERNAL_SERVER_ERROR, content_type=JSON, body=body)


@app.exception_handler(OrderNotFoundException)  # type: ignore[untyped-decorator]
def handle_order_not_found_error(error: OrderNotFoundException) -> Response[Any]:
    logger.exception("order was not found")
    body = OrderNotFoundOutput().model_dump()
    return Response(status_code=HTTPStatus.NOT_FOUND, content_type=JSON, body=body)


# service/handlers/handle_create_order.py and handle_delete_order.py
def _register_create() -> type[BaseModel]:
    @app.post(
        ORDERS_PATH,
        summary="Create an order",
        description="Create an order identified by the body payload",
        response_description="The created order",
        responses={
            200: {"description": "The created order", "content": {JSON: {"model": CreateOrderOutput}}},
            501: {"description": "Internal server error", "content": {JSON: {"model": InternalServerErrorOutput}}},
        },
        tags=["CRUD"],
    )
    def handle_create_order(
        create_input: Annotated[CreateOrderRequest, Body(embed=False, media_type="application/json")],
    ) -> CreateOrderOutput:
        env_vars = get_environment_variables(MyHandlerEnvVars)
        logger.info("got create order request", order=create_input.model_dump())
        metrics.add_metric(name="ValidCreateOrderEvents", unit=MetricUnit.Count, value=1)
        order = create_order_in_db(env_vars.TABLE_NAME, create_input.customer_name, create_input.order_item_count)
        return CreateOrderOutput(name=order.name, item_count=order.item_count, id=order.id)

    return MyHandlerEnvVars


def _register_delete() -> type[BaseModel]:
    @app.delete(
        f"{ORDERS_PATH}<order_id>",
        summary="Delete an order",
        description="Delete an order by its ID",
        response_description="The deleted order confirmation",
        responses={
            200: {"description": "Order deleted successfully", "content": {JSON: {"model": DeleteOrderOutput}}},
            404: {"description": "Order not found", "content": {JSON: {"model": OrderNotFoundOutput}}},
            501: {"description": "Internal server error", "content": {JSON: {"model": InternalServerErrorOutput}}},
        },
        tags=["CRUD"],
    )
    def handle_delete_order(order_id: str) -> DeleteOrderOutput:
        env_vars = get_environment_variables(DeleteHandlerEnvVars)
        logger.append_keys(order_id=order_id)
        metrics.add_metric(name="ValidDeleteOrderEvents", unit=MetricUnit.Count, value=1)
        delete_order_from_db(env_vars.TABLE_NAME, order_id)
        return DeleteOrderOutput(order_id=order_id)

    return DeleteHandlerEnvVars


ENVIRONMENT = {"create": _register_create, "delete": _register_delete}[os.environ["COOKBOOK_HANDLER"]]()


@init_environment_variables(model=ENVIRONMENT)
@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
