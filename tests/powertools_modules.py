"""What a function behind API Gateway may load of Powertools' resolvers and event classes.

With the layer's lazy `event_handler` and `data_classes` packages (layers/common/patches),
the REST resolver loads only the event classes `api_gateway.py` itself imports (7 classes
from 5 modules) and their helpers; no other resolver, and so no asyncio (AppSync's).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

EVENT_HANDLER = "aws_lambda_powertools.event_handler."
DATA_CLASSES = "aws_lambda_powertools.utilities.data_classes."
OTHER_RESOLVERS = (
    "appsync",
    "events_appsync",
    "graphql_appsync",
    "bedrock_agent",
    "bedrock_agent_function",
    "http_resolver",
    "lambda_function_url",
    "vpc_lattice",
)
API_GATEWAY_EVENT_MODULES = frozenset(
    {
        "alb_event",
        "api_gateway_proxy_event",
        "bedrock_agent_event",
        "lambda_function_url_event",
        "vpc_lattice",
        "common",
        "shared_functions",
        "event_source",
    }
)


def unexpected_modules(loaded: Iterable[str]) -> list[str]:
    """The modules in `loaded` that the lazy packages exist to skip."""
    unexpected = []
    for name in loaded:
        resolver = name.startswith(EVENT_HANDLER) and name.removeprefix(EVENT_HANDLER).split(".")[0] in OTHER_RESOLVERS
        event_class = name.startswith(DATA_CLASSES) and name.removeprefix(DATA_CLASSES) not in API_GATEWAY_EVENT_MODULES
        if resolver or event_class or name == "asyncio":
            unexpected.append(name)
    return sorted(unexpected)


def watched_modules(site: Path) -> list[str]:
    """Every module name `unexpected_modules` judges, from the Powertools installed in `site`
    (sources or bytecode-only): asyncio, the event handler's and the data classes' modules."""
    names = {"asyncio"}
    for prefix in (EVENT_HANDLER, DATA_CLASSES):
        package = prefix.rstrip(".")
        folder = site / package.replace(".", "/")
        for path in folder.rglob("*"):
            if path.suffix in (".py", ".pyc") and "__pycache__" not in path.parts:
                parts = path.relative_to(folder).with_suffix("").parts
                names.add(".".join((package, *parts[: -1 if parts[-1] == "__init__" else None])))
    return sorted(names)
