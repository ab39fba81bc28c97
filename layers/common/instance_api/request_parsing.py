"""From an API Gateway proxy event's query string and headers to validated values.

Unknown or repeated query parameters are rejected, so a typo never silently widens a
listing. Nothing here imports pydantic: the get function, which validates no body, loads
none of it (request bodies are parsed in bodies.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from instance_api.errors import BadRequest, FieldError, InvalidRequest
from instance_api.rules import dns_label_problem

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent
    from pydantic_core import ErrorDetails

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


def field_errors(errors: Sequence[ErrorDetails], drop_prefix: tuple[str, ...] = ()) -> list[FieldError]:
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


def single_query_values(event: APIGatewayProxyEvent, allowed: frozenset[str]) -> dict[str, str]:
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


def validated(field: str, value: str, problem_of: Callable[[str], str | None]) -> str:
    if problem := problem_of(value):
        raise invalid([{"field": field, "message": problem}])
    return value


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
        query = single_query_values(event, frozenset({"name"}))
        return GetQuery(name=validated("name", query["name"], dns_label_problem))
    query = single_query_values(event, frozenset({"namespace", "limit", "nextToken"}))
    namespace = query.get("namespace")
    if namespace is not None:
        namespace = validated("namespace", namespace, dns_label_problem)
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


def reject_query_string(event: APIGatewayProxyEvent) -> None:
    """Create and update take everything from the body; a query string is a client mistake."""
    single_query_values(event, frozenset())
