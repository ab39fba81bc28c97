"""Regenerate events/*.json from `sam local generate-event apigateway aws-proxy` (`make events`).

SAM's sample is an API Gateway REST proxy event for a `{proxy+}` resource with a base64
body. API Gateway sends our routes differently, so each sample is adjusted to match: the
body is the JSON text (no binary media types are configured, so isBase64Encoded is false),
there are no path parameters or stage variables, and the query string and Content-Type
are the operation's own. The results work with `sam local invoke -e events/<op>.json`.
"""

from __future__ import annotations

import json
import subprocess
from typing import Any

from devtools.events import EVENTS
from devtools.sam_cli import sam, sam_environment
from devtools.template import ROOT, Template

# operation -> (method, query string, body)
OPERATIONS: dict[str, tuple[str, dict[str, str] | None, dict[str, Any] | None]] = {
    "create": (
        "POST",
        None,
        {
            "name": "web-1",
            "namespace": "team-a",
            "spec": {"image": "registry.example.com/team/web:1.4.2"},
            "shareStorage": True,
            "hostIDs": ["host-a", "host-b"],
        },
    ),
    "update": ("PUT", None, {"name": "web-1", "spec": {"image": "registry.example.com/team/web:1.5.0"}, "version": 1}),
    "get": ("GET", {"name": "web-1"}, None),
    "list": ("GET", {"namespace": "team-a", "limit": "50"}, None),
    "delete": ("DELETE", None, {"name": "web-1"}),
}


def generate(operation: str, template: Template) -> dict[str, Any]:
    method, query, body = OPERATIONS[operation]
    # The operation's own route, as template.yaml declares it.
    resource = next(route.path for route in template.routes() if route.method == method)
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
            resource.lstrip("/"),
            "--stage",
            template.stage_name(),
        ),
        check=True,
        capture_output=True,
        text=True,
        env=sam_environment(),
    ).stdout
    event: dict[str, Any] = json.loads(sample)
    event["path"] = resource
    event["pathParameters"] = None
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


def main() -> None:
    template = Template.load()
    for operation in OPERATIONS:
        path = EVENTS / f"{operation}.json"
        path.write_text(json.dumps(generate(operation, template), indent=2) + "\n", encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
