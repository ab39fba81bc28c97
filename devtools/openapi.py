"""Generate openapi.yaml from template.yaml's routes and the layer's models (`make openapi`).

One source of truth each: the operations are the template's routes with an explicit method
(the route fallback's ANY routes are the 404/405 described in `info`), each method's builder
describing it on the seed's path or on a namespace's (`Scope`); request and response
schemas come from the pydantic models and the Instance type; query parameters and headers
from http_query and http_headers; statuses and reasons from the errors the functions and API Gateway
answer with. tests/unit/test_openapi.py fails when the committed file is stale.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import TypeAdapter
from pydantic.json_schema import models_json_schema

from devtools.template import ROOT, Template

# The layer is not an installed package: put it on the path, as Lambda's /opt/python is.
sys.path.insert(0, str(ROOT / "layers" / "common"))

from instance_api import errors, http_headers, http_query
from instance_api.domain import Instance
from instance_api.models import (
    DNS_LABEL_SCHEMA,
    HOST_ID_SCHEMA,
    CreateInstanceRequest,
    DeleteInstanceRequest,
    UpdateInstanceRequest,
)
from instance_api.routes import INSTANCE_PATH, NAMESPACED_INSTANCE_PATH

OPENAPI_PATH = ROOT / "openapi.yaml"
SCHEMAS = "#/components/schemas/"

# What answers each status: its reasons, and whether API Gateway itself may produce it.
STATUSES: dict[int, tuple[str, tuple[str, ...]]] = {
    400: (
        "The request is malformed (BadRequest: not UTF-8 JSON, not an object, a repeated key, a bad nextToken) "
        "or breaks a field rule (Invalid, with at most 20 details).",
        ("BadRequest", "Invalid"),
    ),
    403: ("API Gateway refused the request: not signed with SigV4, or IAM denies the caller.", ("Forbidden",)),
    404: ("No such instance (on a namespace's path: none in that namespace).", ("NotFound",)),
    409: ("The name is taken (AlreadyExists) or the version is stale (Conflict).", ("AlreadyExists", "Conflict")),
    413: (
        "The body is over 64 KiB (over about 6 MB, Lambda's invoke limit, API Gateway answers).",
        ("PayloadTooLarge",),
    ),
    415: (
        "The body is sent without a JSON Content-Type, or with a charset other than UTF-8.",
        ("UnsupportedMediaType",),
    ),
    422: ("The Idempotency-Key was used with another body within the hour.", ("Invalid",)),
    429: ("API Gateway's rate limit for the stage; retry after Retry-After seconds.", ("Throttled",)),
    500: ("An unexpected error; the body carries only a generic sentence and the requestId.", ("InternalError",)),
    502: ("A function crashed or timed out (answered by API Gateway).", ("InternalError",)),
    503: ("DynamoDB throttled or failed after retries; retry after Retry-After seconds.", ("Unavailable",)),
    504: ("API Gateway's integration timeout passed; retry after Retry-After seconds.", ("Unavailable",)),
}
RETRY_AFTER = (409, 429, 503, 504)
# Statuses every operation may answer (validation, auth, throttling, failures), then each one's own.
COMMON = (400, 403, 429, 500, 502, 503, 504)
WITH_BODY = (413, 415)

# The create example is the seed note's own body.
SEED_CREATE = json.loads((ROOT / "events" / "seed" / "create.json").read_text(encoding="utf-8"))


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
    schemas["UpdateInstanceRequest"]["anyOf"] = [
        {"required": ["spec"]},
        {"required": ["shareStorage"]},
        {"required": ["hostIDs"]},
    ]
    return schemas


def instance_schemas(refs: str = SCHEMAS) -> dict[str, Any]:
    """The Instance (and InstanceSpec) as responses and change events carry them; `refs` is
    where the schemas are (the OpenAPI document's components, or a JSON Schema's $defs)."""
    schemas: dict[str, Any] = {}
    instance = TypeAdapter(Instance).json_schema(ref_template=refs + "{model}", mode="serialization")
    for definition_name, definition in instance.pop("$defs", {}).items():
        schemas.setdefault(definition_name, definition)
    instance["additionalProperties"] = False
    for timestamp in ("createdAt", "updatedAt"):
        instance["properties"][timestamp] = {
            "type": "string",
            "format": "date-time",
            "description": "RFC 3339 UTC with milliseconds.",
        }
    instance["properties"]["version"] |= {"minimum": 1}
    schemas["Instance"] = instance
    schemas["InstanceSpec"]["additionalProperties"] = False
    return schemas


def _schemas() -> dict[str, Any]:
    schemas = {**_request_schemas(), **instance_schemas()}
    schemas["InstancePage"] = {
        "type": "object",
        "additionalProperties": False,
        "required": ["items", "nextToken"],
        "properties": {
            "items": {"type": "array", "items": {"$ref": SCHEMAS + "Instance"}},
            "nextToken": {
                "type": ["string", "null"],
                "description": "Opaque and signed; pass it back for the next page. null: the last page.",
            },
        },
    }
    schemas["DeletedInstance"] = {
        "type": "object",
        "additionalProperties": False,
        "required": ["name"],
        "properties": {"name": DNS_LABEL_SCHEMA},
    }
    schemas["FieldError"] = {
        "type": "object",
        "additionalProperties": False,
        "required": ["field", "message"],
        "properties": {
            "field": {"type": "string", "description": 'A dotted path (hostIDs[2]); "" for the body as a whole.'},
            "message": {"type": "string"},
        },
    }
    return schemas


def _success(operations: tuple[str, ...], data: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["code", "message", "data"],
        "properties": {
            "code": {"type": "integer", "enum": [200]},
            "message": {"type": "string", "enum": [f"{operation} succeed" for operation in operations]},
            "data": data,
        },
    }


def _failure(operations: tuple[str, ...], status: int) -> dict[str, Any]:
    _, reasons = STATUSES[status]
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["code", "message", "data"],
        "properties": {
            "code": {"type": "integer", "enum": [status]},
            "message": {
                "type": "string",
                "enum": [*(f"{operation} failed" for operation in operations), "request failed"],
            },
            "data": {
                "type": "object",
                "additionalProperties": False,
                "required": ["error", "reason", "requestId"],
                "properties": {
                    "error": {"type": "string", "description": "One human sentence."},
                    "reason": {"type": "string", "enum": list(reasons)},
                    "requestId": {"type": "string", "description": "Also in the logs: quote it when reporting."},
                    "details": {"type": "array", "items": {"$ref": SCHEMAS + "FieldError"}},
                },
            },
        },
    }


def _responses(
    operations: tuple[str, ...], statuses: tuple[int, ...], data: dict[str, Any], links: dict[str, Any] | None = None
) -> dict[str, Any]:
    success: dict[str, Any] = {
        "description": "Succeeded.",
        "content": {"application/json": {"schema": _success(operations, data)}},
    }
    if links:
        success["links"] = links
    responses = {"200": success}
    for status in sorted(statuses):
        description, _ = STATUSES[status]
        response: dict[str, Any] = {
            "description": description,
            "content": {"application/json": {"schema": _failure(operations, status)}},
        }
        if status in RETRY_AFTER:
            response["headers"] = {"Retry-After": {"$ref": "#/components/headers/RetryAfter"}}
        responses[str(status)] = response
    return responses


def _query(name: str, schema: dict[str, Any], description: str, example: Any) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
        "example": example,
    }


def _body(schema: str, example: dict[str, Any], required: bool = True) -> dict[str, Any]:
    return {
        "required": required,
        "content": {"application/json": {"schema": {"$ref": SCHEMAS + schema}, "example": example}},
    }


INSTANCE = {"$ref": SCHEMAS + "Instance"}
NAME_FROM_RESPONSE = "$response.body#/data/name"
NAMESPACE_PARAMETER = {
    "name": "namespace",
    "in": "path",
    "required": True,
    "description": (
        "The namespace every operation on this path is confined to: IAM grants a caller this path for "
        "one namespace (SECURITY.md). An instance in another namespace answers 404, as if absent."
    ),
    "schema": DNS_LABEL_SCHEMA,
    "example": "team-a",
}


@dataclass(frozen=True)
class Scope:
    """An instance path: the seed's, across every namespace, or one namespace's own."""

    namespaced: bool

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


SEED, NAMESPACED = Scope(namespaced=False), Scope(namespaced=True)
SCOPES = {INSTANCE_PATH: SEED, NAMESPACED_INSTANCE_PATH: NAMESPACED}


def _create(scope: Scope) -> dict[str, Any]:
    return {
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
        ),
        "parameters": [
            {
                "name": http_headers.IDEMPOTENCY_KEY_HEADER,
                "in": "header",
                "required": False,
                "description": "Makes retries of this create safe for an hour (per caller).",
                "schema": {"type": "string", "minLength": 1, "maxLength": http_headers.IDEMPOTENCY_KEY_MAX},
            }
        ],
        "requestBody": _body("CreateInstanceRequest", scope.said(SEED_CREATE, _without_namespace(SEED_CREATE))),
        "responses": _responses(
            ("create",),
            (*COMMON, *WITH_BODY, 409, 422),
            INSTANCE,
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
        ),
    }


def _without_namespace(body: dict[str, Any]) -> dict[str, Any]:
    """A namespaced path's example: the path names the namespace, so the body need not."""
    return {key: value for key, value in body.items() if key != "namespace"}


