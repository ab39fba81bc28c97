"""Cold start: a fresh process imports a function and answers its first request, against a
fresh process that imports boto3, builds a DynamoDB client and makes the same calls. Every
function in template.yaml has its case in CASES (its first request, and those calls).

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

import contextlib
import json
import os
import statistics
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from devtools.events import load_event
from devtools.fresh_interpreter import INTERPRETER_FLAGS, HandlerRun, last_report, run_python
from devtools.lambda_artifact import search_path
from devtools.lambda_environment import lambda_environment
from devtools.local_aws import client, local_environment
from devtools.local_events import LocalEventBridge
from devtools.template import Template
from instance_api.aws.eventbridge import SOURCE
from instance_api.aws.items import to_item
from instance_api.aws.reports import HEAD, report_item
from instance_api.domain.changes import CREATED
from instance_api.domain.hosts import Report
from instance_api.domain.instance import Instance

NAME = "web-1"

# The equivalent calls a user would write with boto3 alone: [[service, operation, request], ...].
# The DynamoDB client is built even for no call: every function that touches data pays it.
_BASELINE = """
import time
started = time.perf_counter()
import json, sys
import boto3
clients = {"dynamodb": boto3.client("dynamodb")}
for service, operation, request in json.loads(sys.argv[1]):
    if service not in clients:
        clients[service] = boto3.client(service)
    getattr(clients[service], operation)(**request)
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
    "labels": {"app": "web", "tier": "front"},
    "version": 1,
    "createdAt": "2026-11-27T10:00:00.000Z",
    "updatedAt": "2026-11-27T10:00:00.000Z",
}


Call = tuple[str, str, dict[str, Any]]  # a boto3 client's service, method and arguments


def _put(environment: dict[str, str]) -> list[Call]:
    request = {
        "TableName": environment["TABLE_NAME"],
        "Item": to_item(STORED),
        "ConditionExpression": "attribute_not_exists(#name)",
        "ExpressionAttributeNames": {"#name": "name"},
    }
    return [("dynamodb", "put_item", request)]


def _update(environment: dict[str, str]) -> list[Call]:
    request = {
        "Key": {"name": {"S": NAME}},
        "UpdateExpression": "SET #version = #version + :one, #spec = :spec",
        "ConditionExpression": "attribute_exists(#name)",
        "ExpressionAttributeNames": {"#name": "name", "#version": "version", "#spec": "spec"},
        "ExpressionAttributeValues": {":one": {"N": "1"}, ":spec": {"M": {"image": {"S": "nginx:1"}}}},
        "ReturnValues": "ALL_NEW",
    }
    return [("dynamodb", "update_item", {"TableName": environment["TABLE_NAME"], **request})]


def _get(environment: dict[str, str]) -> list[Call]:
    request = {"Key": {"name": {"S": NAME}}, "ConsistentRead": True}
    return [("dynamodb", "get_item", {"TableName": environment["TABLE_NAME"], **request})]


def _delete(environment: dict[str, str]) -> list[Call]:
    request = {
        "TableName": environment["TABLE_NAME"],
        "Key": {"name": {"S": NAME}},
        "ConditionExpression": "attribute_exists(#name)",
        "ExpressionAttributeNames": {"#name": "name"},
    }
    return [("dynamodb", "delete_item", request)]


def _no_call(environment: dict[str, str]) -> list[Call]:
    return []


def _publish(environment: dict[str, str]) -> list[Call]:
    """events/stream.json's one INSERT, as the consumer handles it: the instance's entry on
    each of its hosts in the host index, then one event on the bus."""
    table, bus = environment["HOST_INDEX_TABLE_NAME"], environment["EVENT_BUS_NAME"]
    entries: list[Call] = [
        ("dynamodb", "put_item", {"TableName": table, "Item": {**to_item(STORED), "hostID": {"S": host}}})
        for host in STORED["hostIDs"]
    ]
    event = {"Source": SOURCE, "DetailType": CREATED, "Detail": json.dumps(STORED), "EventBusName": bus}
    return [*entries, ("events", "put_events", {"Entries": [event]})]


def _view(environment: dict[str, str]) -> list[Call]:
    """events/host-view.json's page: host-a's revision, then its page of the host index."""
    revision = {"TableName": environment["HOST_REVISIONS_TABLE_NAME"], "Key": {"hostID": {"S": "host-a"}}}
    page = {
        "TableName": environment["HOST_INDEX_TABLE_NAME"],
        "KeyConditionExpression": "#host = :host",
        "ExpressionAttributeNames": {"#host": "hostID"},
        "ExpressionAttributeValues": {":host": {"S": "host-a"}},
        "Limit": 51,
    }
    return [("dynamodb", "get_item", {**revision, "ConsistentRead": True}), ("dynamodb", "query", page)]


