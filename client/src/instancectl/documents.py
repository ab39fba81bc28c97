"""Instance documents for `-f`: a file, every *.yaml/*.yml/*.json of a directory, or stdin.

A `.json` file is JSON (tabs allowed, trailing commas, NaN and repeated keys not); a `.yaml`
or `.yml` file holds one or many YAML documents (`---` between them); standard input is JSON
when it parses as JSON, else YAML. A document is an instance, a list of instances, or a list
answer (`{"items": [...]}`, what `instancectl list -o yaml` prints), so a listing can be
applied back. The fields the server manages (`version`, `createdAt`, `updatedAt`, and what
hosts reported: `status`, a host view's `hostStatus`) are dropped: they describe a stored
instance, not a desired one (as kubectl apply ignores `status`).

Refused before anything is sent, all at once (one DocumentError listing every problem of
every file): a file that cannot be read or parsed, an unknown field, a repeated key, a name
or namespace that breaks the API's rules, a value JSON cannot carry (a YAML date, a set,
bytes, infinity, a lone UTF-16 surrogate), a document too large or too deep, and one name
in two documents (applying both would write each in turn, on every run). The other field
values are the API's to judge.
"""

from __future__ import annotations

import json
import math
import sys
from collections import defaultdict
from collections.abc import Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import yaml

from instancectl.errors import DocumentError
from instancectl.names import dns_label_problem

DOCUMENT_FIELDS = frozenset({"name", "namespace", "spec", "shareStorage", "hostIDs", "labels"})
SERVER_FIELDS = frozenset({"version", "createdAt", "updatedAt", "status", "hostStatus"})
SUFFIXES = (".yaml", ".yml", ".json")
STDIN = "-"
# Far beyond any instance file (an instance body is at most 64 KiB), short of /dev/zero.
MAX_CHARACTERS = 16 * 1024 * 1024
# Values in one instance after YAML aliases are expanded, and nesting: an instance holds a
# few hundred values three levels deep; these stop alias bombs and recursive aliases.
MAX_VALUES = 100_000
MAX_DEPTH = 64


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


def _object_without_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    repeated = sorted({key for key in keys if keys.count(key) > 1})
    if repeated:
        raise ValueError(f"repeated key {repeated[0]!r}")
    return dict(pairs)


def _not_a_number(constant: str) -> Any:
    raise ValueError(f"{constant} is not a JSON number")


def _load_json(text: str) -> list[Any]:
    return [json.loads(text, object_pairs_hook=_object_without_repeats, parse_constant=_not_a_number)]


def _load_yaml(text: str) -> list[Any]:
    return [value for value in yaml.load_all(text, Loader=_StrictLoader) if value is not None]


def source_files(source: str) -> list[Path]:
    """The files `-f source` names: itself, or a directory's YAML and JSON files by name."""
    path = Path(source)
    if not path.is_dir():
        return [path]
    try:
        files = sorted(child for child in path.iterdir() if child.is_file() and child.suffix in SUFFIXES)
    except OSError as error:
        raise DocumentError(f"{source}: cannot list it: {error}") from error
    if not files:
        raise DocumentError(f"{source}: no {', '.join(SUFFIXES)} files in this directory")
    return files


def read_documents(source: str, stdin: TextIO | None = None) -> list[Document]:
    """Every instance document `-f source` holds, in order (`-`: `stdin`, by default sys.stdin);
    DocumentError with every problem of every file when any has one."""
    documents: list[Document] = []
    problems: list[str] = []
    for origin, text in _texts(source, stdin, problems):
        found, found_problems = _parse(text, origin)
        documents += found
        problems += found_problems
    problems += _repeated_names(documents)
    if problems:
        raise DocumentError(*problems)
    return documents


def parse(text: str, origin: str) -> list[Document]:
    """The instances in one file's text (`origin` is its path: a .json one is read as JSON)."""
    documents, problems = _parse(text, origin)
    if problems:
        raise DocumentError(*problems)
    return documents


def _texts(source: str, stdin: TextIO | None, problems: list[str]) -> list[tuple[str, str]]:
    """(origin, text) of each file `-f source` names; the files that cannot be read go to `problems`."""
    if source == STDIN:
        try:
            return [("<stdin>", (stdin or sys.stdin).read(MAX_CHARACTERS + 1))]
        except UnicodeDecodeError as error:
            problems.append(f"<stdin>: cannot read it: {error}")
            return []
    texts = []
    for file in source_files(source):
        try:
            with file.open(encoding="utf-8") as handle:
                texts.append((str(file), handle.read(MAX_CHARACTERS + 1)))
        except (OSError, UnicodeDecodeError) as error:
            problems.append(f"{file}: cannot read it: {error}")
    return texts


