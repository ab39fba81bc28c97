"""Warm cost per request: our code alone, DynamoDB stubbed out (no I/O), in one process.

Each operation's handler (the real one, with its Powertools decorators) answers thousands of
events in a row against an in-memory stand-in for the store; the per-call time is measured
around `lambda_handler`. The EMF metrics line each call prints is written, to a discarded buffer.
"""

from __future__ import annotations

import contextlib
import io
import os
import statistics
import time
from typing import Any

from bench.cold_start import FUNCTIONS, _event, _item
from devtools.template import Template
from instance_api import service
from instance_api.store import Changes, Instance, InstanceStore, Page
from tests.support import LambdaContext, load_handler_module


class InMemoryStore(InstanceStore):
    """The store's interface over a dict: what our code costs without DynamoDB."""

    def __init__(self) -> None:
        self.items: dict[str, Instance] = {}

    def create(self, instance: Instance) -> None:
        self.items[instance["name"]] = instance

    def get(self, name: str) -> Instance:
        return self.items[name]

    def update(
        self,
        name: str,
        changes: Changes,
        updated_at: str,
        *,
        expected_version: int | None = None,
        expected_namespace: str | None = None,
    ) -> Instance:
        current = self.items[name]
        current = {**current, "version": current["version"] + 1, "updatedAt": updated_at}
        if changes.spec is not None:
            current["spec"] = changes.spec
        self.items[name] = current
        return current

    def delete(self, name: str, *, expected_version: int | None = None) -> None:
        self.items.pop(name, None)

    def list(self, namespace: str | None, limit: int, start_after: dict[str, str] | None) -> Page:
        return Page(list(self.items.values())[:limit], None)


def _stored() -> Instance:
    item = _item()
    return {
        "name": item["name"]["S"],
        "namespace": item["namespace"]["S"],
        "spec": {"image": item["spec"]["M"]["image"]["S"]},
        "shareStorage": True,
        "hostIDs": ["host-a", "host-b"],
        "version": 1,
        "createdAt": item["createdAt"]["S"],
        "updatedAt": item["updatedAt"]["S"],
    }


def measure(iterations: int) -> dict[str, dict[str, float]]:
    template = Template.load()
    store = InMemoryStore()
    service.instance_store = lambda: store  # type: ignore[assignment]
    results = {}
    for operation, logical_id in FUNCTIONS.items():
        spec = template.functions()[logical_id]
        os.environ.update(spec.environment)
        service.settings.cache_clear()
        module = load_handler_module(spec)
        event: dict[str, Any] = _event(operation)
        context = LambdaContext(logical_id)
        durations = []
        with contextlib.redirect_stdout(io.StringIO()) as sink:
            for index in range(iterations + 200):
                store.items["web-1"] = _stored()
                started = time.perf_counter_ns()
                response = module.lambda_handler(event, context)
                elapsed = time.perf_counter_ns() - started
                if index >= 200:  # the first calls warm caches; they are not "warm" yet
                    durations.append(elapsed / 1000)
                if response["statusCode"] != 200:
                    raise RuntimeError(f"{logical_id} answered {response['statusCode']}: {response['body']}")
                sink.seek(0)
                sink.truncate()
        durations.sort()
        results[operation] = {
            "p50_us": statistics.median(durations),
            "p99_us": durations[int(len(durations) * 0.99) - 1],
            "iterations": len(durations),
        }
    return results
