"""Peers: the cold-start measurement of `make bench` on a typical Powertools + pydantic handler.

    .venv/bin/python -m bench.peers [--pairs 20]

bench/peer_handler.py (a minimal equivalent of the cookbook's create and delete handlers,
see its docstring) runs as Lambda would run it: copied as `app.py` into a scratch function
folder, beside stock Powertools, pydantic and the X-Ray SDK from this venv (3.37.0 and
2.14.4, the versions our layer pins; with their bytecode; the lazy-import patch is ours
alone) and the runtime's boto3, with X-Ray tracing on as the cookbook deploys it. Its
baseline is the bare boto3 process of `make bench` making the same DynamoDB calls (create:
PutItem; delete: GetItem then DeleteItem) against the same loopback DynamoDB, in
interleaved pairs, median of the per-pair ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from devtools import lambda_artifact
from devtools.embedded_dynamodb import EmbeddedDynamoDB
from devtools.fresh_interpreter import HandlerRun
from devtools.lambda_environment import lambda_environment
from devtools.local_aws import client, local_environment
from devtools.template import LOCAL_REGION, FunctionSpec

if TYPE_CHECKING:
    from bench.cold_start import Call, Pair

HANDLER = Path(__file__).with_name("peer_handler.py")
PACKAGES = (
    "aws_lambda_powertools",
    "pydantic",
    "pydantic_core",
    "annotated_types",
    "typing_extensions",
    "typing_inspection",
    "aws_xray_sdk",
    "wrapt",
)
TABLE = "cookbook-orders"
ORDER_ID = "5c9dbf6c-1c4c-4d53-a1ac-0c04e1a8c1b5"
ORDER = {"id": {"S": ORDER_ID}, "name": {"S": "RanTheBuilder"}, "item_count": {"N": "5"}, "created_at": {"N": "1"}}
# What Lambda sets for a sampled, traced request (the daemon address has no listener here).
TRACING = {
    "_X_AMZN_TRACE_ID": "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
    "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",
    "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
}
ENVIRONMENT = {
    "POWERTOOLS_SERVICE_NAME": "Orders",
    "LOG_LEVEL": "INFO",
    "TABLE_NAME": TABLE,
    "CONFIGURATION_APP": "orders",
    "CONFIGURATION_ENV": "dev",
    "CONFIGURATION_NAME": "features",
    "CONFIGURATION_MAX_AGE_MINUTES": "5",
    "REST_API": "https://www.ranthebuilder.cloud/api",
    "ROLE_ARN": "arn:partition:service:region:account-id:resource-type:resource-id",
    "IDEMPOTENCY_TABLE_NAME": "cookbook-idempotency",
}


def _event(operation: str) -> dict[str, Any]:
    from bench.cold_start import CASES

    event = CASES["CreateInstanceFunction"].event()
    method, path = ("POST", "/api/orders/") if operation == "create" else ("DELETE", f"/api/orders/{ORDER_ID}")
    event["httpMethod"] = event["requestContext"]["httpMethod"] = method
    event["path"] = event["requestContext"]["path"] = path
    resource = "/api/orders/" if operation == "create" else "/api/orders/{order_id}"
    event["resource"] = event["requestContext"]["resourcePath"] = resource
    event["pathParameters"] = None if operation == "create" else {"order_id": ORDER_ID}
    event["body"] = json.dumps({"customer_name": "RanTheBuilder", "order_item_count": 5}) if method == "POST" else None
    return event


def _calls(operation: str) -> list[Call]:
    if operation == "create":
        item = {**ORDER, "id": {"S": "4f6f3d52-8f1e-4b43-9d52-5b0f5e5c2b11"}}
        return [("dynamodb", "put_item", {"TableName": TABLE, "Item": item})]
    key = {"id": {"S": ORDER_ID}}
    return [
        ("dynamodb", "get_item", {"TableName": TABLE, "Key": key}),
        ("dynamodb", "delete_item", {"TableName": TABLE, "Key": key}),
    ]


def _pair(endpoint: str, workspace: Path, layer: Path, runtime: Path, operation: str) -> Pair:
    from bench.cold_start import Baseline, Pair

    function = workspace / f"cookbook-{operation}"
    function.mkdir()
    shutil.copyfile(HANDLER, function / "app.py")
    name = f"Cookbook{operation.title()}Order"
    spec = FunctionSpec(name, function, "app.lambda_handler", "python3.13", 256, 15, {}, ())
    local = {**local_environment(endpoint), **ENVIRONMENT, **TRACING, "COOKBOOK_HANDLER": operation}
    environment = {**lambda_environment(spec, local), "AWS_ENDPOINT_URL_DYNAMODB": endpoint}
    ours = HandlerRun([function, layer, runtime], environment, [_event(operation)])
    dynamodb = client(endpoint)

    def reset() -> None:
        # delete needs the order there; create writes a new id each time.
        dynamodb.put_item(TableName=TABLE, Item=ORDER)

    return Pair(ours, Baseline.against(endpoint, LOCAL_REGION, _calls(operation)), reset, 200)


def measure(endpoint: str, pairs: int, workspace: Path) -> dict[str, dict[str, float]]:
    from bench.cold_start import sample

    client(endpoint).create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    layer = lambda_artifact.runtime_packages(workspace / "layer", PACKAGES)
    runtime = lambda_artifact.runtime_packages(workspace / "runtime")
    results = {}
    for operation in ("create", "delete"):
        pair = _pair(endpoint, workspace, layer, runtime, operation)
        results[operation] = sample(pair, pairs, f"cookbook {operation}").summary()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.peers", description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=int(os.environ.get("BENCH_PAIRS") or 20))
    arguments = parser.parse_args(argv)
    store = EmbeddedDynamoDB()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-peers-") as scratch:
            results = measure(store.endpoint, arguments.pairs, Path(scratch))
    finally:
        store.stop()
    print(f"cookbook-shaped handler (bench/peer_handler.py), cold start; median of {arguments.pairs} pairs")
    print(f"  {'handler':<9}{'peer ms':>10}{'boto3 ms':>10}{'ratio':>8}{'RSS MB':>9}")
    for operation, row in results.items():
        print(
            f"  {operation:<9}{row['ours_ms']:>10.1f}{row['baseline_ms']:>10.1f}"
            f"{row['ratio']:>7.2f}x{row['rss_mb']:>9.1f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
