"""GET on the instance paths: `?name=` reads one instance, anything else lists a page.

Nothing here imports pydantic: the get function, which validates no body, loads none of it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from instance_api.domain.commands import GetQuery, ListQuery
from instance_api.domain.rules import dns_label_problem, host_id_problem
from instance_api.http.query import LABEL_SELECTOR, label_selector, limit, next_token, optional, validated
from instance_api.http.request import Fields, Operation

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent


def _get(fields: Fields) -> GetQuery:
    return GetQuery(validated("name", fields.query["name"], dns_label_problem), fields.scope)


def _list(fields: Fields) -> ListQuery:
    """A page of the list; on a namespaced path (`scope`) that namespace's, where a `namespace`
    parameter is a mistake (400), not a filter. With `hostID`, of what runs on that host; with
    `labelSelector`, of the instances whose labels it matches."""
    query = fields.query
    token = next_token(query.get("nextToken"))
    return ListQuery(
        namespace=fields.scope if fields.scope is not None else optional(query, "namespace", dns_label_problem),
        limit=limit(query.get("limit")),
        next_token=token,
        host_id=optional(query, "hostID", host_id_problem),
        selector=label_selector(query),
    )


GET = Operation("get", _get, query=frozenset({"name"}))
_LISTED_BY = frozenset({"hostID", "limit", "nextToken", LABEL_SELECTOR})
LIST = Operation("list", _list, query=_LISTED_BY | {"namespace"}, scoped_query=_LISTED_BY)


def get_or_list(event: APIGatewayProxyEvent) -> Operation[GetQuery] | Operation[ListQuery]:
    """A GET that carries `name` (even empty) is a get, not a list."""
    return GET if "name" in (event.query_string_parameters or {}) else LIST
