"""Local API throughput: creates/s and gets/s over loopback against `make run`'s server
(embedded store), with 1 and 8 concurrent clients on keep-alive connections, beside raw
in-process moto puts/s measured in the same run."""

from __future__ import annotations

import http.client
import json
import os
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from devtools.local_api.launch import local_api
from devtools.tables import create_table
from devtools.template import Template

REQUESTS = 400


def raw_moto_puts_per_second(count: int = 2000) -> float:
    import botocore.session
    from moto import mock_aws

    os.environ.update(AWS_ACCESS_KEY_ID="local", AWS_SECRET_ACCESS_KEY="local", AWS_DEFAULT_REGION="us-east-1")
    with mock_aws():
        dynamodb: Any = botocore.session.get_session().create_client("dynamodb", region_name="us-east-1")
        table = Template.load().table("InstancesTable")
        create_table(dynamodb, table)
        started = time.perf_counter()
        for index in range(count):
            dynamodb.put_item(
                TableName=table.name,
                Item={"name": {"S": f"raw-{index}"}, "namespace": {"S": "default"}, "version": {"N": "1"}},
                ConditionExpression="attribute_not_exists(#name)",
                ExpressionAttributeNames={"#name": "name"},
            )
        return count / (time.perf_counter() - started)


def _instance_path() -> str:
    """The create route, as template.yaml declares it (get is the same path with ?name=)."""
    return next(route.path for route in Template.load().routes() if route.method == "POST")


def _requests_per_second(port: int, clients: int, kind: str, run: str, requests: int) -> float:
    per_client = requests // clients
    path = _instance_path()

    def client(number: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for index in range(per_client):
            name = f"{run}-{clients}-{number}-{index}"
            if kind == "create":
                body = json.dumps({"name": name})
                connection.request("POST", path, body, {"Content-Type": "application/json"})
            else:
                connection.request("GET", f"{path}?name={name}")
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"{kind} answered {response.status}")
        connection.close()

    threads = [threading.Thread(target=client, args=(number,)) for number in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return clients * per_client / (time.perf_counter() - started)


def measure(requests: int = REQUESTS) -> dict[str, float]:
    raw = raw_moto_puts_per_second()
    with tempfile.TemporaryDirectory() as console, local_api(Path(console) / "local-api.log") as api:
        port = api.port
        # Start the workers 8 clients need, for both functions, before anything is timed.
        _requests_per_second(port, 8, "create", "warm-up", requests)
        _requests_per_second(port, 8, "get", "warm-up", requests)
        results = {"raw_moto_puts_per_s": raw}
        for clients in (1, 8):
            results[f"creates_per_s_{clients}"] = _requests_per_second(port, clients, "create", "run", requests)
            results[f"gets_per_s_{clients}"] = _requests_per_second(port, clients, "get", "run", requests)
    best = max(results[f"creates_per_s_{clients}"] for clients in (1, 8))
    results["best_creates_vs_raw_moto"] = best / raw
    return results
