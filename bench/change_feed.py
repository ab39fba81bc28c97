"""The change feed: how soon a write shows in the host query, how fast the consumer goes, and
what the host query adds to the get function's cold start.

- Stream lag: `make run`'s server (embedded store), one write at a time, each putting an
  instance on a host of its own; the lag is from the write's answer to the first
  `?hostID=` answer that lists it (polled every 10 ms). The write path is the whole local
  chain: the table's stream, the poller (as Lambda's event source mapping), the consumer
  in its worker, the host index.
- Consumer throughput: the consumer in a worker process, as `make run` runs it, fed
  batches of 100 records recorded from the store (creates and updates of instances on two
  hosts each) against the embedded store and the local EventBridge stand-in.
- Host-path cold start: the get function from the `sam build` artifact answering its first
  request, a get by name against a host query, in interleaved pairs (the ratio is the
  host query's over the get's; the get's own ratio to bare boto3 is `cold`'s).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench.cold_start import STORED, Layout, event
from bench.feed_floor import Recording
from bench.feed_load import cpu_by_kind
from bench.warm import HOST, host_query
from devtools.embedded_dynamodb import EmbeddedDynamoDB
from devtools.fresh_interpreter import HandlerRun
from devtools.lambda_environment import lambda_environment
from devtools.local_api.launch import local_api
from devtools.local_api.runtime import FunctionPool
from devtools.local_aws import client, local_environment
from devtools.local_events import LocalEventBridge
from devtools.stream_events import record
from devtools.tables import create_table, create_tables
from devtools.template import ROOT, Template
from instance_api.aws.eventbridge import EventBridgePublisher
from instance_api.aws.host_index import HostIndex
from instance_api.aws.items import to_item
from instance_api.changes.consumer import consume
from instance_api.domain.changes import CREATED, Change
from instance_api.domain.commands import CreateCommand, UpdateCommand
from instance_api.domain.instance import Desired
from instance_api.domain.service import InstanceService
from instance_api.observability import metrics

CONSUMER = "PublishChangesFunction"
WORKER = "consumer worker"  # feed_load.cpu_by_kind's name for its processes
BATCH = 100
POLL_S = 0.01


def _percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def _request(connection: http.client.HTTPConnection, method: str, path: str, body: Any = None) -> Any:
    headers = {"Content-Type": "application/json"} if body is not None else {}
    connection.request(method, path, json.dumps(body) if body is not None else None, headers)
    response = connection.getresponse()
    answer = json.loads(response.read())
    if response.status != 200:
        raise RuntimeError(f"{method} {path} answered {response.status}: {answer}")
    return answer


def stream_lag(writes: int) -> dict[str, float]:
    """Seconds from a write's answer to its instance listed by `?hostID=`, over `writes` writes."""
    lags = []
    with tempfile.TemporaryDirectory() as console, local_api(Path(console) / "local-api.log") as api:
        connection = http.client.HTTPConnection(api.host, api.port, timeout=60)
        path = next(route.path for route in Template.load().routes() if route.method == "POST")
        for number in range(writes + 5):  # the first five warm the workers up
            host = f"lag-{uuid.uuid4().hex[:10]}"
            _request(connection, "POST", path, {"name": f"lag-{number}", "hostIDs": [host]})
            written = time.perf_counter()
            while not _request(connection, "GET", f"{path}?hostID={host}")["data"]["items"]:
                if time.perf_counter() - written > 30:
                    raise RuntimeError(f"{host} did not show in the host query within 30 s")
                time.sleep(POLL_S)
            if number >= 5:
                lags.append(time.perf_counter() - written)
        connection.close()
    return {"p50_s": statistics.median(lags), "p99_s": _percentile(lags, 0.99), "max_s": max(lags), "writes": len(lags)}


def _recorded_batches(endpoint: str, batches: int) -> list[list[dict[str, Any]]]:
    def writes(service: InstanceService) -> None:
        for number in range(batches * BATCH // 2):
            name = f"feed-{number}"
            desired: Desired = {"spec": {"image": ""}, "shareStorage": False, "hostIDs": ["h-1", "h-2"], "labels": {}}
            service.create(CreateCommand(name, "team-a", desired))
            service.update(UpdateCommand(name, {"hostIDs": ["h-2", f"h-{number}"]}))

    records = record(endpoint, writes)
    return [records[start : start + BATCH] for start in range(0, len(records), BATCH)]


@contextlib.contextmanager
def _console_to(path: Path) -> Iterator[None]:
    """This process's stderr (and so its workers', which inherit it) into `path` for a while:
    the consumer logs its metrics on every batch."""
    sys.stderr.flush()
    saved = os.dup(2)
    with path.open("wb") as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)


def _floor_plan(batches: list[list[dict[str, Any]]], template: Template) -> list[dict[str, Any]]:
    """The calls the consumer makes for each batch (its own code, against clients that take note)."""
    spec = template.functions()[CONSUMER]
    planned = []
    for batch in batches:
        noted = Recording()
        index = HostIndex(noted, spec.environment["HOST_INDEX_TABLE_NAME"])
        consume(batch, index, EventBridgePublisher(noted, spec.environment["EVENT_BUS_NAME"]))
        metrics.clear_metrics()
        planned.append({"puts": noted.puts, "events": noted.events, "records": len(batch)})
    return planned


