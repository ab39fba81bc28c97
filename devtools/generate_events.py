"""Regenerate events/*.json from `sam local generate-event apigateway aws-proxy` (`make events`),
and events/stream.json, a batch of stream records recorded from the store (devtools.stream_events).

One event per operation on each instance path: the seed's `/api/v1/instance` and a
namespace's `/api/v1/namespaces/{namespace}/instance` (`namespaced-*.json`), an update
sent with `?dryRun=true` (`dry-run-update.json`), and a host agent's two requests on host-a
(`host-view.json`, `host-status.json`). SAM's sample
is an API Gateway REST proxy event for a `{proxy+}` resource with a base64 body. API
Gateway sends our routes differently, so each sample is adjusted to match: the body is the
JSON text (no binary media types are configured, so isBase64Encoded is false), the path
parameters are the route's own (`{"namespace": ...}`, or none on the seed's path), there
are no stage variables, and the query string and Content-Type are the operation's own.
The results work with `sam local invoke -e events/<op>.json`. Nothing in them changes from
one run to the next: generate-event's sample is fixed, and so is the stream's recording
(devtools.stream_events.recorded_batch); the tests move their times to now (devtools.events).
"""

from __future__ import annotations

import json
import subprocess
from typing import Any

from devtools.events import EVENTS
from devtools.sam_cli import sam, sam_environment
from devtools.template import ROOT, Template
from instance_api.http.routes import HOST_STATUS_PATH, HOST_VIEW_PATH

NAMESPACE = "team-a"
CREATE_BODY = {
    "name": "web-1",
    "namespace": NAMESPACE,
    "spec": {"image": "registry.example.com/team/web:1.4.2"},
    "shareStorage": True,
    "hostIDs": ["host-a", "host-b"],
    "labels": {"app": "web", "example.com/tier": "front"},
}
UPDATE_BODY = {"spec": {"image": "registry.example.com/team/web:1.5.0"}, "version": 1}

# event -> (method, the namespace in its path (None: the seed's /api/v1/instance), query string, body).
# The namespaced events use another instance, so both sets can run against one table.
OPERATIONS: dict[str, tuple[str, str | None, dict[str, str] | None, dict[str, Any] | None]] = {
    "create": ("POST", None, None, CREATE_BODY),
    "update": ("PUT", None, None, {"name": "web-1", **UPDATE_BODY}),
    "get": ("GET", None, {"name": "web-1"}, None),
    "list": ("GET", None, {"namespace": NAMESPACE, "limit": "50"}, None),
    "delete": ("DELETE", None, None, {"name": "web-1"}),
    # The path names the namespace: the bodies and query strings do not.
    "namespaced-create": (
        "POST",
        NAMESPACE,
        None,
        {key: value for key, value in CREATE_BODY.items() if key != "namespace"} | {"name": "web-2"},
    ),
    "namespaced-update": ("PUT", NAMESPACE, None, {"name": "web-2", **UPDATE_BODY}),
    "namespaced-get": ("GET", NAMESPACE, {"name": "web-2"}, None),
    "namespaced-list": ("GET", NAMESPACE, {"limit": "50"}, None),
    "namespaced-delete": ("DELETE", NAMESPACE, None, {"name": "web-2"}),
    # Tried, not made: every check runs, the answer says what the update would be, nothing is written.
    "dry-run-update": ("PUT", None, {"dryRun": "true"}, {"name": "web-1", "labels": {"app": "web"}, "version": 1}),
}


# A host agent's two requests, on host-a (one of web-1's hosts): event -> (method, route, query, body).
HOST_OPERATIONS: dict[str, tuple[str, str, dict[str, str] | None, dict[str, Any] | None]] = {
    "host-view": ("GET", HOST_VIEW_PATH, {"limit": "50"}, None),
    "host-status": ("PUT", HOST_STATUS_PATH, None, {"name": "web-1", "observedVersion": 1, "state": "Running"}),
}
HOST = "host-a"


def _resource(template: Template, method: str, namespace: str | None) -> str:
    """The operation's own route, as template.yaml declares it (the seed's, or a namespace's)."""
    return next(
        route.path
        for route in template.routes()
        if route.method == method and ("{namespace}" in route.path) == (namespace is not None)
    )


def _sam_sample(method: str, resource: str, path: str, stage: str) -> dict[str, Any]:
    sample = subprocess.run(
        sam(
            "local",
            "generate-event",
            "apigateway",
            "aws-proxy",
            "--method",
            method,
            "--resource",
            resource,
            "--path",
            path.lstrip("/"),
            "--stage",
            stage,
        ),
        check=True,
        capture_output=True,
        text=True,
        env=sam_environment(),
    ).stdout
    event: dict[str, Any] = json.loads(sample)
    return event


def generate(operation: str, template: Template) -> dict[str, Any]:
    parameters: dict[str, str] | None
    if operation in HOST_OPERATIONS:
        method, resource, query, body = HOST_OPERATIONS[operation]
        parameters = {"hostID": HOST}
    else:
        method, namespace, query, body = OPERATIONS[operation]
        resource = _resource(template, method, namespace)
        parameters = {"namespace": namespace} if namespace else None
    path = resource
    for key, value in (parameters or {}).items():
        path = path.replace(f"{{{key}}}", value)
    event = _sam_sample(method, resource, path, template.stage_name())
    event["path"] = path
    # As API Gateway sends them: the parameter's value as it was in the path (a DNS label or
    # this host ID needs no percent-encoding), and no parameters at all on the seed's path.
    event["pathParameters"] = parameters
    event["stageVariables"] = None
    event["queryStringParameters"] = query
    event["multiValueQueryStringParameters"] = {key: [value] for key, value in query.items()} if query else None
    event["body"] = json.dumps(body, indent=2) if body is not None else None
    event["isBase64Encoded"] = False
    for headers, wrap in ((event["headers"], str), (event["multiValueHeaders"], lambda value: [value])):
        headers.pop("Accept", None)
        headers["Accept"] = wrap("application/json")
        if body is not None:
            headers["Content-Type"] = wrap("application/json")
    event["requestContext"]["requestId"] = f"{operation}-0000-4000-8000-000000000000"
    return event


def stream_event() -> dict[str, Any]:
    """A stream batch as the change consumer gets it: web-1's whole life, recorded."""
    from devtools.embedded_dynamodb import EmbeddedDynamoDB
    from devtools.stream_events import recorded_batch

    store = EmbeddedDynamoDB()
    try:
        return recorded_batch(store.endpoint)
    finally:
        store.stop()


def main() -> None:
    template = Template.load()
    events = {operation: generate(operation, template) for operation in [*OPERATIONS, *HOST_OPERATIONS]}
    events["stream"] = stream_event()
    for name, event in events.items():
        path = EVENTS / f"{name}.json"
        path.write_text(json.dumps(event, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
