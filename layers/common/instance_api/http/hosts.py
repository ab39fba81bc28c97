"""A host agent's two requests: its host's view (GET /api/v1/hosts/{hostID}/instances) and its
report (PUT /api/v1/hosts/{hostID}/status). docs/contract.md, "Host agents".

The report's body is four fields, read here by hand like a delete's (http/deletes.py): the
report function loads no pydantic.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from instance_api.domain.errors import FieldError, Invalid
from instance_api.domain.hosts import MESSAGE_MAX, REPORT_STATES, HostViewQuery, ReportCommand, ReportState
from instance_api.domain.rules import VERSION_MAX, dns_label_problem
from instance_api.http.deletes import NULL
from instance_api.http.query import LABEL_SELECTOR, label_selector, limit, next_token
from instance_api.http.request import Fields, Operation


class ReportBody(NamedTuple):
    name: str
    observed_version: int
    state: ReportState
    message: str | None


def _name_problem(value: object) -> str | None:
    return "must be a string" if not isinstance(value, str) else dns_label_problem(value)


def _observed_version_problem(value: object) -> str | None:
    if not isinstance(value, int) or isinstance(value, bool):
        return "must be an integer"
    if value < 1:
        return "must be at least 1"
    if value > VERSION_MAX:
        return f"must be at most {VERSION_MAX}"
    return None


def _state_problem(value: object) -> str | None:
    if value not in REPORT_STATES:
        return f"must be one of {', '.join(REPORT_STATES)}"
    return None


def _message_problem(value: object) -> str | None:
    if not isinstance(value, str):
        return "must be a string"
    if len(value) > MESSAGE_MAX:
        return f"must be at most {MESSAGE_MAX} characters long"
    return None


_FIELDS = {
    "name": _name_problem,
    "observedVersion": _observed_version_problem,
    "state": _state_problem,
    "message": _message_problem,
}
_REQUIRED = ("name", "observedVersion", "state")


def read_report(document: dict[str, Any]) -> ReportBody:
    """The report's fields, each checked; every problem at once, the known fields first. A
    `message` of null is no message."""
    details: list[FieldError] = []
    for field, problem_of in _FIELDS.items():
        if field not in document:
            if field in _REQUIRED:
                details.append({"field": field, "message": "is required"})
            continue
        value = document[field]
        if value is None:
            if field in _REQUIRED:
                details.append({"field": field, "message": NULL})
            continue
        if problem := problem_of(value):
            details.append({"field": field, "message": problem})
    details += [{"field": field, "message": "is not a known field"} for field in document if field not in _FIELDS]
    if details:
        raise Invalid.for_fields(details)
    return ReportBody(document["name"], document["observedVersion"], document["state"], document.get("message"))


def _report(fields: Fields) -> ReportCommand:
    body: ReportBody = fields.body
    assert fields.host is not None  # the route has a {hostID}
    return ReportCommand(fields.host, body.name, body.observed_version, body.state, body.message)


def _view(fields: Fields) -> HostViewQuery:
    assert fields.host is not None
    query = fields.query
    return HostViewQuery(
        fields.host,
        limit(query.get("limit")),
        next_token(query.get("nextToken")),
        label_selector(query),
        fields.if_none_match,
    )


VIEW = Operation("view", _view, query=frozenset({"limit", "nextToken", LABEL_SELECTOR}), conditional=True)
REPORT = Operation("report", _report, body=read_report, body_required=True)