def _fresh_index(endpoint: str, template: Template) -> None:
    """The host index emptied, so every run's first writes land as the first run's did."""
    dynamodb, table = client(endpoint), template.table("HostIndexTable")
    dynamodb.delete_table(TableName=table.name)
    dynamodb.get_waiter("table_not_exists").wait(TableName=table.name)
    create_table(dynamodb, table)


def _floor(plan: Path) -> dict[str, float]:
    command = [sys.executable, "-m", "bench.feed_floor", str(plan)]
    answer = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True, timeout=600)
    replayed: dict[str, float] = json.loads(answer.stdout)
    return replayed


def _through_worker(pool: FunctionPool, recorded: list[list[dict[str, Any]]]) -> dict[str, float]:
    before, started = cpu_by_kind(os.getpid()), time.perf_counter()
    for number, batch in enumerate(recorded):
        answer = pool.invoke({"Records": batch}, f"batch-{number}")
        if answer != {"batchItemFailures": []}:
            raise RuntimeError(f"the consumer failed records: {answer}")
    seconds = time.perf_counter() - started
    cpu = cpu_by_kind(os.getpid()).get(WORKER, 0.0) - before.get(WORKER, 0.0)
    return {"seconds": seconds, "cpu_s": cpu, "records": sum(len(batch) for batch in recorded)}


def consumer_throughput(batches: int, rounds: int = 2) -> dict[str, Any]:
    """Records per second through the consumer's worker, batches of 100, on the embedded store,
    against the floor (the same calls, plain botocore), in alternating rounds (best of each)."""
    template = Template.load()
    store = EmbeddedDynamoDB()
    bridge = LocalEventBridge(template.event_buses(), region=template.region)
    pool: FunctionPool | None = None
    runs: dict[str, list[dict[str, float]]] = {"consumer": [], "floor": []}
    try:
        create_tables(client(store.endpoint), template.tables())
        recorded = _recorded_batches(store.endpoint, batches)
        environment = local_environment(store.endpoint, template.region, events_endpoint=bridge.endpoint)
        pool = FunctionPool(template.functions()[CONSUMER], environment, max_workers=1)
        with tempfile.TemporaryDirectory() as scratch, _console_to(Path(scratch) / "consumer.log"):
            plan = Path(scratch) / "floor.json"
            batches_planned = _floor_plan(recorded, template)
            layout = {"dynamodb": store.endpoint, "events": bridge.endpoint, "region": template.region}
            plan.write_text(json.dumps({**layout, "batches": batches_planned}), encoding="utf-8")
            pool.invoke({"Records": recorded[0][:1]}, "warm-up")  # the cold start is not throughput
            for _ in range(rounds):
                _fresh_index(store.endpoint, template)
                runs["floor"].append(_floor(plan))
                _fresh_index(store.endpoint, template)
                runs["consumer"].append(_through_worker(pool, recorded))
        return _throughput_summary(runs, batches_planned)
    finally:
        if pool is not None:
            pool.close()
        bridge.stop()
        store.stop()


def _throughput_summary(runs: dict[str, list[dict[str, float]]], planned: list[dict[str, Any]]) -> dict[str, Any]:
    best = {kind: min(results, key=lambda run: run["seconds"]) for kind, results in runs.items()}
    records = best["consumer"]["records"]
    per_s = {kind: run["records"] / run["seconds"] for kind, run in best.items()}
    return {
        "records_per_s": per_s["consumer"],
        "floor_records_per_s": per_s["floor"],
        "vs_floor": per_s["consumer"] / per_s["floor"],
        "consumer_cpu_ms_per_record": 1000 * best["consumer"]["cpu_s"] / records,
        "floor_cpu_ms_per_record": 1000 * best["floor"]["cpu_s"] / records,
        "records": records,
        "index_writes": sum(len(batch["puts"]) for batch in planned),
        "put_events_calls": sum(len(batch["events"]) for batch in planned),
        "events": sum(len(call) for batch in planned for call in batch["events"]),
        "rounds": len(runs["consumer"]),
    }


def host_cold_start(endpoint: str, layout: Layout, pairs: int) -> dict[str, float]:
    """The get function's first answer, a get by name against a host query, interleaved."""
    template = Template.load()
    spec = template.functions()["GetInstanceFunction"]
    dynamodb = client(endpoint)
    dynamodb.put_item(TableName=spec.environment["TABLE_NAME"], Item=to_item(STORED))
    index = HostIndex(dynamodb, spec.environment["HOST_INDEX_TABLE_NAME"])
    index.apply(Change(CREATED, {**STORED, "hostIDs": [HOST]}, None, STORED["createdAt"]))
    environment = lambda_environment(spec, local_environment(endpoint, template.region))
    runs = {
        label: HandlerRun(layout.paths(spec.logical_id), environment, [request], flags=layout.flags)
        for label, request in (("get", event("get")), ("host", host_query()))
    }
    timings: dict[str, list[float]] = {"get": [], "host": []}
    for pair in range(pairs):
        for label in ("get", "host") if pair % 2 == 0 else ("host", "get"):
            report = runs[label].report()
            if report["answers"][0]["statusCode"] != 200:
                raise RuntimeError(f"the get function answered {report['answers'][0]} to {label}")
            timings[label].append(report["ms"])
    ratios = [host / get for host, get in zip(timings["host"], timings["get"], strict=True)]
    return {
        "get_ms": statistics.median(timings["get"]),
        "host_ms": statistics.median(timings["host"]),
        "host_vs_get": statistics.median(ratios),
        "pairs": pairs,
    }
