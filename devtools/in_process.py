"""A function's handler module imported into this process (tests, the warm-cost bench)."""

from __future__ import annotations

import importlib.util
from types import ModuleType

from devtools.template import FunctionSpec


def load_handler_module(spec: FunctionSpec) -> ModuleType:
    """Import a function's handler module under a unique name (every function's is `app`)."""
    module_file = spec.code_uri / (spec.handler.rpartition(".")[0] + ".py")
    loader_spec = importlib.util.spec_from_file_location(f"{spec.logical_id}_handler", module_file)
    assert loader_spec is not None
    assert loader_spec.loader is not None
    module = importlib.util.module_from_spec(loader_spec)
    loader_spec.loader.exec_module(module)
    return module


def compose(module: ModuleType, root: object) -> None:
    """Have a loaded handler answer from `root`, a Composition given the parts it replaces
    (an in-memory store, say), instead of the one its module built from the environment."""
    module.__dict__["root"] = root
