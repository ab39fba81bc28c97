"""Request bodies: from an API Gateway proxy event to a validated request model.

Checks run cheapest first: size (413), then media type (415), then JSON shape (400
BadRequest), then field rules (400 Invalid with `details`). Only the functions that take
a body import this module, and with it pydantic.
"""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING

from pydantic import BaseModel, ValidationError

from instance_api.details import invalid
from instance_api.domain import DeleteCommand
from instance_api.errors import BadRequest, InvalidRequest, PayloadTooLarge, UnsupportedMediaType
from instance_api.http_query import single_query_values, validated
from instance_api.models import DeleteInstanceRequest
from instance_api.rules import dns_label_problem

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

MAX_BODY_BYTES = 64 * 1024


def _body_bytes(event: APIGatewayProxyEvent) -> bytes:
    body = event.body
    if not body:
        return b""
    if event.is_base64_encoded:
        try:
            return base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError) as error:
            raise BadRequest("the request body is not valid base64") from error
    return body.encode("utf-8")


def _require_json_media_type(event: APIGatewayProxyEvent) -> None:
    content_type = event.headers.get("content-type") or ""
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type != "application/json" and not (
        media_type.startswith("application/") and media_type.endswith("+json")
    ):
        raise UnsupportedMediaType(
            "Content-Type must be application/json"
            + (f", not {media_type}" if media_type else " (no Content-Type was sent)")
        )


def parse_optional_body[Model: BaseModel](event: APIGatewayProxyEvent, model: type[Model]) -> Model | None:
    """Validate the JSON body against `model`; None when there is no body."""
    raw = _body_bytes(event)
    if not raw:
        return None
    if len(raw) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"the request body must be at most {MAX_BODY_BYTES} bytes")
    _require_json_media_type(event)
    try:
        return model.model_validate_json(raw)
    except ValidationError as error:
        errors = error.errors(include_url=False, include_input=False, include_context=False)
        if errors[0]["type"] == "json_invalid":
            raise BadRequest("the request body is not valid JSON") from None
        if errors[0]["type"] in ("model_type", "model_attributes_type") and not errors[0]["loc"]:
            raise BadRequest("the request body must be a JSON object") from None
        raise invalid(errors) from None


def parse_body[Model: BaseModel](event: APIGatewayProxyEvent, model: type[Model]) -> Model:
    """Validate the JSON body against `model`; a missing body is a 400."""
    parsed = parse_optional_body(event, model)
    if parsed is None:
        raise BadRequest("the request body must be a JSON object")
    return parsed


def parse_delete(event: APIGatewayProxyEvent) -> DeleteCommand:
    """Name from the JSON body (the seed's `-d@delete.json`) or from `?name=`."""
    query = single_query_values(event, frozenset({"name"}))
    body = parse_optional_body(event, DeleteInstanceRequest)
    query_name = validated("name", query["name"], dns_label_problem) if "name" in query else None
    body_name = body.name if body else None
    if query_name and body_name and query_name != body_name:
        raise InvalidRequest.for_fields([{"field": "name", "message": "differs between the query string and the body"}])
    name = query_name or body_name
    if name is None:
        raise InvalidRequest.for_fields([{"field": "name", "message": "is required (in the JSON body or as ?name=)"}])
    return DeleteCommand(name=name, version=body.version if body else None)