def _report(environment: dict[str, str]) -> list[Call]:
    """events/host-status.json: the instance, the report, host-a's new revision, the instance's reports."""
    reports, revisions = environment["HOST_REPORTS_TABLE_NAME"], environment["HOST_REVISIONS_TABLE_NAME"]
    # Whole items, as the function writes them: the next case's function reads them back.
    report = report_item(NAME, Report("host-a", "Running", 1, None, STORED["updatedAt"], STORED["createdAt"]))
    query = {
        "TableName": reports,
        "KeyConditionExpression": "#name = :name",
        "ExpressionAttributeNames": {"#name": "name"},
        "ExpressionAttributeValues": {":name": {"S": NAME}},
        "ConsistentRead": True,
    }
    return [
        *_get(environment),
        ("dynamodb", "put_item", {"TableName": reports, "Item": report}),
        ("dynamodb", "put_item", {"TableName": revisions, "Item": {"hostID": {"S": "host-a"}, "revision": {"S": "0"}}}),
        ("dynamodb", "query", query),
    ]


def _phases(environment: dict[str, str]) -> list[Call]:
    """events/stream.json as the phase consumer handles it: web-1's reports and head, web-1,
    one event on the bus, the new head."""
    reports, bus = environment["HOST_REPORTS_TABLE_NAME"], environment["EVENT_BUS_NAME"]
    query = {
        "TableName": reports,
        "KeyConditionExpression": "#name = :name",
        "ExpressionAttributeNames": {"#name": "name"},
        "ExpressionAttributeValues": {":name": {"S": NAME}},
        "ConsistentRead": True,
    }
    head = {
        "name": {"S": NAME},
        "hostID": {"S": HEAD},
        "generation": {"S": STORED["createdAt"]},
        "version": {"N": "1"},
        "phase": {"S": "Progressing"},
        "token": {"S": "0"},
    }
    event = {"Source": SOURCE, "DetailType": "Instance Phase Changed", "Detail": "{}", "EventBusName": bus}
    return [
        ("dynamodb", "query", query),
        *_get(environment),
        ("events", "put_events", {"Entries": [event]}),
        ("dynamodb", "put_item", {"TableName": reports, "Item": head}),
    ]


def _update_event() -> dict[str, Any]:
    event = load_event("update")
    event["body"] = json.dumps({"name": NAME, "spec": {"image": "registry.example.com/team/web:1.5.0"}})
    return event


def _method_not_allowed_event() -> dict[str, Any]:
    event = load_event("get")
    event["httpMethod"] = event["requestContext"]["httpMethod"] = "PATCH"
    return event


@dataclass(frozen=True)
class Case:
    """How one function's cold start is measured: the first request it answers and the status
    that answer must carry (None: not an HTTP function, whose answer must report no failed
    batch item), whether the instance must exist first, and the AWS calls a bare boto3
    process makes instead, from the function's environment. A function that touches no data
    has no calls: its baseline imports boto3 and builds a DynamoDB client, the floor of every
    function that does."""

    label: str
    event: Callable[[], dict[str, Any]]
    baseline_calls: Callable[[dict[str, str]], list[Call]]
    instance: Literal["absent", "present", "either"] = "present"
    status: int | None = 200


# One case per function in template.yaml: measure() stops when a function has none. In this order
# the built artifact answers them one after another (tests/sam_build): create makes the instance
# that update, get, the host view and the report read, then delete removes it.
CASES = {
    "CreateInstanceFunction": Case("create", lambda: load_event("create"), _put, instance="absent"),
    "UpdateInstanceFunction": Case("update", _update_event, _update),
    "GetInstanceFunction": Case("get", lambda: load_event("get"), _get),
    "GetHostViewFunction": Case("view", lambda: load_event("host-view"), _view, instance="either"),
    "ReportHostStatusFunction": Case("report", lambda: load_event("host-status"), _report),
    "DeleteInstanceFunction": Case("delete", lambda: load_event("delete"), _delete),
    "RouteFallbackFunction": Case("fallback", _method_not_allowed_event, _no_call, instance="either", status=405),
    "PublishChangesFunction": Case("publish", lambda: load_event("stream"), _publish, instance="either", status=None),
    "PublishPhasesFunction": Case("phases", lambda: load_event("stream"), _phases, instance="either", status=None),
}
FUNCTIONS = {case.label: logical_id for logical_id, case in CASES.items()}


def check_cases(template: Template) -> None:
    """Every function in the template has its case, and every case its function."""
    functions = set(template.functions())
    missing, stale = sorted(functions - set(CASES)), sorted(set(CASES) - functions)
    if missing or stale:
        raise RuntimeError(
            f"bench/cold_start.py CASES does not match template.yaml: no case for {missing or 'none'}, "
            f"no function for {stale or 'none'}. Each function needs a Case: its first request, "
            "and the AWS calls a bare boto3 process would make instead."
        )


