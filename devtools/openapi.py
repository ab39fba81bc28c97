"""Generate openapi.yaml from template.yaml's routes and the layer's models (`make openapi`).

One source of truth each: the operations are the template's routes with an explicit method
(the route fallback's ANY routes are the 404/405 described in `info`), each described by its
builder in `OPERATIONS`; request schemas come from the pydantic models, the Instance from
the domain type; query parameters and headers from http/query.py and http/headers.py; statuses,
reasons and their example bodies from the errors and envelope the functions answer with.

The document is made of shared components, so that a generated SDK has one class per
concept, not one per operation and status (docs/decisions.md, "The OpenAPI document's
components"): the field rules, the Instance, one success envelope per kind of data, one
error envelope, one response per error status, one parameter per query parameter or header.
An operation names the components it uses; what differs between operations (which statuses,
the `message` its answers carry, its examples) is said in the operation. Adding a parameter
is an entry in `PARAMETERS`; adding an operation, a builder and an entry in `OPERATIONS`.
tests/unit/test_openapi.py fails when the committed file is stale.
"""

from __future__ import annotations

import copy
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, get_args

import yaml
from pydantic import TypeAdapter, ValidationError
from pydantic.json_schema import models_json_schema

from devtools.instance_schema import SCHEMAS, instance_schemas
from devtools.template import ROOT, Template
from instance_api.domain import errors, selectors
from instance_api.domain.hosts import MESSAGE_MAX, REPORT_STATES, UNKNOWN, Phase
from instance_api.domain.instance import CHANGEABLE
from instance_api.http import answers, details, envelope
from instance_api.http import errors as http_errors
from instance_api.http import headers as http_headers
from instance_api.http import query as http_query
from instance_api.http.body import MAX_BODY_BYTES
from instance_api.http.models import (
    CreateInstanceRequest,
    DeleteInstanceRequest,
    DnsLabel,
    HostId,
    HostIds,
    ImageReference,
    Labels,
    UpdateInstanceRequest,
    Version,
)
from instance_api.http.resolver import DRY_RUN_HEADER
from instance_api.http.routes import HOST_STATUS_PATH, HOST_VIEW_PATH, INSTANCE_PATH, NAMESPACED_INSTANCE_PATH

OPENAPI_PATH = ROOT / "openapi.yaml"
COMPONENTS = "#/components/"


def ref(kind: str, name: str) -> dict[str, str]:
    """A reference to `components/<kind>/<name>`."""
    return {"$ref": f"{COMPONENTS}{kind}/{name}"}


# --- Schemas -------------------------------------------------------------------------------

# Each field rule of the models, one schema: every copy pydantic writes becomes a $ref to it.
FIELD_RULES: dict[str, dict[str, Any]] = {
    "DnsLabel": TypeAdapter(DnsLabel).json_schema(),
    "HostId": TypeAdapter(HostId).json_schema()
    | {"description": "A host ID: letters, digits and '.', '_', ':', '-', starting with a letter or digit."},
    "HostIds": TypeAdapter(HostIds).json_schema(),
    "ImageReference": TypeAdapter(ImageReference).json_schema(),
    "Labels": TypeAdapter(Labels).json_schema(),
    "Version": TypeAdapter(Version).json_schema()
    | {"description": "The version the write expects the instance to be at: stale is 409 Conflict."},
}
# Keywords that describe a schema without constraining it; a $ref to a rule keeps those that
# say more than the rule (pydantic's titles only repeat the property's name).
_ANNOTATIONS = frozenset({"title", "description", "default", "example", "examples"})
_KEPT_BESIDE_REF = _ANNOTATIONS - {"title"}


def _constraints(schema: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in schema.items() if key not in _ANNOTATIONS}


def _with_field_rules(schema: Any, top: bool = True) -> Any:
    """`schema` with each copy of a field rule below its top replaced by a $ref to the rule
    (a default, or a description other than the rule's, kept beside it)."""
    if isinstance(schema, list):
        return [_with_field_rules(item, top=False) for item in schema]
    if not isinstance(schema, dict):
        return schema
    for name, rule in FIELD_RULES.items():
        if not top and _constraints(schema) == _constraints(rule):
            kept = {key: value for key, value in schema.items() if key in _KEPT_BESIDE_REF and rule.get(key) != value}
            return ref("schemas", name) | kept
    return {key: _with_field_rules(value, top=False) for key, value in schema.items()}


