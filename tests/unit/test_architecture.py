"""The house's shape, pinned: dependencies point one way, and each home is the only one.

Read from the source (imports are parsed, nothing is run). The layer's modules are ranked
from the domain (0) up to the resolver (5): a module imports only modules ranked below it,
so a reader goes from a function's app.py down to the DynamoDB call without meeting an
import that points back up. Dev tools never reach into the tests, runtime code never
reaches into the dev tools, and the code cites the project's own contract.
"""

from __future__ import annotations

import ast
import subprocess
from pathlib import Path

import pytest

from devtools.template import ROOT

LAYER = ROOT / "layers" / "common" / "instance_api"

# What each module of the layer is, by rank: lower ranks never import higher ones.
RANKS = {
    # the domain, field rules and error model: plain data and plain functions
    "domain": 0,
    "errors": 0,
    "rules": 0,
    "image_reference": 0,
    "routes": 0,
    "names": 0,
    "settings": 0,
    "keys": 0,
    # what is built on them: the envelope, the repository port, the marshaller, tokens
    "aws_errors": 1,
    "envelope": 1,
    "ports": 1,
    "items": 1,
    "pagination": 1,
    "details": 1,
    # side-by-side calls for the change consumer's writes and events (a thread pool, nothing else)
    "parallel": 1,
    "secret_store": 2,
    "dynamodb": 2,
    # the adapters and the operations, which know no HTTP
    "store": 3,
    "service": 2,
    "observability": 2,
    "models": 2,
    "changes": 2,
    "host_index": 3,
    "change_events": 2,
    # the composition root and HTTP parsing
    "wiring": 4,
    "http_query": 3,
    "http_headers": 3,
    # what reads a whole request or stream batch, and what runs an operation for one
    "bodies": 4,
    "idempotency": 5,
    "consumer": 5,
    "api": 5,
}
HTTP_PARSING = {"http_query", "http_headers", "bodies", "details", "models", "api"}


def imported_modules(path: Path, package: str) -> set[str]:
    """The modules of `package` that `path` imports, at any depth of its code."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == package:
                names.update(alias.name for alias in node.names)
            elif node.module.startswith(f"{package}."):
                names.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            names.update(alias.name.split(".")[1] for alias in node.names if alias.name.startswith(f"{package}."))
    return names


def tracked(*patterns: str) -> list[Path]:
    listed = subprocess.run(["git", "ls-files", *patterns], cwd=ROOT, capture_output=True, text=True, check=True)
    return [ROOT / line for line in listed.stdout.splitlines()]


def test_given_the_layer_when_listing_its_modules_then_each_has_a_rank() -> None:
    modules = {path.stem for path in LAYER.glob("*.py") if path.stem != "__init__"}
    assert modules == set(RANKS)


@pytest.mark.parametrize("module", sorted(RANKS))
def test_given_a_layer_module_when_reading_its_imports_then_each_points_down(module: str) -> None:
    for imported in imported_modules(LAYER / f"{module}.py", "instance_api"):
        assert RANKS[imported] < RANKS[module], f"{module} ({RANKS[module]}) imports {imported} ({RANKS[imported]})"


# The operations, storage and the change consumer: none of them reads HTTP.
NOT_HTTP = ["domain", "ports", "items", "store", "service", "wiring", "pagination", "keys", "secret_store"]
NOT_HTTP += ["dynamodb", "changes", "host_index", "change_events", "consumer", "parallel"]


@pytest.mark.parametrize("module", NOT_HTTP)
def test_given_the_operations_and_storage_when_reading_their_imports_then_none_is_about_http(module: str) -> None:
    assert not imported_modules(LAYER / f"{module}.py", "instance_api") & HTTP_PARSING


def test_given_the_runtime_code_when_reading_its_imports_then_it_never_reaches_dev_tools_or_tests() -> None:
    for path in tracked("layers/*.py", "functions/*.py"):
        for package in ("devtools", "tests", "bench"):
            assert not imported_modules(path, package), f"{path.relative_to(ROOT)} imports {package}"
            assert f"import {package}" not in path.read_text(encoding="utf-8"), path


def test_given_the_dev_tools_and_the_bench_when_reading_their_imports_then_they_never_reach_the_tests() -> None:
    for path in tracked("devtools/*.py", "bench/*.py"):
        text = path.read_text(encoding="utf-8")
        assert "from tests" not in text
        assert "import tests" not in text, path


def test_given_the_repository_when_citing_the_contract_then_it_cites_its_own_copy() -> None:
    assert (ROOT / "docs" / "contract.md").is_file()
    for path in tracked("*.py", "*.md", "*.yaml", "Makefile"):
        if path == Path(__file__):
            continue
        assert "SPEC.md" not in path.read_text(encoding="utf-8"), f"{path.relative_to(ROOT)} cites SPEC.md"