def event(operation: str) -> dict[str, Any]:
    """The event the bench sends `operation`'s function first."""
    return CASES[FUNCTIONS[operation]].event()


@contextlib.contextmanager
def local_services(template: Template) -> Iterator[dict[str, str]]:
    """AWS services besides DynamoDB that a first request reaches (the consumer's EventBridge),
    served locally for the duration: the variables that point both processes at them."""
    bridge = LocalEventBridge(template.event_buses(), region=template.region)
    try:
        yield {"AWS_ENDPOINT_URL_EVENTBRIDGE": bridge.endpoint}
    finally:
        bridge.stop()


@dataclass
class Samples:
    ours_ms: list[float] = field(default_factory=list)
    baseline_ms: list[float] = field(default_factory=list)
    ratios: list[float] = field(default_factory=list)
    rss_kb: list[int] = field(default_factory=list)
    baseline_rss_kb: list[int] = field(default_factory=list)

    def add(self, ours: dict[str, Any], baseline: dict[str, Any]) -> None:
        self.ours_ms.append(ours["ms"])
        self.baseline_ms.append(baseline["ms"])
        self.ratios.append(ours["ms"] / baseline["ms"])
        self.rss_kb.append(ours["rss_kb"])
        self.baseline_rss_kb.append(baseline["rss_kb"])

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
class Baseline:
    """The bare boto3 process: the calls it makes, and its environment."""

    calls: list[Call]
    environment: dict[str, str]

    @classmethod
    def against(cls, endpoint: str, region: str, calls: list[Call], services: dict[str, str] | None = None) -> Baseline:
        environment = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "C.UTF-8",
            **local_environment(endpoint, region),
            "AWS_ENDPOINT_URL_DYNAMODB": endpoint,
            **(services or {}),
        }
        return cls(calls, environment)

    def run(self, *extra_flags: str) -> subprocess.CompletedProcess[str]:
        return run_python(["-I", *extra_flags, "-c", _BASELINE, json.dumps(self.calls)], self.environment)

    def report(self) -> dict[str, Any]:
        return last_report(self.run())


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
class Pair:
    """One function's process, the bare boto3 one, what resets the store before each, and
    the status the function must answer (None: not HTTP, and no failed batch item)."""

    ours: HandlerRun
    baseline: Baseline
    reset: Callable[[], None]
    status: int | None

    def check(self, answer: Any, name: str) -> None:
        if self.status is None:
            failed = answer.get("batchItemFailures") if isinstance(answer, dict) else None
            if failed:
                raise RuntimeError(f"{name} failed {len(failed)} batch items in the bench")
            return
        status = answer.get("statusCode") if isinstance(answer, dict) else None
        if status != self.status:
            raise RuntimeError(f"{name} answered {status} in the bench, not {self.status}")


def _pair(endpoint: str, layout: Layout, logical_id: str, services: dict[str, str]) -> Pair:
    template = Template.load()
    case = CASES[logical_id]
    spec = template.functions()[logical_id]
    table = template.table("InstancesTable").name
    dynamodb = client(endpoint)

    def reset() -> None:
        if case.instance == "absent":
            dynamodb.delete_item(TableName=table, Key={"name": {"S": NAME}})
        elif case.instance == "present":
            dynamodb.put_item(TableName=table, Item=to_item(STORED))

    local = {**local_environment(endpoint, template.region), **services}
    ours = HandlerRun(layout.paths(logical_id), lambda_environment(spec, local), [case.event()], flags=layout.flags)
    calls = case.baseline_calls(spec.environment)
    return Pair(ours, Baseline.against(endpoint, template.region, calls, services), reset, case.status)


def sample(pair: Pair, pairs: int, name: str) -> Samples:
    """`pairs` interleaved runs (ours first, then the baseline first, and so on)."""
    samples = Samples()
    for index in range(pairs):
        order: list[tuple[str, HandlerRun | Baseline]] = [("ours", pair.ours), ("baseline", pair.baseline)]
        if index % 2:
            order.reverse()
        timings: dict[str, dict[str, Any]] = {}
        for label, process in order:
            pair.reset()
            timings[label] = process.report()
        pair.check(timings["ours"]["answers"][0], name)
        samples.add(timings["ours"], timings["baseline"])
    return samples


def measure(endpoint: str, pairs: int, layout: Layout) -> dict[str, dict[str, float]]:
    """Median cold start per function and of the baseline, and the median per-pair ratio."""
    template = Template.load()
    check_cases(template)
    with local_services(template) as services:
        return {
            case.label: sample(_pair(endpoint, layout, logical_id, services), pairs, logical_id).summary()
            for logical_id, case in CASES.items()
        }


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
    breakdown = {}
    with local_services(Template.load()) as services:
        pair = _pair(endpoint, layout, FUNCTIONS[operation], services)
        for label, process in (("ours", pair.ours), ("baseline", pair.baseline)):
            pair.reset()
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
