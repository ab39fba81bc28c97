"""The house's shape, pinned: the layer's folders are its architecture, and imports point inward.

Read from the source (imports are parsed, nothing is run), TYPE_CHECKING imports included:

    functions -> composition -> http / aws / changes -> domain

- `domain` (the instance, commands, outcomes, ports, the service) imports only itself and the
  standard library: no HTTP, no AWS, no Powertools, no pydantic.
- `http` (the edge), `aws` (the adapters) and `changes` (the stream) import the domain, never
  each other, except that `changes` reads stream images with the aws item marshaller.
- Only the composition root sees every adapter, and in the runtime code only the functions
  import it: nothing inside the layer reaches back into it.
- No import cycle among the layer's modules, nor among the dev tools'.
- Dev tools never reach into the tests, runtime code never reaches into the dev tools, nothing
  edits sys.path to find the layer (it is an installed package), and the code cites the
  project's own contract.
"""

from __future__ import annotations

import ast
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from devtools.template import ROOT

LAYER = ROOT / "layers" / "common"
PACKAGE = "instance_api"


def imports_of(path: Path) -> Iterator[str]:
    """Every module `path` imports (a `from x import y` counts as x.y, a submodule or a name in x)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)


def module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


LAYER_MODULES = {module_name(path, LAYER): path for path in sorted((LAYER / PACKAGE).rglob("*.py"))}


def ours(path: Path) -> set[str]:
    """The layer's modules that `path` imports."""
    return {name for name in imports_of(path) if name in LAYER_MODULES}


def top(module: str) -> str:
    """The part of the layer a module belongs to: its subpackage, or the top-level module."""
    return module.split(".")[1] if module.count(".") else module


# What each part of the layer may import of the layer (itself always).
MAY_IMPORT = {
    "domain": set(),
    "http": {"domain", "observability"},
    "aws": {"domain"},
    "changes": {"domain", "observability", "aws.items"},
    "observability": set(),
    "settings": {"domain"},
    "composition": {"domain", "http", "aws", "changes", "settings", "observability"},
    "__init__": set(),
}
# Third-party packages each part must not import (the domain: none at all).
FORBIDDEN_LIBRARIES = {
    "domain": ("botocore", "boto3", "aws_lambda_powertools", "pydantic", "pydantic_core", "mypy_boto3_dynamodb"),
    "http": ("botocore", "boto3", "mypy_boto3_dynamodb"),
    "aws": ("aws_lambda_powertools", "pydantic", "pydantic_core"),
    "changes": ("pydantic", "pydantic_core"),
}


def _part(module: str) -> str:
    return "__init__" if module == PACKAGE else top(module)


def test_given_the_layer_when_listing_its_parts_then_they_are_the_folders_of_the_architecture() -> None:
    assert {_part(module) for module in LAYER_MODULES} == set(MAY_IMPORT)
    assert {path.name for path in (LAYER / PACKAGE).iterdir() if path.is_dir() and path.name != "__pycache__"} == {
        "domain",
        "http",
        "aws",
        "changes",
    }


@pytest.mark.parametrize("module", sorted(LAYER_MODULES))
def test_given_a_layer_module_when_reading_its_imports_then_each_points_inward(module: str) -> None:
    part = _part(module)
    allowed = MAY_IMPORT[part] | {part}
    for imported in ours(LAYER_MODULES[module]):
        target = top(imported)
        assert target in allowed or imported.removeprefix(f"{PACKAGE}.") in allowed, f"{module} imports {imported}"


@pytest.mark.parametrize("module", sorted(m for m in LAYER_MODULES if _part(m) in FORBIDDEN_LIBRARIES))
def test_given_a_layer_module_when_reading_its_imports_then_it_uses_no_library_of_another_ring(module: str) -> None:
    forbidden = FORBIDDEN_LIBRARIES[_part(module)]
    libraries = {name.split(".")[0] for name in imports_of(LAYER_MODULES[module])}
    assert not libraries & set(forbidden), f"{module} imports {libraries & set(forbidden)}"


def tracked(*patterns: str) -> list[Path]:
    listed = subprocess.run(["git", "ls-files", *patterns], cwd=ROOT, capture_output=True, text=True, check=True)
    return [ROOT / line for line in listed.stdout.splitlines()]


def test_given_the_runtime_code_when_reading_its_imports_then_only_the_functions_use_the_composition_root() -> None:
    users = {
        path.relative_to(ROOT).as_posix()
        for path in tracked("layers/*.py", "functions/*.py")
        if f"{PACKAGE}.composition" in imports_of(path)
    }
    # The route fallback touches no data and reads no setting: it builds nothing to compose.
    assert users == {path.relative_to(ROOT).as_posix() for path in tracked("functions/*/app.py")} - {
        "functions/route_fallback/app.py"
    }


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle of `graph`, if it has one (depth-first, white/grey/black)."""
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> list[str] | None:
        state[node] = 1
        for neighbour in sorted(graph.get(node, ())):
            if state.get(neighbour) == 1:
                return [*trail[trail.index(neighbour) :], neighbour] if neighbour in trail else [node, neighbour]
            if neighbour not in state and (found := visit(neighbour, [*trail, neighbour])):
                return found
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node, [node])):
            return found
    return None


def test_given_the_layer_when_following_its_imports_then_there_is_no_cycle() -> None:
    graph = {module: ours(path) - {module} for module, path in LAYER_MODULES.items()}
    assert _cycle(graph) is None


def test_given_the_dev_tools_when_following_their_imports_then_there_is_no_cycle() -> None:
    modules = {module_name(path, ROOT): path for path in tracked("devtools/*.py", "bench/*.py")}
    graph = {
        module: {name for name in imports_of(path) if name in modules} - {module} for module, path in modules.items()
    }
    assert _cycle(graph) is None


def test_given_the_runtime_code_when_reading_its_imports_then_it_never_reaches_dev_tools_or_tests() -> None:
    for path in tracked("layers/*.py", "functions/*.py"):
        for package in ("devtools", "tests", "bench"):
            assert not any(name.split(".")[0] == package for name in imports_of(path)), f"{path} imports {package}"


def test_given_the_dev_tools_and_the_bench_when_reading_their_imports_then_they_never_reach_the_tests() -> None:
    for path in tracked("devtools/*.py", "bench/*.py"):
        assert not any(name.split(".")[0] == "tests" for name in imports_of(path)), path


# A path into the checkout: what code once put on sys.path to import the layer. (A fresh
# interpreter built like Lambda's, the runtime stand-in's or a probe's, sets its own path
# from its arguments: that is the interpreter under test, not a way to find the layer.)
CHECKOUT_PATH = re.compile(r"sys\.path.*(ROOT|layers|__file__)")


def test_given_any_python_file_when_reading_it_then_it_edits_no_sys_path_to_find_the_layer() -> None:
    for path in tracked("*.py"):
        if path == Path(__file__):
            continue
        found = CHECKOUT_PATH.search(path.read_text(encoding="utf-8"))
        assert found is None, f"{path.relative_to(ROOT)}: {found.group(0) if found else ''}"


def test_given_the_repository_when_citing_the_contract_then_it_cites_its_own_copy() -> None:
    assert (ROOT / "docs" / "contract.md").is_file()
    for path in tracked("*.py", "*.md", "*.yaml", "Makefile"):
        if path == Path(__file__):
            continue
        assert "SPEC.md" not in path.read_text(encoding="utf-8"), f"{path.relative_to(ROOT)} cites SPEC.md"
