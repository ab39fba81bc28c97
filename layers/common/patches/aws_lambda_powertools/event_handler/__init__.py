"""
Event handler decorators for common Lambda events
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler.api_gateway import (
        ALBResolver,
        APIGatewayHttpResolver,
        ApiGatewayResolver,
        APIGatewayRestResolver,
        CORSConfig,
        Response,
    )
    from aws_lambda_powertools.event_handler.appsync import AppSyncResolver
    from aws_lambda_powertools.event_handler.bedrock_agent import BedrockAgentResolver, BedrockResponse
    from aws_lambda_powertools.event_handler.bedrock_agent_function import (
        BedrockAgentFunctionResolver,
        BedrockFunctionResponse,
    )
    from aws_lambda_powertools.event_handler.depends import DependencyResolutionError, Depends
    from aws_lambda_powertools.event_handler.events_appsync.appsync_events import AppSyncEventsResolver
    from aws_lambda_powertools.event_handler.http_resolver import HttpResolver, HttpResolverLocal
    from aws_lambda_powertools.event_handler.lambda_function_url import (
        LambdaFunctionUrlResolver,
    )
    from aws_lambda_powertools.event_handler.request import Request
    from aws_lambda_powertools.event_handler.vpc_lattice import VPCLatticeResolver, VPCLatticeV2Resolver

# Each resolver is imported when first used (PEP 562), not all of them whenever one is: a
# function behind API Gateway loads no AppSync (and so no asyncio), Bedrock, HTTP or VPC
# Lattice resolver. Every public name, and the submodule that defines it:
_LAZY_IMPORTS = {
    "ALBResolver": "api_gateway",
    "APIGatewayHttpResolver": "api_gateway",
    "ApiGatewayResolver": "api_gateway",
    "APIGatewayRestResolver": "api_gateway",
    "CORSConfig": "api_gateway",
    "Response": "api_gateway",
    "AppSyncResolver": "appsync",
    "BedrockAgentResolver": "bedrock_agent",
    "BedrockResponse": "bedrock_agent",
    "BedrockAgentFunctionResolver": "bedrock_agent_function",
    "BedrockFunctionResponse": "bedrock_agent_function",
    "DependencyResolutionError": "depends",
    "Depends": "depends",
    "AppSyncEventsResolver": "events_appsync.appsync_events",
    "HttpResolver": "http_resolver",
    "HttpResolverLocal": "http_resolver",
    "LambdaFunctionUrlResolver": "lambda_function_url",
    "Request": "request",
    "VPCLatticeResolver": "vpc_lattice",
    "VPCLatticeV2Resolver": "vpc_lattice",
}

__all__ = [
    "AppSyncResolver",
    "AppSyncEventsResolver",
    "APIGatewayRestResolver",
    "APIGatewayHttpResolver",
    "ALBResolver",
    "ApiGatewayResolver",
    "BedrockAgentResolver",
    "BedrockAgentFunctionResolver",
    "BedrockResponse",
    "BedrockFunctionResponse",
    "CORSConfig",
    "Depends",
    "DependencyResolutionError",
    "HttpResolver",
    "HttpResolverLocal",
    "LambdaFunctionUrlResolver",
    "Request",
    "Response",
    "VPCLatticeResolver",
    "VPCLatticeV2Resolver",
]


def __getattr__(name: str) -> Any:
    """Import a public name from its submodule on first access; later accesses find it here."""
    if name in _LAZY_IMPORTS:
        value = getattr(import_module(f"{__name__}.{_LAZY_IMPORTS[name]}"), name)
        globals()[name] = value
        return value
    if not name.startswith("_"):
        # The eager __init__ left each submodule it imported as an attribute (`event_handler.appsync`).
        try:
            return import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as error:
            if error.name != f"{__name__}.{name}":
                raise
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY_IMPORTS})
