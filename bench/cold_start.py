"""Cold start: a fresh process imports a function and answers its first request, against a
fresh process that imports boto3, builds a DynamoDB client and makes the same single call.

The function runs from the `sam build` artifact as Lambda runs it (see
devtools.lambda_artifact: the built function, the built layer, the runtime's packages, no
bytecode written). A second layout runs the same code with no bytecode at all, compiled at
every start: what a layer without .pyc files costs on Lambda, whose /opt is read-only.

Both run against the same local DynamoDB endpoint, in interleaved pairs (A/B, then B/A), and
each times itself from its first statement to its answer, so the interpreter's own start-up
(the same for both) is left out. Each also reports its peak RSS: VmHWM of its own address
space (getrusage's ru_maxrss would carry over the forking bench process's size).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devtools.events import load_event
from devtools.fresh_interpreter import INTERPRETER_FLAGS, HandlerRun
from devtools.lambda_artifact import search_path
from devtools.lambda_environment import lambda_environment
from devtools.local_aws import client, local_environment
from devtools.template import Template
from instance_api.domain import Instance
from instance_api.items import to_item

FUNCTIONS = {
    "create": "CreateInstanceFunction",
    "update": "UpdateInstanceFunction",
    "get": "GetInstanceFunction",
    "delete": "DeleteInstanceFunction",
}
NAME = "web-1"

# The equivalent single call a user would write with boto3 alone.
_BASELINE = """
import time
started = time.perf_counter()
import json, sys
import boto3
dynamodb = boto3.client("dynamodb")
operation, request = sys.argv[1], json.loads(sys.argv[2])
getattr(dynamodb, operation)(**request)
elapsed = (time.perf_counter() - started) * 1000
rss = int(open("/proc/self/status").read().split("VmHWM:")[1].split()[0])
print(json.dumps({"ms": elapsed, "rss_kb": rss}))
"""


STORED: Instance = {
    "name": NAME,
    "namespace": "team-a",
    "spec": {"image": "registry.example.com/team/web:1.4.2"},
    "shareStorage": True,
    "hostIDs": ["host-a", "host-b"],
    "version": 1,
    "createdAt": "2026-11-27T10:00:00.000Z",
    "updatedAt": "2026-11-27T10:00:00.000Z",
}


def _baseline_call(operation: str, table: str) -> tuple[str, dict[str, Any]]:
    key = {"name": {"S": NAME}}
    names = {"#name": "name"}
    if operation == "create":
        request = {"Item": to_item(STORED), "ConditionExpression": "attribute_not_exists(#name)"}
        return "put_item", {"TableName": table, **request, "ExpressionAttributeNames": names}
    if operation == "update":
        return "update_item", {
            "TableName": table,
            "Key": key,
            "UpdateExpression": "SET #version = #version + :one, #spec = :spec",
            "ConditionExpression": "attribute_exists(#name)",
            "ExpressionAttributeNames": {**names, "#version": "version", "#spec": "spec"},
            "ExpressionAttributeValues": {":one": {"N": "1"}, ":spec": {"M": {"image": {"S": "nginx:1"}}}},
            "ReturnValues": "ALL_NEW",
        }
    if operation == "get":
        return "get_item", {"TableName": table, "Key": key, "ConsistentRead": True}
    return "delete_item", {
        "TableName": table,
        "Key": key,
        "ConditionExpression": "attribute_exists(#name)",
        "ExpressionAttributeNames": names,
    }


def event(operation: str) -> dict[str, Any]:
    """The event the bench sends `operation`'s function (update changes the image only)."""
    event = load_event(operation)
    if operation == "update":
        event["body"] = json.dumps({"name": NAME, "spec": {"image": "registry.example.com/team/web:1.5.0"}})
    return event


@dataclass
class Samples:
    ours_ms: list[float] = field(default_factory=list)
    baseline_ms: list[float] = field(default_factory=list)
    ratios: list[float] = field(default_factory=list)
    rss_kb: list[int] = field(default_factory=list)
    baseline_rss_kb: list[int] = field(default_factory=list)

    def summary(self) -> dict[str, float]:
        return {
            "ours_ms": statistics.median(self.ours_ms),
            "baseline_ms": statistics.median(self.baseline_ms),
            "ratio": statistics.median(self.ratios),
            "rss_mb": statistics.median(self.rss_kb) / 1024,
            "baseline_rss_mb": statistics.median(self.baseline_rss_kb) / 1024,
            "pairs": len(self.ratios),
        }


@dataclass(frozen=True)
class _Baseline:
    """The bare boto3 process: the script and its arguments."""

    arguments: list[str]
    environment: dict[str, str]

    def run(self, *extra_flags: str) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [sys.executable, "-I", *extra_flags, "-c", _BASELINE, *self.arguments],
            env=self.environment,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"the baseline process failed:\n{result.stderr[-3000:]}")
        return result

    def report(self) -> dict[str, Any]:
        answer: dict[str, Any] = json.loads(self.run().stdout.strip().splitlines()[-1])
        return answer


@dataclass(frozen=True)
class Layout:
    """Where a function process finds its code, and how its interpreter runs."""

    paths: Callable[[str], list[str]]
    flags: tuple[str, ...]