def _update(scope: Scope) -> dict[str, Any]:
    return {
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
        ),
        "requestBody": _body(
            "UpdateInstanceRequest",
            {"name": "test", "spec": {"image": "registry.example.com/team/web:1.4.2"}, "version": 1},
        ),
        "responses": _responses(
            ("update",),
            (*COMMON, *WITH_BODY, 404, 409),
            INSTANCE,
            links={
                "GetUpdated": scope.link("get", "Instances", **{"query.name": NAME_FROM_RESPONSE}),
                "DeleteUpdated": scope.link("delete", **{"query.name": NAME_FROM_RESPONSE}),
            },
        ),
    }


HOST_QUERY = (
    " With `hostID`: the instances whose `hostIDs` hold it, sorted by name, from an index kept from the "
    "table's change stream (eventually consistent: a write shows within seconds; on `make run` within 2 s)."
)


def _get(scope: Scope) -> dict[str, Any]:
    namespace_query = _query("namespace", DNS_LABEL_SCHEMA, "List this namespace only.", "team-a")
    return {
        "operationId": scope.operation_id("get", "Instances"),
        "summary": scope.said(
            "Get one instance by name, or list a page (of all, a namespace or a host)",
            "Get one instance, or list the namespace (or what of it runs on a host)",
        ),
        "description": scope.said(
            "With `name`: that instance (a strongly consistent read). Without: a page of the list, sorted "
            "by name within a `namespace`; pass `nextToken` back for the next page." + HOST_QUERY,
            "With `name`: that instance if it is in the path's namespace (a strongly consistent read), else "
            "404. Without: a page of the namespace's instances, sorted by name; pass `nextToken` back for "
            "the next page. A `namespace` query parameter is 400: the path names it." + HOST_QUERY,
        ),
        "parameters": [
            _query("name", DNS_LABEL_SCHEMA, "Get this instance (takes no other parameter).", "web-1"),
            *scope.said([namespace_query], []),
            _query(
                "hostID",
                HOST_ID_SCHEMA | {"description": "A host ID, as in an instance's `hostIDs`."},
                "List what should run on this host (in the namespace, if one is given).",
                "host-a",
            ),
            _query(
                "limit",
                {"type": "integer", "minimum": 1, "maximum": http_query.LIST_LIMIT_MAX},
                f"Page size (default {http_query.LIST_LIMIT_DEFAULT}); a page may hold fewer.",
                50,
            ),
            _query(
                "nextToken",
                {"type": "string", "minLength": 1, "maxLength": http_query.NEXT_TOKEN_MAX},
                "From the previous page of the same listing.",
                "v1.eyJzIjpudWxsLCJrIjp7Im5hbWUiOiJ3ZWItMSJ9fQ.signature",
            ),
        ],
        "responses": _responses(
            ("get", "list"),
            (*COMMON, *WITH_BODY, 404),
            {"anyOf": [INSTANCE, {"$ref": SCHEMAS + "InstancePage"}]},
        ),
    }


