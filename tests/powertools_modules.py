"""What a function behind API Gateway may load of Powertools' event classes, and of its resolvers.

The functions read their event with `APIGatewayProxyEvent` and dispatch on the route API
Gateway matched themselves (decision 165): with the layer's lazy `data_classes` package
(layers/common/patches) they load that one class's module and its helpers, no other event
source's, no resolver (the layer leaves `event_handler` out), and so no asyncio.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

EVENT_HANDLER = "aws_lambda_powertools.event_handler"
DATA_CLASSES = "aws_lambda_powertools.utilities.data_classes."
API_GATEWAY_EVENT_MODULES = frozenset({"api_gateway_proxy_event", "common", "shared_functions", "event_source"})


def unexpected_modules(loaded: Iterable[str]) -> list[str]:
    """The modules in `loaded` that a function behind API Gateway has no use for."""
    unexpected = []
    for name in loaded:
        resolver = name == EVENT_HANDLER or name.startswith(f"{EVENT_HANDLER}.")
        event_class = name.startswith(DATA_CLASSES) and name.removeprefix(DATA_CLASSES) not in API_GATEWAY_EVENT_MODULES
        if resolver or event_class or name == "asyncio":
            unexpected.append(name)
    return sorted(unexpected)


def watched_modules(site: Path) -> list[str]:
    """Every module name `unexpected_modules` judges, from the Powertools installed in `site`
    (sources or bytecode-only): asyncio, the event handler's and the data classes' modules."""
    names = {"asyncio", EVENT_HANDLER}
    for prefix in (f"{EVENT_HANDLER}.", DATA_CLASSES):
        package = prefix.rstrip(".")
        folder = site / package.replace(".", "/")
        for path in folder.rglob("*"):
            if path.suffix in (".py", ".pyc") and "__pycache__" not in path.parts:
                parts = path.relative_to(folder).with_suffix("").parts
                names.add(".".join((package, *parts[: -1 if parts[-1] == "__init__" else None])))
    return sorted(names)
