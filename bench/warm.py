"""Warm cost per request: our code alone, DynamoDB stubbed out (no I/O), in one process.

Each operation's handler (the real one, with its Powertools decorators) answers thousands of
events in a row against the in-memory repository (devtools.in_memory_store) installed in
place of DynamoDB; the per-call time is measured around `lambda_handler`. The EMF metrics
line each call prints is written, to a discarded buffer. `host` is the get function
answering `?hostID=` from the in-memory host index (one page, so no token is signed).
"""

from __future__ import annotations

import contextlib
import io
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

from bench.cold_start import CASES, FUNCTIONS, STORED
from devtools.events import load_event
from devtools.in_memory_store import InMemoryHostIndex, InMemoryReports, InMemoryRevisions, InMemoryStore
from devtools.in_process import compose, load_handler_module
from devtools.lambda_runtime import LambdaContext
from devtools.template import Template
from instance_api.composition import Composition
from instance_api.domain.changes import CREATED, Change

WARM_UP_CALLS = 200  # the first calls warm caches; they are not "warm" yet
HOST = "host-a"


def host_query() -> dict[str, Any]:
    """GET /api/v1/instance?hostID=host-a, as API Gateway sends it."""
    request = load_event("list")
    request["queryStringParameters"] = {"hostID": HOST}
    request["multiValueQueryStringParameters"] = {"hostID": [HOST]}
    return request


def _timed(
    handler: Callable[..., Any], request: dict[str, Any], context: Any, before: Callable[[], None], n: int, status: int
) -> list[float]:
    """Microseconds of `n` calls after the warm-up ones, each answering `status`; `before` runs
    ahead of each, untimed."""
    durations = []
    with contextlib.redirect_stdout(io.StringIO()) as sink:
        for index in range(n + WARM_UP_CALLS):
            before()
            started = time.perf_counter_ns()
            response = handler(request, context)
            elapsed = time.perf_counter_ns() - started
            if index >= WARM_UP_CALLS:
                durations.append(elapsed / 1000)
            if response["statusCode"] != status:
                raise RuntimeError(f"answered {response['statusCode']}: {response['body']}")
            sink.seek(0)
            sink.truncate()
    return sorted(durations)


def _summary(durations: list[float]) -> dict[str, float]:
    return {
        "p50_us": statistics.median(durations),
        "p99_us": durations[int(len(durations) * 0.99) - 1],
        "iterations": len(durations),
    }


def measure(iterations: int) -> dict[str, dict[str, float]]:
    template = Template.load()
    results = {}
    # The HTTP functions' cases: a stream consumer has no warm twin here (bench.change_feed measures it).
    cases = [(case.label, logical_id, case.event(), case.instance, case.status) for logical_id, case in CASES.items()]
    cases.append(("host", FUNCTIONS["get"], host_query(), "present", 200))
    for operation, logical_id, request, instance, status in cases:
        if status is None:
            continue
        spec = template.functions()[logical_id]
        os.environ.update(spec.environment)
        store, index = InMemoryStore(), InMemoryHostIndex()
        index.apply(Change(CREATED, {**STORED, "hostIDs": [HOST]}, None, STORED["createdAt"]))
        module = load_handler_module(spec)
        reports, revisions = InMemoryReports(), InMemoryRevisions()
        compose(module, Composition(store=store, host_index=index, reports=reports, revisions=revisions))

        def before(instance: str = instance, store: InMemoryStore = store) -> None:
            store.items.pop(STORED["name"], None)
            if instance == "present":
                store.items[STORED["name"]] = STORED.copy()

        results[operation] = _summary(
            _timed(module.lambda_handler, request, LambdaContext(logical_id), before, iterations, status)
        )
    return results
