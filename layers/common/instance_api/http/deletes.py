"""DELETE on the instance paths: the name from the JSON body `{"name", "version"?}` (the seed's
`-d@delete.json`) or from `?name=` (convenient for curl).

The body is two fields, read here by hand: the delete function loads no pydantic (a third of
its cold start). The words are the request models' (models.DeleteInstanceRequest, which the
OpenAPI document describes), and tests/unit/test_request_parsing.py holds the two to the
same answer for any body.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from instance_api.domain.commands import DeleteCommand, Expected
from instance_api.domain.errors import FieldError, Invalid
from instance_api.domain.rules import VERSION_MAX, VERSION_MIN, dns_label_problem
from instance_api.http.query import validated
from instance_api.http.request import Fields, Operation

NULL = "must not be null; omit the field instead"


class DeleteBody(NamedTuple):
    name: str | None = None
    version: int | None = None


def _name_problem(value: object) -> str | None:
    if not isinstance(value, str):
        return "must be a string"
    return dns_label_problem(value)


def _version_problem(value: object) -> str | None:
    # bool is an int to Python, not to JSON: true is no version.
    if not isinstance(value, int) or isinstance(value, bool):
        return "must be an integer"
    if value < VERSION_MIN:
        return f"must be at least {VERSION_MIN}"
    if value > VERSION_MAX:
        return f"must be at most {VERSION_MAX}"
    return None


_FIELDS = {"name": _name_problem, "version": _version_problem}


def read_body(document: dict[str, Any]) -> DeleteBody:
    """The body's fields, each checked; every problem at once, the known fields first."""
    details: list[FieldError] = []
    for field, problem_of in _FIELDS.items():
        if field in document:
            value = document[field]
            problem = NULL if value is None else problem_of(value)
            if problem:
                details.append({"field": field, "message": problem})
    details += [{"field": field, "message": "is not a known field"} for field in document if field not in _FIELDS]
    if details:
        raise Invalid.for_fields(details)
    return DeleteBody(document.get("name"), document.get("version"))


def _command(fields: Fields) -> DeleteCommand:
    body: DeleteBody = fields.body or DeleteBody()
    query_name = validated("name", fields.query["name"], dns_label_problem) if "name" in fields.query else None
    if query_name and body.name and query_name != body.name:
        raise Invalid.field("name", "differs between the query string and the body")
    name = query_name or body.name
    if name is None:
        raise Invalid.field("name", "is required (in the JSON body or as ?name=)")
    return DeleteCommand(name, Expected(version=body.version, scope=fields.scope), fields.dry_run)


DELETE = Operation("delete", _command, body=read_body, query=frozenset({"name"}), dry_run=True)
