"""openapi.yaml as its readers see it: references followed, and what /docs shows of each operation."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import jsonschema
import yaml
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from devtools.openapi import OPENAPI_PATH

DOCUMENT: dict[str, Any] = yaml.safe_load(OPENAPI_PATH.read_text(encoding="utf-8"))
METHODS = ("post", "put", "get", "delete")
_REGISTRY = Registry().with_resource("urn:openapi", Resource.from_contents(DOCUMENT, default_specification=DRAFT202012))


def resolve(node: Any) -> Any:
    """`node`, or what its local `$ref` (and that one's) points to."""
    while isinstance(node, dict) and "$ref" in node:
        target: Any = DOCUMENT
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def _in_document(node: Any) -> Any:
    """`node` with its local references made the document's (it is checked on its own)."""
    if isinstance(node, list):
        return [_in_document(item) for item in node]
    if not isinstance(node, dict):
        return node
    return {key: "urn:openapi" + value if key == "$ref" else _in_document(value) for key, value in node.items()}


def validator(schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
    """A JSON Schema validator for `schema`, a part of the document."""
    return jsonschema.Draft202012Validator(_in_document(schema), registry=_REGISTRY)


def operations() -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Each (path, method, operation) of the document."""
    for path, item in DOCUMENT["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def parameters(path: str, method: str) -> list[dict[str, Any]]:
    """The operation's parameters, its path's first, references followed."""
    item = DOCUMENT["paths"][path]
    return [resolve(parameter) for parameter in [*item.get("parameters", []), *item[method].get("parameters", [])]]


@dataclass(frozen=True)
class Answer:
    """A response as /docs shows it: its schema, and each example body."""

    status: int
    schema: dict[str, Any]
    examples: tuple[Any, ...]
    headers: frozenset[str]

    @property
    def reasons(self) -> tuple[str, ...]:
        return tuple(body["data"]["reason"] for body in self.examples)


def answers(operation: dict[str, Any]) -> list[Answer]:
    """Each answer with a body (a 304 has none)."""
    found = []
    for status, response in operation["responses"].items():
        response = resolve(response)
        if "content" not in response:
            continue
        media = response["content"]["application/json"]
        examples = [example["value"] for example in media.get("examples", {}).values()]
        examples += [media["example"]] if "example" in media else []
        found.append(Answer(int(status), media["schema"], tuple(examples), frozenset(response.get("headers", {}))))
    return found
