"""From an API Gateway proxy event's query string to the get, list and delete commands.

Unknown or repeated query parameters are rejected, so a typo never silently widens a
listing. Nothing here imports pydantic: the get function, which validates no body, loads
none of it (request bodies are parsed in bodies.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from instance_api.domain import GetQuery, ListQuery
from instance_api.envelope import Operation
from instance_api.errors import BadRequest, FieldError, InvalidRequest
from instance_api.routes import NAMESPACED_INSTANCE_PATH
from instance_api.rules import dns_label_problem, host_id_problem

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

LIST_LIMIT_DEFAULT = 100
LIST_LIMIT_MAX = 500
NEXT_TOKEN_MAX = 2048


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
        raise InvalidRequest.for_fields(details)
    return dict(single)


def validated(field: str, value: str, problem_of: Callable[[str], str | None]) -> str:
    if problem := problem_of(value):
        raise InvalidRequest.for_fields([{"field": field, "message": problem}])
    return value


def path_namespace(event: APIGatewayProxyEvent) -> str | None:
    """The namespace of a namespaced path (/api/v1/namespaces/{namespace}/instance), as API
    Gateway parsed it; None on the seed's cluster-wide path."""
    if event.resource != NAMESPACED_INSTANCE_PATH:
        return None
    return validated("namespace", (event.path_parameters or {}).get("namespace", ""), dns_label_problem)


def get_or_list(event: APIGatewayProxyEvent) -> Operation:
    """GET carries `name` (even empty): it is a get, not a list."""
    return "get" if "name" in (event.query_string_parameters or {}) else "list"


def parse_get(event: APIGatewayProxyEvent, scope: str | None = None) -> GetQuery:
    query = single_query_values(event, frozenset({"name"}))
    return GetQuery(name=validated("name", query["name"], dns_label_problem), scope=scope)


def _limit(text: str | None) -> int:
    if text is None:
        return LIST_LIMIT_DEFAULT
    # The length first: int() of thousands of digits is slow, and past 4,300 refused.
    digits_ok = text.isascii() and text.isdigit() and len(text) <= len(str(LIST_LIMIT_MAX))
    if not (digits_ok and 1 <= int(text) <= LIST_LIMIT_MAX):
        raise InvalidRequest.for_fields(
            [{"field": "limit", "message": f"must be an integer from 1 to {LIST_LIMIT_MAX}"}]
        )
    return int(text)


def _optional(query: dict[str, str], field: str, problem_of: Callable[[str], str | None]) -> str | None:
    value = query.get(field)
    return None if value is None else validated(field, value, problem_of)


def parse_list(event: APIGatewayProxyEvent, scope: str | None = None) -> ListQuery:
    """A page of the list; on a namespaced path (`scope`) that namespace's, and a `namespace`
    parameter there is a mistake (400), not a filter. With `hostID`, of what runs on that host
    (the host index)."""
    parameters = {"hostID", "limit", "nextToken"} | ({"namespace"} if scope is None else set())
    query = single_query_values(event, frozenset(parameters))
    next_token = query.get("nextToken")
    if next_token is not None and not 1 <= len(next_token) <= NEXT_TOKEN_MAX:
        raise BadRequest("nextToken is not valid for this listing")
    return ListQuery(
        # The path's namespace was checked by the route (scope); a parameter's is checked here.
        namespace=scope if scope is not None else _optional(query, "namespace", dns_label_problem),
        limit=_limit(query.get("limit")),
        next_token=next_token,
        host_id=_optional(query, "hostID", host_id_problem),
    )


def reject_query_string(event: APIGatewayProxyEvent) -> None:
    """Create and update take everything from the body; a query string is a client mistake."""
    single_query_values(event, frozenset())
