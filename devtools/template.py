"""Read template.yaml the way the local tools need it: routes, functions, layers, tables,
and the stream event source mappings and event buses.

The local API and the tests take every route, environment variable and table from here,
so template.yaml stays the one place they are declared. Intrinsics are resolved to local
names: a `!Ref` to a table or a secret is its logical id (the local table or secret
name), `!GetAtt X.Arn` a local ARN, and `!Sub` is substituted.
Conditions are evaluated with the parameters' defaults, and `!If` and `AWS::NoValue`
behave as in CloudFormation.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_PATH = ROOT / "template.yaml"

LOCAL_REGION = "us-east-1"
LOCAL_ACCOUNT = "000000000000"

_SUB_VARIABLE = re.compile(r"\$\{([^}!][^}]*)\}")


class _NoValue:
    """`!Ref AWS::NoValue`: the property or list item it stands for disappears."""


NO_VALUE = _NoValue()
# create_table accepts these table properties; PITR, SSE and deletion protection are cloud-only.
_CREATE_TABLE_PROPERTIES = (
    "AttributeDefinitions",
    "KeySchema",
    "GlobalSecondaryIndexes",
    "LocalSecondaryIndexes",
    "BillingMode",
    "ProvisionedThroughput",
    "StreamSpecification",
)


def load_raw(path: Path = TEMPLATE_PATH) -> dict[str, Any]:
    """The template as cfn-lint reads it: short tags (!Ref, !Sub...) in their long form.

    Parsed once per file version and shared: callers read it, never change it.
    """
    return _parsed(str(path.resolve()), path.stat().st_mtime_ns)


@functools.cache
def _parsed(path: str, mtime_ns: int) -> dict[str, Any]:
    from cfnlint.decode import cfn_yaml

    document = _plain(cfn_yaml.load(path))
    if not isinstance(document, dict):
        raise ValueError(f"{path} is not a CloudFormation template")
    return document


def _plain(node: Any) -> Any:
    """cfn-lint's nodes (dict, list and str subclasses that carry line marks) as plain values."""
    if isinstance(node, dict):
        return {str(key): _plain(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_plain(item) for item in node]
    if isinstance(node, str):
        return str(node)
    return node


@dataclass(frozen=True)
class FunctionSpec:
    logical_id: str
    code_uri: Path
    handler: str
    runtime: str
    memory_mb: int
    timeout_s: int
    environment: dict[str, str]
    layer_paths: tuple[Path, ...]


@dataclass(frozen=True)
class Route:
    method: str  # upper case, or "ANY"
    path: str
    function: FunctionSpec


@dataclass(frozen=True)
class TableSpec:
    logical_id: str
    name: str
    create_table_request: dict[str, Any]
    ttl_attribute: str | None


@dataclass(frozen=True)
class StreamConsumer:
    """A function's `DynamoDB` event: an event source mapping on a table's stream.

    -1 for `max_retries` or `max_record_age_s` is Lambda's "until the record expires".
    """

    function: FunctionSpec
    table: str  # the table's local name
    starting_position: str
    batch_size: int
    batching_window_s: float
    parallelization_factor: int  # concurrent batches per shard, each key's records in one of them
    bisect_on_error: bool
    max_retries: int
    max_record_age_s: int
    report_item_failures: bool
    on_failure: str | None  # the destination's logical id


@dataclass
class Template:
    """template.yaml with intrinsics resolved for running locally."""

    raw: dict[str, Any]
    root: Path = ROOT
    region: str = LOCAL_REGION

    @classmethod
    def load(cls, path: Path = TEMPLATE_PATH) -> Template:
        return cls(raw=load_raw(path), root=path.resolve().parent)

    @property
    def resources(self) -> dict[str, Any]:
        resources: dict[str, Any] = self.raw.get("Resources", {})
        return resources

    def _of_type(self, resource_type: str) -> dict[str, dict[str, Any]]:
        return {key: value for key, value in self.resources.items() if value.get("Type") == resource_type}

    # -- intrinsic functions ------------------------------------------------------------

    def resolve(self, value: Any) -> Any:
        """Resolve intrinsics in `value` to local names and values."""
        if isinstance(value, list):
            items = [self.resolve(item) for item in value]
            return [item for item in items if item is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, argument),) = value.items()
            intrinsic = self._intrinsics().get(key)
            if intrinsic is not None:
                return intrinsic(argument)
            if key.startswith("Fn::"):
                raise ValueError(f"the local tools do not resolve {key}")
        resolved = {key: self.resolve(item) for key, item in value.items()}
        return {key: item for key, item in resolved.items() if item is not NO_VALUE}

    def _intrinsics(self) -> dict[str, Callable[[Any], Any]]:
        return {
            "Ref": self._ref,
            "Fn::GetAtt": self._get_att,
            "Fn::Sub": self._sub,
            "Fn::Join": self._join,
            "Fn::If": self._if,
        }

    def _join(self, argument: list[Any]) -> str:
        separator, items = argument
        return str(separator).join(str(self.resolve(item)) for item in items)

    def _if(self, argument: list[Any]) -> Any:
        condition, if_true, if_false = argument
        return self.resolve(if_true if self.condition(condition) else if_false)

    def condition(self, name: str) -> bool:
        """A template condition, evaluated with the parameters' defaults."""
        conditions = self.raw.get("Conditions", {})
        if name not in conditions:
            raise ValueError(f"no condition named {name}")
        return self._evaluate(conditions[name])

    def _evaluate(self, expression: Any) -> bool:
        ((key, argument),) = expression.items()
        if key == "Fn::Equals":
            left, right = (self.resolve(item) for item in argument)
            return str(left) == str(right)
        if key == "Fn::Not":
            return not self._evaluate(argument[0])
        if key == "Fn::And":
            return all(self._evaluate(item) for item in argument)
        if key == "Fn::Or":
            return any(self._evaluate(item) for item in argument)
        if key == "Condition":
            return self.condition(argument)
        raise ValueError(f"the local tools do not evaluate {key} in a condition")

    def _ref(self, name: str) -> Any:
        if name == "AWS::NoValue":
            return NO_VALUE
        pseudo = {
            "AWS::Region": self.region,
            "AWS::AccountId": LOCAL_ACCOUNT,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": "instance-api-local",
        }
        if name in pseudo:
            return pseudo[name]
        parameters = self.raw.get("Parameters", {})
        if name in parameters:
            return str(parameters[name].get("Default", ""))
        resource = self.resources.get(name)
        if resource is None:
            raise ValueError(f"!Ref {name}: no such parameter or resource")
        if resource["Type"] == "AWS::DynamoDB::Table":
            return self.table_name(name)
        if resource["Type"] == "AWS::Events::EventBus":
            return self.event_bus_name(name)
        return name

    def _get_att(self, argument: list[str]) -> str:
        logical_id, attribute = argument
        resource = self.resources.get(logical_id)
        if resource is None:
            raise ValueError(f"!GetAtt {logical_id}.{attribute}: no such resource")
        if resource["Type"] == "AWS::DynamoDB::Table" and attribute == "Arn":
            return f"arn:aws:dynamodb:{self.region}:{LOCAL_ACCOUNT}:table/{self.table_name(logical_id)}"
        if resource["Type"] == "AWS::Events::EventBus" and attribute == "Arn":
            return f"arn:aws:events:{self.region}:{LOCAL_ACCOUNT}:event-bus/{self.event_bus_name(logical_id)}"
        return f"arn:aws:local:{self.region}:{LOCAL_ACCOUNT}:{logical_id}/{attribute}"

    def _sub(self, argument: str | list[Any]) -> str:
        if isinstance(argument, list):
            text, variables = argument[0], {k: self.resolve(v) for k, v in argument[1].items()}
        else:
            text, variables = argument, {}

        def substitute(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in variables:
                return str(variables[name])
            if "." in name:
                return self._get_att(name.split(".", 1))
            return str(self._ref(name))

        # "${!Literal}" is CloudFormation's escape for a literal "${Literal}".
        substituted = _SUB_VARIABLE.sub(substitute, text).replace("${!", "${")
        return self.resolve(substituted)  # type: ignore[no-any-return]

    # -- what the local tools need --------------------------------------------------------

    def table_name(self, logical_id: str) -> str:
        properties = self.resources[logical_id].get("Properties", {})
        name = properties.get("TableName")
        return str(self.resolve(name)) if name is not None else logical_id

    def event_bus_name(self, logical_id: str) -> str:
        return str(self.resolve(self.resources[logical_id]["Properties"]["Name"]))

    def event_buses(self) -> list[str]:
        """The names of the template's EventBridge buses, as the local tools call them."""
        return [self.event_bus_name(logical_id) for logical_id in self._of_type("AWS::Events::EventBus")]

    def tables(self) -> list[TableSpec]:
        tables = []
        for logical_id, resource in self._of_type("AWS::DynamoDB::Table").items():
            properties = self.resolve(resource.get("Properties", {}))
            name = self.table_name(logical_id)
            request = {key: properties[key] for key in _CREATE_TABLE_PROPERTIES if key in properties}
            request["TableName"] = name
            if "StreamSpecification" in request:
                # CloudFormation's property has no StreamEnabled; create_table needs it.
                request["StreamSpecification"] = {"StreamEnabled": True, **request["StreamSpecification"]}
            ttl = properties.get("TimeToLiveSpecification", {})
            ttl_attribute = ttl.get("AttributeName") if ttl.get("Enabled") else None
            tables.append(TableSpec(logical_id, name, request, ttl_attribute))
        return tables

    def secrets(self) -> list[str]:
        """The Secrets Manager secrets' local names (their logical ids, as `!Ref` resolves them)."""
        return sorted(self._of_type("AWS::SecretsManager::Secret"))

    def table(self, logical_id: str) -> TableSpec:
        (table,) = (table for table in self.tables() if table.logical_id == logical_id)
        return table

    def _layer_path(self, reference: Any) -> Path:
        logical_id = reference.get("Ref") if isinstance(reference, dict) else None
        layer = self.resources.get(logical_id or "")
        if layer is None or layer["Type"] != "AWS::Serverless::LayerVersion":
            raise ValueError(f"layer {reference!r} is not an AWS::Serverless::LayerVersion in this template")
        content = self.root / str(layer["Properties"]["ContentUri"])
        # A built layer's content is the source folder packaged as python/ (/opt/python on
        # Lambda): sam build does that for a python BuildMethod, and this project's layer
        # Makefile does the same. A prebuilt layer already carries the python/ folder.
        build_method = str(layer.get("Metadata", {}).get("BuildMethod", ""))
        if build_method.startswith("python") or build_method == "makefile":
            return content.resolve()
        return (content / "python").resolve()

    def functions(self) -> dict[str, FunctionSpec]:
        globals_ = self.raw.get("Globals", {}).get("Function", {})
        specs = {}
        for logical_id, resource in self._of_type("AWS::Serverless::Function").items():
            properties = resource.get("Properties", {})

            def setting(key: str, default: Any = None, properties: dict[str, Any] = properties) -> Any:
                return self.resolve(properties.get(key, globals_.get(key, default)))

            variables = {
                **globals_.get("Environment", {}).get("Variables", {}),
                **properties.get("Environment", {}).get("Variables", {}),
            }
            layers = [*globals_.get("Layers", []), *properties.get("Layers", [])]
            specs[logical_id] = FunctionSpec(
                logical_id=logical_id,
                code_uri=(self.root / properties["CodeUri"]).resolve(),
                handler=setting("Handler"),
                runtime=setting("Runtime"),
                memory_mb=int(setting("MemorySize", 128)),
                timeout_s=int(setting("Timeout", 3)),
                environment={key: str(self.resolve(value)) for key, value in variables.items()},
                layer_paths=tuple(self._layer_path(layer) for layer in layers),
            )
        return specs

    def routes(self) -> list[Route]:
        functions = self.functions()
        routes = []
        for logical_id, resource in self._of_type("AWS::Serverless::Function").items():
            for event in resource.get("Properties", {}).get("Events", {}).values():
                if event.get("Type") != "Api":
                    continue
                properties = event["Properties"]
                routes.append(
                    Route(
                        method=str(properties["Method"]).upper(),
                        path=properties["Path"],
                        function=functions[logical_id],
                    )
                )
        return routes

    def stream_consumers(self) -> list[StreamConsumer]:
        """Every function's `DynamoDB` events, with Lambda's defaults where the template sets none."""
        functions = self.functions()
        consumers = []
        for logical_id, resource in self._of_type("AWS::Serverless::Function").items():
            for event in resource.get("Properties", {}).get("Events", {}).values():
                if event.get("Type") == "DynamoDB":
                    consumers.append(self._stream_consumer(functions[logical_id], event["Properties"]))
        return consumers

    def _stream_consumer(self, function: FunctionSpec, properties: dict[str, Any]) -> StreamConsumer:
        table, attribute = properties["Stream"]["Fn::GetAtt"]
        if attribute != "StreamArn" or self.resources[table]["Type"] != "AWS::DynamoDB::Table":
            raise ValueError(f"{function.logical_id}: the local tools read streams of this template's tables only")
        settings = self.resolve(properties)
        destination = properties.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")
        return StreamConsumer(
            function=function,
            table=self.table_name(table),
            starting_position=settings["StartingPosition"],
            batch_size=int(settings.get("BatchSize", 100)),
            batching_window_s=float(settings.get("MaximumBatchingWindowInSeconds", 0)),
            parallelization_factor=int(settings.get("ParallelizationFactor", 1)),
            bisect_on_error=bool(settings.get("BisectBatchOnFunctionError", False)),
            max_retries=int(settings.get("MaximumRetryAttempts", -1)),
            max_record_age_s=int(settings.get("MaximumRecordAgeInSeconds", -1)),
            report_item_failures="ReportBatchItemFailures" in settings.get("FunctionResponseTypes", []),
            on_failure=destination["Fn::GetAtt"][0] if destination else None,
        )

    def gateway_responses(self) -> dict[str, Any]:
        """The API's GatewayResponses, resolved (empty where the template customises none)."""
        for resource in self._of_type("AWS::Serverless::Api").values():
            responses: dict[str, Any] = self.resolve(resource.get("Properties", {}).get("GatewayResponses", {}))
            return responses
        return {}

    def stage_name(self) -> str:
        for resource in self._of_type("AWS::Serverless::Api").values():
            return str(self.resolve(resource.get("Properties", {}).get("StageName", "Prod")))
        return "Prod"