def shipped(build_dir: Path, runtime: Path) -> Layout:
    """The sam build artifact, as Lambda runs it."""
    return Layout(lambda function: search_path(build_dir, function, runtime), INTERPRETER_FLAGS)


def without_bytecode(empty_cache: Path) -> Layout:
    """The same code from its sources, with no bytecode to read and none written."""
    template = Template.load()

    def paths(function: str) -> list[str]:
        spec = template.functions()[function]
        return [str(spec.code_uri), *map(str, spec.layer_paths)]

    return Layout(paths, ("-I", "-B", "-X", f"pycache_prefix={empty_cache}"))


@dataclass(frozen=True)
class _Case:
    """One operation: our function's process, the bare boto3 one, and the row both expect."""

    ours: HandlerRun
    baseline: _Baseline
    reset: Callable[[], None]


def _case(endpoint: str, layout: Layout, operation: str) -> _Case:
    template = Template.load()
    spec = template.functions()[FUNCTIONS[operation]]
    table = spec.environment["TABLE_NAME"]
    local = local_environment(endpoint, template.region)
    dynamodb = client(endpoint)
    operation_name, request = _baseline_call(operation, table)

    def reset() -> None:
        # create needs the name free; the others need the instance there.
        if operation == "create":
            dynamodb.delete_item(TableName=table, Key={"name": {"S": NAME}})
        else:
            dynamodb.put_item(TableName=table, Item=to_item(STORED))

    ours = HandlerRun(
        layout.paths(spec.logical_id), lambda_environment(spec, local), [event(operation)], flags=layout.flags
    )
    baseline_environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        **local,
        "AWS_ENDPOINT_URL_DYNAMODB": endpoint,
    }
    baseline = _Baseline([operation_name, json.dumps(request)], baseline_environment)
    return _Case(ours, baseline, reset)


def measure(endpoint: str, pairs: int, layout: Layout) -> dict[str, dict[str, float]]:
    """Median cold start per function and of the baseline, and the median per-pair ratio."""
    results = {}
    for operation, logical_id in FUNCTIONS.items():
        case = _case(endpoint, layout, operation)
        samples = Samples()
        for pair in range(pairs):
            order: list[tuple[str, HandlerRun | _Baseline]] = [("ours", case.ours), ("baseline", case.baseline)]
            if pair % 2:
                order.reverse()
            timings: dict[str, dict[str, Any]] = {}
            for label, process in order:
                case.reset()
                timings[label] = process.report()
            status = timings["ours"]["answers"][0]["statusCode"]
            if status >= 300:
                raise RuntimeError(f"{logical_id} answered {status} in the bench")
            samples.ours_ms.append(timings["ours"]["ms"])
            samples.baseline_ms.append(timings["baseline"]["ms"])
            samples.ratios.append(timings["ours"]["ms"] / timings["baseline"]["ms"])
            samples.rss_kb.append(timings["ours"]["rss_kb"])
            samples.baseline_rss_kb.append(timings["baseline"]["rss_kb"])
        results[operation] = samples.summary()
    return results


# Where a cold start's import time goes, by library: python -X importtime, each module's own
# time charged to the outermost package that pulled it in (asyncio under Powertools' AppSync
# resolver counts as Powertools). The first request's client creation and call are not imports.
_GROUPS = {
    "aws_lambda_powertools": "Powertools",
    "pydantic": "pydantic",
    "pydantic_core": "pydantic",
    "annotated_types": "pydantic",
    "typing_inspection": "pydantic",
    "typing_extensions": "pydantic",
    "botocore": "botocore",
    "boto3": "boto3",
    "s3transfer": "boto3",
    "instance_api": "instance_api",
    "app": "instance_api",
}


def _group(module: str) -> str | None:
    return _GROUPS.get(module.split(".", 1)[0])


def import_breakdown(endpoint: str, layout: Layout, operation: str) -> dict[str, dict[str, float]]:
    """Milliseconds of import per library in one cold start of `operation`'s function and of
    the bare boto3 baseline."""
    case = _case(endpoint, layout, operation)
    breakdown = {}
    for label, process in (("ours", case.ours), ("baseline", case.baseline)):
        case.reset()
        breakdown[label] = _by_library(process.run("-X", "importtime").stderr)
    return breakdown


def _by_library(importtime: str) -> dict[str, float]:
    totals: dict[str, float] = {}
    # importtime prints each module after the modules it imported, indented one step deeper:
    # read backwards, every line's ancestors are the shallower lines still on the stack.
    ancestry: list[tuple[int, str]] = []
    for line in reversed(importtime.splitlines()):
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        head, _, name_part = line.split("|")
        depth = len(name_part) - len(name_part.lstrip(" "))
        module = name_part.strip()
        while ancestry and ancestry[-1][0] >= depth:
            ancestry.pop()
        ancestry.append((depth, module))
        libraries = [group for _, name in ancestry if (group := _group(name)) not in (None, "instance_api")]
        group = libraries[0] if libraries else _group(module) or "standard library"
        totals[group] = totals.get(group, 0.0) + int(head.split(":")[1]) / 1000
    return dict(sorted(totals.items(), key=lambda entry: -entry[1]))
