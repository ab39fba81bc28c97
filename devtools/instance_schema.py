"""The Instance's JSON Schema, as API answers (openapi.yaml) and change events
(docs/events/instance-change.schema.json) both carry it: one source, so the two cannot differ."""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter

from instance_api.domain.instance import Instance
from instance_api.http.models import Labels

# Where the OpenAPI document keeps its schemas.
SCHEMAS = "#/components/schemas/"


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
    # The request's rule, so a reader sees what a label may be (openapi.yaml refers to the rule).
    instance["properties"]["labels"] = TypeAdapter(Labels).json_schema()
    schemas["Instance"] = instance
    schemas["InstanceSpec"]["additionalProperties"] = False
    return schemas