def _delete(scope: Scope) -> dict[str, Any]:
    return {
        "operationId": scope.operation_id("delete"),
        "summary": scope.said("Delete an instance", "Delete an instance in the namespace"),
        "description": (
            "Names the instance in the body (with an optional `version`) or as `?name=`. 404 if absent"
            + scope.said("", " or in another namespace (nothing is deleted)")
            + ", 409 Conflict if `version` was sent and is stale."
        ),
        "parameters": [_query("name", DNS_LABEL_SCHEMA, "The instance, instead of the body.", "web-1")],
        "requestBody": _body("DeleteInstanceRequest", {"name": "test"}, required=False),
        "responses": _responses(("delete",), (*COMMON, *WITH_BODY, 404, 409), {"$ref": SCHEMAS + "DeletedInstance"}),
    }


# Each routed method on an instance path, and the builder of its description for that path.
OPERATIONS: dict[str, Callable[[Scope], dict[str, Any]]] = {
    "POST": _create,
    "PUT": _update,
    "GET": _get,
    "DELETE": _delete,
}


def _paths(template: Template) -> dict[str, dict[str, Any]]:
    paths: dict[str, dict[str, Any]] = {}
    for route in template.routes():
        if route.method == "ANY":
            continue  # the route fallback: the 404 and 405 described in info
        scope = SCOPES.get(route.path)
        if scope is None or route.method not in OPERATIONS:
            raise ValueError(f"template route {route.method} {route.path} has no operation description here")
        item = paths.setdefault(route.path, {"parameters": [NAMESPACE_PARAMETER]} if scope.namespaced else {})
        item[route.method.lower()] = OPERATIONS[route.method](scope)
    return paths


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
        "schemas": dict(sorted(_schemas().items())),
        "headers": {
            "RetryAfter": {
                "description": "Seconds to wait before retrying.",
                "schema": {"type": "integer", "minimum": 0, "example": errors.RETRY_AFTER_SECONDS},
            }
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
                "every namespace, for administrators (SECURITY.md). Any other method on an instance path "
                "answers 405 (`Allow` lists the methods) and any other path 404, both with "
                "`message: request failed`. "
                "Generated from template.yaml and the layer's models by `make openapi`; do not edit by hand."
            ),
        },
        "servers": _servers(template),
        "security": [{"sigv4": []}],
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
    from devtools import event_schema

    path.write_text(render(build()), encoding="utf-8")
    print(f"wrote {path.relative_to(ROOT)}")
    event_schema.main()


if __name__ == "__main__":
    main()