def _without_null(schema: Any) -> Any:
    """Request schemas: an explicit null is rejected (omit the field), so no schema allows it."""
    if isinstance(schema, list):
        return [_without_null(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    schema = {key: _without_null(value) for key, value in schema.items()}
    if "anyOf" in schema:
        options = [option for option in schema["anyOf"] if option != {"type": "null"}]
        if len(options) == 1:
            del schema["anyOf"]
            schema = {**options[0], **schema}
        else:
            schema["anyOf"] = options
    if schema.get("default", "") is None:
        del schema["default"]
    return schema


def _request_schemas() -> dict[str, Any]:
    _, definitions = models_json_schema(
        [
            (CreateInstanceRequest, "validation"),
            (UpdateInstanceRequest, "validation"),
            (DeleteInstanceRequest, "validation"),
        ],
        ref_template=SCHEMAS + "{model}",
    )
    schemas: dict[str, Any] = _without_null(definitions["$defs"])
    # In an allOf, not beside the properties: generators (openapi-python-client) type a body
    # whose top level is an anyOf as Any.
    schemas["UpdateInstanceRequest"]["allOf"] = [{"anyOf": [{"required": [field]} for field in CHANGEABLE]}]
    return schemas


def _object(required: list[str], properties: dict[str, Any], description: str | None = None) -> dict[str, Any]:
    described = {"description": description} if description else {}
    return {
        "type": "object",
        **described,
        "additionalProperties": False,
        "required": required,
        "properties": properties,
    }


# The `message` of an answer names its operation as the envelope says it (a host's view is a
# `list`); "request" is API Gateway's own and the route fallback's.
OPERATION_NAMES: tuple[str, ...] = tuple(
    dict.fromkeys(
        envelope.success_body(name, None)["message"].removesuffix(" succeed")
        for name in get_args(envelope.OperationName)
    )
)
# One success envelope per kind of data: its schema, the data's, and the operations answering it.
SUCCESSES: dict[str, tuple[str, tuple[str, ...]]] = {
    "InstanceResponse": ("Instance", ("create", "update")),
    "InstanceWithStatusResponse": ("InstanceWithStatus", ("get", "report")),
    "InstancePageResponse": ("InstancePage", ("list",)),
    "HostViewPageResponse": ("HostViewPage", ("list",)),
    "DeletedInstanceResponse": ("DeletedInstance", ("delete",)),
}


def _message(operations: tuple[str, ...], outcome: str) -> dict[str, Any]:
    """`<operation> <outcome>`: a const for one operation; else a pattern (an enum would be one
    more class in a generated SDK)."""
    if len(operations) == 1:
        return {"type": "string", "const": f"{operations[0]} {outcome}"}
    return {
        "type": "string",
        "pattern": f"^({'|'.join(operations)}) {outcome}$",
        "description": f"`<operation> {outcome}`; each operation says which of these its answers carry.",
    }


def _success(data: str, operations: tuple[str, ...]) -> dict[str, Any]:
    return _object(
        ["code", "message", "data"],
        {
            "code": {"type": "integer", "const": 200},
            "message": _message(operations, "succeed"),
            "data": ref("schemas", data),
        },
        f"A success envelope carrying {'an' if data[0] in 'AEIOU' else 'a'} {data}.",
    )


def _envelopes() -> dict[str, Any]:
    reasons = list(dict.fromkeys(reason for answer in ERRORS.values() for reason in answer.reasons))
    return {
        **{name: _success(data, operations) for name, (data, operations) in SUCCESSES.items()},
        "ErrorResponse": _object(
            ["code", "message", "data"],
            {
                "code": {"type": "integer", "minimum": 400, "maximum": 599, "description": "The HTTP status."},
                "message": _message(OPERATION_NAMES, "failed")
                | {"description": "`<operation> failed`; `request failed` when API Gateway answers."},
                "data": ref("schemas", "ErrorData"),
            },
            "The error envelope of every status from 400 on.",
        ),
        "ErrorData": _object(
            ["error", "reason", "requestId"],
            {
                "error": {"type": "string", "description": "One human sentence."},
                "reason": ref("schemas", "ErrorReason"),
                "requestId": {"type": "string", "description": "Also in the logs: quote it when reporting."},
                "details": {
                    "type": "array",
                    "maxItems": errors.DETAILS_MAX,
                    "items": ref("schemas", "FieldError"),
                    "description": "With 400 Invalid: each field at fault.",
                },
            },
        ),
        "ErrorReason": {
            "type": "string",
            "enum": reasons,
            # Each value's words, for generators that name members (ALREADY_EXISTS, not ALREADYEXISTS).
            "x-enum-varnames": reasons,
            "description": "What went wrong, for a program to branch on; each status's response lists its own.",
        },
        "FieldError": _object(
            ["field", "message"],
            {
                "field": {"type": "string", "description": 'A dotted path (hostIDs[2]); "" for the body as a whole.'},
                "message": {"type": "string"},
            },
        ),
    }


def _page(item: str) -> dict[str, Any]:
    return _object(
        ["items", "nextToken"],
        {
            "items": {"type": "array", "items": ref("schemas", item)},
            "nextToken": {
                "type": ["string", "null"],
                "description": "Opaque and signed; pass it back for the next page. null: the last page.",
            },
        },
    )


def _instance_and(
    instance: dict[str, Any], field: str, schema: dict[str, Any], title: str, description: str
) -> dict[str, Any]:
    """The Instance with one more field: a copy, since the Instance admits no other property
    (an allOf of it and the field would admit nothing)."""
    extended = copy.deepcopy(instance)
    extended["properties"][field] = schema
    extended["required"] = [*extended["required"], field]
    return extended | {"title": title, "description": description}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


TIMESTAMP = {"type": "string", "format": "date-time", "description": "RFC 3339 UTC with milliseconds."}
REPORT_STATE = {"type": "string", "enum": list(REPORT_STATES), "description": "What the host runs of the instance."}


def _host_schemas(instance: dict[str, Any]) -> dict[str, Any]:
    """What host agents send and read, and the status reports make (docs/contract.md, "Host agents")."""
    message = {"type": "string", "maxLength": MESSAGE_MAX}
    observed = ref("schemas", "Version") | {"description": "The instance's version the host reports on."}
    return {
        "ReportHostStatusRequest": _object(
            ["name", "observedVersion", "state"],
            {
                "name": ref("schemas", "DnsLabel"),
                "observedVersion": observed,
                "state": ref("schemas", "ReportState"),
                "message": {
                    **_nullable(message),
                    "description": "The host's own words (a failure's cause); null or absent: none.",
                },
            },
            "What the path's host runs of one instance, at which of its versions.",
        ),
        "ReportState": REPORT_STATE,
        "HostStatus": _object(
            ["state", "observedVersion", "message", "reportedAt"],
            {
                "state": ref("schemas", "ReportState"),
                "observedVersion": observed,
                "message": _nullable(message) | {"description": "The host's own words (a failure's cause)."},
                "reportedAt": TIMESTAMP,
            },
            "The host's last report on the instance.",
        ),
        "HostStatusEntry": _object(
            ["hostID", "state", "observedVersion", "message", "reportedAt"],
            {
                "hostID": ref("schemas", "HostId"),
                "state": {
                    "type": "string",
                    "enum": [*REPORT_STATES, UNKNOWN],
                    "description": f"The host's last report; {UNKNOWN} when it has not reported.",
                },
                "observedVersion": _nullable(observed),
                "message": _nullable(message),
                "reportedAt": _nullable(TIMESTAMP),
            },
            "A host of `hostIDs` as its reports leave it (all null but the state when it has not reported).",
        ),
        "InstanceStatus": _object(
            ["phase", "desired", "ready", "hosts"],
            {
                "phase": {
                    "type": "string",
                    "enum": list(get_args(Phase)),
                    "description": (
                        "Failed if a host reports Failed at the current version, else Ready when every host is "
                        "ready (no hosts: Ready), else Progressing."
                    ),
                },
                "desired": {"type": "integer", "minimum": 0, "description": "How many hosts `hostIDs` names."},
                "ready": {
                    "type": "integer",
                    "minimum": 0,
                    "description": "How many report Running at the current version.",
                },
                "hosts": {
                    "type": "array",
                    "items": ref("schemas", "HostStatusEntry"),
                    "description": "One per host of `hostIDs`, in that order.",
                },
            },
            "What the instance's hosts report running.",
        ),
        "InstanceWithStatus": _instance_and(
            instance,
            "status",
            ref("schemas", "InstanceStatus"),
            "InstanceWithStatus",
            "An instance with what its hosts report (a get's answer, a report's).",
        ),
        "HostViewItem": _instance_and(
            instance,
            "hostStatus",
            _nullable(ref("schemas", "HostStatus")),
            "HostViewItem",
            "An instance on the host, with this host's last report on it (null: none yet).",
        ),
        "HostViewPage": _page("HostViewItem"),
    }


def _schemas() -> dict[str, Any]:
    schemas = {**FIELD_RULES, **_request_schemas(), **instance_schemas(), **_envelopes()}
    schemas |= _host_schemas(schemas["Instance"])
    schemas["InstancePage"] = _page("Instance")
    schemas["DeletedInstance"] = _object(["name"], {"name": ref("schemas", "DnsLabel")})
    return {name: _with_field_rules(schema) for name, schema in sorted(schemas.items())}


# --- Error responses -----------------------------------------------------------------------


def _request_id(status: int, reason: str) -> str:
    """A request ID for an example: the same at every run, a different one per example."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"urn:instance-api:example:{status}:{reason}"))


def _from_function(operation: envelope.OperationName, error: Exception) -> dict[str, Any]:
    """An error body as our functions send it."""
    answer = answers.answer_for(error)
    return envelope.error_body(operation, answer, _request_id(answer.status, answer.reason))


def _from_api_gateway(status: int, reason: str, sentence: str) -> dict[str, Any]:
    """An error body as API Gateway sends it (template.yaml's gateway responses)."""
    data = {"error": sentence, "reason": reason, "requestId": _request_id(status, reason)}
    return {"code": status, "message": "request failed", "data": data}


def _invalid_fields() -> errors.Invalid:
    try:
        CreateInstanceRequest.model_validate({"name": "Web_1", "shareStorage": "yes"})
    except ValidationError as error:
        return details.invalid(error.errors())
    raise AssertionError("the models accept the invalid example body")


@dataclass(frozen=True)
class ErrorAnswer:
    """An error status, shared by every operation that may answer it (components/responses/<name>)."""

    name: str
    description: str
    examples: tuple[dict[str, Any], ...]  # one body per reason it may carry
    retry_after: bool = False

    @property
    def reasons(self) -> tuple[str, ...]:
        return tuple(body["data"]["reason"] for body in self.examples)

    @property
    def from_functions(self) -> bool:
        """Whether the functions answer it (API Gateway's own answers carry no Dry-Run header)."""
        return any(body["message"] != "request failed" for body in self.examples)


ERRORS: dict[int, ErrorAnswer] = {
    400: ErrorAnswer(
        "BadRequest",
        "The request is malformed (BadRequest: not UTF-8 JSON, not an object, a repeated key, a bad nextToken) "
        f"or breaks a field rule (Invalid, with at most {errors.DETAILS_MAX} details).",
        (
            _from_function("create", errors.Malformed("the request body is not valid JSON")),
            _from_function("create", _invalid_fields()),
        ),
    ),
    403: ErrorAnswer(
        "Forbidden",
        "API Gateway refused the request: not signed with SigV4, or IAM denies the caller.",
        (_from_api_gateway(403, "Forbidden", "Missing Authentication Token"),),
    ),
    404: ErrorAnswer(
        "NotFound",
        "No such instance (on a namespace's path: none in that namespace; on a host's status: none whose "
        "hostIDs hold the host).",
        (_from_function("get", errors.NotFound.instance("web-1")),),
    ),
    409: ErrorAnswer(
        "Conflict",
        "The name is taken (AlreadyExists) or the version is stale (Conflict; for a host's report: its "
        "observedVersion is above the instance's version or below the host's last report).",
        (
            _from_function("create", errors.AlreadyExists.instance("web-1")),
            _from_function("update", errors.Conflict.stale("web-1", 3, 2, reapply=True)),
        ),
        retry_after=True,
    ),
    413: ErrorAnswer(
        "PayloadTooLarge",
        "The body is over 64 KiB (over about 6 MB, Lambda's invoke limit, API Gateway answers).",
        (
            _from_function(
                "update", http_errors.PayloadTooLarge(f"the request body must be at most {MAX_BODY_BYTES} bytes")
            ),
        ),
    ),
    415: ErrorAnswer(
        "UnsupportedMediaType",
        "The body is sent without a JSON Content-Type, or with a charset other than UTF-8.",
        (_from_function("delete", http_errors.UnsupportedMediaType("Content-Type must be application/json")),),
    ),
    422: ErrorAnswer(
        "IdempotencyKeyReused",
        "The Idempotency-Key was used with another body within the hour.",
        (_from_function("create", http_errors.IdempotencyKeyReused()),),
    ),
    429: ErrorAnswer(
        "Throttled",
        "API Gateway's rate limit for the stage; retry after Retry-After seconds.",
        (_from_api_gateway(429, "Throttled", "Too Many Requests"),),
        retry_after=True,
    ),
    500: ErrorAnswer(
        "InternalError",
        "An unexpected error; the body carries only a generic sentence and the requestId.",
        (_from_function("list", errors.Fault("an example")),),
    ),
    502: ErrorAnswer(
        "BadGateway",
        "A function crashed or timed out (answered by API Gateway).",
        (_from_api_gateway(502, "InternalError", "Internal server error"),),
    ),
    503: ErrorAnswer(
        "Unavailable",
        "DynamoDB throttled or failed after retries; retry after Retry-After seconds.",
        (_from_function("delete", errors.Unavailable("an example")),),
        retry_after=True,
    ),
    504: ErrorAnswer(
        "GatewayTimeout",
        "API Gateway's integration timeout passed; retry after Retry-After seconds.",
        (_from_api_gateway(504, "Unavailable", "Endpoint request timed out"),),
        retry_after=True,
    ),
}
# Statuses every operation may answer (validation, auth, throttling, failures), then each one's own.
COMMON = (400, 403, 429, 500, 502, 503, 504)
WITH_BODY = (413, 415)


def _error_example(body: dict[str, Any]) -> dict[str, Any]:
    """An example body, saying whose answer it is: its `message` names that operation (each
    operation's description says its own), or is API Gateway's."""
    answerer = "API Gateway" if body["message"] == "request failed" else body["message"].split()[0]
    return {"summary": f"{body['data']['reason']}, as {answerer} answers it", "value": body}


def _error_response(answer: ErrorAnswer) -> dict[str, Any]:
    examples = {body["data"]["reason"]: _error_example(body) for body in answer.examples}
    response: dict[str, Any] = {
        "description": answer.description,
        "content": {"application/json": {"schema": ref("schemas", "ErrorResponse"), "examples": examples}},
    }
    headers = {
        **({"Retry-After": ref("headers", "RetryAfter")} if answer.retry_after else {}),
        **(DRY_RUN_HEADERS if answer.from_functions else {}),
    }
    return response | ({"headers": headers} if headers else {})


# --- Parameters ----------------------------------------------------------------------------

# What an answer to a write sent with ?dryRun=true carries (its 200 and the functions' errors).
DRY_RUN_HEADERS = {name: ref("headers", "DryRun") for name in DRY_RUN_HEADER}


def _query(name: str, schema: dict[str, Any], description: str, example: Any) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
        "example": example,
    }


PARAMETERS: dict[str, dict[str, Any]] = {
    "NamespacePath": {
        "name": "namespace",
        "in": "path",
        "required": True,
        "description": (
            "The namespace every operation on this path is confined to: IAM grants a caller this path for "
            "one namespace (SECURITY.md). An instance in another namespace answers 404, as if absent."
        ),
        "schema": ref("schemas", "DnsLabel"),
        "example": "team-a",
    },
    "HostIdPath": {
        "name": "hostID",
        "in": "path",
        "required": True,
        "description": (
            "The host whose view this is, or which reports: IAM grants a host agent this path for its own host, "
            "the `instance-host` tag of its role (SECURITY.md)."
        ),
        "schema": ref("schemas", "HostId"),
        "example": "host-a",
    },
    "NameQuery": _query(
        "name",
        ref("schemas", "DnsLabel"),
        "The instance: a get of this one instance (with no other parameter), or the one to delete instead "
        "of the body's `name`.",
        "web-1",
    ),
    "NamespaceQuery": _query("namespace", ref("schemas", "DnsLabel"), "List this namespace only.", "team-a"),
    "HostIdQuery": _query(
        "hostID",
        ref("schemas", "HostId"),
        "List what should run on this host (in the namespace, if one is given).",
        "host-a",
    ),
    "Limit": _query(
        "limit",
        {"type": "integer", "minimum": 1, "maximum": http_query.LIST_LIMIT_MAX},
        f"Page size (default {http_query.LIST_LIMIT_DEFAULT}); a page may hold fewer.",
        50,
    ),
    "NextToken": _query(
        "nextToken",
        {"type": "string", "minLength": 1, "maxLength": http_query.NEXT_TOKEN_MAX},
        "From the previous page of the same listing.",
        "v1.eyJzIjpudWxsLCJrIjp7Im5hbWUiOiJ3ZWItMSJ9fQ.signature",
    ),
    "LabelSelector": _query(
        selectors.FIELD,
        {"type": "string", "maxLength": selectors.SELECTOR_MAX_LENGTH},
        "List only the instances whose labels match: comma-separated requirements, all of which must hold: "
        "`key=value` (or `==`), `key!=value`, `key`, `!key`, `key in (a,b)`, `key notin (a,b)`, as Kubernetes "
        f"reads them (at most {selectors.REQUIREMENTS_MAX} requirements, {selectors.VALUES_MAX} values). A page "
        "reads a bounded stretch of the list, so it may hold fewer than `limit` items, even none, with a "
        "`nextToken` that goes on; the token holds for this selector only.",
        "tier=web,env in (prod,staging)",
    ),
    "DryRun": _query(
        http_query.DRY_RUN,
        {"type": "boolean", "default": False},
        "`true`: run every check this write runs (fields, existence, version, namespace, Idempotency-Key) and "
        "answer what it would answer, with `Dry-Run: true`, but store, publish and record nothing. Only `true` "
        "or `false`.",
        True,
    ),
    "IfNoneMatch": {
        "name": "If-None-Match",
        "in": "header",
        "required": False,
        "description": (
            "The `ETag` of this page as last read: while it still holds, the answer is 304 with no body. One or "
            "more entity tags, comma-separated (any one that holds will do; `W/` is ignored), or `*` (always holds)."
        ),
        "schema": {"type": "string", "minLength": 1, "maxLength": http_headers.IF_NONE_MATCH_MAX},
        "example": '"9f2c1e4b7a0d3c5e8f1a2b3c4d5e6f70"',
    },
    "IdempotencyKey": {
        "name": http_headers.IDEMPOTENCY_KEY_HEADER,
        "in": "header",
        "required": False,
        "description": "Makes retries of this create safe for an hour (per caller).",
        "schema": {"type": "string", "minLength": 1, "maxLength": http_headers.IDEMPOTENCY_KEY_MAX},
    },
}
# The parameter of each `{name}` in a path.
PATH_PARAMETERS = {"namespace": "NamespacePath", "hostID": "HostIdPath"}


def _parameters(*names: str) -> dict[str, Any]:
    return {"parameters": [ref("parameters", name) for name in names]} if names else {}


# --- Operations ----------------------------------------------------------------------------

# The create example is the seed note's own body.
SEED_CREATE = json.loads((ROOT / "events" / "seed" / "create.json").read_text(encoding="utf-8"))
EXAMPLE_TIME = "2026-01-05T09:30:00.000Z"
NAME_FROM_RESPONSE = "$response.body#/data/name"


@dataclass(frozen=True)
class Scope:
    """An instance path: the seed's, across every namespace, or one namespace's own."""

    namespaced: bool

    @property
    def tag(self) -> str:
        return self.said("Instances", "Namespaced instances")

    def operation_id(self, verb: str, noun: str = "Instance") -> str:
        return f"{verb}{'Namespaced' if self.namespaced else ''}{noun}"

    def link(self, verb: str, noun: str = "Instance", **parameters: str) -> dict[str, Any]:
        """A link to this path's `verb` operation; on a namespace's path, in the same namespace."""
        if self.namespaced:
            parameters = {"path.namespace": "$request.path.namespace", **parameters}
        link: dict[str, Any] = {"operationId": self.operation_id(verb, noun)}
        return link | ({"parameters": parameters} if parameters else {})

    def said[T](self, seed: T, namespaced: T) -> T:
        """What this path says: the seed's words, or the namespaced path's."""
        return namespaced if self.namespaced else seed

    def instance(self, **fields: Any) -> dict[str, Any]:
        """An instance as an example answer shows it, in this path's example namespace."""
        instance = {
            "name": "web-1",
            "namespace": self.said("default", PARAMETERS["NamespacePath"]["example"]),
            "spec": {"image": "registry.example.com/team/web:1.4.2"},
            "shareStorage": False,
            "hostIDs": ["host-a"],
            "labels": {},
            "version": 1,
            "createdAt": EXAMPLE_TIME,
            "updatedAt": EXAMPLE_TIME,
        }
        return instance | fields


SEED, NAMESPACED = Scope(namespaced=False), Scope(namespaced=True)
HOST_AGENTS = "Host agents"
TAGS = [
    {"name": SEED.tag, "description": "Instances of every namespace: for administrators (SECURITY.md)."},
    {"name": NAMESPACED.tag, "description": "One namespace's instances: the scope IAM grants a team (SECURITY.md)."},
    {"name": HOST_AGENTS, "description": "A host's view and reports: the scope IAM grants a host agent (SECURITY.md)."},
]


def _messages(*operations: str) -> str:
    """What an operation's answers say in `message` (the envelopes share a pattern)."""
    succeed = " or ".join(f"`{operation} succeed`" for operation in operations)
    failed = " or ".join(f"`{operation} failed`" for operation in operations)
    return f" Its answers' `message`: {succeed}, else {failed} (`request failed` when API Gateway answers)."


def _body(schema: str, example: dict[str, Any], required: bool = True) -> dict[str, Any]:
    return {
        "requestBody": {
            "required": required,
            "content": {"application/json": {"schema": ref("schemas", schema), "example": example}},
        }
    }


def _responses(
    success: dict[str, Any],
    statuses: tuple[int, ...],
    links: dict[str, Any] | None = None,
    headers: dict[str, Any] | None = None,
    not_modified: bool = False,
) -> dict[str, Any]:
    """The 200 (its schema, examples, headers and links are the operation's), the shared 304 of a
    conditional read, then each error status's shared response."""
    ok = {"description": "Succeeded.", **({"headers": headers} if headers else {})}
    ok |= {"content": {"application/json": success}} | ({"links": links} if links else {})
    unchanged = {"304": ref("responses", "NotModified")} if not_modified else {}
    errors_answered = {str(status): ref("responses", ERRORS[status].name) for status in sorted(statuses)}
    return {"responses": {"200": ok, **unchanged, **errors_answered}}


def _answer(schema: str, operation: envelope.OperationName, data: Any) -> dict[str, Any]:
    """A success envelope's schema and its example answer."""
    return {"schema": ref("schemas", schema), "example": envelope.success_body(operation, data)}


DRY_RUN = (
    " With `?dryRun=true` every check runs and the answer is the one the write would get (a create's "
    "`version` and `createdAt` as they would be; without `name` a generated one, which a real create "
    "without `Idempotency-Key` would not reuse), with a `Dry-Run: true` header: nothing is stored, published "
    "or recorded."
)


def _create(scope: Scope) -> dict[str, Any]:
    body = scope.said(SEED_CREATE, _without_namespace(SEED_CREATE))
    return {
        "tags": [scope.tag],
        "operationId": scope.operation_id("create"),
        "summary": scope.said("Create an instance", "Create an instance in the namespace"),
        "description": (
            scope.said(
                "Stores a new instance; without `name` the server generates one. ",
                "Stores a new instance in the path's namespace; a body `namespace` must be the same (else 400). "
                "Without `name` the server generates one. Names are unique across namespaces. ",
            )
            + "An existing name is 409 AlreadyExists"
            + scope.said(". ", ", naming no namespace. ")
            + "With `Idempotency-Key`, a retry with the same body within an hour gets the "
            "first answer (200), another body 422, a retry while the first runs 409 Conflict."
            + DRY_RUN
            + _messages("create")
        ),
        **_parameters("IdempotencyKey", "DryRun"),
        **_body("CreateInstanceRequest", body),
        **_responses(
            _answer("InstanceResponse", "create", scope.instance(**body)),
            (*COMMON, *WITH_BODY, 409, 422),
            links={
                "GetCreated": scope.link("get", "Instances", **{"query.name": NAME_FROM_RESPONSE}),
                "UpdateCreated": {
                    **scope.link("update"),
                    "requestBody": {
                        "name": NAME_FROM_RESPONSE,
                        "version": "$response.body#/data/version",
                        "hostIDs": ["host-linked"],
                    },
                },
                "DeleteCreated": scope.link("delete", **{"query.name": NAME_FROM_RESPONSE}),
            },
            headers=DRY_RUN_HEADERS,
        ),
    }


def _without_namespace(body: dict[str, Any]) -> dict[str, Any]:
    """A namespaced path's example: the path names the namespace, so the body need not."""
    return {key: value for key, value in body.items() if key != "namespace"}


def _update(scope: Scope) -> dict[str, Any]:
    change = {
        "name": "test",
        "spec": {"image": "registry.example.com/team/web:1.4.2"},
        "labels": {"app": "web", "example.com/tier": "front"},
        "version": 1,
    }
    updated = scope.instance(**change | {"version": 2, "updatedAt": "2026-01-05T10:00:00.000Z"})
    return {
        "tags": [scope.tag],
        "operationId": scope.operation_id("update"),
        "summary": scope.said("Update an instance", "Update an instance in the namespace"),
        "description": (
            "Replaces the fields sent (`spec` as a whole) and increments `version`, in one conditional "
            "write: 404 if absent"
            + scope.said(
                ", 409 Conflict if `version` was sent and is stale, 400 for another namespace.",
                " or in another namespace (which is left untouched), 409 Conflict if `version` was sent "
                "and is stale; a body `namespace` other than the path's is 400.",
            )
            + DRY_RUN
            + _messages("update")
        ),
        **_parameters("DryRun"),
        **_body("UpdateInstanceRequest", change),
        **_responses(
            _answer("InstanceResponse", "update", updated),
            (*COMMON, *WITH_BODY, 404, 409),
            links={
                "GetUpdated": scope.link("get", "Instances", **{"query.name": NAME_FROM_RESPONSE}),
                "DeleteUpdated": scope.link("delete", **{"query.name": NAME_FROM_RESPONSE}),
            },
            headers=DRY_RUN_HEADERS,
        ),
    }


HOST_QUERY = (
    " With `hostID`: the instances whose `hostIDs` hold it, sorted by name, from an index kept from the "
    "table's change stream (eventually consistent: a write shows within seconds; on `make run` within 2 s)."
    " With `labelSelector`: only the instances whose labels match it."
)


REPORTED_AT = "2026-01-05T09:31:00.000Z"


def _with_status(instance: dict[str, Any]) -> dict[str, Any]:
    """An example instance as a get (or a report) answers it: its one host runs it."""
    host = {"state": "Running", "observedVersion": instance["version"], "message": None, "reportedAt": REPORTED_AT}
    hosts = [{"hostID": host_id, **host} for host_id in instance["hostIDs"]]
    status = {"phase": "Ready", "desired": len(hosts), "ready": len(hosts), "hosts": hosts}
    return instance | {"status": status}


STATUS = (
    ", with its `status`: one entry per host of `hostIDs` (its last report, or `Unknown`), how many are "
    "ready (Running at the current version) and the phase."
)


def _get_answers(scope: Scope) -> dict[str, Any]:
    """GET answers one instance (by name, with its status) or a page: two envelopes, an example of each."""
    page = {"items": [scope.instance()], "nextToken": None}
    got = _with_status(scope.instance())
    return {
        "schema": {"oneOf": [ref("schemas", "InstanceWithStatusResponse"), ref("schemas", "InstancePageResponse")]},
        "examples": {
            "get": {"summary": "With name: the instance, with its status", "value": envelope.success_body("get", got)},
            "list": {"summary": "Without name: a page (the last)", "value": envelope.success_body("list", page)},
        },
    }


def _get(scope: Scope) -> dict[str, Any]:
    return {
        "tags": [scope.tag],
        "operationId": scope.operation_id("get", "Instances"),
        "summary": scope.said(
            "Get one instance by name, or list a page (of all, a namespace or a host)",
            "Get one instance, or list the namespace (or what of it runs on a host)",
        ),
        "description": scope.said(
            "With `name`: that instance (a strongly consistent read)" + STATUS + " Without: a page of the list, "
            "sorted by name within a `namespace`; pass `nextToken` back for the next page." + HOST_QUERY,
            "With `name`: that instance if it is in the path's namespace (a strongly consistent read), else "
            "404" + STATUS + " Without: a page of the namespace's instances, sorted by name; pass `nextToken` "
            "back for the next page. A `namespace` query parameter is 400: the path names it." + HOST_QUERY,
        )
        + _messages("get", "list"),
        **_parameters(
            "NameQuery", *scope.said(["NamespaceQuery"], []), "HostIdQuery", "LabelSelector", "Limit", "NextToken"
        ),
        **_responses(_get_answers(scope), (*COMMON, *WITH_BODY, 404)),
    }


def _delete(scope: Scope) -> dict[str, Any]:
    return {
        "tags": [scope.tag],
        "operationId": scope.operation_id("delete"),
        "summary": scope.said("Delete an instance", "Delete an instance in the namespace"),
        "description": (
            "Names the instance in the body (with an optional `version`) or as `?name=`. 404 if absent"
            + scope.said("", " or in another namespace (nothing is deleted)")
            + ", 409 Conflict if `version` was sent and is stale."
            + DRY_RUN
            + _messages("delete")
        ),
        **_parameters("NameQuery", "DryRun"),
        **_body("DeleteInstanceRequest", {"name": "test"}, required=False),
        **_responses(
            _answer("DeletedInstanceResponse", "delete", {"name": "test"}),
            (*COMMON, *WITH_BODY, 404, 409),
            headers=DRY_RUN_HEADERS,
        ),
    }


def _host_view() -> dict[str, Any]:
    item = SEED.instance(namespace="team-a") | {
        "hostStatus": {"state": "Running", "observedVersion": 1, "message": None, "reportedAt": REPORTED_AT}
    }
    return {
        "tags": [HOST_AGENTS],
        "operationId": "getHostView",
        "summary": "The host's view: what should run on it, and what it last reported of each",
        "description": (
            "A page of the instances whose `hostIDs` hold the path's host, across namespaces, sorted by name "
            "(an empty page for a host nothing runs on), each with `hostStatus`, this host's last report on it "
            "(null: none yet); pass `nextToken` back for the next page. It reads the host index, like the host "
            "query (a write shows within seconds). Every 200 carries an `ETag`, the page's, which changes "
            "whenever anything in the host's view changes; sent back as `If-None-Match`, it makes the answer a "
            "304 with no body while it holds, at the cost of one small read." + _messages("list")
        ),
        **_parameters("IfNoneMatch", "LabelSelector", "Limit", "NextToken"),
        **_responses(
            _answer("HostViewPageResponse", "view", {"items": [item], "nextToken": None}),
            (*COMMON, *WITH_BODY),
            headers={"ETag": ref("headers", "ETag")},
            not_modified=True,
        ),
    }


def _report_host_status() -> dict[str, Any]:
    report = {"name": "web-1", "observedVersion": 1, "state": "Running"}
    return {
        "tags": [HOST_AGENTS],
        "operationId": "reportHostStatus",
        "summary": "Report what the host runs of an instance",
        "description": (
            "Records the path's host's `state` at `observedVersion` of the instance `name` (the last report "
            "of a host on an instance wins) and answers the instance with its `status`. 404 if there is no "
            "such instance or its `hostIDs` do not hold the host; 409 Conflict if `observedVersion` is above the "
            "instance's `version`, or below the one this host last reported on it (a late report never "
            "overwrites a newer one). A report never changes the instance's `version`, `updatedAt` or spec."
            + _messages("report")
        ),
        **_body("ReportHostStatusRequest", report),
        **_responses(
            _answer("InstanceWithStatusResponse", "report", _with_status(SEED.instance(namespace="team-a"))),
            (*COMMON, *WITH_BODY, 404, 409),
        ),
    }


# Each routed (path, method), and its description.
OPERATIONS: dict[tuple[str, str], Callable[[], dict[str, Any]]] = {
    **{
        (path, method): partial(builder, scope)
        for path, scope in ((INSTANCE_PATH, SEED), (NAMESPACED_INSTANCE_PATH, NAMESPACED))
        for method, builder in (("POST", _create), ("PUT", _update), ("GET", _get), ("DELETE", _delete))
    },
    (HOST_VIEW_PATH, "GET"): _host_view,
    (HOST_STATUS_PATH, "PUT"): _report_host_status,
}


def _paths(template: Template) -> dict[str, dict[str, Any]]:
    paths: dict[str, dict[str, Any]] = {}
    for route in template.routes():
        if route.method == "ANY":
            continue  # the route fallback: the 404 and 405 described in info
        describe = OPERATIONS.get((route.path, route.method))
        if describe is None:
            raise ValueError(f"template route {route.method} {route.path} has no operation description here")
        if route.path not in paths:
            paths[route.path] = _parameters(*(PATH_PARAMETERS[name] for name in re.findall(r"{(\w+)}", route.path)))
        paths[route.path][route.method.lower()] = describe()
    return paths


# --- The document --------------------------------------------------------------------------


def _servers(template: Template) -> list[dict[str, Any]]:
    return [
        {"url": "http://127.0.0.1:3000", "description": "make run"},
        {
            "url": "https://{apiId}.execute-api.{region}.amazonaws.com/{stage}",
            "description": "A deployed stack (its ApiBaseUrl output)",
            "variables": {
                "apiId": {"default": "abc123"},
                "region": {"default": "eu-west-1"},
                "stage": {"default": template.stage_name()},
            },
        },
    ]


def _components() -> dict[str, Any]:
    return {
        "schemas": _schemas(),
        "responses": {
            "NotModified": {
                "description": "The `If-None-Match` tag still holds: nothing in the view changed. No body.",
                "headers": {"ETag": ref("headers", "ETag")},
            },
            **{answer.name: _error_response(answer) for answer in ERRORS.values()},
        },
        "parameters": PARAMETERS,
        "headers": {
            "ETag": {
                "description": "The page's entity tag (strong, quoted): send it back as `If-None-Match`.",
                "schema": {"type": "string", "pattern": '^"[!#-~]*"$'},
            },
            "RetryAfter": {
                "description": "Seconds to wait before retrying.",
                "schema": {"type": "integer", "minimum": 0, "example": answers.RETRY_AFTER_SECONDS},
            },
            "DryRun": {
                "description": "On every answer to a write sent with `?dryRun=true`: nothing was stored.",
                "schema": {"type": "string", "const": "true"},
            },
        },
        "securitySchemes": {
            "sigv4": {
                "type": "apiKey",
                "in": "header",
                "name": "Authorization",
                "description": (
                    "AWS Signature Version 4 for the service `execute-api`, by an IAM principal allowed "
                    "`execute-api:Invoke` (the local API ignores it)."
                ),
                "x-amazon-apigateway-authtype": "awsSigv4",
            }
        },
    }


def build(template: Template | None = None) -> dict[str, Any]:
    template = template or Template.load()
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Instance API",
            "version": "1",
            "description": (
                "A control-plane API for instances: a workload that runs a container image on a set of hosts, "
                "in a namespace. Every body, success or error, is the envelope `{code, message, data}`, "
                "`code` equal to the HTTP status. `/api/v1/namespaces/{namespace}/instance` serves the same "
                "operations confined to one namespace, the scope IAM grants a team; `/api/v1/instance` spans "
                "every namespace, for administrators (SECURITY.md). `/api/v1/hosts/{hostID}/...` are a host "
                "agent's: its host's view and its reports. Any other method on these paths answers 405 (`Allow` "
                "lists the methods) and any other path 404, both with `message: request failed`. A 304 is the one "
                "answer without a body. "
                "Generated from template.yaml and the layer's models by `make openapi`; do not edit by hand."
            ),
        },
        "servers": _servers(template),
        "security": [{"sigv4": []}],
        "tags": TAGS,
        "paths": _paths(template),
        "components": _components(),
    }


class _NoAliases(yaml.SafeDumper):
    """Writes a schema used in several places out in full each time: no &anchors, no *aliases."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def render(document: dict[str, Any]) -> str:
    header = "# Generated by `make openapi` from template.yaml and layers/common; do not edit by hand.\n"
    return header + yaml.dump(document, Dumper=_NoAliases, sort_keys=False, allow_unicode=True, width=100)


def main(path: Path = OPENAPI_PATH) -> None:
    path.write_text(render(build()), encoding="utf-8")
    print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