def _loaded(text: str, origin: str) -> list[Any]:
    """The values of one file's text, as its suffix says (stdin: JSON if it is, else YAML)."""
    if len(text) > MAX_CHARACTERS:
        raise DocumentError(f"{origin}: larger than {MAX_CHARACTERS // 2**20} MiB: not a file of instances")
    as_json = origin.endswith(".json")
    try:
        if as_json:
            return _load_json(text)
        if origin == "<stdin>":
            try:
                return _load_json(text)
            except ValueError:
                pass  # not JSON: YAML, then
        return _load_yaml(text)
    except RecursionError as error:
        raise DocumentError(f"{origin}: nested too deeply") from error
    except (yaml.YAMLError, ValueError) as error:  # ValueError: JSON's errors, a YAML int or date out of range
        raise DocumentError(f"{origin}: not valid {'JSON' if as_json else 'YAML'}: {error}") from error


def _parse(text: str, origin: str) -> tuple[list[Document], list[str]]:
    try:
        values = _loaded(text, origin)
    except DocumentError as error:
        return [], list(error.problems)
    bodies: list[Any] = []
    problems: list[str] = []
    for value in values:
        if isinstance(value, list):
            bodies += value
        elif isinstance(value, dict) and isinstance(value.get("items"), list):
            bodies += value["items"]
        elif isinstance(value, dict):
            bodies.append(value)
        else:
            problems.append(f"{origin}: a document must be an instance (a mapping) or a list of them")
    if not bodies and not problems:
        problems.append(f"{origin}: holds no instance document")
    documents = []
    for index, body in enumerate(bodies, 1):
        where = f"{origin}#{index}"
        try:
            documents.append(Document(where, _instance(body)))
        except _Unfit as unfit:
            problems.append(f"{where}: {unfit}")
    return documents, problems


def _instance(body: Any) -> dict[str, Any]:
    """`body` as the instance document it must be (server fields dropped), or _Unfit."""
    if not isinstance(body, dict):
        raise _Unfit("", f"an instance must be a mapping of fields, not {type(body).__name__}")
    unknown = sorted(str(key) for key in body if key not in DOCUMENT_FIELDS | SERVER_FIELDS)
    if unknown:
        raise _Unfit("", f"unknown field(s) {', '.join(unknown)}; known: {', '.join(sorted(DOCUMENT_FIELDS))}")
    for key in ("name", "namespace"):
        if key in body and (problem := dns_label_problem(body[key])) is not None:
            raise _Unfit(key, f"{body[key]!r} {problem}")
    plain: dict[str, Any] = _json_value(body, "", _Budget())
    return {key: value for key, value in plain.items() if key not in SERVER_FIELDS}


class _Unfit(Exception):
    """What in a document (a field path, or "" for the whole) cannot be sent, and why."""

    def __init__(self, where: str, why: str) -> None:
        super().__init__(f"{where}: {why}" if where else why)


@dataclass
class _Budget:
    values: int = 0


def _json_value(value: Any, where: str, budget: _Budget, depth: int = 0) -> Any:
    """`value` as a JSON value, or _Unfit saying where and why it cannot be one."""
    budget.values += 1
    if budget.values > MAX_VALUES:
        raise _Unfit(where, f"too large: over {MAX_VALUES} values (YAML aliases expand)")
    if depth > MAX_DEPTH:
        raise _Unfit(where, f"nested too deeply (over {MAX_DEPTH} levels)")
    if isinstance(value, str):
        return _text(value, where)
    if value is None or isinstance(value, (bool, int)):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _Unfit(where, f"{value} is not a JSON number")
        return value
    if isinstance(value, list):
        return [_json_value(item, f"{where}[{index}]", budget, depth + 1) for index, item in enumerate(value)]
    if isinstance(value, dict):
        return {
            _key(key, where): _json_value(item, f"{where}.{key}" if where else str(key), budget, depth + 1)
            for key, item in value.items()
        }
    raise _Unfit(where, f"a {type(value).__name__} is not a JSON value (quote it to make it a string)")


def _key(key: Any, where: str) -> str:
    if not isinstance(key, str):
        raise _Unfit(where, f"the key {key!r} is not a string (quote it)")
    return _text(key, where)


def _text(text: str, where: str) -> str:
    """`text` with its UTF-16 surrogate pairs joined (YAML's "\\ud83d\\ude00" is one character)."""
    if not any("\ud800" <= character <= "\udfff" for character in text):
        return text
    try:
        return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le")
    except UnicodeDecodeError as error:
        raise _Unfit(where, "holds a lone UTF-16 surrogate (an escape such as \\ud83d without its pair)") from error


def _repeated_names(documents: list[Document]) -> list[str]:
    """One problem per name that more than one document gives (names are unique across the API)."""
    sources: defaultdict[str, list[str]] = defaultdict(list)
    for document in documents:
        if document.name is not None:
            sources[document.name].append(document.source)
    return [
        f"name {name!r} is in {len(where)} documents ({', '.join(where)}): apply would write each in turn; keep one"
        for name, where in sources.items()
        if len(where) > 1
    ]
