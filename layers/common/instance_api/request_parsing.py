"""From an API Gateway proxy event to validated request models.

Checks run cheapest first: size (413), then media type (415), then JSON shape (400
BadRequest), then field rules (400 Invalid with `details`). Query strings are parsed here
too, rejecting unknown or repeated parameters so a typo never silently widens a listing.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from dataclasses import dataclass

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from instance_api.errors import (
    BadRequest,
    FieldError,
    InvalidRequest,
    PayloadTooLarge,
    UnsupportedMediaType,
)
from instance_api.models import DeleteInstanceRequest, check_dns_label

MAX_BODY_BYTES = 64 * 1024
LIST_LIMIT_DEFAULT = 100
LIST_LIMIT_MAX = 500
NEXT_TOKEN_MAX = 2048

# pydantic's wording for the generic error types, rephrased as sentences about the field.
_MESSAGES = {
    "missing": "is required",
    "extra_forbidden": "is not a known field",
    "string_type": "must be a string",
    "bool_type": "must be a boolean (true or false)",
    "int_type": "must be an integer",
    "list_type": "must be an array",
    "model_type": "must be an object",
    "model_attributes_type": "must be an object",
    "dict_type": "must be an object",
}


@dataclass(frozen=True, slots=True)
class GetQuery:
    name: str


@dataclass(frozen=True, slots=True)
class ListQuery:
    namespace: str | None
    limit: int
    next_token: str | None


@dataclass(frozen=True, slots=True)
class DeleteCommand:
    name: str
    version: int | None


def field_errors(errors: list[ErrorDetails], drop_prefix: tuple[str, ...] = ()) -> list[FieldError]:
    """pydantic errors as `details`: `spec.image`, `hostIDs[2]`, "" for the body itself."""
    details: list[FieldError] = []
    for error in errors:
        location = tuple(error["loc"])
        if location[: len(drop_prefix)] == drop_prefix:
            location = location[len(drop_prefix) :]
        path = ""
        for part in location:
            path += f"[{part}]" if isinstance(part, int) else f".{part}" if path else str(part)
        message = _MESSAGES.get(error["type"], error["msg"])
        details.append({"field": path, "message": message})
    return details


def invalid(details: list[FieldError]) -> InvalidRequest:
    if len(details) == 1:
        field, message = details[0]["field"], details[0]["message"]
        # A rule about the body as a whole ("" field) is already a sentence.
        return InvalidRequest(f"{field} {message}" if field else message, details=details)
    return InvalidRequest(f"{len(details)} fields are invalid; see details", details=details)


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
        raise invalid(field_errors(errors)) from None


def parse_body[Model: BaseModel](event: APIGatewayProxyEvent, model: type[Model]) -> Model:
    """Validate the JSON body against `model`; a missing body is a 400."""
    parsed = parse_optional_body(event, model)
    if parsed is None:
        raise BadRequest("the request body must be a JSON object")
    return parsed


def _single_values(event: APIGatewayProxyEvent, allowed: frozenset[str]) -> dict[str, str]:
    multi = event.multi_value_query_string_parameters or {}
    single = event.query_string_parameters or {}
    details: list[FieldError] = []
    for key in sorted(set(multi) | set(single)):
        if key not in allowed:
            details.append({"field": key, "message": "is not a known query parameter"})
        elif len(multi.get(key) or ()) > 1:
            details.append({"field": key, "message": "must be given once"})
    if details:
        raise invalid(details)
    return dict(single)


def _validated(field: str, value: str, check: Callable[[str], str]) -> str:
    try:
        return check(value)
    except ValueError as error:  # PydanticCustomError is a ValueError
        raise invalid([{"field": field, "message": str(error)}]) from None


IDEMPOTENCY_KEY_HEADER = "Idempotency-Key"
IDEMPOTENCY_KEY_MAX = 255


def idempotency_key(event: APIGatewayProxyEvent) -> str | None:
    """The create's Idempotency-Key header: None when absent, 400 when empty, long or repeated."""
    values = [
        value
        for name, header_values in (event.multi_value_headers or {}).items()
        if name.lower() == IDEMPOTENCY_KEY_HEADER.lower()
        for value in header_values
    ]
    if not values:
        single = event.headers.get(IDEMPOTENCY_KEY_HEADER)
        values = [] if single is None else [single]
    if not values:
        return None
    if len(values) > 1:
        raise invalid([{"field": IDEMPOTENCY_KEY_HEADER, "message": "must be given once"}])
    if not 1 <= len(values[0]) <= IDEMPOTENCY_KEY_MAX:
        raise invalid(
            [{"field": IDEMPOTENCY_KEY_HEADER, "message": f"must be 1-{IDEMPOTENCY_KEY_MAX} characters long"}]
        )
    return values[0]


def caller_identity(event: APIGatewayProxyEvent) -> str:
    """Who signed the request (IAM); one fixed value where nothing signs (the local API)."""
    identity = event.request_context.identity
    return identity.user_arn or identity.caller or "unauthenticated"


def wants_single_instance(event: APIGatewayProxyEvent) -> bool:
    """GET carries `name` (even empty): it is a get, not a list."""
    return "name" in (event.query_string_parameters or {})


def parse_get_or_list(event: APIGatewayProxyEvent) -> GetQuery | ListQuery:
    if wants_single_instance(event):
        query = _single_values(event, frozenset({"name"}))
        return GetQuery(name=_validated("name", query["name"], check_dns_label))
    query = _single_values(event, frozenset({"namespace", "limit", "nextToken"}))
    namespace = query.get("namespace")
    if namespace is not None:
        namespace = _validated("namespace", namespace, check_dns_label)
    limit = LIST_LIMIT_DEFAULT
    if "limit" in query:
        text = query["limit"]
        if not (text.isascii() and text.isdigit() and 1 <= int(text) <= LIST_LIMIT_MAX):
            raise invalid([{"field": "limit", "message": f"must be an integer from 1 to {LIST_LIMIT_MAX}"}])
        limit = int(text)
    next_token = query.get("nextToken")
    if next_token is not None and not 1 <= len(next_token) <= NEXT_TOKEN_MAX:
        raise BadRequest("nextToken is not valid for this listing")
    return ListQuery(namespace=namespace, limit=limit, next_token=next_token)


def parse_delete(event: APIGatewayProxyEvent) -> DeleteCommand:
    """Name from the JSON body (the seed's `-d@delete.json`) or from `?name=`."""
    query = _single_values(event, frozenset({"name"}))
    body = parse_optional_body(event, DeleteInstanceRequest)
    query_name = _validated("name", query["name"], check_dns_label) if "name" in query else None
    body_name = body.name if body else None
    if query_name and body_name and query_name != body_name:
        raise invalid([{"field": "name", "message": "differs between the query string and the body"}])
    name = query_name or body_name
    if name is None:
        raise invalid([{"field": "name", "message": "is required (in the JSON body or as ?name=)"}])
    return DeleteCommand(name=name, version=body.version if body else None)


def reject_query_string(event: APIGatewayProxyEvent) -> None:
    """Create and update take everything from the body; a query string is a client mistake."""
    _single_values(event, frozenset())
