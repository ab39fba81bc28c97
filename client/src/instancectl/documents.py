"""Instance documents for `-f`: a file, every *.yaml/*.yml/*.json of a directory, or stdin.

A file holds one or many YAML documents (`---` between them; JSON is YAML too). A document
is an instance, a list of instances, or a list answer (`{"items": [...]}`, what
`instancectl list -o yaml` prints), so a listing can be applied back. The fields the server
manages (`version`, `createdAt`, `updatedAt`) are dropped: they describe a stored instance,
not a desired one. Any other unknown field, and a repeated key, is an error here, before
anything is sent; the field values themselves are the API's to judge.
"""

from __future__ import annotations

import sys
from collections.abc import Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import yaml

from instancectl.errors import DocumentError

DOCUMENT_FIELDS = frozenset({"name", "namespace", "spec", "shareStorage", "hostIDs"})
SERVER_FIELDS = frozenset({"version", "createdAt", "updatedAt"})
SUFFIXES = (".yaml", ".yml", ".json")
STDIN = "-"


@dataclass(frozen=True)
class Document:
    source: str  # where it came from: "instances/web.yaml#2" (the file's 2nd instance)
    body: dict[str, Any]

    @property
    def name(self) -> str | None:
        name = self.body.get("name")
        return name if isinstance(name, str) else None

    @property
    def namespace(self) -> str | None:
        namespace = self.body.get("namespace")
        return namespace if isinstance(namespace, str) else None


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses a repeated key (PyYAML would keep the last one silently)."""


def _mapping_without_repeats(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Hashable] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if isinstance(key, Hashable) and key in seen:
            raise yaml.constructor.ConstructorError(None, None, f"repeated key {key!r}", key_node.start_mark)
        if isinstance(key, Hashable):
            seen.add(key)
    return loader.construct_mapping(node, deep=True)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_without_repeats)


def source_files(source: str) -> list[Path]:
    """The files `-f source` names: itself, or a directory's YAML and JSON files by name."""
    path = Path(source)
    if not path.is_dir():
        return [path]
    files = sorted(child for child in path.iterdir() if child.is_file() and child.suffix in SUFFIXES)
    if not files:
        raise DocumentError(f"{source}: no {', '.join(SUFFIXES)} files in this directory")
    return files


def read_documents(source: str, stdin: TextIO | None = None) -> list[Document]:
    """Every instance document `-f source` holds, in order (`-`: `stdin`, by default sys.stdin)."""
    if source == STDIN:
        return parse((stdin or sys.stdin).read(), "<stdin>")
    documents = []
    for file in source_files(source):
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise DocumentError(f"{file}: cannot read it: {error}") from error
        documents.extend(parse(text, str(file)))
    return documents


def parse(text: str, origin: str) -> list[Document]:
    """The instances in one file's text."""
    try:
        values = [value for value in yaml.load_all(text, Loader=_StrictLoader) if value is not None]
    except yaml.YAMLError as error:
        raise DocumentError(f"{origin}: not valid YAML or JSON: {error}") from error
    bodies = [body for value in values for body in _instances_in(value, origin)]
    if not bodies:
        raise DocumentError(f"{origin}: holds no instance document")
    return [Document(f"{origin}#{index}", _checked(body, f"{origin}#{index}")) for index, body in enumerate(bodies, 1)]


def _instances_in(value: Any, origin: str) -> list[Any]:
    if isinstance(value, list):
        return value
    if isinstance(value, dict) and "items" in value and isinstance(value["items"], list):
        return list(value["items"])
    if isinstance(value, dict):
        return [value]
    raise DocumentError(f"{origin}: a document must be an instance (a mapping) or a list of them")


def _checked(body: Any, where: str) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise DocumentError(f"{where}: an instance must be a mapping of fields, not {type(body).__name__}")
    unknown = sorted(str(key) for key in body if key not in DOCUMENT_FIELDS | SERVER_FIELDS)
    if unknown:
        raise DocumentError(
            f"{where}: unknown field(s) {', '.join(unknown)}; known: {', '.join(sorted(DOCUMENT_FIELDS))}"
        )
    for key in ("name", "namespace"):
        if key in body and not isinstance(body[key], str):
            raise DocumentError(f"{where}: {key} must be a string, not {body[key]!r}")
    return {key: value for key, value in body.items() if key not in SERVER_FIELDS}
