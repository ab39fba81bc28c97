"""Warm cost per request: our code alone, DynamoDB stubbed out (no I/O), in one process.

Each operation's handler (the real one, with its Powertools decorators) answers thousands of
events in a row against the in-memory repository (devtools.in_memory_store) installed in
place of DynamoDB; the per-call time is measured around `lambda_handler`. The EMF metrics
line each call prints is written, to a discarded buffer.
"""

from __future__ import annotations

import contextlib
import io
import os
import statistics
import time

from bench.cold_start import FUNCTIONS, STORED, event
from devtools.in_memory_store import InMemoryStore
from devtools.in_process import load_handler_module
from devtools.lambda_runtime import LambdaContext
from devtools.template import Template
from instance_api import wiring

WARM_UP_CALLS = 200  # the first calls warm caches; they are not "warm" yet


def measure(iterations: int) -> dict[str, dict[str, float]]:
    template = Template.load()
    results = {}
    for operation, logical_id in FUNCTIONS.items():
        spec = template.functions()[logical_id]
        os.environ.update(spec.environment)
        store = InMemoryStore()
        wiring.install_store(store)
        module = load_handler_module(spec)
        request, context = event(operation), LambdaContext(logical_id)
        durations = []
        with contextlib.redirect_stdout(io.StringIO()) as sink:
            for index in range(iterations + WARM_UP_CALLS):
                # create needs the name free; the others need the instance there.
                store.items.pop(STORED["name"], None)
                if operation != "create":
                    store.items[STORED["name"]] = STORED.copy()
                started = time.perf_counter_ns()
                response = module.lambda_handler(request, context)
                elapsed = time.perf_counter_ns() - started
                if index >= WARM_UP_CALLS:
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
    wiring.reset()
    return results
